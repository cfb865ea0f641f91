"""Entity matching and article links, expected vs found: precision, recall, self-links, speed.

Run: `.venv/bin/python bench/links/run.py` (writes bench/links/results.md and results.json).
Material: tests/resources/links (written for the project, expectations in expected.yaml) and the
four articles in ../shared/articles, each fed through a PDF made here and read with pdfplumber.
Timings are taken on a shared 2-core machine: read them as orders of magnitude.
"""

from __future__ import annotations

import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from samizdat.catalogue import load_catalogue
from samizdat.entities import EntityMatcher, find_entities
from samizdat.links import link_articles
from samizdat.models import Extraction, Page, Segment, Transcript

ROOT = Path(__file__).resolve().parents[2]
MATERIAL = ROOT / "tests" / "resources" / "links"
ARTICLES = ROOT.parent / "shared" / "articles"
OUT = Path(__file__).resolve().parent
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
_STAMP = re.compile(r"^\[(\d+):(\d\d)\]\s*(.*)$")


def load_item(path: Path) -> Extraction:
    """A letter as a one-page document; an interview (`[mm:ss] text` lines) as a transcript."""
    text = path.read_text(encoding="utf-8")
    if path.name.startswith("interview-"):
        segments = []
        for line in text.splitlines():
            match = _STAMP.match(line)
            if match:
                start = int(match.group(1)) * 60 + int(match.group(2))
                segments.append(Segment(start=float(start), end=float(start + 10), text=" " + match.group(3)))
        duration = segments[-1].end if segments else 0.0
        return Extraction(engines={}, transcript=Transcript(segments, None, None, duration))
    return Extraction(engines={}, pages=[Page(number=1, text=text, method="text-layer")])


def article_pdf(text: str, out: Path) -> Path:
    """The article's text typeset into a PDF (fpdf2, DejaVu for Cyrillic and typographic quotes)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=10)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    for paragraph in text.split("\n"):
        pdf.multi_cell(0, 5, paragraph.strip() or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(out))
    return out


def pdf_extraction(path: Path) -> Extraction:
    """Text per page with pdfplumber, as the pipeline's PDF kind reads a text layer."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        pages = [Page(number=i, text=p.extract_text() or "", method="text-layer") for i, p in enumerate(pdf.pages, 1)]
    return Extraction(engines={"pdf": "pdfplumber"}, pages=pages)


def evaluate_material(articles_dir: Path | None) -> dict[str, Any]:
    """Expected vs found links and entities on the written letters and interviews."""
    expected = yaml.safe_load((MATERIAL / "expected.yaml").read_text(encoding="utf-8"))
    rows = []
    tp = fp = fn = 0
    entity_missed: list[str] = []
    entity_wrong: list[str] = []
    for name, want in expected.items():
        extraction = load_item(MATERIAL / name)
        hits = find_entities(extraction)
        links = link_articles(hits, extraction.text, articles_dir)
        found = [link.id for link in links]
        want_articles = set(want.get("articles") or [])
        tp += len(want_articles & set(found))
        fp += len(set(found) - want_articles)
        fn += len(want_articles - set(found))
        ids = {h.id for h in hits}
        entity_missed += [f"{name}: {e}" for e in want.get("entities") or [] if e not in ids]
        entity_wrong += [f"{name}: {e}" for e in want.get("absent") or [] if e in ids]
        rows.append(
            {
                "item": name,
                "expected": sorted(want_articles),
                "found": [{"id": link.id, "score": link.score, "evidence": link.evidence[:5]} for link in links],
                "ok": want_articles == set(found),
                "entities_found": len(hits),
            }
        )
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    n_entities = sum(len(w.get("entities") or []) for w in expected.values())
    return {
        "articles_dir": str(articles_dir) if articles_dir else None,
        "rows": rows,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "entity_recall": round(1 - len(entity_missed) / n_entities, 3) if n_entities else 1.0,
        "entities_missed": entity_missed,
        "entities_wrongly_found": entity_wrong,
    }


