"""Every candidate reading of every page of a labelled set, with its score and its CER.

What the score has to prove before the pipeline trusts it: that between the readings of one page it orders
them as CER does (Spearman's rank correlation per page), and where the thresholds of `OcrOptions`
(`escalate_below`, `review_below`) and `page.HANDWRITING_IRREGULAR` fall. The escalation policy of
`samizdat.ocr.page` is then replayed offline over the table for any threshold (`analyse.py`), so thresholds
are chosen on the development half without running Tesseract again. Each reading keeps the skew its
baselines give (`preprocess.baseline_skew`); the page is read straightened (plain, Sauvola, normalised) by the
skew of its best upright reading when that is at least `DESKEW_TRIED_FROM`.

Run: `python bench/ocr/candidates.py SET [SET ...] [--workers 2]` -> `~/.cache/samizdat-bench/candidates/SET.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sets  # noqa: E402
from scoring import cer  # noqa: E402

OUT = sets.CACHE / "candidates"
DESKEW_TRIED_FROM = 0.3  # degrees: the table holds straightened readings from here; the policy's threshold is higher


def page_candidates(page: sets.BenchPage) -> dict[str, Any]:
    """All readings of one page: plain, Sauvola, normalised; turned / own script per OSD; straightened."""
    from samizdat.ocr import preprocess
    from samizdat.ocr.languages import languages_for_script
    from samizdat.ocr.page import SAUVOLA, PageImage, _Reader, normalised_binary
    from samizdat.ocr.quality import survey_ink
    from samizdat.ocr.tesseract import detect_orientation, installed_languages
    from samizdat.settings import OcrOptions

    options = OcrOptions(workers=1, page_timeout_s=120)
    image = preprocess.to_working_mode(sets.open_page(page))
    started = time.perf_counter()
    ink = survey_ink(image, page.dpi)
    survey_s = time.perf_counter() - started
    reader = _Reader(PageImage(1, image, page.dpi), options, ink, False)
    rows: dict[str, dict[str, Any]] = {}

    def add(name: str, shown, langs: str, **how: Any) -> str:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        extra = {}
        if how.pop("normalised", False):
            extra["pixels"] = normalised_binary(shown, ink.glyph_height)
        reading = reader.read(name, shown, langs, geometry_kept=True, steps=[], first=name == "plain", **extra, **how)
        seconds = time.perf_counter() - t0
        if reading is None:
            return ""
        q = reading.quality
        rows[name] = {"score": q.score, "confidence": q.confidence, "known": q.known, "coverage": q.coverage,
                      "chars": q.chars, "cer": round(100 * cer(page.truth, reading.rec.text), 2),
                      "seconds": round(seconds, 2), "langs": langs,
                      "skew": preprocess.baseline_skew(reading.rec.hocr)}
        return reading.rec.hocr

    langs = page.tess
    add("plain", image, langs)
    t0 = time.perf_counter()
    osd = detect_orientation(image, timeout_s=60, dpi=page.dpi)
    osd_s = time.perf_counter() - t0
    upright, read_langs = image, langs
    if osd is not None and osd.confidence >= options.osd_min_confidence:
        if osd.rotate:
            upright = image.rotate(-osd.rotate, expand=True)
        choice = languages_for_script(osd.script, langs, installed_languages())
        read_langs = choice.langs or langs
    prefix = "turned " if (upright is not image or read_langs != langs) else ""
    if prefix:
        add("turned plain", upright, read_langs)
    add(f"{prefix}sauvola", upright, read_langs, config=SAUVOLA)
    add(f"{prefix}normalised", upright, read_langs, normalised=True)
    # The skew from Tesseract's baselines in the best-scoring reading of the upright page, as `ocr_page` measures it
    upright_rows = [row for name, row in rows.items() if name != "plain" or not prefix]
    angle = max(upright_rows, key=lambda row: row["score"])["skew"] if upright_rows else 0.0
    if abs(angle) >= DESKEW_TRIED_FROM:
        straight = preprocess.rotate(upright, angle)
        add("deskewed plain", straight, read_langs)
        add("deskewed sauvola", straight, read_langs, config=SAUVOLA)
        add("deskewed normalised", straight, read_langs, normalised=True)
    return {**asdict(page), "truth": None, "ink": asdict(ink), "survey_s": round(survey_s, 3),
            "osd": None if osd is None else asdict(osd), "osd_s": round(osd_s, 2), "skew": angle,
            "turned": bool(prefix), "candidates": rows}


def run(set_name: str, workers: int) -> Path:
    """Write the candidate table of one set."""
    pages = sets.load(set_name)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    with ProcessPoolExecutor(workers) as pool:
        table = list(pool.map(page_candidates, pages))
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{set_name}.json"
    path.write_text(json.dumps(table, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="+", choices=sorted(sets.SETS))
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    for name in args.sets:
        print(run(name, args.workers))
