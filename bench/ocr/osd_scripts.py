"""What Tesseract OSD says about each labelled page's script, and how sure it is (sets `osd_script_min_confidence`).

Per page of the augraphy dev half, the corpus and holdout-v1 (and the test half, reported, not used): the script
OSD names, its script confidence and orientation confidence, against the script of the page's language. The
setting must lie above every confidence at which a wrong script was named on the dev half.

Run: `python bench/ocr/osd_scripts.py [SET ...]` -> osd-scripts.md beside this file.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sets  # noqa: E402
from run import _env  # noqa: E402

SCRIPT = {"en": "Latin", "fr": "Latin", "ru": "Cyrillic"}


def osd(page: sets.BenchPage) -> dict[str, str]:
    args = ["tesseract", page.path, "stdout", "--psm", "0", "-l", "osd"]
    args += ["--dpi", str(page.dpi)] if page.dpi else []
    out = subprocess.run(args, capture_output=True, env=_env()).stdout.decode("utf-8", "replace")
    return {k.strip(): v.strip() for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", default=["augraphy-dev", "corpus", "holdout", "augraphy-test"])
    args = parser.parse_args()
    lines = ["# OSD's script per page", "", "Written by `bench/ocr/osd_scripts.py`. `-`: OSD gave no answer "
             "(too little text it could use).", "",
             "| set | page | script of its language | OSD script | script confidence | orientation confidence "
             "| right |",
             "|---|---|---|---|---:|---:|---|"]
    wrong: dict[str, list[float]] = {}
    for name in args.sets:
        for page in sets.load(name):
            found = osd(page)
            script = found.get("Script", "-")
            right = script == SCRIPT[page.lang]
            if script != "-" and not right:
                wrong.setdefault(name, []).append(float(found["Script confidence"]))
            lines.append(f"| {name} | {page.name} | {SCRIPT[page.lang]} | {script} | "
                         f"{found.get('Script confidence', '-')} | {found.get('Orientation confidence', '-')} | "
                         f"{'yes' if right else 'no' if script != '-' else '-'} |")
    lines += ["", "Highest script confidence of a wrong script, per set: "
              + ", ".join(f"{name} {max(values):.2f}" for name, values in wrong.items()), ""]
    (HERE / "osd-scripts.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines[-2:]))


if __name__ == "__main__":
    main()