def degraded_scan(text: str, size: int = 12, seed: int = 1) -> Any:
    """The letter typeset small, tilted, blurred and grainy, like a poor scan (PIL image)."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    font = ImageFont.truetype(str(SERIF), size)
    lines = text.splitlines()
    step = int(size * 1.5)
    image = Image.new("L", (size * 60, 40 + step * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((20, 20 + step * i), line, font=font, fill=40)
    image = image.rotate(0.8, fillcolor=255, resample=Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(0.6))
    pixels = np.asarray(image).astype(np.float32) + np.random.default_rng(seed).normal(
        0, 18, (image.height, image.width)
    )
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def evaluate_real_ocr() -> dict[str, Any]:
    """Every written letter as a degraded scan through real Tesseract (rus+eng), then matched and linked."""
    import pytesseract
    from rapidfuzz.distance import Levenshtein

    expected = yaml.safe_load((MATERIAL / "expected.yaml").read_text(encoding="utf-8"))
    rows = []
    tp = fp = fn = 0
    for name, want in expected.items():
        if not name.startswith("letter-"):
            continue
        truth = (MATERIAL / name).read_text(encoding="utf-8")
        text = pytesseract.image_to_string(degraded_scan(truth), lang="rus+eng", timeout=120)
        flat_truth, flat_text = " ".join(truth.split()), " ".join(text.split())
        cer = Levenshtein.distance(flat_truth, flat_text) / max(1, len(flat_truth))
        hits = find_entities(Extraction(engines={}, pages=[Page(number=1, text=text, method="ocr")]))
        found = [link.id for link in link_articles(hits, text, None)]
        want_articles = set(want.get("articles") or [])
        tp += len(want_articles & set(found))
        fp += len(set(found) - want_articles)
        fn += len(want_articles - set(found))
        rows.append(
            {"item": name, "cer": round(cer, 3), "expected": sorted(want_articles), "found": found,
             "ok": want_articles == set(found)}
        )  # fmt: skip
    return {
        "rows": rows,
        "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
    }


def evaluate_self_links(articles_dir: Path | None) -> list[dict[str, Any]]:
    """Each article's own text, typeset as a PDF and read back, must link to itself first."""
    catalogue = load_catalogue()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for article in catalogue.articles:
            source = ARTICLES / (article.file or "")
            extraction = pdf_extraction(article_pdf(source.read_text(encoding="utf-8"), Path(tmp) / "a.pdf"))
            links = link_articles(find_entities(extraction), extraction.text, articles_dir)
            rows.append(
                {
                    "article": article.id,
                    "pages": len(extraction.pages),
                    "first": links[0].id if links else None,
                    "ok": bool(links) and links[0].id == article.id,
                    "links": [{"id": link.id, "score": link.score} for link in links],
                }
            )
    return rows


def measure_speed() -> dict[str, Any]:
    """Matching on a 100-page document: real article text, with OCR-like damage on every 7th word."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("0*.txt"))]
    words = " ".join(texts).split()
    damaged = [w[:-2] + "qz" + w[-1:] if i % 7 == 0 and len(w) > 5 else w for i, w in enumerate(words)]
    pages = []
    for number in range(1, 101):
        start = (number * 450) % max(1, len(damaged) - 450)
        pages.append(Page(number=number, text=" ".join(damaged[start : start + 450]), method="ocr"))
    extraction = Extraction(engines={}, pages=pages)
    t0 = time.perf_counter()
    matcher = EntityMatcher(load_catalogue())
    t1 = time.perf_counter()
    hits = find_entities(extraction, matcher)
    t2 = time.perf_counter()
    link_articles(hits, extraction.text, ARTICLES if ARTICLES.exists() else None)
    t3 = time.perf_counter()
    rng = random.Random(0)
    letters = "абвгдежзийклмнопрстуфхцчшщыэюя" + "abcdefghijklmnopqrstuvwxyz"
    garbage = [
        Page(number=n, text=" ".join("".join(rng.choice(letters) for _ in range(rng.randint(3, 12))).capitalize()
                                     for _ in range(500)), method="ocr")
        for n in range(1, 101)
    ]  # fmt: skip
    t4 = time.perf_counter()
    find_entities(Extraction(engines={}, pages=garbage), EntityMatcher(load_catalogue()))
    t5 = time.perf_counter()
    return {
        "garbage_find_entities_s": round(t5 - t4, 3),
        "pages": 100,
        "characters": len(extraction.text),
        "words": sum(len(p.text.split()) for p in pages),
        "compile_catalogue_s": round(t1 - t0, 3),
        "find_entities_s": round(t2 - t1, 3),
        "link_articles_s": round(t3 - t2, 3),
        "entities": len(hits),
        "mentions": sum(len(h.mentions) for h in hits),
    }


HISTORY = """## How the thresholds were set (read before trusting the numbers)

All material was written for the project, with expectations fixed before each run. The first
13 items were used to set the scoring: the first run (absolute threshold 0.2 only) had precision
0.688 and recall 1.000 on 11 items: every false link was a second article sharing one or two
entities with a letter clearly about another one. Two changes followed: a link must reach half
the best article's score (`RELATIVE_FLOOR`), and places weigh 0.4 instead of 0.6. The four
held-out items were then written and run: the travel letter (Vienna, Rome, Georgia) was linked to
two-hundred-years-together at 0.45 (catalogue only: precision 0.938, recall 0.882 on 17 items),
which led to the last rule: places and years support a link but never make one alone. The tables
below are after that rule; with 17 items written by the same person who tuned the linker, they
show behaviour, not a general accuracy.

