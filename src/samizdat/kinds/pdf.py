"""PDF input, page by page: born-digital text kept, old OCR layers judged, everything else OCR'd once at 300 dpi."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
from pypdf.errors import PdfReadError

from samizdat.errors import BadInputError
from samizdat.kinds.base import ExtractRequest, InputKind, page_slots
from samizdat.models import Extraction, Kind, Page
from samizdat.ocr.outputs import document_outputs
from samizdat.ocr.page import PageImage, PageOcr, failure_warnings, ocr_page_safely
from samizdat.ocr.pdf_survey import PageSurvey, low_resolution_scan, open_pdf, render_page, survey_page
from samizdat.ocr.pdf_text import garbage_reason, read_pages, unusable_reason
from samizdat.ocr.pool import map_pages
from samizdat.ocr.registry import ocr_engine
from samizdat.ocr.searchable import assemble
from samizdat.settings import OcrOptions, Settings

MIN_TEXT_CHARS = 20  # an invisible layer with fewer characters than this is not worth judging
MIN_SCAN_TEXT_CHARS = 200  # printed text over a scan with fewer characters is a stamp or a header
SCAN_COVERAGE = 0.5  # an image over this share of the page makes it a scan


@dataclass
class PagePlan:
    """What to do with one page, and why."""

    index: int
    method: str  # "text-layer" | "ocr" | "ocr-layer-kept" | "ocr-layer-redone"
    text: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def needs_ocr(self) -> bool:
        return self.method in ("ocr", "ocr-layer-redone")


def plan_page(survey: PageSurvey, text: str | None) -> PagePlan:
    """Decide from the survey and the text layer whether a page is read as is or OCR'd.

    Printed text counts as a text layer unless the page is a scan (an image over half of it) whose
    printed text is only a stamp or a header: then OCR reads the stamp and the scan together.
    """
    scan = survey.image_coverage >= SCAN_COVERAGE
    printed = survey.visible_chars >= (MIN_SCAN_TEXT_CHARS if scan else 1)
    if printed and text is not None and text.strip():
        reason = unusable_reason(text)
        if reason is None:
            return PagePlan(survey.index, "text-layer", text)
        return PagePlan(survey.index, "ocr", notes=[reason])
    if survey.invisible_chars >= MIN_TEXT_CHARS and text is not None:
        reason = garbage_reason(text) or unusable_reason(text)
        if reason is None:
            return PagePlan(survey.index, "ocr-layer-kept", text, ["kept the existing OCR layer"])
        return PagePlan(survey.index, "ocr-layer-redone", notes=[f"existing OCR layer redone: {reason}"])
    notes = []
    if survey.visible_chars or survey.invisible_chars:
        notes.append(f"text layer too small ({survey.visible_chars + survey.invisible_chars} characters) for a scan")
    return PagePlan(survey.index, "ocr", notes=notes)


class PdfKind:
    """PDF documents: born-digital, scanned, mixed, or scanned with an old OCR layer."""

    kind = Kind.PDF
    media_types = frozenset({"application/pdf"})
    formats = ("PDF",)
    label = "PDF"
    dc_type = "Text"
    one_at_a_time = False

    def sniff(self, head: bytes) -> str | None:
        """`%PDF-` in the first KiB: the spec allows junk before the header."""
        return "application/pdf" if b"%PDF-" in head[:1024] else None

    def engine_options(self, settings: Settings) -> OcrOptions:
        """Tesseract's options (and the page rendering's resolution) for the pages that need OCR."""
        return settings.ocr

    def cpu_slots(self, settings: Settings, path: Path | None) -> int:
        """A core per page, up to `ocr.workers`; the pages counted from the document's page tree."""
        return page_slots(settings, _page_count(path) if path is not None else None)

    def extract(self, request: ExtractRequest) -> Extraction:
        """Read text layers where they are good, OCR the rest in the shared page pool."""
        options = request.settings.ocr
        doc = open_pdf(request.path)
        try:
            return self._extract(request, options, doc)
        finally:
            doc.close()

    def _extract(self, request: ExtractRequest, options: OcrOptions, doc: pdfium.PdfDocument) -> Extraction:
        total = len(doc)
        surveys = [survey_page(doc, i) for i in range(total)]
        with_text = [s.index for s in surveys if s.visible_chars or s.invisible_chars >= MIN_TEXT_CHARS]
        texts = read_pages(request.path, with_text, options.pdf_workers) if with_text else {}
        plans = [plan_page(s, texts.get(s.index)) for s in surveys]
        to_ocr = [p for p in plans if p.needs_ocr]
        done_without_ocr = total - len(to_ocr)
        request.progress(done_without_ocr, total, "pages")

        engines = {"pdf": f"pdfplumber {pdfplumber.__version__}"}
        warnings: list[str] = []
        ocr_results: dict[int, PageOcr] = {}
        if to_ocr:
            engine = ocr_engine(options)
            choice = engine.choose_languages(request.languages)
            warnings += choice.warnings
            engines["ocr"] = engine.label(choice.langs)

            def work(plan: PagePlan) -> PageOcr:
                coarse = low_resolution_scan(doc, plan.index, options.dpi)
                image, dpi = coarse or (render_page(doc, plan.index, options.dpi), options.dpi)  # once, in grey
                # a redone page is replaced whole, so its old (garbage) invisible layer does not stay searchable
                return ocr_page_safely(PageImage(plan.index + 1, image, dpi), choice.langs, options,
                                       want_overlay=plan.method == "ocr")

            results = map_pages(
                work, to_ocr, workers=options.workers,
                on_done=lambda done, _: request.progress(done_without_ocr + done, total, "pages"),
            )
            ocr_results = {plan.index: result for plan, result in zip(to_ocr, results, strict=True)}

        pages: list[Page] = []
        for plan in plans:
            if plan.index in ocr_results:
                page = ocr_results[plan.index].page
                page.method = plan.method
                page.notes = plan.notes + page.notes
            else:
                page = Page(number=plan.index + 1, text=plan.text, method=plan.method, notes=plan.notes)
            pages.append(page)
        searchable = _searchable_pdf(request.path, ocr_results) if ocr_results else None
        warnings += failure_warnings(pages)
        return Extraction(engines=engines, pages=pages, searchable_pdf=searchable, warnings=warnings)

    def outputs(
        self, extraction: Extraction, source_path: Path, archivist: object = None, title: str = ""
    ) -> dict[str, bytes]:
        """Per-page hOCR and ALTO where OCR ran, and searchable.pdf (the original when born-digital)."""
        return document_outputs(extraction, source_path, born_digital_pdf=True)


def _page_count(path: Path) -> int | None:
    """How many pages the document has, without reading them; None for a file pdfium cannot open."""
    try:
        document = pdfium.PdfDocument(path)
    except Exception:  # a damaged file: extraction will say what is wrong with it
        return None
    try:
        return len(document)
    finally:
        document.close()


def _searchable_pdf(path: Path, ocr: dict[int, PageOcr]) -> bytes:
    """Original pages where their text is kept; OCR'd pages with Tesseract's text laid over (or replaced)."""
    try:
        return assemble(path.read_bytes(), {i: (r.page.pdf, r.overlay) for i, r in ocr.items() if r.page.pdf})
    except (PdfReadError, ValueError, KeyError) as exc:
        raise BadInputError(
            f"the searchable PDF could not be assembled: {exc}",
            "The PDF's structure is damaged. Repair it with `qpdf in.pdf out.pdf` and drop the new file in again.",
        ) from exc


PDF: InputKind = PdfKind()
