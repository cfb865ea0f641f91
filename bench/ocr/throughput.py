"""Pages/min of plain Tesseract and Samizdat, alternated (A B A B ...) so both see the same machine load.

On a shared machine one pass per system measures the neighbours as much as the systems; alternating whole
passes over the same pages and comparing the medians of the rounds removes some of that. Not all: under the
kernel's autogroup scheduling each session is a group with its own share, so on a loaded machine the Python side
of Samizdat (one group) and its Tesseract runs (a session each) get very different shares of the CPU. The CPU
seconds each pass consumed (this process and the Tesseract processes it waited for) do not depend on the load:
with every core busy, pages/min is pages / (CPU seconds / cores), so the CPU ratio is the throughput ratio of a
dedicated machine. One Tesseract process per core for both; Samizdat through its page pool (one plain read plus
the score; escalation where poor).

Run: `python bench/ocr/throughput.py [SET ...] [--rounds 3]` -> prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sets  # noqa: E402
from run import run_samizdat, run_tesseract  # noqa: E402


def _cpu_seconds() -> float:
    """CPU time of this process (all its threads) and of every child it has waited for (the Tesseract runs)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(name: str, rounds: int) -> dict[str, list[float]]:
    """Wall and CPU seconds per pass of each system, alternating."""
    pages = sets.load(name)
    out: dict[str, list[float]] = {"plain": [], "samizdat": [], "plain cpu": [], "samizdat cpu": []}
    run_samizdat(pages[:1])  # load the dictionaries once, as a long-running worker has them
    for _ in range(rounds):
        for system in ("plain", "samizdat"):
            started, cpu = time.perf_counter(), _cpu_seconds()
            if system == "plain":
                run_tesseract(pages, [])
            else:
                run_samizdat(pages)
            out[system].append(time.perf_counter() - started)
            out[f"{system} cpu"].append(_cpu_seconds() - cpu)
            print(f"{name} {system} {out[system][-1]:.1f} s, CPU {out[f'{system} cpu'][-1]:.1f} s", file=sys.stderr)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", default=["corpus", "augraphy-test"])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    # Samizdat's pages wait for machine-wide slots shared by every Samizdat process here (ocr/pool.py); plain
    # Tesseract does not: private slots, so neither waits for other people's work.
    os.environ.setdefault("SAMIZDAT_OCR_SLOTS", tempfile.mkdtemp(prefix="bench-ocr-slots-"))
    print("| set | pages | rounds | plain s (median) | samizdat s (median) | ratio (wall) | plain CPU s | "
          "samizdat CPU s | ratio (CPU) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for set_name in args.sets:
        seconds = measure(set_name, args.rounds)
        count = len(sets.load(set_name))
        plain, ours = statistics.median(seconds["plain"]), statistics.median(seconds["samizdat"])
        plain_cpu, ours_cpu = statistics.median(seconds["plain cpu"]), statistics.median(seconds["samizdat cpu"])
        print(f"| {set_name} | {count} | {args.rounds} | {plain:.1f} | {ours:.1f} | {plain / ours:.2f} | "
              f"{plain_cpu:.1f} | {ours_cpu:.1f} | {plain_cpu / ours_cpu:.2f} |", flush=True)