Later (issue 16), with the catalogue grown to 136 articles in bench/links/scale.py, an entity's
specificity was bounded by 1/df and the threshold raised to 0.35, both chosen on that benchmark's
tuning half; the tables below are with them. They cost one link here: letter-en-jackson-vanik's
second article (ajhs, with full texts) scored 0.41 against a relative floor of 0.40 before, and
0.382 against 0.384 now (the bound lowers what it shares with the first article).
"""


def _markdown(results: dict[str, Any]) -> str:
    lines = ["# Article links: expected vs found", "", "Written by `bench/links/run.py`. " + results["note"], ""]
    lines += HISTORY.splitlines() + [""]
    for run in results["material"]:
        where = "with the articles' full texts (similarity on)" if run["articles_dir"] else "catalogue only"
        lines += [f"## Letters and interviews, {where}", ""]
        lines += ["| item | expected | found (score) | ok |", "| --- | --- | --- | --- |"]
        for row in run["rows"]:
            found = ", ".join(f"{f['id']} ({f['score']:.2f})" for f in row["found"]) or "—"
            lines.append(
                f"| {row['item']} | {', '.join(row['expected']) or '—'} | {found} | {'yes' if row['ok'] else 'NO'} |"
            )
        lines += [
            "",
            f"Precision **{run['precision']:.3f}**, recall **{run['recall']:.3f}** "
            f"(TP {run['true_positives']}, FP {run['false_positives']}, FN {run['false_negatives']}); "
            f"entity recall {run['entity_recall']:.3f}.",
            f"Entities missed: {', '.join(run['entities_missed']) or 'none'}. "
            f"Entities found that must not be: {', '.join(run['entities_wrongly_found']) or 'none'}.",
            "",
        ]
    ocr = results["real_ocr"]
    lines += [
        "## Letters as degraded scans through real Tesseract (rus+eng)",
        "",
        "Each letter typeset at 12 px, tilted 0.8°, blurred and grainy, then OCR'd; CER against the written text.",
        "",
        "| item | CER | expected | found | ok |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in ocr["rows"]:
        lines.append(
            f"| {row['item']} | {row['cer']:.3f} | {', '.join(row['expected']) or '—'} | "
            f"{', '.join(row['found']) or '—'} | {'yes' if row['ok'] else 'NO'} |"
        )
    lines += ["", f"Precision **{ocr['precision']:.3f}**, recall **{ocr['recall']:.3f}**.", ""]
    for label, rows in results["self_links"].items():
        lines += [
            f"## Each article as a PDF ({label})",
            "",
            "| article | pages | first link | all links |",
            "| --- | --- | --- | --- |",
        ]
        for row in rows:
            links = ", ".join(f"{x['id']} ({x['score']:.2f})" for x in row["links"])
            lines.append(
                f"| {row['article']} | {row['pages']} | {row['first']} {'✓' if row['ok'] else '✗'} | {links} |"
            )
        lines.append("")
    speed = results["speed"]
    lines += [
        "## Speed (100-page document)",
        "",
        f"{speed['pages']} pages, {speed['words']} words, {speed['characters']} characters; "
        "every 7th long word damaged.",
        "",
        "| step | seconds |",
        "| --- | --- |",
        f"| compile the catalogue (once per process) | {speed['compile_catalogue_s']} |",
        f"| find_entities | {speed['find_entities_s']} |",
        f"| link_articles (with similarity) | {speed['link_articles_s']} |",
        f"| find_entities, worst case: 50,000 capitalised random words, nearly all distinct | "
        f"{speed['garbage_find_entities_s']} |",
        "",
        f"{speed['entities']} entities, {speed['mentions']} mentions.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    if not ARTICLES.exists():
        print(f"{ARTICLES} is absent: the benchmark needs ../shared/articles", file=sys.stderr)
        return 2
    results: dict[str, Any] = {
        "note": "Timings on a shared 2-core machine.",
        "material": [evaluate_material(None), evaluate_material(ARTICLES)],
        "real_ocr": evaluate_real_ocr(),
        "self_links": {"catalogue only": evaluate_self_links(None), "with full texts": evaluate_self_links(ARTICLES)},
        "speed": measure_speed(),
    }
    (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (OUT / "results.md").write_text(_markdown(results), encoding="utf-8")
    print(_markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
