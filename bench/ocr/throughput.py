"""Pages/min of plain Tesseract and Samizdat, alternated (A B A B ...) so both see the same machine load.

On a shared machine one pass per system measures the neighbours as much as the systems; alternating whole
passes over the same pages and comparing the medians of the rounds removes most of that. One Tesseract process
per core for both; Samizdat through its page pool (one plain read plus the score; escalation where poor).

Run: `python bench/ocr/throughput.py [SET ...] [--rounds 3]` -> prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sets  # noqa: E402
from run import run_samizdat, run_tesseract  # noqa: E402


def measure(name: str, rounds: int) -> dict[str, list[float]]:
    """Seconds per pass of each system, alternating."""
    pages = sets.load(name)
    out: dict[str, list[float]] = {"plain": [], "samizdat": []}
    run_samizdat(pages[:1])  # load the dictionaries once, as a long-running worker has them
    for _ in range(rounds):
        for system in ("plain", "samizdat"):
            started = time.perf_counter()
            if system == "plain":
                run_tesseract(pages, [])
            else:
                run_samizdat(pages)
            out[system].append(time.perf_counter() - started)
            print(f"{name} {system} {out[system][-1]:.1f} s", file=sys.stderr)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", default=["corpus", "augraphy-test"])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    # Samizdat's pages wait for machine-wide slots shared by every Samizdat process here (ocr/pool.py); plain
    # Tesseract does not: private slots, so neither waits for other people's work.
    os.environ.setdefault("SAMIZDAT_OCR_SLOTS", tempfile.mkdtemp(prefix="bench-ocr-slots-"))
    print("| set | pages | rounds | plain s (median) | samizdat s (median) | plain pages/min | samizdat pages/min "
          "| ratio |\n|---|---:|---:|---:|---:|---:|---:|---:|")
    for set_name in args.sets:
        seconds = measure(set_name, args.rounds)
        count = len(sets.load(set_name))
        plain, ours = statistics.median(seconds["plain"]), statistics.median(seconds["samizdat"])
        print(f"| {set_name} | {count} | {args.rounds} | {plain:.1f} | {ours:.1f} | {count / plain * 60:.1f} | "
              f"{count / ours * 60:.1f} | {plain / ours:.2f} |")
