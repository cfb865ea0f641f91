"""How good a page's reading is, without ground truth: the score that picks among readings and flags pages.

    score = coverage × (½ confidence + ½ known)          (known left out, weight to confidence, without a dictionary)

- `confidence`: Tesseract's word confidences, weighted by word length, 0-1.
- `known`: the share of letters in words that a Hunspell dictionary of the page's languages knows (Debian's
  `hunspell-en-us`, `hunspell-ru`, ... read by Hunspell itself through `chunspell`, a maintained Cython binding
  whose wheel carries libhunspell 1.7); 0-1.
- `coverage`: how much text came out against how much text-like ink the page has (connected components of
  glyph size), capped at 1: a reading that finds three confident words on a full page is not good.

Validated in `bench/ocr` (rank correlation with CER between the candidate readings of each page, on the
augraphy development half and on the corpus) before the pipeline trusted it: see bench/ocr/results.md.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import hunspell
import numpy as np
from PIL import Image
from scipy import ndimage

DICTIONARY_DIRS = (Path("/usr/share/hunspell"), Path("/usr/share/myspell/dicts"))
HUNSPELL_NAMES: dict[str, tuple[str, ...]] = {  # Tesseract language -> Hunspell dictionary names, first found wins
    "eng": ("en_US", "en_GB"),
    "rus": ("ru_RU",),
    "ukr": ("uk_UA",),
    "fra": ("fr_FR", "fr"),
    "deu": ("de_DE", "de_DE_frami"),
    "heb": ("he_IL",),
    "pol": ("pl_PL",),
    "spa": ("es_ES",),
    "ita": ("it_IT",),
}
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_load_lock = threading.Lock()

# Glyph-size limits for the ink survey. A glyph at least 0.7 mm high (a 6 pt x-height is ~1.1 mm), and never
# under 4 px; anything taller than 1/20 of the page is a rule, a photo, a blot or the page edge, not text.
MIN_GLYPH_MM = 0.7
MIN_GLYPH_PX = 4
MAX_GLYPH_PAGE_SHARE = 1 / 20
# Ink must be this much darker than the local paper (grey levels of 255) and than the grain. Measured on the
# flattened holdout-v1 pages and the augraphy dev half: faint carbon ink sits 60-140 levels under the paper;
# grain of the samizdat scan (robust sigma 23) reaches 59 levels at its 90th percentile, so 3 sigma.
MIN_INK_DROP = 30
INK_DROP_PER_GRAIN = 3.0
# A page with fewer glyph-like marks than this is blank (dust, a stamp's edge, a hole punch). Measured: blank
# scans made by tests/test_ocr_quality.py (grain, shading) give 0-3; a 4-line note gives ~120.
MIN_GLYPHS = 25
# Dictionary look-ups per reading: an evenly spaced sample of a long page's words. Set when the dictionaries were
# read by spylls (~1 ms for a word it had not seen: a full 730-word page cost 0.8 s, a fifth of its Tesseract read);
# Hunspell itself takes ~5 us, but the sample stays, so that every score the bench measured stays the same.
MAX_LOOKUPS = 200
MIN_STROKES = 5
# Characters a right reading has per glyph-like mark (Cyrillic ы й ё are two or three marks, broken type more,
# touching letters fewer). 0.85: the 10th percentile of characters / glyphs over the readings under 5 % CER on
# the augraphy dev half (range 0.77-1.03, median 1.00; corpus 0.78-1.21).
EXPECTED_CHARS_PER_GLYPH = 0.85  # a signature or a stamp is a few strokes; a page of handwriting is dozens


@functools.cache
def _dictionary_path(lang: str) -> Path | None:
    for name in HUNSPELL_NAMES.get(lang, ()):
        for folder in DICTIONARY_DIRS:
            if (folder / f"{name}.dic").exists() and (folder / f"{name}.aff").exists():
                return folder / name
    return None


_dictionaries: dict[str, Any] = {}


def dictionary(lang: str) -> Any | None:
    """The Hunspell dictionary for a Tesseract language, loaded once per process; None when not installed.

    Hunspell (chunspell) loads Debian's en_US in 0.05 CPU s and he_IL in 0.3 s, where spylls, the pure-Python port
    used before, took 0.7 s and 4.3 s; the two agree on 16,489 of 16,490 words and OCR-garbled words of the bench's
    six languages (bench/ocr/dictionaries.md).
    """
    path = _dictionary_path(lang)
    if path is None:
        return None
    with _load_lock:
        if lang not in _dictionaries:
            _dictionaries[lang] = hunspell.Hunspell(path.name, hunspell_data_dir=str(path.parent))
        return _dictionaries[lang]


def load_dictionaries(langs: str) -> None:
    """Load the installed dictionaries of the `+`-joined Tesseract languages now, not at the first unknown word.

    A process that forks item runs (`samizdat serve`) loads them once for all of its forks (0.1-0.6 CPU s each).
    """
    for lang in langs.split("+"):
        dictionary(lang)


def has_dictionary(langs: str) -> bool:
    """Whether any of the `+`-joined Tesseract languages has an installed Hunspell dictionary."""
    return any(_dictionary_path(lang) for lang in langs.split("+"))


@functools.lru_cache(maxsize=200_000)
def _known(lang: str, word: str) -> bool:
    found = dictionary(lang)
    if found is None:
        return False
    try:
        return bool(found.spell(word))
    except UnicodeError:  # a letter the dictionary's encoding lacks (Cyrillic against en_US's ISO 8859-1)
        return False


def known_word(word: str, langs: str) -> bool:
    """Whether one of the languages' dictionaries knows the word (as written, or in lower case)."""
    candidates = [lang for lang in langs.split("+") if _dictionary_path(lang)]
    return any(_known(lang, word) or _known(lang, word.lower()) for lang in candidates)


