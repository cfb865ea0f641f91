"""Image input (PNG, JPEG, TIFF incl. multi-page, GIF, BMP, WebP, JPEG 2000): every page through OCR."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from samizdat.errors import BadInputError
from samizdat.kinds.base import ExtractRequest, InputKind, page_slots
from samizdat.models import Extraction, Kind, Page
from samizdat.ocr.outputs import document_outputs
from samizdat.ocr.page import PageImage, failure_warnings, ocr_page_safely
from samizdat.ocr.pool import map_pages
from samizdat.ocr.registry import ocr_engine
from samizdat.ocr.searchable import join_pages
from samizdat.settings import OcrOptions, Settings

Image.MAX_IMAGE_PIXELS = 400_000_000  # a 2400 dpi A4 scan is ~560 MP; beyond this is almost surely broken

_HINT_UNREADABLE = (
    "The image file is damaged or not an image: open it in an image viewer, and if it fails, "
    "rescan or re-export it as TIFF or PNG, then drop it into the inbox again."
)


# (leading bytes, media type)
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"II+\x00", "image/tiff"),  # BigTIFF
    (b"MM\x00+", "image/tiff"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "image/jp2"),
]


def _header_pages(path: Path) -> int | None:
    """Pages in the file by its header alone (a multi-page TIFF's frames); None when it cannot tell."""
    try:
        with Image.open(path) as image:
            return int(getattr(image, "n_frames", 1)) if image.format == "TIFF" else 1
    except Exception:  # a damaged file: extraction will say what is wrong with it
        return None


def _dpi(image: Image.Image) -> int | None:
    """The resolution the file records, or None when it records none or nonsense (Tesseract then estimates)."""
    value = image.info.get("dpi") or image.info.get("resolution")
    try:
        dpi = round(float(value[0])) if value else 0
    except (TypeError, ValueError, IndexError):
        dpi = 0
    return dpi if 70 <= dpi <= 4800 else None


def square_pixels(image: Image.Image) -> Image.Image:
    """The page with square pixels: a fax sent in standard mode is 204 x 98 dpi, its rows twice as far apart.

    The coarser axis is resampled to the finer one's resolution (bilevel pages by repeating rows, so they stay
    bilevel; others with Lanczos), so the page images and the searchable PDF keep the paper's proportions and
    Tesseract sees letters of their real shape. A typed letter faxed at 204 x 98 dpi (made as in
    tests/test_image_kind.py), plain Tesseract: 10 pt 1.6 % CER as sent, 1.1 % squared; 12 pt 2.6 % and 0.4 %.
    """
    value: Any = image.info.get("dpi") or image.info.get("resolution")
    try:
        x_dpi, y_dpi = float(value[0]), float(value[1])
    except (TypeError, ValueError, IndexError):
        return image
    if not (min(x_dpi, y_dpi) >= 70 and max(x_dpi, y_dpi) <= 4800) or abs(x_dpi - y_dpi) <= 0.01 * max(x_dpi, y_dpi):
        return image
    finer = max(x_dpi, y_dpi)
    size = (round(image.width * finer / x_dpi), round(image.height * finer / y_dpi))
    method = Image.Resampling.NEAREST if image.mode == "1" else Image.Resampling.LANCZOS
    squared = image.resize(size, method)
    squared.info["dpi"] = (finer, finer)
    return squared


def _check_page_size(image: Image.Image, number: int, max_pixels: int) -> None:
    """Refuse a page before it is decoded when its pixels would need more memory than a page may take."""
    width, height = image.size
    if width * height > max_pixels:
        raise BadInputError(
            f"page {number} is {width}×{height} pixels ({width * height / 1e6:.0f} megapixels), over the "
            f"{max_pixels / 1e6:.0f} megapixels a page may have here",
            "Rescan or export the page at 300-600 dpi and drop it again (or, on a machine with the memory, raise "
            "SAMIZDAT_OCR__MAX_PAGE_PIXELS).",
        )


def count_frames(path: Path, max_pixels: int) -> int:
    """Pages in the file (multi-page TIFF); other animated formats count as one page.

    Every page's size is checked from its header before anything is decoded.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                frames = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
                for index in range(frames):
                    image.seek(index)
                    _check_page_size(image, index + 1, max_pixels)
                image.seek(0)
                image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise BadInputError(f"cannot read the image: {exc}", _HINT_UNREADABLE) from exc
    return frames


def load_frame(path: Path, index: int) -> PageImage:
    """Page `index` (0-based) of the file, loaded into memory only when its turn comes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.seek(index)
                image.load()
                # as a viewer shows it: a phone photo stores its pixels sideways with an EXIF orientation (a
                # letter photographed upright, stored turned: two readings and OSD without this, one with it)
                page = square_pixels(ImageOps.exif_transpose(image))  # a copy: the file closes here
                return PageImage(number=index + 1, image=page, dpi=_dpi(page))
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise BadInputError(f"cannot read page {index + 1} of the image: {exc}", _HINT_UNREADABLE) from exc


def _page_worker(path: Path, langs: str, options: OcrOptions) -> Callable[[int], Page]:
    def work(index: int) -> Page:
        return ocr_page_safely(load_frame(path, index), langs, options).page

    return work


class ImageKind:
    """Scanned pages as image files."""

    kind = Kind.IMAGE
    media_types = frozenset(
        {"image/png", "image/jpeg", "image/tiff", "image/gif", "image/bmp", "image/webp", "image/jp2"}
    )
    formats = ("PNG", "JPEG", "TIFF")
    label = "image"
    dc_type = "Text"  # a scanned page is read as text (DCMI: "Text", not "StillImage")
    one_at_a_time = False

    def sniff(self, head: bytes) -> str | None:
        """PNG, JPEG, TIFF and BigTIFF, GIF, BMP, JPEG 2000 by their leading bytes; WebP by its RIFF form type."""
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return "image/webp"
        return next((media_type for prefix, media_type in _SIGNATURES if head.startswith(prefix)), None)

    def engine_options(self, settings: Settings) -> OcrOptions:
        """Tesseract's options."""
        return settings.ocr

    def cpu_slots(self, settings: Settings, path: Path | None) -> int:
        """A core per page, up to `ocr.workers`; the pages counted from the file's header."""
        return page_slots(settings, _header_pages(path) if path is not None else None)

    def extract(self, request: ExtractRequest) -> Extraction:
        """OCR every page, in parallel in the shared page pool."""
        options = request.settings.ocr
        engine = ocr_engine(options)
        choice = engine.choose_languages(request.languages)
        total = count_frames(request.path, options.max_page_pixels)
        request.progress(0, total, "pages")
        pages = map_pages(
            _page_worker(request.path, choice.langs, options),
            range(total),
            workers=options.workers,
            on_done=lambda done, all_: request.progress(done, all_, "pages"),
        )
        pdfs = [p.pdf for p in pages if p.pdf]
        return Extraction(
            engines={"ocr": engine.label(choice.langs)},
            pages=pages,
            searchable_pdf=join_pages(list(pdfs)) if pdfs else None,
            warnings=choice.warnings + failure_warnings(pages),
        )

    def outputs(
        self, extraction: Extraction, source_path: Path, archivist: object = None, title: str = ""
    ) -> dict[str, bytes]:
        """Per-page hOCR and ALTO, and the searchable PDF."""
        return document_outputs(extraction, source_path)


IMAGE: InputKind = ImageKind()
