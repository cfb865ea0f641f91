"""One page image through Tesseract: a plain read first, escalation only when that read is poor.

A floor by construction: the first read of every page is plain Tesseract on the page as rendered, and the
reading published is the best of the candidates by the page quality score (`samizdat.ocr.quality`), the
plain read among them. An escalation can only replace the plain read by one the score ranks higher.

A clean page costs one Tesseract run plus the score (~0.1 s); when its text lines are skewed enough that the long
lines drift towards their neighbours (the slope of the baselines and the line boxes Tesseract found in that read,
so the measure is free) it is also read straightened, and the straightened reading is kept unless the score ranks
it under the plain one. A page whose plain read
scores below `OcrOptions.escalate_below` is tried, cheapest first, until one reading scores `STOP_AT`:
1. Tesseract OSD (orientation and script): turned upright (90°, 180°, 270°), and read in its own script when
   the item's languages do not cover it (a Cyrillic page in an `en` item is read as Russian, a Hebrew page in an
   item without languages as Hebrew, then as Yiddish if that reads poorly); in an item that named no language,
   a confident read whose words the dictionaries do not know is read in its script's other installed languages
   (a Ukrainian letter read as Russian is read as Ukrainian; German and French beside English);
2. Tesseract's own Sauvola binarisation (`thresholding_method=2`), then the background divided out with a local
   threshold (doxapy's Wolf) on the flattened page;
3. when none of these is good, the page straightened by its baselines' skew, read the best way found so far.
4. a page still poor enough to be flagged, in an item that named no language, read the best way found in each
   script its languages do not cover (Hebrew beside `eng+rus`: OSD cannot tell a faded or shadowed page's script).
Any other reading replaces the plain read only when it scores `REPLACE_MARGIN` higher.
A page with text-like ink whose best reading is still poor goes into `content.review_pages` with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import doxapy
import numpy as np
from PIL import Image

from samizdat.errors import EngineError
from samizdat.models import Page
from samizdat.ocr import preprocess
from samizdat.ocr.engine import Recognition
from samizdat.ocr.hocr import words
from samizdat.ocr.languages import (
    languages_for_script,
    main_script,
    other_script_languages,
    sibling_languages,
)
from samizdat.ocr.quality import InkSurvey, Quality, judge, survey_ink
from samizdat.ocr.registry import ocr_engine
from samizdat.ocr.searchable import image_pdf_page, overlay_text_page
from samizdat.settings import OcrOptions

OCR_FAILED = "OCR failed"
SAUVOLA = {"thresholding_method": "2"}  # Tesseract 5's own Sauvola
# A page whose marks are mostly strokes larger than a glyph is likely handwriting, not type. Measured
# (bench/ocr/candidates.py, `ink.irregular`): typed augraphy dev pages 0.00-0.52 (the top ones photocopy noise),
# corpus and holdout-v1 pages 0.00-0.13; the scrawl pages of tests/test_ocr_quality.py 1.0. Not yet checked on
# real handwriting: none is in the labelled sets.
HANDWRITING_IRREGULAR = 0.6
# Another reading replaces the plain read only when it scores this much higher. Measured on the augraphy dev
# half (bench/ocr/analyse.py): the two replacements that raised CER by more than 1 point (warped, folded
# pages whose words were right but whose line order was not) won by 0.04; the real gains won by 0.09-0.96,
# one by 0.03 (8.6 -> 6.4 % CER), given up.
REPLACE_MARGIN = 0.05
OSD_KNOWN_BELOW = 0.3  # see _escalate
OSD_CONFIDENCE_BELOW = 0.5  # see _escalate
# A plain read at least SIBLING_CONFIDENCE confident whose words' share a dictionary knows is under
# SIBLING_KNOWN_BELOW is tried in the script's other languages, in an item that named no language. Augraphy dev
# half: no plain read that confident had `known` under 0.65 (under 0.5, all had confidence 0.29 or less: a damaged
# image, not a language); corpus clean English pages with odd words (typewriter.png, 2400dpi.pdf) 0.26 at 0.87-0.89
# confidence. Ukrainian pages read as Russian (bench/ocr/language_set.py, dev half): known 0.19-0.33 at 0.80-0.83.
SIBLING_CONFIDENCE = 0.6
SIBLING_KNOWN_BELOW = 0.5
# The same measurement says what binarising cannot fix: a plain read that confident, that complete (`coverage`: its
# text against the page's glyph-like ink) and with so few words its dictionaries know is a page in another language
# or a page of names, numbers and codes, not a damaged image. Augraphy dev and test halves: no such page (on every
# page another reading improved, the plain read had under 0.6 confidence, under 0.7 coverage, or `known` 0.65 or
# more: bench/ocr/candidates.py tables). Corpus: eurotext.tif, typewriter.png, 2400dpi.pdf (known 0.26-0.36 at
# 0.87-0.91 confidence, coverage 1.00), where binarising and straightening were two or three more reads each and
# none was kept (bench/ocr/results-end.md).
COMPLETE_COVERAGE = 0.9
# Escalation, once started, stops at the first reading scoring this much; a lower `OcrOptions.escalate_below`
# only decides which pages start it. The bar the stop rules were measured with (augraphy dev half,
# bench/ocr/analyse.py: stopping at the first binarisation this good loses nothing, 15.82 % either way). Stopping
# at 0.80 instead kept holdout-v1's Russian letter at Sauvola's 13.7 % CER (score 0.80-0.90) where the
# normalised binarisation reads 2.2 % (score 0.94).
STOP_AT = 0.90
# A straightened reading replaces the plain one when the score does not rank it lower: the skew was measured on
# Tesseract's own baselines, and what straightening fixes (lines that drift across one another come out
# interleaved) is line order, which the score cannot see. Augraphy dev half (bench/ocr/analyse.py): no page more
# than 1 CER point worse than plain with this margin, mean CER 15.76 % against 15.89 % with `REPLACE_MARGIN`.
DESKEW_MARGIN = 0.0


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
class Candidate:
    """One reading of a page: how it was made, what Tesseract said, and its score."""

    name: str  # plain | turned | sauvola | normalised | ...
    shown: Image.Image  # the page as it will be shown: upright, straight, original pixels
    rec: Recognition
    langs: str
    quality: Quality
    geometry_kept: bool  # `shown` is the page as rendered (not turned or straightened)
    steps: list[str] = field(default_factory=list)


def normalised_binary(image: Image.Image, glyph_height: float) -> Image.Image:
    """Divide out the background, smooth the grain, then doxapy's Wolf local threshold.

    Wolf (a Sauvola variant that adapts to the page's contrast) reads faint carbon copies better than global
    Otsu. Its window is three glyph heights (at least 31 px), so each window sees ink and paper; k = 0.2 is
    the authors' default (Wolf & Jolion 2004). Smoothing: Gaussian sigma 1.2, measured on the synthetic tuning
    set (`tests/support/pages.py`, 12 pages: sigma 1.2 0.09 % CER, 3x3 median 0.18 %, 5x5 median 0.22 %).
    """
    grey = preprocess._grey(image)
    flat = np.ascontiguousarray(cv2.GaussianBlur(preprocess.flatten(grey), (0, 0), 1.2))
    window = max(31, int(round(3 * glyph_height)) | 1)
    binary = np.empty(flat.shape, np.uint8)
    wolf = doxapy.Binarization(doxapy.Binarization.Algorithms.WOLF)
    wolf.initialize(flat)
    wolf.to_binary(binary, {"window": window, "k": 0.2})
    return Image.fromarray(binary, "L")


class _Reader:
    """Reads one page in several ways, scoring each reading against the same ink survey."""

    def __init__(self, page: PageImage, options: OcrOptions, ink: InkSurvey, want_overlay: bool):
        self.page = page
        self.options = options
        self.ink = ink
        self.want_overlay = want_overlay
        self.engine = ocr_engine(options)

    def read(
        self,
        name: str,
        shown: Image.Image,
        langs: str,
        *,
        pixels: Image.Image | None = None,
        config: dict[str, str] | None = None,
        geometry_kept: bool,
        steps: list[str],
        first: bool = False,
    ) -> Candidate | None:
        # Every reading writes only the invisible text; the kept one is laid over the page image. Letting
        # Tesseract embed the image itself cost more than the read on 300 dpi pages (bench/ocr: 3.5 s vs 1.9 s).
        try:
            rec = self.engine.read(pixels if pixels is not None else shown, langs,
                                   timeout_s=self.options.page_timeout_s, dpi=self.page.dpi, text_only_pdf=True,
                                   config=config)
        except EngineError:
            if first:
                raise
            return None  # an escalation that fails (a timeout on a noisy binarisation) is just not a candidate
        quality = judge(words(rec.hocr), langs, self.ink)
        steps = [*steps, f"{name}: {quality.describe()}"]
        return Candidate(name, shown, rec, langs, quality, geometry_kept, steps)


def _good(candidate: Candidate, options: OcrOptions) -> bool:
    """A reading good enough to stop escalating (not the same bar as the one that starts it)."""
    return candidate.quality.score >= max(options.escalate_below, STOP_AT)


def _ways(reader: _Reader) -> dict[str, Callable[[Image.Image], dict[str, Any]]]:
    """How each binarisation is asked for, given the (upright) page."""
    return {
        "plain": lambda shown: {},
        "sauvola": lambda shown: {"config": SAUVOLA},
        "normalised": lambda shown: {"pixels": normalised_binary(shown, reader.ink.glyph_height)},
    }


@dataclass
class _State:
    """Where escalation stands: the page upright, the languages to read it in, what OSD said."""

    upright: Image.Image
    langs: str
    kept: bool = True  # geometry as rendered (not turned)
    missing: str | None = None  # a script OSD found whose language is not installed
    asked: bool = False  # OSD asked already
    siblings: list[str] = field(default_factory=list)  # other languages of the page's script to try


def _language_not_image(plain: Candidate) -> bool:
    """A confident, complete plain read whose words its dictionaries mostly do not know (see COMPLETE_COVERAGE)."""
    quality = plain.quality
    return (quality.known is not None and quality.known < SIBLING_KNOWN_BELOW
            and quality.confidence >= SIBLING_CONFIDENCE and quality.coverage >= COMPLETE_COVERAGE)


def _straightened_if_drifting(reader: _Reader, plain: Candidate, image: Image.Image, langs: str) -> Candidate | None:
    """A good read of a skewed page whose long lines drift towards their neighbours, read again straightened.

    Tesseract reads the words, but lines that drift across one another come out interleaved (corpus
    rotated_skew.pdf: 21.9 % CER, straightened 1.8 %). A smaller drift Tesseract's own baseline fit absorbs: None.
    """
    options = reader.options
    if not options.deskew:
        return None
    angle = preprocess.baseline_skew(plain.rec.hocr)
    if abs(angle) < options.deskew_min_degrees or not preprocess.lines_drift_across(plain.rec.hocr, angle):
        return None
    return reader.read(f"deskewed {angle:+.2f}°", preprocess.rotate(image, angle), langs,
                       geometry_kept=False, steps=plain.steps)


def _method(candidate: Candidate) -> str:
    return candidate.name.split()[-1] if candidate.name.split()[-1] in ("sauvola", "normalised") else "plain"


def _escalate(reader: _Reader, plain: Candidate, image: Image.Image, langs: str) -> tuple[list[Candidate], str | None]:
    """Try the escalation steps in order until one reading is good; all readings and a missing script."""
    options = reader.options
    ways = _ways(reader)
    candidates = [plain]
    steps = list(plain.steps)
    state = _State(image, langs)
    unnamed = langs == options.langs  # the item named no language: its default ones are read

    def ask_osd() -> bool:
        """Turn the page / change its language per OSD; True when something changed.

        Orientation and script are trusted each by its own confidence: a Hebrew page read as `eng+rus` gave OSD
        orientation confidence 1.9 (under `osd_min_confidence`) and script confidence 7.5.
        """
        state.asked = True
        found = reader.engine.detect_orientation(image, timeout_s=min(60.0, options.page_timeout_s),
                                                 dpi=reader.page.dpi)
        if found is None:
            return False
        changed = False
        if found.rotate and found.confidence >= options.osd_min_confidence:
            state.upright, state.kept, changed = image.rotate(-found.rotate, expand=True), False, True
            steps.append(f"turned {found.rotate}° clockwise (OSD confidence {found.confidence:.1f})")
        if found.script_confidence < options.osd_script_min_confidence:
            return changed
        choice = languages_for_script(found.script, langs, reader.engine.languages())
        state.missing = choice.missing
        if choice.langs:
            state.langs, changed = choice.langs, True
            steps.append(f"script {found.script}: read as {choice.langs}")
        if choice.langs:  # a Hebrew-script page may be Yiddish
            state.siblings = sibling_languages(found.script, state.langs, reader.engine.languages())
        return changed

    def read(name: str, method: str, shown: Image.Image, kept: bool, langs: str | None = None) -> Candidate | None:
        reading = reader.read(name, shown, langs or state.langs, geometry_kept=kept, steps=steps,
                              **ways[method](shown))
        if reading is not None:
            candidates.append(reading)
        return reading

    def read_other_scripts() -> tuple[list[Candidate], str | None]:
        """All readings; a page about to be flagged in an item that named no language is first read in other scripts.

        Once more, the best way found, in each script its languages do not cover. OSD cannot tell the script of a
        shadowed, faded or noisy page (bench/ocr/languages.md: of six degraded Hebrew pages it named Hebrew
        confidently on one).
        """
        best = max(candidates, key=lambda c: c.quality.score)
        if unnamed and state.langs == langs and _poor(best.quality, options):
            for lang in other_script_languages(langs, reader.engine.languages()):
                read(f"{_method(best)} as {lang}", _method(best), best.shown, best.geometry_kept, langs=lang)
        return candidates, state.missing

    # Orientation and script first when the plain read has words but few a dictionary knows: an upside-down
    # or wrong-script page reads as garbage. Measured on the augraphy dev half: every page that turning fixed
    # had a plain `known` of 0.00-0.12; no page with 0.47 or more gained from OSD (which costs 0.6-7 s on a
    # noisy page); OSD_KNOWN_BELOW = 0.3 lies between.
    # A page in another script read with the item's languages can also come out as confident-looking short Latin
    # words a dictionary knows ("OW", "VON", "NAY" from a Hebrew page: known 0.31, confidence 0.34), so a low
    # confidence asks OSD too. Below OSD_CONFIDENCE_BELOW on the augraphy dev half: 10 of 32 plain reads, all of
    # them escalated anyway; one (page 52) with `known` over OSD_KNOWN_BELOW, the one extra OSD call.
    # Not for confident, complete text whose words the dictionaries lack (`_language_not_image`): no page read in the
    # wrong script reached 0.40 confidence (bench/ocr/wrong-script.md: 52 Cyrillic pages read as English and Hebrew
    # pages as eng+rus, 0.00-0.39), nor did any page turning fixed (under 0.3, augraphy dev half); OSD on such pages
    # (the corpus's Dutch and code pages) was 0.05x plain Tesseract's CPU and changed nothing (cost-hunspell.md).
    known = plain.quality.known
    unsure = ((known is None or known < OSD_KNOWN_BELOW or plain.quality.confidence < OSD_CONFIDENCE_BELOW)
              and not _language_not_image(plain))
    if options.orientation and plain.quality.chars and unsure and ask_osd():
        turned = read("turned" if not state.kept else "script", "plain", state.upright, state.kept)
        if turned is not None and _good(turned, options):
            return candidates, state.missing
    if (not state.siblings and unnamed and state.langs == langs and known is not None
            and known < SIBLING_KNOWN_BELOW and plain.quality.confidence >= SIBLING_CONFIDENCE):
        # Confident words few of its dictionaries know, in an item that named no language: the page may be in
        # another language of the same script (a Ukrainian letter read as Russian: confidence 0.80, known 0.19).
        state.siblings = sibling_languages(main_script(plain.rec.text), langs, reader.engine.languages())
    for lang in state.siblings:
        other = read(f"language {lang}", "plain", state.upright, state.kept, langs=lang)
        if other is not None and _good(other, options):
            return candidates, state.missing

    if _language_not_image(plain) and state.langs == langs:
        # Binarising cannot make these words known, and a page read that confidently was upright (every page turning
        # fixed read under 0.3 confidence). Straightened only where its lines drift, as a good read is.
        straight = _straightened_if_drifting(reader, plain, image, langs)
        candidates += [straight] if straight is not None else []
        return read_other_scripts()

    # The binarisations, the cheaper first (Tesseract's own Sauvola needs no pixels from here), until one is good:
    # no single one wins everywhere (holdout-v1 README: Sauvola turns 64 % into 0 % on one page and 3.3 % into
    # 12.4 % on another). Stopping at the first good one loses nothing on the augraphy dev half (mean CER 15.82 %
    # either way, bench/ocr/analyse.py) and saves a read on the pages Sauvola fixes.
    for method in ("sauvola", "normalised"):
        reading = read(method if state.kept else f"turned {method}", method, state.upright, state.kept)
        if reading is not None and _good(reading, options):
            return candidates, state.missing

    # Still poor and the plain read was empty (so OSD was not asked above): a faint page may also be upside down.
    # Only then: a page whose plain read had words a dictionary knows (`known` >= OSD_KNOWN_BELOW) is upright in
    # its script. Augraphy dev half (bench/ocr/candidates.py): the two such pages OSD would turn (09, 24; known
    # 0.65, 0.86) read worse turned; asking OSD on every page still poor here was 19 % of Samizdat's CPU on the
    # test half (bench/ocr/cost.py, 14 pages, 0.7-1.2 s each) and turned none.
    if options.orientation and not state.asked and plain.quality.chars == 0 and ask_osd():
        best = max(candidates, key=lambda c: c.quality.score)
        turned = read(f"turned {_method(best)}", _method(best), state.upright, state.kept)
        if turned is not None and _good(turned, options):
            return candidates, state.missing

    if options.deskew:
        # The skew from the baselines of the best reading of the upright page (Tesseract fits one to every line
        # it reads), straightened and read again the best way found so far.
        upright = [c for c in candidates if c.shown is state.upright]
        if upright:
            best = max(upright, key=lambda c: c.quality.score)
            angle = preprocess.baseline_skew(best.rec.hocr)
            if abs(angle) >= options.deskew_min_degrees:
                read(f"deskewed {angle:+.2f}° + {_method(best)}", _method(best),
                     preprocess.rotate(state.upright, angle), False)
    return read_other_scripts()


def _poor(quality: Quality, options: OcrOptions) -> bool:
    """A reading that needs a person's eyes: a low score, unless it is confident text that covers the page.

    Confident text that the dictionaries do not know is a language the item did not declare (Dutch typescript in an
    `en` item: corpus typewriter.png, known 0.26, 2.7 % CER), not a failed page.
    """
    return max(quality.score, quality.coverage * quality.confidence) < options.review_below


def review_reason(
    best: Candidate | None, ink: InkSurvey, options: OcrOptions, missing_script: str | None
) -> str | None:
    """Why a page needs a person's eyes, or None.

    Reasons: `empty`, `low-quality`, `likely-handwriting`, `script-not-installed`.
    """
    if ink.blank and (best is None or best.quality.chars == 0):
        return None  # a blank page: nothing to read, nothing to flag
    empty = best is None or best.quality.chars == 0
    if not empty and best is not None and not _poor(best.quality, options):
        return None
    known = None if best is None else best.quality.known
    if missing_script and (known is None or known < OSD_KNOWN_BELOW):
        # OSD's script guess on a noisy page is a guess: only words no dictionary knows confirm it
        # (augraphy test half, page 43: OSD named a script on a faint JPEG page read at 4.9 % CER).
        return "script-not-installed"
    if ink.irregular >= HANDWRITING_IRREGULAR:
        return "likely-handwriting"
    return "empty" if empty else "low-quality"


def ocr_page(page: PageImage, langs: str, options: OcrOptions, *, want_overlay: bool = False) -> PageOcr:
    """OCR one page; the readings tried and their scores go into `Page.notes`.

    `want_overlay`: the caller has the original page (a PDF page) and only needs the invisible text to lay
    over it, which works when the page was not turned or straightened.
    """
    image = preprocess.to_working_mode(page.image)
    ink = survey_ink(image, page.dpi)
    reader = _Reader(page, options, ink, want_overlay)
    plain = reader.read("plain", image, langs, geometry_kept=True, steps=[], first=True)
    assert plain is not None  # the first read raises instead
    candidates, missing = [plain], None
    if plain.quality.score < options.escalate_below and not (ink.blank and plain.quality.chars == 0):
        candidates, missing = _escalate(reader, plain, image, langs)
    else:
        straight = _straightened_if_drifting(reader, plain, image, langs)
        candidates += [straight] if straight is not None else []
    best = max(candidates, key=lambda c: c.quality.score)  # ties keep the earlier (plain) reading
    if best.quality.score < plain.quality.score + (DESKEW_MARGIN if best.name.startswith("deskewed") else
                                                   REPLACE_MARGIN):
        best = plain  # the floor: only a reading the score ranks clearly higher replaces the plain one
    reason = review_reason(best, ink, options, missing)

    overlay = want_overlay and best.geometry_kept
    pdf = best.rec.pdf
    if pdf is not None and not overlay:
        pdf = overlay_text_page(best.shown, page.dpi or options.default_dpi, pdf)
    notes = list(best.steps)
    if len(candidates) > 1:
        notes.append(f"kept: {best.name} (of {len(candidates)} readings)")
    if reason:
        notes.append(f"needs review: {reason}")
    return PageOcr(
        page=Page(
            number=page.number,
            text=best.rec.text.strip(),
            method="ocr",
            confidence=best.rec.mean_confidence,
            hocr=best.rec.hocr,
            alto=best.rec.alto,
            pdf=pdf,
            languages=best.langs,
            notes=notes,
            score=best.quality.score,
            review=reason,
            readings=len(candidates),
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
                      notes=[f"{OCR_FAILED}: {exc}"], score=0.0, review="empty",
                      pdf=None if want_overlay else image_pdf_page(preprocess.to_working_mode(page.image),
                                                                   page.dpi or options.default_dpi)),
            overlay=False,
        )
