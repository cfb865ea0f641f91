"""Page images for readers, made once at packaging time from what the bag already holds.

For each document page a web image (`data/pages/0001.jpg`, 1600 px on the long side) and a thumbnail
(`data/pages/0001.thumb.jpg`, 200 px). They are rendered from `searchable.pdf`: where OCR ran, its pages are
the page images as Tesseract saw them (turned upright, straightened) under an invisible text layer, so the
hOCR word boxes (`pages/0001.hocr`) fit the web image after scaling by the ratio of widths; a born-digital
PDF's `searchable.pdf` is the original itself. A PDF original without one is rendered directly. Items with
neither (audio) get no page images.

The portal serves these as a IIIF Image API level 0 service (the two sizes, no tiles) and builds the IIIF
manifests on request: nothing IIIF-specific is stored in the bag (DESIGN.md §9).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageChops

from samizdat.bag import PayloadNames

WEB_LONG_SIDE = 1600
"""Enough for a full-screen page on a laptop, and for reading typescript at 2x zoom in the viewer."""
THUMB_LONG_SIDE = 200
WEB_QUALITY = 82
THUMB_QUALITY = 75
GREY_TOLERANCE = 12
"""Channel differences up to this (of 255) are JPEG noise on a grey page, not colour."""
log = logging.getLogger("samizdat.derivatives")


@dataclass(frozen=True)
class PageImageNames:
    """The bag paths (under `data/`) of one page's images."""

    number: int

    @property
    def web(self) -> str:
        """`pages/0001.jpg`."""
        return PayloadNames.page_image(self.number)

    @property
    def thumb(self) -> str:
        """`pages/0001.thumb.jpg`."""
        return PayloadNames.thumbnail(self.number)


def page_images(files: dict[str, bytes], original: Path | None = None, media_type: str = "") -> dict[str, bytes]:
    """The page images for a bag whose derived files are `files`: from its searchable.pdf, else a PDF original.

    Empty when there is nothing to render (audio, or an image whose OCR made no searchable PDF).
    """
    pdf = files.get(PayloadNames.SEARCHABLE_PDF)
    if pdf is None and original is not None and media_type == "application/pdf":
        pdf = original.read_bytes()
    if pdf is None:
        return {}
    result: dict[str, bytes] = {}
    try:
        for number, web, thumb in render_pdf_pages(pdf):
            names = PageImageNames(number)
            result[names.web] = web
            result[names.thumb] = thumb
    except pdfium.PdfiumError as error:  # the text is what the item is for; its pages show as text only
        log.warning("no page images for this item: pdfium could not render its PDF (%s)", error)
        return {}
    return result


def render_pdf_pages(pdf: bytes, long_side: int = WEB_LONG_SIDE,
                     thumb_side: int = THUMB_LONG_SIDE) -> Iterator[tuple[int, bytes, bytes]]:
    """`(page number, web JPEG, thumbnail JPEG)` for each page, one page in memory at a time.

    Upright as a viewer shows it: pdfium applies the page's /Rotate.
    """
    doc = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(doc)):
            page = doc[index]
            try:
                width, height = page.get_size()
                scale = long_side / max(width, height, 1.0)
                image = page.render(scale=scale, may_draw_forms=False).to_pil()
            finally:
                page.close()
            yield index + 1, jpeg(image, WEB_QUALITY), jpeg(fit(image, thumb_side), THUMB_QUALITY)
    finally:
        doc.close()


def fit(image: Image.Image, long_side: int) -> Image.Image:
    """A copy no larger than `long_side` on its long side (never enlarged)."""
    copy = image.copy()
    copy.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    return copy


def jpeg(image: Image.Image, quality: int) -> bytes:
    """Baseline JPEG bytes (grey stays grey: one channel, a third of the bytes)."""
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    if image.mode == "RGB" and _is_grey(image):
        image = image.convert("L")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _is_grey(image: Image.Image) -> bool:
    """True when no pixel has colour worth keeping (a typewritten page scanned in grey or black and white)."""
    small = image.resize((64, 64)) if max(image.size) > 64 else image
    r, g, b = small.split()
    return all(ImageChops.difference(x, y).point(lambda v: 255 if v > GREY_TOLERANCE else 0).getbbox() is None
               for x, y in ((r, g), (g, b)))
