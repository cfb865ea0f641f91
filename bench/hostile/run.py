"""Each hostile or careless input of issues 13 and 18 beside a good letter: outcomes, peak memory and time.

    .venv/bin/python bench/hostile/run.py [--out bench/hostile]

Each case is one inbox processed by the library's pass (`run_pass`, no Prefect) in a child Python process whose peak
resident memory is its own `VmHWM`. Writes results.md and results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.support.letters import write_letter  # noqa: E402
from tests.test_hostile_batch import BILLION_LAUGHS, EXCEL_CSV  # noqa: E402

_CHILD = """
import json, sys
from pathlib import Path
from samizdat.passes import process_directly, run_pass
from samizdat.settings import Settings
settings = Settings(inbox=Path(sys.argv[1]), processed=Path(sys.argv[2]), settle_s=0)
results = []
for outcome in run_pass(settings, process_directly(settings)):
    meta = settings.items_dir / (outcome.item_id or "-") / "data" / "metadata.json"
    access = json.loads(meta.read_text())["access"] if meta.exists() else ""
    results.append({"file": outcome.filename, "status": outcome.status, "access": access,
                    "reason": (outcome.reason or "")[:90]})
hwm = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"results": results, "peak_kb": int(hwm)}))
"""




def _named(inbox: Path, raw: bytes) -> Path:
    return Path(os.fsdecode(bytes(inbox) + b"/" + raw))


CASES: dict[str, Callable[[Path], None]] = {
    "billion-laughs sidecar": lambda inbox: (write_letter(inbox / "x.png"),
                                             (inbox / "x.png.yaml").write_text(BILLION_LAUGHS)),
    "50 MB sidecar": lambda inbox: (write_letter(inbox / "x.png"),
                                    (inbox / "x.png.yaml").write_bytes(b"title: " + b"x" * 50 * 2**20)),
    "cp1251 file name": lambda inbox: write_letter(_named(inbox, "Письмо.png".encode("cp1251"))),
    "KOI8-R file name": lambda inbox: write_letter(_named(inbox, "Письмо.png".encode("koi8-r"))),
    "28000x28000 PNG": lambda inbox: Image.new("1", (28000, 28000), 1).save(inbox / "huge.png"),
    "Excel CSV (cp1251, ;, doubled quotes, March 1978)": lambda inbox: (
        write_letter(inbox / "interview.png"), (inbox / "metadata.csv").write_bytes(EXCEL_CSV.encode("cp1251"))),
    "Thumbs.db": lambda inbox: (inbox / "Thumbs.db").write_bytes(b"\x00" * 4096),
    "symlinked sidecar -> secrets": lambda inbox: (write_letter(inbox / "x.png"),
                                                   (inbox / "x.png.yaml").symlink_to("/etc/shadow")),
    "title: Letter: from Moscow": lambda inbox: (write_letter(inbox / "x.png"),
                                                 (inbox / "x.png.yaml").write_text("title: Letter: from Moscow\n")),
    "access:<TAB>restricted": lambda inbox: (write_letter(inbox / "x.png"),
                                             (inbox / "x.png.yaml").write_text("access:\trestricted\n")),
    "UTF-16 sidecar, restricted": lambda inbox: (write_letter(inbox / "x.png"), (inbox / "x.png.yaml").write_bytes(
        "access: restricted\n".encode("utf-16"))),
    "upper-case .YAML sidecar": lambda inbox: (write_letter(inbox / "x.png"),
                                               (inbox / "x.png.YAML").write_text("access: restricted\n")),
}


def run_case(name: str, build: Callable[[Path], None]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        inbox, processed = Path(tmp) / "inbox", Path(tmp) / "processed"
        inbox.mkdir()
        write_letter(inbox / "good.png", "A good letter beside it")
        build(inbox)
        started = time.monotonic()
        child = subprocess.run([sys.executable, "-c", _CHILD, str(inbox), str(processed)], capture_output=True,
                               check=True)
        report = json.loads(child.stdout.splitlines()[-1])
        # The child's own high-water mark since exec; ru_maxrss would count this process's pages too.
        return {"case": name, "outcomes": report["results"], "peak_mb": round(report["peak_kb"] / 1024),
                "seconds": round(time.monotonic() - started, 1),
                "left_in_inbox": sorted(os.fsencode(p.name).decode("utf-8", "replace") for p in inbox.iterdir())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args()
    rows = [run_case(name, build) for name, build in CASES.items()]
    (args.out / "results.json").write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    lines = ["# Hostile inputs, each beside a good letter, one fresh process each", "",
             "| input | outcomes (file: status, access) | left in inbox | peak MB | s |", "|---|---|---|---:|---:|"]
    for row in rows:
        outcomes = "; ".join(f"{o['file']}: {o['status']} {o['access']}".strip() for o in row["outcomes"])
        lines.append(f"| {row['case']} | {outcomes} | {', '.join(row['left_in_inbox']) or '-'} | {row['peak_mb']} "
                     f"| {row['seconds']} |")
    (args.out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
