"""Text layers with pdfplumber: born-digital text in reading order with paragraphs, and a judge of old OCR layers."""

from __future__ import annotations

import multiprocessing
import re
import statistics
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any
from unicodedata import normalize as normalize_unicode

import pdfplumber
from pdfminer.layout import LTChar, LTItem
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.page import PDFPageAggregatorWithMarkedContent
from pdfplumber.utils.exceptions import PdfminerException

from samizdat.errors import BadInputError

# Mixed font sizes break plain character-gap word splitting ("Big Te xt"); a gap relative to the glyph
# size does not (pdfplumber issue 987). Checked on the corpus: the other files are unchanged by it.
X_TOLERANCE_RATIO = 0.15
PARALLEL_MIN_PAGES = 8  # shorter documents are read in this process: a page range costs ~0.1 s to open
_PARAGRAPH_GAP = 1.6  # a gap this many times the usual line spacing starts a paragraph

_HINT = (
    "The PDF's text could not be read (damaged or unusual structure). Copy it again or repair it with "
    "`qpdf in.pdf out.pdf`, then drop the new file into the inbox."
)
_CID = re.compile(r"\(cid:\d+\)")
_WORD = re.compile(r"\S+")


def _with_paragraphs(lines: list[dict[str, object]]) -> str:
    """Join lines, with a blank line wherever the vertical gap is clearly wider than line spacing."""
    if not lines:
        return ""
    steps = [
        float(b["top"]) - float(a["top"])  # type: ignore[arg-type]
        for a, b in zip(lines, lines[1:], strict=False)
        if float(b["top"]) > float(a["top"])  # type: ignore[arg-type]
    ]
    # the usual line spacing: the most common step (ties to the smallest), not a median pulled up by the gaps
    rounded = [round(step * 2) / 2 for step in steps]
    usual = min(statistics.multimode(rounded)) if rounded else 0.0
    out = [str(lines[0]["text"])]
    for previous, line in zip(lines, lines[1:], strict=False):
        gap = float(line["top"]) - float(previous["top"])  # type: ignore[arg-type]
        if usual > 0 and gap > _PARAGRAPH_GAP * usual:
            out.append("")
        out.append(str(line["text"]))
    return "\n".join(out)


def page_text(page: pdfplumber.page.Page) -> str:
    """A page's text layer, line by line in reading order, paragraphs separated by a blank line."""
    lines = page.extract_text_lines(x_tolerance_ratio=X_TOLERANCE_RATIO, return_chars=False, strip=True)
    return _with_paragraphs(lines)


class _TextOnlyDevice(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's layout device without the work text does not need: vector paths and images.

    pdfplumber turns every line, curve and image of a page into objects before it looks at the
    characters; drawings, forms and scans make that most of the time of a page.
    """

    def paint_path(self, gstate: Any, stroke: bool, fill: bool, evenodd: bool, path: Any) -> None:
        """Drawings carry no text."""

    def render_image(self, name: str, stream: Any) -> None:
        """Images carry no text layer."""


def _lean_char(page: pdfplumber.page.Page, default: Callable[[LTItem], dict[str, Any]]) -> Callable[[LTItem], Any]:
    """Pdfplumber's object conversion, cut to what text extraction reads for a character.

    pdfplumber resolves every attribute of every character (graphics state, colour spaces, colours):
    two thirds of the time of a text page, for values extract_text never looks at.
    """
    mb_x0, mb_top = page.mediabox[:2]
    height, doctop, number = page.height, page.initial_doctop, page.page_number
    norm = page.pdf.unicode_norm

    def convert(obj: LTItem) -> dict[str, Any]:
        if not isinstance(obj, LTChar):
            return default(obj)
        text = obj.get_text()
        fontname = obj.fontname
        top = height - obj.y1 + mb_top
        return {
            "object_type": "char", "page_number": number, "text": normalize_unicode(norm, text) if norm else text,
            "fontname": fontname.decode("latin-1") if isinstance(fontname, bytes) else fontname,
            "size": obj.size, "adv": obj.adv, "upright": obj.upright, "matrix": obj.matrix,
            "x0": obj.x0 + mb_x0, "x1": obj.x1 + mb_x0, "y0": obj.y0, "y1": obj.y1,
            "width": obj.width, "height": obj.height,
            "top": top, "bottom": height - obj.y0 + mb_top, "doctop": doctop + top,
        }

    return convert


def _text_only_layout(page: pdfplumber.page.Page) -> None:
    device = _TextOnlyDevice(page.pdf.rsrcmgr, pageno=page.page_number, laparams=page.pdf.laparams)
    interpreter = PDFPageInterpreter(page.pdf.rsrcmgr, device)
    interpreter.process_page(page.page_obj)
    page._layout = device.get_result()  # pdfplumber uses a layout already made for the page
    page.process_object = _lean_char(page, page.process_object)  # type: ignore[method-assign,assignment]


def read_chunk(path: Path, indices: list[int]) -> dict[int, str]:
    """Text of the given pages (0-based), one pdfplumber document open for all of them."""
    try:
        with pdfplumber.open(path) as pdf:
            result = {}
            for index in indices:
                page = pdf.pages[index]
                _text_only_layout(page)
                result[index] = page_text(page)
                page.close()  # frees the page's parsed objects; long documents stay small
            return result
    except (PDFSyntaxError, PSException, PdfminerException, ValueError, KeyError, TypeError) as exc:
        raise BadInputError(f"the PDF's text layer cannot be read: {exc}", _HINT) from exc


_pool_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def _text_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes kept for the life of this process: each page range costs no start-up after the first."""
    global _pool, _pool_size
    with _pool_lock:
        if _pool is None or _pool_size != workers:
            _pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))
            _pool_size = workers
        return _pool


