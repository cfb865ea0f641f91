"""Review of document pages: accept, mark, replace the text, read again with other languages.

Replacing a page's text drops that page's hOCR and ALTO (`pages/0002.hocr`, `.alto.xml`) rather than
regenerating them: their word boxes are the machine's reading, and new text has no boxes. The page in
`searchable.pdf` keeps its image but loses its invisible text layer (the old words must not stay findable
there); `content.page_notes` says so for the page. Reading again keeps the new reading only when it scores
`REPLACE_MARGIN` above the published one (the same floor OCR itself uses between readings).
"""

from __future__ import annotations

from samizdat.bag import PayloadNames
from samizdat.derivatives import PageImageNames, page_images
from samizdat.errors import BadInputError
from samizdat.ocr import preprocess
from samizdat.ocr.hocr import words
from samizdat.ocr.languages import iso_languages, tesseract_languages
from samizdat.ocr.page import REPLACE_MARGIN, PageImage, ocr_page_safely
from samizdat.ocr.quality import judge, survey_ink
from samizdat.ocr.searchable import assemble, image_pdf_page
from samizdat.ocr.tesseract import installed_languages
from samizdat.record import ReviewPage
from samizdat.review.draft import Draft
from samizdat.review.models import ReviewAction, ReviewRequest
from samizdat.review.store import (
    ARCHIVIST,
    add_page_note,
    item_kind,
    original_path,
    page_languages,
    page_method,
    page_texts,
    page_texts_file,
    review_pages,
    set_checked_pages,
    set_page_languages,
    set_page_method,
    set_page_notes,
    set_review_pages,
)
from samizdat.settings import Settings

ARCHIVIST_METHOD = "archivist"
"""`content.page_methods` of a page whose text an archivist typed."""
MARK_REASONS = {ReviewAction.ILLEGIBLE: "illegible", ReviewAction.HANDWRITTEN: "handwritten"}
TEXT_PDF_DPI = 300  # a page whose text layer is removed is kept as its image at this resolution


hocr_name = PayloadNames.hocr
alto_name = PayloadNames.alto


def check_pages(draft: Draft, request: ReviewRequest) -> list[int]:
    """The request's pages, each one the document has; `BadInputError` otherwise."""
    if item_kind(draft.metadata) == "audio":
        raise BadInputError(f"item {request.item_id} is a recording: {request.action} works on document pages",
                            "Give a time range (start_s, end_s) with replace-text, or use rename-speaker.")
    count = len(page_texts(draft.bag))
    if not request.pages:
        raise BadInputError(f"{request.action} needs the page(s) it applies to", f"Give pages between 1 and {count}.")
    outside = [p for p in request.pages if not 1 <= p <= count]
    if outside:
        raise BadInputError(f"item {request.item_id} has {count} page(s); there is no page {outside[0]}",
                            f"Give pages between 1 and {count}.")
    return sorted(set(request.pages))


def accept(draft: Draft, request: ReviewRequest) -> str:
    """Accept pages as they are: their review flags are cleared and they count as checked."""
    pages = check_pages(draft, request)
    set_review_pages(draft.metadata, [p for p in review_pages(draft.metadata) if p.page not in pages])
    set_checked_pages(draft.metadata, pages)
    return f"accepted page(s) {_list(pages)} as read"


def mark(draft: Draft, request: ReviewRequest) -> str:
    """Mark pages illegible or handwritten: the reason is the archivist's, the text is kept."""
    pages = check_pages(draft, request)
    reason = MARK_REASONS[request.action]
    flagged = {p.page: p for p in review_pages(draft.metadata)}
    for page in pages:
        score = flagged[page].score if page in flagged else None
        flagged[page] = ReviewPage(page=page, score=score, reason=reason, by=ARCHIVIST)
    set_review_pages(draft.metadata, list(flagged.values()))
    set_checked_pages(draft.metadata, pages)
    return f"marked page(s) {_list(pages)} {reason}"


def replace_text(draft: Draft, request: ReviewRequest) -> str:
    """Replace the text of pages with the archivist's; their hOCR/ALTO are dropped, their PDF text layer removed."""
    pages = check_pages(draft, request)
    texts = page_texts(draft.bag)
    for page in pages:
        texts[page - 1] = request.text.replace("\f", "\n").strip()
        draft.drop(hocr_name(page))
        draft.drop(alto_name(page))
        add_page_note(draft.metadata, page, "text typed by an archivist; the machine's hOCR and ALTO were dropped")
        set_page_method(draft.metadata, page, ARCHIVIST_METHOD)
    draft.write(PayloadNames.TEXT, page_texts_file(texts))
    pdf = draft.current(PayloadNames.SEARCHABLE_PDF)
    if pdf is not None:
        draft.write(PayloadNames.SEARCHABLE_PDF, without_text_layers(pdf, [p - 1 for p in pages]))
    set_review_pages(draft.metadata, [p for p in review_pages(draft.metadata) if p.page not in pages])
    set_checked_pages(draft.metadata, pages)
    draft.text_changed = True
    return f"replaced the text of page(s) {_list(pages)}"


