"""A document's pages as the reader shows them: page images, hOCR word boxes on them, and the text tied to both.

The page images (`data/pages/0001.jpg` and `0001.thumb.jpg`) are made at packaging time (`samizdat.derivatives`);
older bags have none and show their text only. Word boxes come from `data/pages/0001.hocr`, in the pixels of
the image OCR read (the page box is on the `ocr_page` element); they are scaled to the web image by the ratio
of widths. Each word of the page text is tied to its box by aligning the text's words with the hOCR's, so a
word marked in the text (a search hit) is marked on the image, and a click on either finds the other.
"""

from __future__ import annotations

import difflib
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape
from PIL import Image

from samizdat.bag import PublishedBag
from samizdat.derivatives import PageImageNames
from samizdat.record import ItemRecord, ReviewPage
from samizdat.search.stemming import fold, stem, tokens

ASPECT_TOLERANCE = 0.02
"""The OCR image and the web image must have the same shape within this (rounding), or the boxes are not shown."""
MAX_PAGES = 100_000
"""More pages than any document in the archive has: the bound on page numbers in URLs."""


@dataclass(frozen=True)
class WordBox:
    """A recognised word and its box on the web image, in pixels."""

    text: str
    x: int
    y: int
    w: int
    h: int


@dataclass(frozen=True)
class Line:
    """A recognised line (for the IIIF annotations): its text and box on the web image."""

    text: str
    x: int
    y: int
    w: int
    h: int


@dataclass
class PageImage:
    """One page's images (sizes in pixels), its word boxes on the web image, and whether it awaits review."""

    number: int
    width: int
    height: int
    thumb_width: int
    thumb_height: int
    words: list[WordBox] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    review: ReviewPage | None = None

    @property
    def names(self) -> PageImageNames:
        """Its files under the bag's `data/`."""
        return PageImageNames(self.number)


def page_count(bag_dir: Path) -> int:
    """How many page images the bag holds (pages are numbered 1..n without gaps)."""
    bag = PublishedBag(bag_dir)
    number = 0
    while bag.path(PageImageNames(number + 1).web).is_file():
        number += 1
    return number


def page_images(bag_dir: Path, metadata: ItemRecord) -> list[PageImage]:
    """The bag's page images in order, with word boxes and review flags; empty for bags without them."""
    review = review_pages(metadata)
    return [page for number in range(1, page_count(bag_dir) + 1)
            if (page := page_image(bag_dir, number, review.get(number))) is not None]


def page_image(bag_dir: Path, number: int, review: ReviewPage | None = None) -> PageImage | None:
    """Page `number` of the bag, or None when it has no page image."""
    bag = PublishedBag(bag_dir)
    names = PageImageNames(number)
    web, thumb = bag.path(names.web), bag.path(names.thumb)
    if not web.is_file() or not thumb.is_file():
        return None
    width, height = _image_size(str(web), web.stat().st_mtime_ns)
    thumb_width, thumb_height = _image_size(str(thumb), thumb.stat().st_mtime_ns)
    page = PageImage(number, width, height, thumb_width, thumb_height, review=review)
    hocr = bag.hocr_path(number)
    if hocr.is_file():
        words, lines = _read_hocr(str(hocr), hocr.stat().st_mtime_ns, width, height)
        page.words, page.lines = list(words), list(lines)
    return page


def review_pages(metadata: ItemRecord) -> dict[int, ReviewPage]:
    """`content.review_pages` by page number (DESIGN.md §9)."""
    return {entry.page: entry for entry in metadata.content.review_pages}


@lru_cache(maxsize=4096)
def _image_size(path: str, mtime_ns: int) -> tuple[int, int]:
    with Image.open(path) as image:  # reads the header only
        return image.size


