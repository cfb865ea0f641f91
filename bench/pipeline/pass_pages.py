"""A pass over single-page scans against plain Tesseract on the same pages (issue 11, "Speed").

    .venv/bin/python bench/pipeline/pass_pages.py [--out bench/pipeline/pass-pages]

The issue's case: ten single-page scans, read by `samizdat process` (the README's main job: a private Prefect
server, every item published as a bag, indexed) and by plain `tesseract PAGE stdout -l eng+rus`, one process per
core, on the same pages. The ten pages: the shared corpus' six scanned images (phototest, eurotext, typewriter,
aleph_russian, 8087_054.3B, 8071_093.3B) and four one-page scanned PDFs (c02-22, epson, linn, skew), given to
Tesseract as the bench's 300 dpi renderings. None of them was used to tune anything in the pass.

Reported: wall seconds of each (the pass from the command's start to its exit, so the private server's start is in
it), the same for a pass over an empty inbox (what the start and end of a pass cost), and the CPU seconds of each
(the process tree, waited for: independent of the machine's load, unlike the walls).
Writes OUT.md and OUT.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "bench" / "ocr"))

import sets  # noqa: E402

IMAGES = ["phototest.tif", "eurotext.tif", "typewriter.png", "aleph_russian.png", "8087_054.3B.tif", "8071_093.3B.tif"]
PDFS = ["c02-22", "epson", "linn", "skew"]
CORES = os.cpu_count() or 1


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _pages() -> tuple[list[Path], list[tuple[str, int | None]]]:
    """The files for the inbox, and what plain Tesseract reads for each (an image, or a PDF's rendering)."""
    files = [sets.CORPUS / "images" / name for name in IMAGES]
    plain: list[tuple[str, int | None]] = [(str(path), None) for path in files]
    for stem in PDFS:
        path = sets.CORPUS / "pdf" / "scanned" / f"{stem}.pdf"
        files.append(path)
        plain += [(png, dpi) for png, dpi in sets._render_pdf(path)]
    return files, plain


def plain_tesseract(pages: list[tuple[str, int | None]]) -> dict[str, float]:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(page: tuple[str, int | None]) -> None:
        path, dpi = page
        subprocess.run(["tesseract", path, "stdout", "-l", "eng+rus", *(["--dpi", str(dpi)] if dpi else [])],
                       env=env, capture_output=True, check=True)

    cpu, start = _children_cpu(), time.monotonic()
    with ThreadPoolExecutor(CORES) as pool:
        list(pool.map(one, pages))
    return {"wall_s": round(time.monotonic() - start, 2), "cpu_s": round(_children_cpu() - cpu, 2)}


def samizdat_pass(files: list[Path]) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="samizdat-pass-"))
    inbox, processed = root / "inbox", root / "processed"
    inbox.mkdir()
    for path in files:
        shutil.copy2(path, inbox / path.name)
    env = {**os.environ, "PREFECT_HOME": str(root / "prefect-home"), "SAMIZDAT_SETTLE_S": "0"}
    env.pop("PREFECT_API_URL", None)
    cpu, start = _children_cpu(), time.monotonic()
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "samizdat"), "process", "--inbox", str(inbox),
                           "--processed", str(processed)], env=env, capture_output=True, text=True, cwd=root)
    wall, cpu = time.monotonic() - start, _children_cpu() - cpu
    bags = sorted(p for p in processed.rglob("metadata.json") if "data" in p.parts)
    items = [json.loads(p.read_text(encoding="utf-8")) for p in bags]
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "returncode": done.returncode,
            "published": len(items), "items": len(files), "root": str(root)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "pass-pages"))
    args = parser.parse_args()
    files, plain_pages = _pages()
    load_before = os.getloadavg()
    plain = plain_tesseract(plain_pages)
    samizdat = samizdat_pass(files)
    empty = samizdat_pass([])
    load_after = os.getloadavg()
    out = {"pages": len(plain_pages), "plain": plain, "samizdat": samizdat, "empty_pass": empty,
           "load_before": [round(v, 1) for v in load_before], "load_after": [round(v, 1) for v in load_after],
           "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    Path(args.out).with_suffix(".json").write_text(json.dumps(out, indent=1), encoding="utf-8")
    lines = [
        "# A pass over ten single-page scans against plain Tesseract (bench/pipeline/pass_pages.py)", "",
        f"{out['when']}, 2 cores, load average before {out['load_before']}, after {out['load_after']}.", "",
        "| system | pages | wall s | pages/min (wall) | CPU s | pages/min on a dedicated machine (CPU) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in (("plain tesseract, one per core", plain), ("samizdat process", samizdat)):
        wall, cpu = row["wall_s"], row["cpu_s"]
        lines.append(f"| {name} | {len(plain_pages)} | {wall} | {60 * len(plain_pages) / wall:.1f} | {cpu} | "
                     f"{60 * len(plain_pages) * CORES / cpu:.1f} |")
    lines += ["", f"- published {samizdat['published']} of {samizdat['items']} (exit code {samizdat['returncode']})",
              f"- ratio samizdat / plain: wall {plain['wall_s'] / samizdat['wall_s']:.2f}, "
              f"CPU {plain['cpu_s'] / samizdat['cpu_s']:.2f}",
              f"- a pass over an empty inbox: wall {empty['wall_s']} s, CPU {empty['cpu_s']} s;"
              f" without it the ratio is "
              f"wall {plain['wall_s'] / (samizdat['wall_s'] - empty['wall_s']):.2f}, "
              f"CPU {plain['cpu_s'] / (samizdat['cpu_s'] - empty['cpu_s']):.2f}"]
    Path(args.out).with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