def without_text_layers(pdf: bytes, indexes: list[int], dpi: int = TEXT_PDF_DPI) -> bytes:
    """The PDF with these pages (0-based) replaced by their rendered image alone: no text layer left on them."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        images = {i: doc[i].render(scale=dpi / 72, may_draw_forms=False).to_pil() for i in indexes if i < len(doc)}
    finally:
        doc.close()
    return assemble(pdf, {i: (image_pdf_page(image.convert("L"), dpi), False) for i, image in images.items()})


def _page_image(draft: Draft, page: int, settings: Settings) -> PageImage:
    """The page as OCR first saw it: a frame of the original image, or the PDF page rendered."""
    original = original_path(draft.bag, draft.metadata)
    if item_kind(draft.metadata) == "pdf":
        from samizdat.ocr.pdf_survey import low_resolution_scan, open_pdf, render_page

        doc = open_pdf(original)
        try:
            coarse = low_resolution_scan(doc, page - 1, settings.ocr.dpi)
            image, dpi = coarse or (render_page(doc, page - 1, settings.ocr.dpi), settings.ocr.dpi)
        finally:
            doc.close()
        return PageImage(page, image, dpi)
    from samizdat.kinds.image import load_frame

    return load_frame(original, page - 1)


def _published_score(draft: Draft, page: int, image: PageImage, settings: Settings) -> float:
    """The published reading's score, measured again the way OCR measured it (its hOCR against the page's ink)."""
    hocr = draft.current(hocr_name(page))
    if hocr is None:
        flagged = {p.page: p for p in review_pages(draft.metadata)}
        return float(flagged[page].score or 0.0) if page in flagged else 0.0
    langs = tesseract_languages(page_languages(draft.metadata, page), settings.ocr.langs, installed_languages()).langs
    ink = survey_ink(preprocess.to_working_mode(image.image), image.dpi)
    return judge(words(hocr.decode("utf-8")), langs, ink).score


def read_again(draft: Draft, request: ReviewRequest, settings: Settings) -> str:
    """OCR pages again in the given languages; keep each new reading only where it scores clearly better."""
    pages = check_pages(draft, request)
    typed = [p for p in pages if page_method(draft.metadata, p) in ("text-layer", ARCHIVIST_METHOD)]
    if typed:
        raise BadInputError(f"page {typed[0]}'s text was not read by OCR (it is the PDF's text or an archivist's)",
                            "Use replace-text to correct it.")
    if not request.languages:
        raise BadInputError("read-again needs the languages to read the page(s) in", "Give ISO 639-1 codes: ru, en.")
    choice = tesseract_languages(request.languages, settings.ocr.langs, installed_languages())
    if choice.warnings:
        raise BadInputError(f"cannot read in {', '.join(request.languages)}: {'; '.join(choice.warnings)}",
                            "Install the Tesseract language (apt install tesseract-ocr-XXX) or choose another.")
    texts = page_texts(draft.bag)
    kept, outcomes = [], []
    for page in pages:
        image = _page_image(draft, page, settings)
        before = _published_score(draft, page, image, settings)
        reading = ocr_page_safely(image, choice.langs, settings.ocr).page
        after = reading.score or 0.0
        if after < before + REPLACE_MARGIN:
            outcomes.append(f"page {page}: kept the published reading ({before:.2f}; {choice.langs} {after:.2f})")
            continue
        kept.append(page)
        outcomes.append(f"page {page}: read again in {choice.langs} ({before:.2f} -> {after:.2f})")
        texts[page - 1] = reading.text
        draft.write(hocr_name(page), (reading.hocr or "").encode("utf-8"))
        draft.write(alto_name(page), (reading.alto or "").encode("utf-8"))
        set_page_languages(draft.metadata, page, iso_languages(reading.languages))
        set_page_notes(draft.metadata, page, [*reading.notes, f"read again in {choice.langs} on request"])
        others = [p for p in review_pages(draft.metadata) if p.page != page]
        if reading.review:
            others.append(ReviewPage(page=page, reason=reading.review, score=round(after, 3)))
        set_review_pages(draft.metadata, others)
        pdf = draft.current(PayloadNames.SEARCHABLE_PDF)
        if pdf is not None and reading.pdf is not None:
            draft.write(PayloadNames.SEARCHABLE_PDF, assemble(pdf, {page - 1: (reading.pdf, False)}))
    if kept:
        draft.write(PayloadNames.TEXT, page_texts_file(texts))
        draft.text_changed = True
        _refresh_page_images(draft, kept)
    return "; ".join(outcomes)


def _refresh_page_images(draft: Draft, pages: list[int]) -> None:
    """The web image and thumbnail of pages whose searchable-PDF page was replaced (it may have been turned)."""
    pdf = draft.current(PayloadNames.SEARCHABLE_PDF)
    if pdf is None:
        return
    images = page_images({PayloadNames.SEARCHABLE_PDF: pdf})
    for page in pages:
        names = PageImageNames(page)
        for name in (names.web, names.thumb):
            if name in images and draft.current(name) is not None:
                draft.write(name, images[name])


def _list(pages: list[int]) -> str:
    return ", ".join(map(str, pages))
