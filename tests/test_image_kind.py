"""The image kind with real Tesseract: pages made here, with text we know."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from rapidfuzz import fuzz

from samizdat.errors import BadInputError
from samizdat.kinds.base import ExtractRequest
from samizdat.kinds.image import IMAGE
from samizdat.models import Kind
from samizdat.settings import OcrOptions, Settings
from tests.support.pages import DEGRADED_SET, LETTER_EN, LETTER_RU, degrade, typescript_page

pytestmark = pytest.mark.slow

PAGES = [
    ["First page of the letter", "from Moscow to London"],
    ["Second page about visas", "refused again in March"],
    ["Third page with greetings", "to all our friends"],
]


def _settings() -> Settings:
    return Settings(ocr=OcrOptions(workers=2, page_timeout_s=120))


def _request(path: Path, languages: list[str] | None = None, progress=None) -> ExtractRequest:  # type: ignore[no-untyped-def]
    kwargs = {"progress": progress} if progress else {}
    return ExtractRequest(path=path, media_type="image/png", settings=_settings(), languages=languages or [], **kwargs)


def _similar(a: str, b: str) -> float:
    return fuzz.ratio(" ".join(a.split()), " ".join(b.split()))


def _big_page(lines: list[str]) -> Image.Image:
    return typescript_page(lines, dpi=200)


def test_png_page_text_hocr_alto_and_searchable_pdf(tmp_path: Path) -> None:
    path = tmp_path / "letter.png"
    _big_page(LETTER_EN[:8]).save(path, dpi=(200, 200))
    calls: list[tuple[float, float, str]] = []
    extraction = IMAGE.extract(_request(path, ["en"], progress=lambda d, t, u: calls.append((d, t, u))))

    assert IMAGE.kind is Kind.IMAGE and "image/tiff" in IMAGE.media_types
    assert len(extraction.pages) == 1
    page = extraction.pages[0]
    assert page.method == "ocr" and page.languages == "eng"
    assert _similar(page.text, "\n".join(LETTER_EN[:8])) > 97
    assert page.confidence is not None and page.confidence > 80
    assert extraction.engines["ocr"].startswith("tesseract 5") and extraction.engines["ocr"].endswith(" eng")
    assert calls[-1] == (1, 1, "pages")

    # hOCR and ALTO parse, and their words are the page's words
    hocr = ET.fromstring(page.hocr or "")
    hocr_words = [e.text or "" for e in hocr.iter() if e.get("class") == "ocrx_word"]
    alto = ET.fromstring(page.alto or "")
    alto_words = [e.get("CONTENT", "") for e in alto.iter() if e.tag.endswith("String")]
    assert hocr_words == page.text.split()
    assert alto_words == page.text.split()

    files = IMAGE.outputs(extraction, path)
    assert set(files) == {"pages/0001.hocr", "pages/0001.alto.xml", "searchable.pdf"}
    reader = PdfReader(io.BytesIO(files["searchable.pdf"]))
    assert len(reader.pages) == 1
    assert "Dear friends" in (reader.pages[0].extract_text() or "")


def test_multipage_tiff_gives_one_page_each_in_order(tmp_path: Path) -> None:
    path = tmp_path / "three.tiff"
    frames = [_big_page(lines) for lines in PAGES]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(200, 200), compression="tiff_lzw")
    calls: list[float] = []
    extraction = IMAGE.extract(_request(path, ["en"], progress=lambda d, t, u: calls.append(d)))
    assert [p.number for p in extraction.pages] == [1, 2, 3]
    for page, lines in zip(extraction.pages, PAGES, strict=True):
        assert _similar(page.text, "\n".join(lines)) > 95
    assert extraction.text.count("\f") == 2
    assert sorted(calls) == [0, 1, 2, 3]
    assert len(PdfReader(io.BytesIO(extraction.searchable_pdf or b"")).pages) == 3


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_rotated_page_is_turned_upright(tmp_path: Path, turn: int) -> None:
    path = tmp_path / "rotated.png"
    _big_page(LETTER_EN[:10]).rotate(turn, expand=True).save(path, dpi=(200, 200))
    page = IMAGE.extract(_request(path, ["en"])).pages[0]
    assert _similar(page.text, "\n".join(LETTER_EN[:10])) > 95
    # Tesseract's layout analysis reads some sideways pages well as they are; then the plain read is kept
    turned = any(note.startswith("turned") for note in page.notes)
    assert turned or (page.readings == 1 and turn != 180)
    assert page.review is None


def test_standard_mode_fax_keeps_the_paper_proportions_and_is_read(tmp_path: Path) -> None:
    path = tmp_path / "fax.tiff"
    page = typescript_page(LETTER_EN[:20], dpi=204, font_pt=12).convert("1")
    sent = page.resize((page.width, round(page.height * 98 / 204)), Image.Resampling.NEAREST)  # 204 x 98 dpi
    sent.save(path, compression="group4", dpi=(204, 98))
    extraction = IMAGE.extract(_request(path, ["en"]))
    assert _similar(extraction.pages[0].text, "\n".join(LETTER_EN[:20])) > 99
    pdf_page = PdfReader(io.BytesIO(extraction.searchable_pdf or b"")).pages[0]
    width, height = float(pdf_page.mediabox.width), float(pdf_page.mediabox.height)
    assert height / width == pytest.approx(page.height / page.width, rel=0.01)  # not squashed to half its height


def test_photo_stored_sideways_with_an_exif_orientation_is_read_as_shown(tmp_path: Path) -> None:
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: shown turned 90° clockwise, as a phone held sideways stores it
    _big_page(LETTER_EN[:14]).convert("RGB").rotate(90, expand=True).save(path, exif=exif, dpi=(200, 200))
    page = IMAGE.extract(_request(path, ["en"])).pages[0]
    assert page.readings == 1 and _similar(page.text, "\n".join(LETTER_EN[:14])) > 97


def test_faint_carbon_copy_is_read(tmp_path: Path) -> None:
    path = tmp_path / "carbon.png"
    degrade(typescript_page(LETTER_RU[:10]), DEGRADED_SET[0], seed=1).save(path, dpi=(300, 300))
    page = IMAGE.extract(_request(path, ["ru"])).pages[0]
    assert _similar(page.text, "\n".join(LETTER_RU[:10])) > 90
    assert page.languages == "rus"


def test_damaged_image_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "broken.png"
    good = io.BytesIO()
    _big_page(PAGES[0]).save(good, format="PNG")
    path.write_bytes(good.getvalue()[: len(good.getvalue()) // 3])
    with pytest.raises(BadInputError) as caught:
        IMAGE.extract(_request(path))
    assert "rescan" in caught.value.hint
