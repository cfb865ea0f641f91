"""One page image through the pipeline: upright, straight, cleaned where it helps, then Tesseract once."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image

from samizdat.models import Page
from samizdat.ocr import preprocess
from samizdat.ocr.searchable import overlay_text_page
from samizdat.ocr.tesseract import detect_orientation, recognize
from samizdat.settings import OcrOptions


@dataclass
class PageImage:
    """A page to OCR: its 1-based number, pixels and resolution."""

    number: int
    image: Image.Image
    dpi: int


@dataclass
class PageOcr:
    """An OCR'd page, and what kind of PDF page came with it.

    `page.pdf` is a text-only overlay for the original page when `overlay` is true, else a standalone
    page (image plus invisible text).
    """

    page: Page
    overlay: bool


def _upright(image: Image.Image, options: OcrOptions, dpi: int, steps: list[str]) -> Image.Image:
    found = detect_orientation(image, timeout_s=min(60.0, options.page_timeout_s), dpi=dpi)
    if found is None or found.rotate == 0 or found.confidence < options.osd_min_confidence:
        return image
    steps.append(f"turned {found.rotate}° clockwise (OSD confidence {found.confidence:.1f})")
    return image.rotate(-found.rotate, expand=True)  # PIL turns counter-clockwise


def ocr_page(page: PageImage, langs: str, options: OcrOptions, *, want_overlay: bool = False) -> PageOcr:
    """OCR one page; the steps it took go into `Page.notes`.

    `want_overlay`: the caller has the original page (a PDF page) and only needs the invisible text to lay
    over it, which works when the page was not turned or straightened.
    """
    steps: list[str] = []
    image = preprocess.to_working_mode(page.image)
    if options.orientation:
        image = _upright(image, options, page.dpi, steps)
    if options.deskew:
        angle = preprocess.skew_angle(image)
        if abs(angle) >= options.deskew_min_degrees:
            image = preprocess.rotate(image, angle)
            steps.append(f"deskewed {angle:+.2f}°")
    overlay = want_overlay and not steps
    plan = preprocess.assess(image) if options.cleanup else None
    cleaned = plan is not None and plan.degraded
    target = image
    if plan is not None and plan.degraded:
        target = preprocess.clean(image, plan)
        steps.append(f"cleaned: {plan.reason}")
    rec = recognize(target, langs, timeout_s=options.page_timeout_s, dpi=page.dpi, text_only_pdf=overlay or cleaned)
    pdf = rec.pdf
    if pdf is not None and cleaned and not overlay:
        pdf = overlay_text_page(image, page.dpi, pdf)  # show the page as scanned, not the binarised copy
    text = rec.text.strip()
    return PageOcr(
        page=Page(
            number=page.number,
            text=text,
            method="ocr",
            confidence=rec.mean_confidence,
            hocr=rec.hocr,
            alto=rec.alto,
            pdf=pdf,
            languages=langs,
            notes=steps,
        ),
        overlay=overlay,
    )
