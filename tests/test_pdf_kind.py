"""The PDF kind: born-digital, scanned, mixed, rotated and old-OCR-layer pages, with real Tesseract."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from rapidfuzz import fuzz

from samizdat.errors import BadInputError
from samizdat.kinds.base import ExtractRequest
from samizdat.kinds.pdf import PDF
from samizdat.models import Kind
from samizdat.ocr.pdf_survey import low_resolution_scan, open_pdf, render_page
from samizdat.settings import OcrOptions, Settings
from tests.support.pages import LETTER_EN, LETTER_RU, PdfPageSpec, make_pdf, text_lines, typescript_page

BORN_DIGITAL = ["Minutes of the committee meeting", "held in London on 12 May 1980.", "", "Present: six members."]
SCANNED = LETTER_EN[4:12]


def _request(path: Path, languages: list[str] | None = None, progress=None) -> ExtractRequest:  # type: ignore[no-untyped-def]
    kwargs = {"progress": progress} if progress else {}
    settings = Settings(ocr=OcrOptions(workers=2, pdf_workers=2, page_timeout_s=120))
    return ExtractRequest(path=path, media_type="application/pdf", settings=settings, languages=languages or ["en"],
                          **kwargs)


def _similar(a: str, b: str) -> float:
    return fuzz.ratio(" ".join(a.split()), " ".join(b.split()))


def _scan(lines: list[str]) -> PdfPageSpec:
    return PdfPageSpec(image=typescript_page(lines, dpi=200))


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_born_digital_pdf_is_read_not_ocrd_and_stays_as_it_is(tmp_path: Path) -> None:
    path = _write(tmp_path, "minutes.pdf", make_pdf([PdfPageSpec(texts=text_lines(BORN_DIGITAL))] * 2))
    extraction = PDF.extract(_request(path))
    assert PDF.kind is Kind.PDF and PDF.media_types == frozenset({"application/pdf"})
    assert [p.method for p in extraction.pages] == ["text-layer", "text-layer"]
    assert "ocr" not in extraction.engines and extraction.engines["pdf"].startswith("pdfplumber 0.")
    # paragraphs kept: the blank line in the source is a wider gap on the page
    assert extraction.pages[0].text == "\n".join(BORN_DIGITAL)
    assert PDF.outputs(extraction, path) == {"searchable.pdf": path.read_bytes()}


@pytest.mark.slow
def test_mixed_pdf_text_page_and_scanned_page(tmp_path: Path) -> None:
    data = make_pdf([PdfPageSpec(texts=text_lines(BORN_DIGITAL)), _scan(SCANNED)])
    path = _write(tmp_path, "mixed.pdf", data)
    calls: list[tuple[float, float]] = []
    extraction = PDF.extract(_request(path, progress=lambda d, t, u: calls.append((d, t))))

    assert [p.method for p in extraction.pages] == ["text-layer", "ocr"]
    assert extraction.pages[0].text.startswith("Minutes of the committee meeting")
    assert extraction.pages[0].hocr is None
    scanned = extraction.pages[1]
    assert _similar(scanned.text, "\n".join(SCANNED)) > 95
    assert scanned.confidence is not None
    assert extraction.engines["ocr"].endswith(" eng")
    assert calls[0] == (1, 2) and calls[-1] == (2, 2)

    hocr_words = [e.text or "" for e in ET.fromstring(scanned.hocr or "").iter() if e.get("class") == "ocrx_word"]
    alto_words = [e.get("CONTENT", "") for e in ET.fromstring(scanned.alto or "").iter() if e.tag.endswith("String")]
    assert hocr_words == alto_words == scanned.text.split()

    files = PDF.outputs(extraction, path)
    assert set(files) == {"pages/0002.hocr", "pages/0002.alto.xml", "searchable.pdf"}
    reader = PdfReader(io.BytesIO(files["searchable.pdf"]))
    assert len(reader.pages) == 2
    assert "committee" in (reader.pages[0].extract_text() or "")
    assert "parcel" in (reader.pages[1].extract_text() or "")


@pytest.mark.slow
def test_rotated_scanned_page(tmp_path: Path) -> None:
    turned = PdfPageSpec(width=842, height=595, image=typescript_page(SCANNED, dpi=200).rotate(90, expand=True))
    path = _write(tmp_path, "turned.pdf", make_pdf([turned, PdfPageSpec(rotate=90, image=_scan(SCANNED).image)]))
    extraction = PDF.extract(_request(path))
    assert len(extraction.pages) == 2
    for page in extraction.pages:
        assert page.method == "ocr"
        assert _similar(page.text, "\n".join(SCANNED)) > 95
    assert any("turned" in note for note in extraction.pages[0].notes)
    assert len(PdfReader(io.BytesIO(extraction.searchable_pdf or b"")).pages) == 2


@pytest.mark.slow
def test_existing_ocr_layer_is_kept_when_good_and_redone_when_garbage(tmp_path: Path) -> None:
    good_layer = text_lines(SCANNED, render_mode=3)
    garbage = text_lines(["~#@ 1l|! ,.;' %%^ &*kq", "xZ@#q |||| ;;; @@ ^^ ~~"] * 4, render_mode=3)
    spec_good = PdfPageSpec(image=typescript_page(SCANNED, dpi=200), texts=good_layer)
    spec_bad = PdfPageSpec(image=typescript_page(SCANNED, dpi=200), texts=garbage)
    path = _write(tmp_path, "layers.pdf", make_pdf([spec_good, spec_bad]))
    extraction = PDF.extract(_request(path))

    kept, redone = extraction.pages
    assert kept.method == "ocr-layer-kept" and kept.hocr is None
    assert _similar(kept.text, "\n".join(SCANNED)) > 98
    assert redone.method == "ocr-layer-redone"
    assert any("redone" in note for note in redone.notes)
    assert _similar(redone.text, "\n".join(SCANNED)) > 95
    files = PDF.outputs(extraction, path)
    assert set(files) == {"pages/0002.hocr", "pages/0002.alto.xml", "searchable.pdf"}
    searchable = PdfReader(io.BytesIO(files["searchable.pdf"]))
    assert len(searchable.pages) == 2
    assert "kq" not in (searchable.pages[1].extract_text() or "")  # the garbage layer is gone with its page
    assert "parcel" in (searchable.pages[1].extract_text() or "")


def test_russian_text_layer_in_an_old_8_bit_encoding_is_not_taken_for_text(tmp_path: Path) -> None:
    # what a font without a Unicode map gives for cp1251 Russian: "Ìîñêâà" for "Москва"
    mojibake = [line.encode("cp1251").decode("latin-1") for line in LETTER_RU[:8]]
    layer = PdfPageSpec(image=typescript_page(LETTER_RU[:8], dpi=200), texts=text_lines(mojibake, render_mode=3))
    printed = PdfPageSpec(texts=text_lines(mojibake))
    path = _write(tmp_path, "cp1251.pdf", make_pdf([layer, printed]))
    redone, read_again = PDF.extract(_request(path, ["ru"])).pages
    assert redone.method == "ocr-layer-redone" and any("8-bit encoding" in note for note in redone.notes)
    assert _similar(redone.text, "\n".join(LETTER_RU[:8])) > 95
    assert read_again.method == "ocr" and any("8-bit encoding" in note for note in read_again.notes)


def test_password_protected_pdf_is_bad_input_with_a_hint(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf([PdfPageSpec(texts=text_lines(BORN_DIGITAL))])))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(BadInputError) as caught:
        PDF.extract(_request(_write(tmp_path, "locked.pdf", out.getvalue())))
    assert "password" in str(caught.value) and "qpdf" in caught.value.hint


@pytest.mark.parametrize("cut", [0.0, 0.02])
def test_truncated_or_empty_pdf_is_bad_input(tmp_path: Path, cut: float) -> None:
    data = make_pdf([PdfPageSpec(texts=text_lines(BORN_DIGITAL))])
    path = _write(tmp_path, "cut.pdf", data[: int(len(data) * cut)] if cut else b"%PDF-1.4\n")
    with pytest.raises(BadInputError) as caught:
        PDF.extract(_request(path))
    assert caught.value.hint


def test_not_a_pdf_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInputError):
        PDF.extract(_request(_write(tmp_path, "x.pdf", b"this is not a PDF at all" * 20)))


@pytest.mark.corpus
def test_corpus_born_digital_text_matches_truth(corpus: Path) -> None:
    issue = PDF.extract(_request(corpus / "pdf" / "digital" / "issue-987-test.pdf"))
    assert issue.pages[0].text.split("\n") == ["Big Text", "Small Text"]
    scotus_path = corpus / "pdf" / "digital" / "scotus-transcript-p1.pdf"
    scotus = PDF.extract(_request(scotus_path))
    truth = (scotus_path.parent / "scotus-transcript-p1.truth.txt").read_text()
    assert [line for line in scotus.text.splitlines() if line] == truth.strip().splitlines()


@pytest.mark.corpus
@pytest.mark.slow
def test_corpus_cardinal_pages_all_turned_upright(corpus: Path) -> None:
    path = corpus / "pdf" / "scanned" / "cardinal.pdf"
    extraction = PDF.extract(_request(path))
    truth = (path.parent / "cardinal.truth.txt").read_text().split("\f")
    assert len(extraction.pages) == 4
    for page, expected in zip(extraction.pages, truth, strict=True):
        assert _similar(page.text, expected) > 90


@pytest.mark.corpus
def test_corpus_french_item_is_read_with_the_french_model(corpus: Path) -> None:
    """The item's language picks Tesseract's model: French diacritics survive (the English model drops them)."""
    path = corpus / "pdf" / "scanned" / "francais.pdf"
    truth = (path.parent / "francais.truth.txt").read_text()
    extraction = PDF.extract(_request(path, languages=["fr"]))
    assert extraction.engines["ocr"].endswith(" fra")
    assert _similar(extraction.text, truth) > 98
    for word in ("île", "côté", "bûches", "l'âtre", "capharnaüm", "œuvre"):
        assert word in extraction.text


def test_long_born_digital_pdf_is_read_in_parallel_in_page_order(tmp_path: Path) -> None:
    pages = [PdfPageSpec(texts=text_lines([f"Page number {n} of the report", "Second line."])) for n in range(1, 21)]
    path = _write(tmp_path, "report.pdf", make_pdf(pages))
    extraction = PDF.extract(_request(path))  # pdf_workers=2 (two cores): two page ranges in two processes
    assert [p.number for p in extraction.pages] == list(range(1, 21))
    firsts = [p.text.splitlines()[0] for p in extraction.pages]
    assert firsts == [f"Page number {n} of the report" for n in range(1, 21)]
    assert {p.method for p in extraction.pages} == {"text-layer"}


def test_coarse_scans_are_read_from_their_own_pixels_fine_ones_rendered(tmp_path: Path) -> None:
    coarse = typescript_page(SCANNED, dpi=100)  # A4 at 100 dpi: PDFium would enlarge it without smoothing
    fine = typescript_page(SCANNED, dpi=300)
    path = _write(tmp_path, "scans.pdf", make_pdf([PdfPageSpec(image=coarse), PdfPageSpec(image=fine),
                                                   PdfPageSpec(image=coarse, rotate=90)]))
    doc = open_pdf(path)
    try:
        found = low_resolution_scan(doc, 0, 300)
        assert found is not None and found[1] == 100 and found[0].size == coarse.size
        assert low_resolution_scan(doc, 1, 300) is None
        turned = low_resolution_scan(doc, 2, 300)
        assert turned is not None and turned[0].size == (coarse.height, coarse.width)
        width, height = render_page(doc, 1, 150).size
        assert abs(width - 595 * 150 / 72) <= 1 and abs(height - 842 * 150 / 72) <= 1
    finally:
        doc.close()
