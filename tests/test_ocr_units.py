"""Fast checks of the OCR helpers: language choice, page assessment, skew, the page pool, CER-free."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

import pytest

from samizdat.ocr import preprocess
from samizdat.ocr.hocr import hocr_to_alto, plain_text, word_confidences
from samizdat.ocr.languages import tesseract_languages
from samizdat.ocr.page import normalised_binary
from samizdat.ocr.pdf_text import garbage_reason, unusable_reason
from samizdat.ocr.pool import map_pages
from tests.support.pages import DEGRADED_SET, LETTER_EN, LETTER_RU, degrade, typescript_page

INSTALLED = frozenset({"eng", "rus", "heb", "yid", "osd"})


def test_languages_default_when_item_says_nothing() -> None:
    assert tesseract_languages([], "eng+rus", INSTALLED).langs == "eng+rus"


def test_languages_narrow_and_extend() -> None:
    assert tesseract_languages(["ru"], "eng+rus", INSTALLED).langs == "rus"
    assert tesseract_languages(["en", "he", "yi"], "eng+rus", INSTALLED).langs == "eng+heb+yid"
    assert tesseract_languages(["ru", "RU-ru", "rus"], "eng+rus", INSTALLED).langs == "rus"


def test_unknown_or_missing_language_warns_and_falls_back() -> None:
    choice = tesseract_languages(["xx", "de"], "eng+rus", INSTALLED)
    assert choice.langs == "eng+rus"
    assert len(choice.warnings) == 3  # xx unknown, deu not installed, fallback
    assert tesseract_languages(["xx", "en"], "eng+rus", INSTALLED).langs == "eng"


def test_normalised_binarisation_gives_a_two_level_page_of_the_same_size() -> None:
    worn = degrade(typescript_page(LETTER_EN[:4]), DEGRADED_SET[0])
    out = normalised_binary(worn, glyph_height=30.0)
    assert out.size == worn.size
    assert set(out.getcolors() or []) and len(out.getcolors() or []) <= 2  # type: ignore[arg-type]


def _hocr_lines(*lines: tuple[int, float]) -> str:
    """Text lines of an hOCR page as Tesseract writes them: (width in px, baseline slope)."""
    return "".join(f"<span class='ocr_line' id='line_{i}' title=\"bbox 100 {100 * i} {100 + width} {100 * i + 60}; "
                   f"baseline {slope} -12; x_size 40\">" for i, (width, slope) in enumerate(lines))


def test_a_colour_page_whose_pixels_are_all_grey_is_worked_on_as_grey() -> None:
    from PIL import Image

    grey = Image.linear_gradient("L").resize((300, 400))
    palette = grey.convert("RGB").quantize(64)  # a palette PNG of grey levels, as corpus typewriter.png
    worked = preprocess.to_working_mode(palette)
    assert worked.mode == "L" and worked.tobytes() == palette.convert("L").tobytes()
    assert preprocess.to_working_mode(grey.convert("RGB")).mode == "L"
    tinted = grey.convert("RGB")
    tinted.putpixel((10, 10), (200, 10, 10))  # one coloured pixel off the sampled strip: still a colour page
    assert preprocess.to_working_mode(tinted).mode == "RGB"
    assert preprocess.to_working_mode(Image.new("RGB", (50, 50), (250, 240, 220))).mode == "RGB"


def test_page_for_tesseract_carries_the_known_resolution_and_no_other(tmp_path) -> None:
    from PIL import Image

    from samizdat.ocr.tesseract import _save_page

    Image.new("L", (200, 100), 255).save(tmp_path / "scan.tif", dpi=(400, 400))
    scan = Image.open(tmp_path / "scan.tif")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with Image.open(_save_page(scan, tmp_path / "a", 300, embedded=False)) as known:
        assert known.info["dpi"] == (300, 300) and known.info["compression"] == "raw"
    with Image.open(_save_page(scan, tmp_path / "b", None, embedded=False)) as unknown:
        assert unknown.info.get("dpi", (1, 1))[0] < 70  # below any credible resolution: Tesseract estimates it


def test_baseline_skew_is_the_width_weighted_median_of_agreeing_lines() -> None:
    assert preprocess.baseline_skew(_hocr_lines((2000, 0.03), (1800, 0.031), (400, 0.0), (2100, 0.029))) == (
        pytest.approx(-1.72, abs=0.01))
    assert preprocess.baseline_skew(_hocr_lines((2000, -0.02), (1800, -0.02), (1900, -0.021))) == (
        pytest.approx(1.15, abs=0.01))


def test_baseline_skew_needs_several_lines_that_agree() -> None:
    assert preprocess.baseline_skew(_hocr_lines((2000, 0.03), (1800, 0.03))) == 0.0  # a caption, a stamp
    bent = _hocr_lines((2000, 0.04), (2000, -0.03), (2000, 0.01), (2000, -0.05))  # a folded, warped page
    assert preprocess.baseline_skew(bent) == 0.0
    assert preprocess.baseline_skew("") == 0.0


def test_lines_drift_across_their_pitch_only_when_the_skew_carries_a_long_line_half_a_pitch() -> None:
    page = _hocr_lines((2000, 0.0), (2000, 0.0), (1900, 0.0), (400, 0.0))  # lines 100 px apart
    assert preprocess.line_pitch(page) == 100
    assert not preprocess.lines_drift_across(page, 1.0)  # 35 px over a 2000 px line
    assert preprocess.lines_drift_across(page, -2.0)  # 70 px: the line's end is nearer the next line
    assert not preprocess.lines_drift_across(page, 89.9)  # a page on its side: OSD turns it, not straightening
    assert not preprocess.lines_drift_across(_hocr_lines((2000, 0.0), (2000, 0.0)), 5.0)  # too few lines to tell
    two_columns = "".join(f"<span class='ocr_line' title=\"bbox {x} {100 * i} {x + 900} {100 * i + 60}; baseline 0 -12"
                          f"\">" for i in range(6) for x in (100, 1100))
    assert preprocess.line_pitch(two_columns) == 100  # the next line beside it, not the other column's


@pytest.mark.parametrize("angle", [-2.0, 1.5])
def test_tesseract_baselines_measure_the_skew_that_rotate_undoes(angle: float) -> None:
    from samizdat.ocr.tesseract import recognize

    page = typescript_page(LETTER_EN, dpi=150).rotate(angle, expand=True, fillcolor=255)
    measured = preprocess.baseline_skew(recognize(page, "eng", timeout_s=120, dpi=150, pdf=False).hocr)
    assert measured == pytest.approx(angle, abs=0.3)


def test_text_layer_judges() -> None:
    assert unusable_reason("(cid:3)(cid:4)(cid:5)(cid:6) a") is not None
    assert unusable_reason("An ordinary sentence of text.") is None
    assert garbage_reason("Dear friends, we received your letter and the books.") is None
    assert garbage_reason("~#@ 1l|! ,.;' %%^ &*kq§ xZ@#q ¦¦ |||| ;;;") is not None
    assert garbage_reason("Дорогие друзья, пишу вам снова.") is None
    assert garbage_reason("Дopoгиe дpузья") is not None  # Latin and Cyrillic mixed inside words


HOCR = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><body>
<div class='ocr_page' id='page_1' title='image "p.png"; bbox 0 0 1000 800; ppageno 0'>
 <div class='ocr_carea' id='block_1_1' title="bbox 10 10 400 60">
  <p class='ocr_par' id='par_1_1' lang='rus' title="bbox 10 10 400 60">
   <span class='ocr_line' id='line_1_1' title="bbox 10 10 400 60; baseline 0 -5">
    <span class='ocrx_word' id='word_1_1' title='bbox 10 10 150 60; x_wconf 91'>Дорогие</span>
    <span class='ocrx_word' id='word_1_2' title='bbox 180 12 400 60; x_wconf 80'><strong>друзья</strong></span>
    <span class='ocrx_word' id='word_1_3' title='bbox 401 12 402 60; x_wconf 95'> </span>
   </span>
  </p>
 </div>
</div></body></html>"""


