"""Where Samizdat's CPU goes, per page and per step, against plain Tesseract on the same page (CPU seconds).

One page at a time in this process (no pool), so every CPU second is attributed to the step that spent it:
Tesseract's own time (the child processes waited for) per reading and for OSD, and this process's time for the
ink survey, the score, the binarisation, writing the page for Tesseract, and the outputs (ALTO, searchable PDF
page). CPU seconds do not depend on what else runs on the machine; wall time does.

Run: `python bench/ocr/cost.py [SET ...] [--json out.json]` -> a Markdown table per set on stdout.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sets  # noqa: E402
from run import _env, warm_up  # noqa: E402

_STACK: list[str] = []
_COST: dict[str, float] = defaultdict(float)


def _children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def _step(name: str) -> Iterator[None]:
    """Charge this process's CPU and its children's to `name` (nested steps are charged to themselves only)."""
    own, kids = time.process_time(), _children()
    _STACK.append(name)
    try:
        yield
    finally:
        _STACK.pop()
        spent_own, spent_kids = time.process_time() - own, _children() - kids
        _COST[name] += spent_own + spent_kids
        if _STACK:  # the parent step must not be charged again
            parent = _STACK[-1]
            _COST[parent] -= spent_own + spent_kids


def _wrap(owner: Any, attr: str, label: Callable[..., str]) -> None:
    original = getattr(owner, attr)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with _step(label(*args, **kwargs)):
            return original(*args, **kwargs)

    setattr(owner, attr, wrapped)


def instrument() -> None:
    """Wrap the page reader's steps so each charges its CPU to its own name."""
    from samizdat.ocr import engine as engine_mod
    from samizdat.ocr import page, tesseract

    _wrap(page, "survey_ink", lambda *a, **k: "ink survey")
    _wrap(page, "judge", lambda *a, **k: "score")
    _wrap(page, "normalised_binary", lambda *a, **k: "normalised binarisation")
    _wrap(page, "overlay_text_page", lambda *a, **k: "searchable PDF page")
    _wrap(page, "image_pdf_page", lambda *a, **k: "searchable PDF page")
    _wrap(tesseract, "_save_page", lambda *a, **k: "page written for Tesseract")
    _wrap(tesseract, "_run", lambda args, *a, **k: "OSD" if "osd" in args else f"Tesseract, {_STACK[-1]}")
    _wrap(page._Reader, "read", lambda self, name, *a, **k: f"reading {name.split(' ')[0]}")
    _wrap(engine_mod, "hocr_to_alto", lambda *a, **k: "ALTO")


def plain_cpu(page: sets.BenchPage) -> float:
    """Plain Tesseract as the bench runs it: the page file in, text out."""
    args = ["tesseract", page.path, "stdout", "-l", page.tess]
    if page.dpi:
        args += ["--dpi", str(page.dpi)]
    before = _children()
    subprocess.run(args, capture_output=True, env=_env(), timeout=300, check=False)
    return _children() - before


def profile(name: str) -> list[dict[str, Any]]:
    """Per page: plain Tesseract's CPU seconds and Samizdat's, by step."""
    from samizdat.models import Page
    from samizdat.ocr.page import PageImage, ocr_page_safely
    from samizdat.settings import OcrOptions

    options = OcrOptions(workers=1)
    rows = []
    for page in sets.load(name):
        plain = plain_cpu(page)
        _COST.clear()
        with _step("other"):
            image = sets.open_page(page)
            result: Page = ocr_page_safely(PageImage(1, image, page.dpi), page.tess, options).page
            _ = result.alto
        rows.append({"page": page.name, "plain": plain, "steps": dict(_COST), "readings": result.readings,
                     "samizdat": sum(_COST.values())})
        print(f"{page.name}: plain {plain:.2f} s, samizdat {rows[-1]['samizdat']:.2f} s ({result.readings} readings)",
              file=sys.stderr)
    return rows


def split(rows: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The pages read once (a good plain read: the clean-page cost) and those read more than once."""
    return [("one reading", [r for r in rows if r["readings"] <= 1]),
            ("more readings", [r for r in rows if r["readings"] > 1])]


def steps_table(rows: list[dict[str, Any]]) -> list[str]:
    """CPU per step over some pages, against plain Tesseract on the same pages."""
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        for step, seconds in row["steps"].items():
            totals[step] += seconds
    plain = sum(r["plain"] for r in rows) or 1e-9
    ours = sum(r["samizdat"] for r in rows) or 1e-9
    lines = ["| step | CPU s | share of Samizdat | per plain |", "|---|---:|---:|---:|"]
    for step, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        lines.append(f"| {step} | {seconds:.2f} | {100 * seconds / ours:.0f} % | {seconds / plain:.2f} |")
    return lines


def table(name: str, rows: list[dict[str, Any]]) -> str:
    """Per set: the ratio over all pages and over the pages read once / more than once; CPU per step."""
    plain = sum(r["plain"] for r in rows)
    ours = sum(r["samizdat"] for r in rows)
    lines = [f"### {name}: {len(rows)} pages, plain {plain:.1f} CPU s, Samizdat {ours:.1f} CPU s, "
             f"ratio {plain / ours:.2f}", "",
             "| pages | count | CPU s plain | CPU s Samizdat | Samizdat per plain | ratio plain / Samizdat |",
             "|---|---:|---:|---:|---:|---:|"]
    for label, part in [("all", rows), *split(rows)]:
        p, o = sum(r["plain"] for r in part), sum(r["samizdat"] for r in part)
        lines.append(f"| {label} | {len(part)} | {p:.2f} | {o:.2f} | "
                     + (f"{o / p:.2f} | {p / o:.2f} |" if part else "— | — |"))
    lines += ["", "All pages:", "", *steps_table(rows)]
    once = split(rows)[0][1]
    if once:
        lines += ["", "Pages read once:", "", *steps_table(once)]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", default=["corpus", "augraphy-test"])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    instrument()
    for set_name in args.sets:
        warm_up(sets.load(set_name))  # dictionaries loaded once, as a long-running worker has them
    results = {name: profile(name) for name in args.sets}
    for name, rows in results.items():
        print(table(name, rows) + "\n", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