@lru_cache(maxsize=512)
def _read_hocr(path: str, mtime_ns: int, web_width: int,
               web_height: int) -> tuple[tuple[WordBox, ...], tuple[Line, ...]]:
    try:
        root = ET.fromstring(Path(path).read_bytes())
    except (OSError, ET.ParseError):
        return (), ()
    page = next((e for e in root.iter() if e.get("class") == "ocr_page"), None)
    page_box = _bbox(page) if page is not None else None
    if page_box is None or page_box[2] <= 0 or page_box[3] <= 0:
        return (), ()
    if abs(page_box[3] / page_box[2] - web_height / web_width) > ASPECT_TOLERANCE * web_height / web_width:
        return (), ()  # not the image OCR read (turned, or cropped): no boxes rather than boxes in the wrong place
    scale = web_width / page_box[2]  # the OCR image's width: the ocr_page box starts at 0, 0

    def scaled(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        x0, y0, x1, y1 = (round(v * scale) for v in box)
        return x0, y0, max(1, x1 - x0), max(1, y1 - y0)

    words: list[WordBox] = []
    lines: list[Line] = []
    for element in root.iter():
        kind = element.get("class", "")
        box = _bbox(element)
        if box is None:
            continue
        if kind == "ocrx_word":
            text = "".join(element.itertext()).strip()
            if text:
                words.append(WordBox(text, *scaled(box)))
        elif kind in ("ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"):
            text = " ".join(" ".join(element.itertext()).split())
            if text:
                lines.append(Line(text, *scaled(box)))
    return tuple(words), tuple(lines)


def _bbox(element: ET.Element) -> tuple[int, int, int, int] | None:
    for part in element.get("title", "").split(";"):
        fields = part.split()
        if len(fields) == 5 and fields[0] == "bbox" and all(f.isdigit() for f in fields[1:]):
            x0, y0, x1, y1 = (int(f) for f in fields[1:])
            return x0, y0, x1, y1
    return None


def word_links(text: str, words: list[WordBox]) -> dict[int, int]:
    """For each word of `text` (by its start offset), the index of its hOCR word box.

    The page text and the hOCR come from the same Tesseract run, so their words mostly agree; they are aligned
    as sequences of folded tokens, so a word the text spells differently (a hyphenation, a fixed encoding)
    only leaves that word without a box.
    """
    text_tokens = [(m.start(), fold(m.group())) for m in tokens(text)]
    box_tokens = [(i, fold(t.group())) for i, word in enumerate(words) for t in tokens(word.text)]
    matcher = difflib.SequenceMatcher(None, [t for _, t in text_tokens], [t for _, t in box_tokens], autojunk=False)
    links: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            links[text_tokens[block.a + k][0]] = box_tokens[block.b + k][0]
    return links


def page_text_html(text: str, stems: list[str], words: list[WordBox]) -> Markup:
    """The page text as HTML: each word with a box is a `span.w` naming it (`data-b`), search words in `<mark>`."""
    wanted = set(stems)
    links = word_links(text, words) if words else {}
    parts: list[str] = []
    cursor = 0
    for match in tokens(text):
        start, end = match.span()
        box = links.get(start)
        hit = bool(wanted) and stem(match.group()) in wanted
        if box is None and not hit:
            continue
        parts.append(str(escape(text[cursor:start])))
        word = str(escape(match.group()))
        if hit:
            word = f"<mark>{word}</mark>"
        if box is not None:
            word = f'<span class="w" data-b="{box}">{word}</span>'
        parts.append(word)
        cursor = end
    parts.append(str(escape(text[cursor:])))
    return Markup("".join(parts))


def viewer_data(item_id: str, pages: list[PageImage]) -> str:
    """What the page viewer's script needs, as JSON for a `<script type="application/json">` block."""
    return json.dumps({
        "item": item_id,
        "manifest": f"/iiif/{item_id}/manifest",
        "pages": [{"n": p.number, "width": p.width, "height": p.height,
                   "image": f"/iiif/{item_id}/page/{p.number}/full/max/0/default.jpg",
                   "boxes": [[w.x, w.y, w.w, w.h] for w in p.words],
                   "review": p.review.as_dict() if p.review else None} for p in pages],
    }, ensure_ascii=False).replace("</", "<\\/")
