"""The page quality score, the floor, escalation and review flags (issue 11), with real Tesseract.

Pages are made here (text we know, degraded the way the issue describes); see tests/resources/README.md.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz import fuzz

from samizdat.describe import content_summary, document_languages
from samizdat.models import Extraction, Page
from samizdat.ocr import preprocess
from samizdat.ocr.languages import (
    iso_languages,
    languages_for_script,
    main_script,
    other_script_languages,
    sibling_languages,
    text_languages,
)
from samizdat.ocr.page import PageImage, ocr_page
from samizdat.ocr.quality import InkSurvey, _mark_sizes, judge, known_word, survey_ink
from samizdat.ocr.registry import ocr_engine
from samizdat.ocr.tesseract_engine import TesseractEngine
from samizdat.settings import OcrOptions
from tests.support.pages import LETTER_EN, LETTER_RU, typescript_page

OPTIONS = OcrOptions(workers=1, page_timeout_s=120)
RIGHT = "We received your letter of February and the parcel with the books"
WRONG = "Wc rcceivcd yuur lctter uf Fcbruary aud thc parcel wlth thc"
INKED = InkSurvey(glyphs=100, glyph_height=30.0, irregular=0.0)


def _similar(a: str, b: str) -> float:
    return fuzz.ratio(" ".join(a.split()), " ".join(b.split()))


def shaded(lines: list[str]) -> Image.Image:
    """A clean typed page under a soft light-to-dark shading across it (left 250, right 60 grey levels)."""
    page = np.asarray(typescript_page(lines, dpi=200), dtype=np.float32)
    ramp = np.linspace(250, 60, page.shape[1], dtype=np.float32)[None, :]
    return Image.fromarray((ramp * (1 - 0.75 * (1 - page / 255))).clip(0, 255).astype(np.uint8), "L")


def blank(seed: int = 0) -> Image.Image:
    """Scanned empty paper: off-white, a little grain, a light shadow at one edge."""
    rng = np.random.default_rng(seed)
    paper = np.full((2200, 1700), 236.0) + rng.normal(0, 3, (2200, 1700))
    paper[:, :60] -= np.linspace(40, 0, 60)[None, :]
    return Image.fromarray(paper.clip(0, 255).astype(np.uint8), "L")


def scribbles(seed: int = 0) -> Image.Image:
    """Lines of pen scrawl: long joined strokes of varying height, no letters Tesseract knows."""
    rng = np.random.default_rng(seed)
    image = Image.new("L", (1700, 2200), 250)
    draw = ImageDraw.Draw(image)
    for row in range(14):
        y0 = 200 + row * 130
        x = 150.0
        points = []
        while x < 1550:
            x += rng.uniform(8, 22)
            points.append((x, y0 + rng.uniform(-45, 45)))
        draw.line(points, fill=30, width=5, joint="curve")
    return image


def read(image: Image.Image, langs: str, dpi: int | None = 200) -> Page:
    return ocr_page(PageImage(1, image, dpi), langs, OPTIONS).page


# --- the score, without Tesseract -----------------------------------------------------------------------


def test_score_ranks_a_correct_reading_over_garbage_and_over_fragments() -> None:
    right, wrong = RIGHT.split(" "), WRONG.split(" ")  # noqa: SIM905 - a sentence reads better than a list
    words = right
    good = judge([(w, 90.0) for w in words], "eng", InkSurvey(52, 30.0, 0.0))
    garbage = judge([(w, 90.0) for w in wrong], "eng", InkSurvey(52, 30.0, 0.0))
    fragments = judge([(w, 95.0) for w in words[:3]], "eng", InkSurvey(52, 30.0, 0.0))
    assert good.score > 0.85
    assert good.score > garbage.score + 0.2  # the dictionary tells them apart at the same confidence
    assert good.score > fragments.score + 0.5  # coverage: three words of a full page is not a reading
    assert judge([], "eng", INKED).score == 0.0


def test_dictionaries_of_the_page_languages_decide_what_is_a_word() -> None:
    assert known_word("refused", "eng") and known_word("отказали", "rus")
    assert known_word("отказали", "eng+rus") and not known_word("отказали", "eng")
    assert not known_word("Fcbruary", "eng+rus")


def test_a_language_without_a_dictionary_is_scored_by_confidence_alone() -> None:
    quality = judge([("שלום", 80.0), ("וועלט", 80.0)], "yid", InkSurvey(8, 30.0, 0.0))  # no Yiddish Hunspell
    assert quality.known is None and quality.score == pytest.approx(0.8)


def test_ink_survey_counts_glyphs_and_finds_blank_pages_and_scrawl() -> None:
    typed = survey_ink(typescript_page(LETTER_EN, dpi=200), 200)
    assert 500 < typed.glyphs < 1100 and not typed.blank and typed.irregular < 0.2
    for seed in range(3):
        assert survey_ink(blank(seed), 200).blank
    assert survey_ink(scribbles(), 200).irregular > 0.45


def test_mark_sizes_are_opencvs_own_statistics() -> None:
    # a ring with a dot inside, a bar touching a corner, a diagonal chain (8-connected), specks: OpenCV's statistics
    # are the reference the survey was measured with
    ink = np.zeros((120, 160), np.uint8)
    cv2.circle(ink, (40, 40), 25, 1, 3)
    ink[38:43, 38:43] = 1
    ink[100:120, 0:60] = 1
    for i in range(30):
        ink[10 + i, 100 + i] = 1
    ink[5, 5] = ink[60, 150] = 1
    _, _, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(ink, 8, cv2.CV_32S, cv2.CCL_BBDT)
    widths, heights, areas = _mark_sizes(ink)
    assert len(widths) == 6
    assert widths.tolist() == stats[1:, cv2.CC_STAT_WIDTH].tolist()
    assert heights.tolist() == stats[1:, cv2.CC_STAT_HEIGHT].tolist()
    assert areas.tolist() == stats[1:, cv2.CC_STAT_AREA].tolist()


def test_script_decides_the_language_when_the_item_does_not_cover_it() -> None:
    installed = frozenset({"eng", "rus", "heb", "osd"})
    assert languages_for_script("Cyrillic", "eng", installed).langs == "rus"
    assert languages_for_script("Cyrillic", "eng+rus", installed).langs is None
    assert languages_for_script("Hebrew", "rus", installed).langs == "heb"
    assert languages_for_script("Arabic", "eng", installed).missing == "Arabic"
    assert languages_for_script("Hebrew", "rus", frozenset({"eng", "rus"})).missing == "Hebrew"


def test_a_script_has_sibling_languages_and_a_text_its_main_script() -> None:
    installed = frozenset({"eng", "rus", "ukr", "fra", "deu", "heb", "yid"})
    assert sibling_languages("Cyrillic", "eng+rus", installed) == ["ukr"]
    assert sibling_languages("Latin", "eng+rus", installed) == ["fra", "deu"]
    assert sibling_languages("Hebrew", "heb", frozenset({"heb"})) == []
    assert other_script_languages("eng+rus", installed) == ["heb"]
    assert other_script_languages("heb", installed) == ["eng", "rus"]
    assert other_script_languages("eng+rus", frozenset({"eng", "rus"})) == []
    assert main_script("Лист з Києва, січень 1978 (from Kyiv)") == "Cyrillic"
    assert main_script("אנו פונים ok") == "Hebrew" and main_script("1978 — 12") is None


def test_text_languages_and_dc_language_from_pages() -> None:
    assert text_languages("Москва, 14 марта. Dear friends") == ["ru", "en"]
    letter = " ".join(LETTER_EN[4:10]) + " Greetings from Щаранский."
    assert text_languages(letter) == ["en"]  # a Cyrillic name in an English letter does not make it Russian
    assert iso_languages("eng+rus") == ["en", "ru"]
    pages = [Page(1, "Dear friends, we wrote again", "ocr", languages="eng"),
             Page(2, "Дорогие друзья, пишу вам снова", "ocr", languages="rus"),
             Page(3, "xz%$ qq", "ocr", languages="eng", review="low-quality")]
    assert document_languages(Extraction(engines={}, pages=pages)) == ["en", "ru"]


def test_content_summary_lists_review_pages_and_page_languages() -> None:
    pages = [Page(1, "text", "ocr", confidence=91.0, languages="eng", score=0.93),
             Page(2, "", "ocr", confidence=None, languages="rus", score=0.0, review="empty"),
             Page(3, "born digital", "text-layer")]
    content = content_summary(Extraction(engines={}, pages=pages), 60.0).as_dict()
    assert content["review_pages"] == [{"page": 2, "reason": "empty", "score": 0.0}]
    assert content["page_languages"] == {"1": ["en"], "2": ["ru"]}


# --- real Tesseract ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_shaded_page_is_read_and_not_flagged() -> None:
    page = read(shaded(LETTER_EN[:12]), "eng")
    assert _similar(page.text, "\n".join(LETTER_EN[:12])) > 95
    assert page.review is None and page.readings > 1  # the plain read lost the dark half; escalation found it


@pytest.mark.slow
def test_clean_page_costs_one_read() -> None:
    page = read(typescript_page(LETTER_EN[:10], dpi=200), "eng")
    assert page.readings == 1 and page.review is None and page.score is not None and page.score > 0.8


@pytest.mark.slow
def test_blank_page_is_neither_read_nor_flagged() -> None:
    page = read(blank(), "eng+rus")
    assert page.text == "" and page.review is None and page.readings == 1


@pytest.mark.slow
def test_page_of_scribbles_is_flagged() -> None:
    page = read(scribbles(), "eng")
    assert page.review == "likely-handwriting"


@pytest.mark.slow
def test_upside_down_page_is_turned() -> None:
    upright = typescript_page(LETTER_EN[:14], dpi=200)
    page = read(upright.rotate(180), "eng")
    assert _similar(page.text, "\n".join(LETTER_EN[:14])) > 95
    assert any(n.startswith("turned 180") for n in page.notes) and page.review is None


@pytest.mark.slow
def test_skewed_page_is_also_read_straightened() -> None:
    skewed = typescript_page(LETTER_EN[:14], dpi=200).rotate(2.0, expand=True, fillcolor=255)
    page = read(skewed, "eng")
    assert page.readings == 2 and any(n.startswith("deskewed +2.0") for n in page.notes)
    assert _similar(page.text, "\n".join(LETTER_EN[:14])) > 95 and page.review is None


@pytest.mark.slow
def test_slightly_skewed_page_whose_lines_do_not_drift_across_is_read_once() -> None:
    # 1 deg over a 1230 px line is 21 px of drift against a 64 px line pitch: Tesseract's own baselines absorb it
    skewed = typescript_page(LETTER_EN[:14], dpi=200).rotate(1.0, expand=True, fillcolor=255)
    page = read(skewed, "eng")
    assert page.hocr is not None and preprocess.baseline_skew(page.hocr) >= OPTIONS.deskew_min_degrees
    assert page.readings == 1 and not any(n.startswith("deskewed") for n in page.notes)
    assert _similar(page.text, "\n".join(LETTER_EN[:14])) > 95 and page.review is None


@pytest.mark.slow
def test_straight_page_is_not_straightened() -> None:
    page = read(typescript_page(LETTER_EN[:14], dpi=200), "eng")
    assert page.readings == 1 and not any(n.startswith("deskewed") for n in page.notes)


@pytest.mark.slow
def test_cyrillic_page_in_an_english_item_is_read_as_russian() -> None:
    page = read(typescript_page(LETTER_RU[:12], dpi=200), "eng")
    assert page.languages == "rus"
    assert _similar(page.text, "\n".join(LETTER_RU[:12])) > 95 and page.review is None


LETTER_UK = ["Ми, родичі політичних в'язнів, звертаємося до вас.",
             "Наші чоловіки засуджені за бажання виїхати до Ізраїлю.", "Просимо допомогти їм і їхнім дітям.",
             "Київ, січень 1978 року."]
LETTER_DE = ["Wir bitten die Regierung der Bundesrepublik,", "sich für die Ausreise unserer Familien einzusetzen.",
             "Seit Jahren warten wir vergeblich auf eine Antwort.", "Die Gefangenen müssen freigelassen werden."]
LETTER_HE = ["אנו פונים אליכם בשם אסירי ציון", "משפחותינו מחכות לאשרות יציאה", "שנים רבות ללא תשובה"]


def hebrew_page(lines: list[str]) -> Image.Image:
    """Hebrew lines typed right to left (drawn in visual order, so no bidi library is needed)."""
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 50,
                              layout_engine=ImageFont.Layout.BASIC)  # glyphs in the order given, as on paper
    image = Image.new("L", (2480, 1200), 255)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((2300, 150 + row * 110), line[::-1], font=font, fill=0, anchor="ra")
    return image


@pytest.mark.slow
def test_hebrew_page_in_an_item_without_languages_is_read_as_hebrew() -> None:
    # OSD is sure of the script (7.5) but not of the orientation (1.9): the script alone decides the language
    page = read(hebrew_page(LETTER_HE), OPTIONS.langs, dpi=300)
    assert page.languages == "heb" and page.review is None
    assert _similar(page.text, "\n".join(LETTER_HE)) > 95


@pytest.mark.slow
def test_shaded_hebrew_page_that_osd_cannot_place_is_read_as_hebrew_before_it_is_flagged() -> None:
    page = np.asarray(hebrew_page(LETTER_HE * 3), dtype=np.float32)
    ramp = np.linspace(250, 60, page.shape[1], dtype=np.float32)[None, :]  # as `shaded`: OSD gives no answer
    image = Image.fromarray((ramp * (1 - 0.75 * (1 - page / 255))).clip(0, 255).astype(np.uint8), "L")
    read_page = read(image, OPTIONS.langs, dpi=300)
    assert read_page.languages == "heb" and read_page.review is None
    assert _similar(read_page.text, "\n".join(LETTER_HE * 3)) > 95


@pytest.mark.slow
@pytest.mark.parametrize(("lines", "lang"), [(LETTER_UK, "ukr"), (LETTER_DE, "deu")])
def test_page_in_another_language_of_its_script_is_read_in_it(lines: list[str], lang: str) -> None:
    page = read(typescript_page(lines, dpi=300), OPTIONS.langs, dpi=300)
    assert page.languages == lang and page.review is None
    assert _similar(page.text, "\n".join(lines)) > 97


@pytest.mark.slow
def test_russian_page_in_an_item_without_languages_is_read_once_as_it_was() -> None:
    page = read(typescript_page(LETTER_RU[:12], dpi=300), OPTIONS.langs, dpi=300)
    assert page.languages == OPTIONS.langs and page.readings == 1


REFUSENIKS = [
    "Shcharansky Anatoly Borisovich, Moskva, Gorkogo 14-23", "Slepak Vladimir Semyonovich, Moskva, Gorkogo 15-77",
    "Nudel Ida Yakovlevna, Moskva, Vorovskogo 18-4", "Begun Iosif Zalmanovich, Moskva, Kutuzovsky 6-112",
    "Lerner Aleksandr Yakovlevich, Moskva, Dmitrova 31-9", "Essas Ilya Zakharovich, Moskva, Vavilova 48-3",
    "Kislik Vladimir Samuilovich, Kiev, Artema 28-40", "Kosharovsky Yuly Mikhailovich, Moskva, Bolotnikovskaya 7",
]


@pytest.mark.slow
def test_confident_page_of_names_its_dictionary_does_not_know_is_not_binarised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A list of refuseniks and addresses: Tesseract is sure of it, the English dictionary knows few of its words.
    # Binarising cannot make them known words; it only cost two or three more reads (corpus eurotext.tif). Nor is
    # OSD asked: a page read that confidently is upright and in its script (bench/ocr/wrong-script.md).
    asked: list[str] = []
    real = TesseractEngine.detect_orientation
    monkeypatch.setattr(TesseractEngine, "detect_orientation",
                        lambda self, image, **kw: asked.append("osd") or real(self, image, **kw))
    page = read(typescript_page(REFUSENIKS, dpi=300), "eng", dpi=300)
    assert page.readings == 1  # before: 3 (plain, Sauvola, normalised), none kept
    assert asked == []  # before: OSD once
    assert _similar(page.text, "\n".join(REFUSENIKS)) > 97 and page.review is None


@pytest.mark.slow
def test_confident_page_in_an_item_without_languages_is_not_read_in_other_scripts() -> None:
    # The same list in an item that named no language: it may be German or French, read in each; it is not a
    # failed page, so it is not read as Hebrew as well (before: one more read, and he_IL loaded, 6-8 s a process)
    page = read(typescript_page(REFUSENIKS, dpi=300), OPTIONS.langs, dpi=300)
    siblings = sibling_languages("Latin", OPTIONS.langs, ocr_engine(OPTIONS).languages())
    assert siblings and page.readings == 1 + len(siblings)
    assert page.languages == OPTIONS.langs and page.review is None


@pytest.mark.slow
def test_bilevel_page_gets_its_searchable_pdf_page() -> None:
    page = read(typescript_page(LETTER_EN[:6], dpi=200).convert("1"), "eng")
    assert page.pdf is not None and page.pdf.startswith(b"%PDF") and "Moscow" in page.text


def test_review_reasons() -> None:
    from samizdat.ocr.engine import Recognition
    from samizdat.ocr.page import Candidate, review_reason
    from samizdat.ocr.quality import Quality

    def candidate(score: float, known: float | None, chars: int = 100) -> Candidate:
        quality = Quality(score, score, known, 1.0 if chars else 0.0, chars, chars // 5)
        return Candidate("plain", Image.new("L", (10, 10)), Recognition("", "", None), "eng", quality, True)

    typed, scrawl = InkSurvey(500, 30.0, 0.0), InkSurvey(3, 30.0, 0.9, 40)
    assert review_reason(candidate(0.95, 0.9), typed, OPTIONS, None) is None
    assert review_reason(candidate(0.0, None, chars=0), InkSurvey(0, 0.0, 0.0), OPTIONS, None) is None  # blank
    assert review_reason(candidate(0.0, None, chars=0), typed, OPTIONS, None) == "empty"
    assert review_reason(candidate(0.3, 0.2), typed, OPTIONS, None) == "low-quality"
    assert review_reason(candidate(0.0, None, chars=0), scrawl, OPTIONS, None) == "likely-handwriting"
    assert review_reason(candidate(0.2, 0.05), typed, OPTIONS, "Arabic") == "script-not-installed"
    # words the dictionary knows: the script is installed, whatever OSD guessed on a noisy page
    assert review_reason(candidate(0.3, 0.9), typed, OPTIONS, "Greek") == "low-quality"