def read_pages(path: Path, indices: list[int], workers: int = 1) -> dict[int, str]:
    """Text of the given pages; long documents are split into page ranges read in parallel processes.

    pdfplumber is pure Python, so threads would not help; each process opens the document once.
    """
    if workers <= 1 or len(indices) < PARALLEL_MIN_PAGES:
        return read_chunk(path, indices)
    size = -(-len(indices) // workers)
    chunks = [indices[i : i + size] for i in range(0, len(indices), size)]
    result: dict[int, str] = {}
    try:
        for part in _text_pool(workers).map(read_chunk, [path] * len(chunks), chunks):
            result.update(part)
    except BrokenProcessPool:
        global _pool
        _pool = None  # a worker died (out of memory?): read in this process instead
        return read_chunk(path, indices)
    return result


# A text layer of Russian written in cp1251 or KOI8-R by a font without a Unicode map comes out as Latin-1 letters
# (`Ìû, ðîäè÷è`): 97-100 % of its letters in U+00C0-U+00FF. French prose has 3-9 % there (corpus francais.pdf's
# truth 9 %, Faker fr_FR 3 %), German 2 %; 40 % leaves a wide margin both ways.
MOJIBAKE_SHARE = 0.4
MIN_MOJIBAKE_LETTERS = 20


def unusable_reason(text: str) -> str | None:
    """Why a text layer cannot stand for the page (glyphs without Unicode), or None when it can."""
    cids = len(_CID.findall(text))
    body = _CID.sub("", text)
    letters = sum(ch.isalnum() for ch in body)
    if cids and cids > letters:
        return f"text layer is mostly unmapped glyphs ({cids} (cid:n) codes)"
    if body.count("\ufffd") > max(5, letters // 10):
        return "text layer is mostly replacement characters"
    accented = sum("\u00c0" <= ch <= "\u00ff" for ch in body)
    if letters >= MIN_MOJIBAKE_LETTERS and accented > MOJIBAKE_SHARE * letters:
        return ("text layer is Cyrillic in an old 8-bit encoding (cp1251, KOI8-R), extracted as accented Latin "
                "letters")
    return None


def garbage_reason(text: str) -> str | None:
    """Why an old OCR layer is garbage, or None when it reads like text.

    Garbage OCR shows as words that are not words: few letters, mixed scripts, symbols inside words.
    """
    words = _WORD.findall(text)
    if len(words) < 3:
        return f"only {len(words)} words" if text.strip() else None
    plausible = 0
    for word in words:
        core = word.strip(".,;:!?()[]\"'«»“”„‘’-–—")
        if not core:
            continue
        letters = sum(ch.isalpha() for ch in core)
        latin = sum("a" <= ch.lower() <= "z" for ch in core)
        cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in core)
        mixed = latin and cyrillic
        if core.isdigit() or (letters >= 0.8 * len(core) and not mixed):
            plausible += 1
    share = plausible / len(words)
    if share < 0.6:
        return f"only {share:.0%} of its words look like words"
    return None