def test_hocr_confidences_and_alto() -> None:
    assert word_confidences(HOCR) == [91.0, 80.0]
    alto = ET.fromstring(hocr_to_alto(HOCR))
    strings = [e for e in alto.iter() if e.tag.endswith("String")]
    assert [(s.get("CONTENT"), s.get("WC"), s.get("HPOS"), s.get("WIDTH")) for s in strings] == [
        ("Дорогие", "0.91", "10", "140"), ("друзья", "0.80", "180", "220")]
    spaces = [e for e in alto.iter() if e.tag.endswith("SP")]
    assert [(s.get("HPOS"), s.get("WIDTH")) for s in spaces] == [("150", "30")]
    block = next(e for e in alto.iter() if e.tag.endswith("TextBlock"))
    assert block.get("LANG") == "rus"
    page = next(e for e in alto.iter() if e.tag.endswith("Page"))
    assert (page.get("WIDTH"), page.get("HEIGHT")) == ("1000", "800")


def test_hocr_text_is_a_line_a_line_and_a_blank_line_after_each_paragraph() -> None:
    # the third "word" is a space Tesseract read; its own text renderer keeps it, so the text here does as well
    assert plain_text(HOCR) == "Дорогие друзья  \n\n"


@pytest.mark.slow
def test_text_from_hocr_is_what_tesseracts_own_text_renderer_writes(tmp_path) -> None:
    # A heading and paragraphs of two languages: the text Samizdat derives from the hOCR must be Tesseract's `txt`
    # output, character for character (and was on all 122 pages of the OCR and language benches).
    typescript_page(["MEMORANDUM", "", *LETTER_EN[:5], "", *LETTER_RU[:4]]).save(tmp_path / "page.png", dpi=(300, 300))
    subprocess.run(["tesseract", str(tmp_path / "page.png"), str(tmp_path / "out"), "-l", "eng+rus", "--dpi", "300",
                    "txt", "hocr"], check=True, capture_output=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    told = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert told.count("\n\n") >= 2  # paragraphs, so the layout is exercised
    assert plain_text((tmp_path / "out.hocr").read_text(encoding="utf-8")).strip() == told.strip()


def test_pool_keeps_order_bounds_concurrency_and_reports_progress(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SAMIZDAT_OCR_SLOTS", str(tmp_path))
    running = 0
    peak = 0
    lock = threading.Lock()

    def work(n: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return n * n

    progress: list[tuple[int, int]] = []
    assert map_pages(work, range(10), workers=2, on_done=lambda d, t: progress.append((d, t))) == [
        n * n for n in range(10)
    ]
    assert peak <= 2
    assert progress[-1] == (10, 10) and len(progress) == 10


def test_pool_reraises_the_page_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SAMIZDAT_OCR_SLOTS", str(tmp_path))

    def work(n: int) -> int:
        if n == 3:
            raise ValueError("page 3 broke")
        return n

    with pytest.raises(ValueError, match="page 3"):
        map_pages(work, range(6), workers=2)