@dataclass(frozen=True)
class InkSurvey:
    """Text-like ink on a page: how many glyph-sized marks, how tall, and how much ink is not glyph-shaped."""

    glyphs: int
    glyph_height: float
    irregular: float  # share of mark ink in strokes wider or taller than a glyph (handwriting, scribbles)
    strokes: int = 0  # marks larger than a glyph

    @property
    def blank(self) -> bool:
        """No text-like ink (a stamp or a signature at most): nothing to read and nothing to flag."""
        return self.glyphs < MIN_GLYPHS and self.strokes < MIN_STROKES


def _mark_sizes(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Width, height and area in pixels of each 8-connected mark of a 0/1 ink image.

    Grana's block-based labelling (BBDT): the same components as OpenCV's default, in 0.025 instead of 0.066 CPU s
    on a 4000 x 2864 page (corpus typewriter.png, 903 marks). The sizes come from scipy's bounding boxes and a count
    of the inked pixels' labels, not OpenCV's own statistics, which visit every paper pixel as well: the same
    numbers in 0.021 instead of 0.051 CPU s on a 300 dpi augraphy page (test half, 02-en, 1132 marks).
    """
    count, labels = cv2.connectedComponentsWithAlgorithm(ink, 8, cv2.CV_32S, cv2.CCL_BBDT)
    boxes = ndimage.find_objects(labels)  # one box per label 1..count-1, in order
    heights = np.fromiter((box[0].stop - box[0].start for box in boxes), np.int64, len(boxes))
    widths = np.fromiter((box[1].stop - box[1].start for box in boxes), np.int64, len(boxes))
    areas = np.bincount(labels[ink.view(bool)], minlength=count)[1:]
    return widths, heights, areas


def survey_ink(image: Image.Image, dpi: int | None = None) -> InkSurvey:
    """Count glyph-like marks on the page after dividing out the background (one pass, ~0.1 s a page).

    Ink is what is darker than the local paper by Otsu's threshold on the flattened page, and by at least
    `MIN_INK_DROP` grey levels and `INK_DROP_PER_GRAIN` times the page's grain: on empty paper Otsu would
    split the grain itself in two.
    """
    from samizdat.ocr.preprocess import _grey, flatten, grain

    grey = _grey(image)
    flat_u8 = flatten(grey)
    noise = grain(flat_u8)
    flat_u8 = np.asarray(cv2.medianBlur(flat_u8, 3), dtype=np.uint8)
    otsu, _ = cv2.threshold(flat_u8, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    level = min(otsu, 255 - max(MIN_INK_DROP, INK_DROP_PER_GRAIN * noise))
    _, ink = cv2.threshold(flat_u8, int(np.floor(level)), 1, cv2.THRESH_BINARY_INV)  # ink: at or under `level`
    if cv2.countNonZero(ink) < 0.0005 * ink.size:  # under 0.05 % of the page inked: blank
        return InkSurvey(0, 0.0, 0.0)
    w, h, area = _mark_sizes(ink)
    page_h, page_w = grey.shape
    min_h = max(MIN_GLYPH_PX, round(MIN_GLYPH_MM / 25.4 * dpi) if dpi else MIN_GLYPH_PX)
    marks = (h >= min_h) & (h <= page_h / 8) & (w <= 0.9 * page_w)  # not the page edge or a border
    sized = marks & (h <= page_h * MAX_GLYPH_PAGE_SHARE) & (w <= page_w / 4)
    median = 0.0
    if sized.any():
        # the glyph height: the median mark height weighted by ink, so grain specks do not decide it
        order = np.argsort(h[sized])
        heights, weights = h[sized][order], area[sized][order]
        median = float(heights[np.searchsorted(np.cumsum(weights), weights.sum() / 2)])
    glyph = sized & (h >= 0.5 * median) & (h <= 2.0 * median) & (w <= 3.0 * median)
    strokes = marks & ~glyph & ((h > 2.0 * median) | (w > 3.0 * median))
    ink_marks = float(area[glyph | strokes].sum()) or 1.0
    return InkSurvey(int(glyph.sum()), median, float(area[strokes].sum()) / ink_marks, int(strokes.sum()))


@dataclass(frozen=True)
class Quality:
    """A reading's score (0-1, higher is better) and what it is made of."""

    score: float
    confidence: float
    known: float | None
    coverage: float
    chars: int
    words: int

    def describe(self) -> str:
        """For page notes: `score 0.83 (confidence 0.91, known 0.88, coverage 0.95)`."""
        known = "n/a" if self.known is None else f"{self.known:.2f}"
        return (f"score {self.score:.2f} (confidence {self.confidence:.2f}, known {known}, "
                f"coverage {self.coverage:.2f})")


def judge(words: list[tuple[str, float]], langs: str, ink: InkSurvey) -> Quality:
    """Score one reading of a page from its words (text, confidence 0-100), languages and ink."""
    chars = sum(len(text) for text, _ in words)
    if not words or chars == 0:
        return Quality(0.0, 0.0, None, 0.0, 0, 0)
    confidence = sum(len(text) * conf for text, conf in words) / (100.0 * chars)
    known: float | None = None
    if has_dictionary(langs):
        tokens = [token for text, _ in words for token in _WORD.findall(text) if len(token) >= 2]
        if len(tokens) > MAX_LOOKUPS:
            step = len(tokens) / MAX_LOOKUPS
            tokens = [tokens[int(i * step)] for i in range(MAX_LOOKUPS)]
        letters = good = 0
        for token in tokens:
            letters += len(token)
            good += len(token) if known_word(token, langs) else 0
        known = good / letters if letters else 0.0
    expected = max(ink.glyphs * EXPECTED_CHARS_PER_GLYPH, 1.0)
    coverage = min(1.0, chars / expected)
    quality = confidence if known is None else 0.5 * confidence + 0.5 * known
    return Quality(round(coverage * quality, 4), confidence, known, coverage, chars, len(words))
