"""Article links: each article links to itself through a PDF, written letters link as expected, the reverse view."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from samizdat.catalogue import load_catalogue
from samizdat.entities import find_entities, find_entities_in
from samizdat.links import (
    LINK_THRESHOLD,
    article_similarities,
    format_article_view,
    link_articles,
)
from samizdat.models import Extraction, Page, Segment, Transcript
from samizdat.record import ArticleRecord

MATERIAL = Path(__file__).resolve().parent / "resources" / "links"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_STAMP = re.compile(r"^\[(\d+):(\d\d)\]\s*(.*)$")


def _load(name: str) -> Extraction:
    text = (MATERIAL / name).read_text(encoding="utf-8")
    if not name.startswith("interview-"):
        return Extraction(engines={}, pages=[Page(1, text, "text-layer")])
    segments = []
    for line in text.splitlines():
        match = _STAMP.match(line)
        if match:
            start = float(int(match.group(1)) * 60 + int(match.group(2)))
            segments.append(Segment(start, start + 10, match.group(3)))
    return Extraction(engines={}, transcript=Transcript(segments, None, None, segments[-1].end))


def _pdf_of(text: str, out: Path) -> Path:
    fpdf = pytest.importorskip("fpdf", reason="fpdf2 (test extra) makes the article PDFs")
    if not FONT.exists():
        pytest.skip(f"{FONT} is absent (Debian fonts-dejavu-core)")
    pdf = fpdf.FPDF(format="A4")
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=10)
    pdf.add_page()
    for paragraph in text.split("\n"):
        pdf.multi_cell(0, 5, paragraph.strip() or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(out))
    return out


def _read_pdf(path: Path) -> Extraction:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        pages = [Page(i, p.extract_text() or "", "text-layer") for i, p in enumerate(pdf.pages, 1)]
    return Extraction(engines={"pdf": "pdfplumber"}, pages=pages)


@pytest.mark.corpus
@pytest.mark.parametrize("with_texts", [False, True], ids=["catalogue-only", "with-full-texts"])
def test_each_article_fed_through_a_pdf_links_to_itself_first(
    articles_dir: Path, tmp_path: Path, with_texts: bool
) -> None:
    for article in load_catalogue().articles:
        assert article.file, article.id
        pdf = _pdf_of((articles_dir / article.file).read_text(encoding="utf-8"), tmp_path / f"{article.id}.pdf")
        extraction = _read_pdf(pdf)
        assert len(extraction.pages) >= 2  # a real multi-page PDF, read back page by page
        links = link_articles(find_entities(extraction), extraction.text, articles_dir if with_texts else None)
        assert links, article.id
        assert links[0].id == article.id, [(link.id, link.score) for link in links]
        assert links[0].score > 0.9
        assert len(links) == 1 or links[1].score < links[0].score - 0.2


def test_written_letters_and_interviews_link_as_expected() -> None:
    expected = yaml.safe_load((MATERIAL / "expected.yaml").read_text(encoding="utf-8"))
    tp = fp = fn = 0
    for name, want in expected.items():
        extraction = _load(name)
        found = [link.id for link in link_articles(find_entities(extraction), extraction.text, None)]
        want_articles = set(want["articles"])
        if want_articles:
            assert found and found[0] in want_articles, (name, found)
        else:
            assert found == [], (name, found)
        tp += len(want_articles & set(found))
        fp += len(set(found) - want_articles)
        fn += len(want_articles - set(found))
    assert tp / (tp + fp) >= 0.9
    assert tp / (tp + fn) >= 0.8


@pytest.mark.corpus
def test_similarity_to_full_texts_only_raises_scores(articles_dir: Path) -> None:
    extraction = _load("letter-en-jackson-vanik.txt")
    hits = find_entities(extraction)
    without = {link.id: link.score for link in link_articles(hits, extraction.text, None, threshold=0.0)}
    with_texts = {link.id: link.score for link in link_articles(hits, extraction.text, articles_dir, threshold=0.0)}
    assert all(with_texts[a] >= without[a] for a in without)
    similarities = article_similarities(extraction.text, articles_dir)
    assert set(similarities) == {a.id for a in load_catalogue().articles}
    assert max(similarities, key=lambda a: similarities[a]) in {
        "best-place-for-soviet-jews",
        "ajhs-american-soviet-jewry-movement",
    }


def test_links_carry_evidence_and_the_best_passage() -> None:
    extraction = _load("letter-ru-kalik.txt")
    links = link_articles(find_entities(extraction), extraction.text, None)
    top = links[0]
    assert top.id == "two-hundred-years-together"
    assert top.title.startswith("Two Hundred Years Together")
    assert {"mikhail-kalik", "grigory-svirsky"} <= set(top.evidence)
    assert top.passage and ("Калик" in top.passage or "Свирск" in top.passage)
    assert [ArticleRecord.of(link).as_dict()["id"] for link in links] == [link.id for link in links]


def test_weak_evidence_links_nothing() -> None:
    for text in ["Written in Moscow in 1972.", "Israel", "Дорогая мама, у нас всё хорошо."]:
        hits = find_entities_in([(text, 1, None)])
        assert link_articles(hits, text, None) == [], text
    assert LINK_THRESHOLD > 0


def test_a_letter_about_two_topics_links_both() -> None:
    extraction = _load("letter-ru-mixed.txt")
    found = [link.id for link in link_articles(find_entities(extraction), extraction.text, None)]
    assert set(found) == {"two-hundred-years-together", "ajhs-american-soviet-jewry-movement"}


def test_reverse_view_lists_items_per_article() -> None:
    view = format_article_view(
        [
            ("two-hundred-years-together", [("3f9a0c1b2d4e", "Letter about Kalik, 1972")]),
            ("retired-article", [("aaaaaaaaaaaa", "x")]),
        ]
    )
    blocks = view.strip().split("\n\n")
    assert len(blocks) == 5  # four catalogued articles and one unknown id
    kalik = next(b for b in blocks if b.startswith("two-hundred-years-together"))
    assert "3f9a0c1b2d4e  Letter about Kalik, 1972" in kalik and "1 item(s)" in kalik
    assert "(no linked items yet)" in next(b for b in blocks if b.startswith("gorbachev-opened-the-gates"))
    assert "not in the catalogue" in blocks[-1]


@pytest.mark.corpus
def test_catalogue_matches_the_archive_index(articles_dir: Path) -> None:
    index = (articles_dir / "INDEX.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (\S+\.txt) \|", index, flags=re.MULTILINE)
    catalogue = load_catalogue()
    assert {(a.id, a.file) for a in catalogue.articles} == set(rows)
    for article in catalogue.articles:
        assert article.summary and article.title and article.entities
        # our summary is our own words: no sentence-long run of the article's text in it
        text = " ".join((articles_dir / (article.file or "")).read_text(encoding="utf-8").split())
        words = article.summary.split()
        assert not any(" ".join(words[i : i + 8]) in text for i in range(len(words) - 8)), article.id


def _degraded_scan(text: str) -> object:
    """A letter typeset small, tilted, blurred and grainy: real OCR errors, not hand-made ones."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    serif = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
    if not serif.exists():
        pytest.skip(f"{serif} is absent")
    font = ImageFont.truetype(str(serif), 12)
    lines = text.splitlines()
    image = Image.new("L", (720, 40 + 18 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((20, 20 + 18 * i), line, font=font, fill=40)
    image = image.rotate(0.8, fillcolor=255, resample=Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(0.6))
    noise = np.random.default_rng(1).normal(0, 18, (image.height, image.width))
    return Image.fromarray(np.clip(np.asarray(image).astype(np.float32) + noise, 0, 255).astype(np.uint8))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "article"),
    [
        ("letter-ru-press-1970-ocr.txt", "two-hundred-years-together"),
        ("letter-en-postcard-nudel.txt", "gorbachev-opened-the-gates"),
    ],
)
def test_letters_scanned_and_read_by_real_tesseract_still_link(name: str, article: str) -> None:
    import shutil

    pytesseract = pytest.importorskip("pytesseract")
    if shutil.which("tesseract") is None:
        pytest.skip("the tesseract program is not installed")
    truth = (MATERIAL / name).read_text(encoding="utf-8")
    text = pytesseract.image_to_string(_degraded_scan(truth), lang="rus+eng", timeout=120)
    assert text.strip()
    extraction = Extraction(engines={"ocr": "tesseract"}, pages=[Page(1, text, "ocr")])
    links = link_articles(find_entities(extraction), text, None)
    assert [link.id for link in links] == [article]
