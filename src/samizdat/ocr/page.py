"""One page image through the pipeline: straight, upright, cleaned where it helps, then Tesseract once.

Each step runs only when the page needs it, because each costs time or accuracy on pages that do not:
- deskew when the measured skew is at least `deskew_min_degrees`;
- orientation detection (Tesseract OSD, ~1 s) only when the lines look vertical, or when the first
  reading is poor (an upside-down page reads as low-confidence garbage);
- background normalisation, denoising and binarisation only on pages measured as faint, uneven or grainy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

from samizdat.errors import EngineError
from samizdat.models import Page
from samizdat.ocr import preprocess
from samizdat.ocr.searchable import image_pdf_page, overlay_text_page
from samizdat.ocr.tesseract import Recognition, detect_orientation, recognize
from samizdat.settings import OcrOptions

OCR_FAILED = "OCR failed"


def failure_warnings(pages: list[Page]) -> list[str]:
    """One warning per page whose OCR failed, for the item's warnings."""
    return [f"page {p.number}: {note}" for p in pages for note in p.notes if note.startswith(OCR_FAILED)]


@dataclass
class PageImage:
    """A page to OCR: its 1-based number, pixels and resolution (None: unknown, Tesseract estimates it)."""

    number: int
    image: Image.Image
    dpi: int | None


@dataclass
class PageOcr:
    """An OCR'd page, and what kind of PDF page came with it.

    `page.pdf` is a text-only overlay for the original page when `overlay` is true, else a standalone
    page (image plus invisible text).
    """

    page: Page
    overlay: bool


@dataclass
class _Reading:
    image: Image.Image  # upright and straight, as shown in the searchable PDF
    rec: Recognition
    cleaned: bool
    steps: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        """More confident words is better: the sum of word confidences."""
        return sum(self.rec.word_confidences)


def _straighten(image: Image.Image, options: OcrOptions, steps: list[str]) -> Image.Image:
    if not options.deskew:
        return image
    angle = preprocess.skew_angle(image)
    if abs(angle) < options.deskew_min_degrees:
        return image
    steps.append(f"deskewed {angle:+.2f}°")
    return preprocess.rotate(image, angle)


def _turn(image: Image.Image, options: OcrOptions, dpi: int | None, steps: list[str]) -> Image.Image | None:
    """The page turned upright per Tesseract OSD, or None when OSD sees no need (or cannot tell)."""
    found = detect_orientation(image, timeout_s=min(60.0, options.page_timeout_s), dpi=dpi)
    if found is None or found.rotate == 0 or found.confidence < options.osd_min_confidence:
        return None
    steps.append(f"turned {found.rotate}° clockwise (OSD confidence {found.confidence:.1f})")
    return image.rotate(-found.rotate, expand=True)  # PIL turns counter-clockwise


def _read(
    image: Image.Image, langs: str, options: OcrOptions, dpi: int | None, overlay: bool, steps: list[str]
) -> _Reading:
    """Tesseract on the page, cleaned first when it is degraded.

    A borderline page (only just past a threshold) is read both ways and the better reading kept: there
    the measurements cannot tell a worn page from an illustrated one, and clean-up hurt the latter.
    """
    plan = preprocess.assess(image) if options.cleanup else None
    if plan is None or not plan.degraded:
        rec = recognize(image, langs, timeout_s=options.page_timeout_s, dpi=dpi, text_only_pdf=overlay)
        return _Reading(image, rec, False, steps)
    cleaned = recognize(preprocess.clean(image, plan), langs, timeout_s=options.page_timeout_s, dpi=dpi,
                        text_only_pdf=True)
    reading = _Reading(image, cleaned, True, [*steps, f"cleaned: {plan.reason}"])
    if plan.borderline:
        as_scanned = recognize(image, langs, timeout_s=options.page_timeout_s, dpi=dpi, text_only_pdf=overlay)
        alternative = _Reading(image, as_scanned, False, [*steps, f"clean-up ({plan.reason}) read worse; not used"])
        if alternative.score > reading.score:
            return alternative
    return reading


def ocr_page(page: PageImage, langs: str, options: OcrOptions, *, want_overlay: bool = False) -> PageOcr:
    """OCR one page; the steps it took go into `Page.notes`.

    `want_overlay`: the caller has the original page (a PDF page) and only needs the invisible text to lay
    over it, which works when the page was not turned or straightened.
    """
    steps: list[str] = []
    image = _straighten(preprocess.to_working_mode(page.image), options, steps)
    asked_osd = False
    if options.orientation and preprocess.looks_sideways(image):
        asked_osd = True
        turned = _turn(image, options, page.dpi, steps)
        if turned is not None:
            image = _straighten(turned, options, steps)
    reading = _read(image, langs, options, page.dpi, want_overlay and not steps, steps)

    confidence = reading.rec.mean_confidence
    if options.orientation and not asked_osd and (confidence is None or confidence < options.osd_below_confidence):
        retry_steps = list(steps)
        turned = _turn(image, options, page.dpi, retry_steps)
        if turned is not None:
            retry = _read(_straighten(turned, options, retry_steps), langs, options, page.dpi, False, retry_steps)
            if retry.score > reading.score:
                reading = retry

    overlay = want_overlay and not any(s.startswith(("deskewed", "turned")) for s in reading.steps)
    pdf = reading.rec.pdf
    if pdf is not None and reading.cleaned and not overlay:
        # show the page as scanned, not the binarised copy Tesseract read
        pdf = overlay_text_page(reading.image, page.dpi or options.default_dpi, pdf)
    return PageOcr(
        page=Page(
            number=page.number,
            text=reading.rec.text.strip(),
            method="ocr",
            confidence=reading.rec.mean_confidence,
            hocr=reading.rec.hocr,
            alto=reading.rec.alto,
            pdf=pdf,
            languages=langs,
            notes=reading.steps,
        ),
        overlay=overlay,
    )


def ocr_page_safely(page: PageImage, langs: str, options: OcrOptions, *, want_overlay: bool = False) -> PageOcr:
    """`ocr_page`, but a page Tesseract gives up on (timeout, crash) becomes an empty page flagged for review.

    One pathological page must not cost the whole document; its note says what happened.
    """
    try:
        return ocr_page(page, langs, options, want_overlay=want_overlay)
    except EngineError as exc:
        return PageOcr(
            page=Page(number=page.number, text="", method="ocr", confidence=0.0, languages=langs,
                      notes=[f"{OCR_FAILED}: {exc}"],
                      pdf=None if want_overlay else image_pdf_page(preprocess.to_working_mode(page.image),
                                                                   page.dpi or options.default_dpi)),
            overlay=False,
        )
