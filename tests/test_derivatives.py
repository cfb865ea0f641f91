"""Page images made at packaging time: sizes, upright pages, born-digital PDFs, and items that get none."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import bagit
import pypdfium2 as pdfium
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter

from samizdat.derivatives import THUMB_LONG_SIDE, WEB_LONG_SIDE, PageImageNames, page_images
from samizdat.settings import Settings


def _page(size: tuple[int, int], colour: str = "white", mark: str = "black") -> Image.Image:
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).rectangle((10, 10, size[0] // 3, size[1] // 8), fill=mark)  # a block at the top left
    return image


def _pdf(*images: Image.Image, rotate: int = 0) -> bytes:
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=150, save_all=True, append_images=list(images[1:]))
    if not rotate:
        return out.getvalue()
    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(out.getvalue())).pages:
        writer.add_page(page.rotate(rotate))
    rotated = io.BytesIO()
    writer.write(rotated)
    return rotated.getvalue()


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    return image


def test_each_page_of_the_searchable_pdf_gets_a_web_image_and_a_thumbnail() -> None:
    files = {"searchable.pdf": _pdf(_page((1240, 1754)), _page((1754, 1240)))}
    made = page_images(files)
    assert sorted(made) == ["pages/0001.jpg", "pages/0001.thumb.jpg", "pages/0002.jpg", "pages/0002.thumb.jpg"]
    width, height = _open(made["pages/0001.jpg"]).size
    assert height == WEB_LONG_SIDE and abs(width - 1131) <= 1
    assert max(_open(made["pages/0002.jpg"]).size) == WEB_LONG_SIDE
    assert _open(made["pages/0002.jpg"]).width > _open(made["pages/0002.jpg"]).height  # landscape stays landscape
    assert max(_open(made["pages/0001.thumb.jpg"]).size) == THUMB_LONG_SIDE
    assert _open(made["pages/0001.jpg"]).mode == "L"  # a grey page is stored grey
    assert (PageImageNames(12).web, PageImageNames(12).thumb) == ("pages/0012.jpg", "pages/0012.thumb.jpg")


def test_colour_is_kept_where_there_is_colour() -> None:
    made = page_images({"searchable.pdf": _pdf(_page((800, 1100), mark="#c01010"))})  # a red stamp
    assert _open(made["pages/0001.jpg"]).mode == "RGB"


def test_a_page_with_a_rotate_flag_is_shown_upright_as_a_viewer_shows_it() -> None:
    made = page_images({"searchable.pdf": _pdf(_page((1240, 1754)), rotate=90)})
    image = _open(made["pages/0001.jpg"]).convert("L")
    assert image.width > image.height  # turned as /Rotate says
    # The block drawn at the top left of the unrotated page is now at the top right.
    assert image.getpixel((image.width - 30, 30)) < 60 and image.getpixel((30, 30)) > 200


def test_a_born_digital_pdf_without_searchable_pdf_is_rendered_from_the_original(tmp_path: Path) -> None:
    original = tmp_path / "report.pdf"
    original.write_bytes(_pdf(_page((600, 800)), _page((600, 800)), _page((600, 800))))
    made = page_images({}, original, "application/pdf")
    assert len(made) == 6 and max(_open(made["pages/0003.jpg"]).size) == WEB_LONG_SIDE


def test_items_without_a_pdf_get_no_page_images(tmp_path: Path) -> None:
    audio = tmp_path / "tape.mp3"
    audio.write_bytes(b"ID3 not really audio")
    assert page_images({"transcript.json": b"{}"}, audio, "audio/mpeg") == {}
    assert page_images({"text.txt": b"no OCR PDF"}, None, "image/png") == {}


def test_a_pdf_pdfium_cannot_read_gives_no_page_images_and_no_failure() -> None:
    assert page_images({"searchable.pdf": b"%PDF-1.4\nnot really"}) == {}


def test_rendering_matches_pdfium_page_count() -> None:
    pdf = _pdf(*[_page((300, 400)) for _ in range(4)])
    assert len(pdfium.PdfDocument(pdf)) * 2 == len(page_images({"searchable.pdf": pdf}))


def test_the_pipeline_puts_the_page_images_in_the_bag_its_manifest_and_its_zip(settings: Settings) -> None:
    from fpdf import FPDF

    from samizdat.pipeline import Pipeline
    from samizdat.samples import find_font

    pdf = FPDF()
    pdf.add_font("serif", fname=str(find_font("DejaVuSerif.ttf")))
    pdf.set_font("serif", size=12)
    for words in ("Письмо Калика о выезде в Израиль, 1977.", "Second page: the Jackson-Vanik amendment."):
        pdf.add_page()
        pdf.multi_cell(0, 8, words * 8)
    (settings.inbox / "born-digital.pdf").write_bytes(bytes(pdf.output()))
    outcome = Pipeline(settings).process_file(settings.inbox / "born-digital.pdf")
    assert outcome.status == "published", outcome
    bag = settings.items_dir / str(outcome.item_id)
    manifest = (bag / "manifest-sha256.txt").read_text()
    with zipfile.ZipFile(settings.bundles_dir / f"{outcome.item_id}.zip") as bundle:
        members = set(bundle.namelist())
    for name in ("0001.jpg", "0001.thumb.jpg", "0002.jpg", "0002.thumb.jpg"):
        assert f"data/pages/{name}" in manifest and f"{outcome.item_id}/data/pages/{name}" in members
    bagit.Bag(str(bag)).validate(processes=1)
