"""What each PDF page holds, read cheaply with PDFium: visible text, invisible text (an OCR layer), images.

pdfplumber cannot tell invisible text (render mode 3, how OCR layers are written) from printed text,
so an old OCR layer would pass for a born-digital page; PDFium reads each text object's render mode.
PDFium is not thread-safe: every call into it holds `PDFIUM_LOCK`.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from samizdat.errors import BadInputError

PDFIUM_LOCK = threading.RLock()

_INVISIBLE = 3  # FPDF_TEXTRENDERMODE_INVISIBLE
_HINT_PASSWORD = (
    "The PDF is protected by a password. Ask whoever sent it for an unprotected copy, or remove the "
    "password yourself (for example `qpdf --password=SECRET --decrypt in.pdf out.pdf`), then drop the "
    "new file into the inbox."
)
_HINT_DAMAGED = (
    "The PDF is damaged or incomplete (often a download or copy that stopped early). Copy or download it "
    "again; if it opens in a PDF viewer, print it to a new PDF or repair it with `qpdf in.pdf out.pdf`, "
    "then drop the new file into the inbox."
)


@dataclass(frozen=True)
class PageSurvey:
    """Counts for one page: how much text of each kind, how much of the page is covered by images."""

    index: int
    visible_chars: int
    invisible_chars: int
    image_coverage: float
    rotation: int


def open_pdf(path: Path) -> pdfium.PdfDocument:
    """Open with PDFium, turning password and damage into `BadInputError` with an archivist's hint."""
    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            text = str(exc).lower()
            if "password" in text:
                raise BadInputError("the PDF needs a password to open", _HINT_PASSWORD) from exc
            raise BadInputError(f"the PDF cannot be read: {exc}", _HINT_DAMAGED) from exc
        if len(doc) == 0:
            doc.close()
            raise BadInputError("the PDF has no pages", _HINT_DAMAGED)
        return doc


def _object_chars(obj: pdfium.PdfObject, textpage: pdfium.PdfTextPage) -> int:
    size = pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)  # bytes of UTF-16 incl. NUL
    if size <= 2:
        return 0
    buffer = (ctypes.c_ushort * (size // 2))()
    pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, buffer, size)
    text = bytes(buffer)[: size - 2].decode("utf-16-le", "ignore")
    return sum(1 for ch in text if not ch.isspace())


def survey_page(doc: pdfium.PdfDocument, index: int) -> PageSurvey:
    """Visible and invisible characters and image coverage of page `index` (0-based)."""
    with PDFIUM_LOCK:
        page = doc[index]
        try:
            textpage = page.get_textpage()
            width, height = page.get_size()
            area = max(width * height, 1.0)
            visible = invisible = 0
            covered = 0.0
            kinds = (pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_IMAGE)
            for obj in page.get_objects(filter=kinds, max_depth=4):
                if obj.type == pdfium_c.FPDF_PAGEOBJ_TEXT:
                    count = _object_chars(obj, textpage)
                    if pdfium_c.FPDFTextObj_GetTextRenderMode(obj.raw) == _INVISIBLE:
                        invisible += count
                    else:
                        visible += count
                else:
                    left, bottom, right, top = obj.get_bounds()
                    w = min(right, width) - max(left, 0.0)
                    h = min(top, height) - max(bottom, 0.0)
                    if w > 0 and h > 0:
                        covered += w * h
            textpage.close()
            return PageSurvey(index, visible, invisible, min(1.0, covered / area), page.get_rotation())
        except pdfium.PdfiumError as exc:
            raise BadInputError(f"page {index + 1} of the PDF cannot be read: {exc}", _HINT_DAMAGED) from exc
        finally:
            page.close()


def low_resolution_scan(doc: pdfium.PdfDocument, index: int, dpi: int) -> tuple[Image.Image, int] | None:
    """A scanned page's own image, as the viewer shows it, when it is coarser than `dpi`; else None.

    PDFium enlarges images without smoothing, and the blocky letters read badly (c02-22.pdf, a 150 dpi
    scan: 6.5 % CER rendered at 300 dpi, 1.3 % from its own pixels). Only for a page that is nothing but
    one image covering it, turned by a multiple of 90°; finer scans are rendered at `dpi` as usual.
    """
    with PDFIUM_LOCK:
        page = doc[index]
        try:
            objects = list(page.get_objects(max_depth=4))
            if len(objects) != 1 or not isinstance(objects[0], pdfium.PdfImage):
                return None
            image_obj = objects[0]
            a, b, c, d, _, _ = (float(v) for v in image_obj.get_matrix().get())
            width, height = page.get_size()
            left, bottom, right, top = image_obj.get_bounds()
            if (right - left) * (top - bottom) < 0.9 * width * height or a * d - b * c <= 0:
                return None
            if abs(b) < 1e-3 * abs(a) and abs(c) < 1e-3 * abs(d):
                turn = 0 if a > 0 else 180
            elif abs(a) < 1e-3 * abs(b) and abs(d) < 1e-3 * abs(c):
                turn = 90 if b > 0 else 270
            else:
                return None  # skewed by its matrix: render it, then deskew
            px_w, _ = image_obj.get_px_size()
            own_dpi = round(px_w / (abs(a) + abs(b)) * 72.0)
            if own_dpi >= 0.9 * dpi or own_dpi < 50:
                return None
            pil = image_obj.get_bitmap(render=False).to_pil()
            turn = (turn - page.get_rotation()) % 360  # /Rotate turns clockwise; PIL turns counter-clockwise
        except pdfium.PdfiumError:
            return None
        finally:
            page.close()
    pil = pil.convert("L")
    return (pil.rotate(turn, expand=True) if turn else pil), own_dpi


def render_scale(dpi: int) -> float:
    """PDFium's scale for `dpi`, a hair under.

    pypdfium2 sizes the bitmap with ceil(), so 216 pt at 300 dpi came out 901 px instead of 900, and every
    scanned pixel was resampled (blurred) onto the new grid.
    """
    return dpi / 72.0 * (1 - 1e-9)


def render_page(doc: pdfium.PdfDocument, index: int, dpi: int) -> Image.Image:
    """Render page `index` once, in grey, at `dpi`, upright as a viewer shows it (its /Rotate applied)."""
    with PDFIUM_LOCK:
        page = doc[index]
        try:
            bitmap = page.render(scale=render_scale(dpi), grayscale=True, may_draw_forms=True)
            image = bitmap.to_pil()
            bitmap.close()
        except pdfium.PdfiumError as exc:
            raise BadInputError(f"page {index + 1} of the PDF cannot be rendered: {exc}", _HINT_DAMAGED) from exc
        finally:
            page.close()
    return image.convert("L") if image.mode != "L" else image
