"""Searchable PDF pages: Tesseract's invisible text over a page image, joined into one document."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader, PdfWriter, Transformation
from pypdf._page import PageObject


def image_pdf_page(image: Image.Image, dpi: int) -> bytes:
    """The page image alone as a one-page PDF at its real size (bilevel stays bilevel, grey/colour JPEG)."""
    buffer = io.BytesIO()
    source = image if image.mode in ("1", "L", "RGB") else image.convert("RGB")
    options = {} if source.mode == "1" else {"quality": 85}  # bilevel pages are stored losslessly (CCITT G4)
    source.save(buffer, format="PDF", resolution=float(dpi), **options)
    return buffer.getvalue()


def overlay_text_page(image: Image.Image, dpi: int, text_pdf: bytes) -> bytes:
    """Lay Tesseract's text-only page (`textonly_pdf=1`) over the page image, scaled to fit."""
    writer = PdfWriter(clone_from=io.BytesIO(image_pdf_page(image, dpi)))
    _merge_scaled(writer.pages[0], PdfReader(io.BytesIO(text_pdf)).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _merge_scaled(base: PageObject, overlay: PageObject) -> None:
    sx = float(base.mediabox.width) / float(overlay.mediabox.width)
    sy = float(base.mediabox.height) / float(overlay.mediabox.height)
    if abs(sx - 1) < 1e-6 and abs(sy - 1) < 1e-6:
        base.merge_page(overlay)
    else:
        base.merge_transformed_page(overlay, Transformation().scale(sx, sy))


def assemble(original: bytes, ocr_pages: dict[int, tuple[bytes, bool]]) -> bytes:
    """The original PDF with OCR'd pages made searchable; other pages stay exactly as they were.

    `ocr_pages[index] = (pdf, overlay)`: an overlay is Tesseract's invisible text, laid over the original
    page (its pixels kept); otherwise `pdf` is a standalone page that replaces it (the page was turned or
    straightened, so the original's pixels no longer line up with the text).
    """
    writer = PdfWriter(clone_from=io.BytesIO(original))
    replaced: dict[int, PageObject] = {}
    for index, (pdf, overlay) in ocr_pages.items():
        if overlay:
            page = writer.pages[index]
            page.transfer_rotation_to_content()
            _merge_scaled(page, PdfReader(io.BytesIO(pdf)).pages[0])
        else:
            replaced[index] = PdfReader(io.BytesIO(pdf)).pages[0]
    for index in sorted(replaced):
        writer.insert_page(replaced[index], index)
        writer.remove_page(index + 1)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def join_pages(pages: list[bytes]) -> bytes:
    """One PDF from single-page PDFs, in order."""
    writer = PdfWriter()
    for page in pages:
        for p in PdfReader(io.BytesIO(page)).pages:
            writer.add_page(p)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
