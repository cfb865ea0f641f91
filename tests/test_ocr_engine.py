"""The OCR engine seam: the page reader and the kinds talk to an `OcrEngine`, chosen by its options type.

Tesseract is the registered engine and is tested for real here and in every OCR test. A scripted engine stands in
for a second one in the unit tests below, only to show what the reader and the kinds ask of an engine: nothing
outside the protocol (no `tesseract` left in their code paths).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Literal

import pytest
from PIL import Image

from samizdat.errors import SetupError
from samizdat.kinds.base import ExtractRequest
from samizdat.kinds.image import IMAGE
from samizdat.ocr import registry
from samizdat.ocr.engine import OcrEngineType, Orientation, Recognition
from samizdat.ocr.languages import LanguageChoice
from samizdat.ocr.page import PageImage, ocr_page
from samizdat.ocr.tesseract import tesseract_version
from samizdat.ocr.tesseract_engine import TesseractEngine, TesseractOptions
from samizdat.settings import OcrOptions, Settings
from tests.support.letters import write_letter

WORDS = ["Let", "my", "people", "go"]
HOCR = (
    '<html xmlns="http://www.w3.org/1999/xhtml"><body><div class="ocr_page" title="bbox 0 0 1500 300">'
    '<p class="ocr_par"><span class="ocr_line" title="bbox 40 120 700 170">'
    + "".join(
        f'<span class="ocrx_word" title="bbox {40 + 170 * i} 120 {190 + 170 * i} 170; x_wconf 95">{word}</span> '
        for i, word in enumerate(WORDS)
    )
    + "</span></p></div></body></html>"
)


class ScriptedOptions(OcrOptions):
    engine: Literal["scripted"] = "scripted"


class ScriptedEngine:
    """Reads every page as "Let my people go"; remembers what it was asked."""

    asked: list[str] = []

    def __init__(self, options: OcrOptions) -> None:
        self.options = options

    @property
    def version(self) -> str:
        return "scripted 1.0"

    def label(self, langs: str) -> str:
        return f"{self.version} {langs}"

    def languages(self) -> frozenset[str]:
        return frozenset({"en", "ru"})

    def choose_languages(self, requested: list[str]) -> LanguageChoice:
        return LanguageChoice("+".join(requested) or self.options.langs)

    def read(self, image: Image.Image, langs: str, **_: object) -> Recognition:
        self.asked.append(f"read {langs}")
        return Recognition(" ".join(WORDS), HOCR, None, software=self.version)

    def detect_orientation(self, image: Image.Image, **_: object) -> Orientation | None:
        self.asked.append("orientation")
        return None


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    ScriptedEngine.asked = []
    monkeypatch.setitem(registry._BY_TYPE, ScriptedOptions, OcrEngineType(ScriptedOptions, ScriptedEngine))
    return ScriptedEngine.asked


def test_the_page_reader_reads_through_the_engine_its_options_choose(tmp_path: Path, scripted: list[str]) -> None:
    write_letter(tmp_path / "letter.png")
    result = ocr_page(PageImage(1, Image.open(tmp_path / "letter.png"), 300), "en", ScriptedOptions(workers=1))
    assert result.page.text == "Let my people go" and result.page.hocr == HOCR
    assert scripted[0] == "read en" and set(scripted) <= {"read en", "orientation"}
    software = ET.fromstring(result.page.alto or "").find(".//{*}softwareName")
    assert software is not None and software.text == "scripted 1.0"


def test_a_kind_takes_languages_and_label_from_the_engine(tmp_path: Path, scripted: list[str]) -> None:
    write_letter(tmp_path / "letter.png")
    settings = Settings(ocr=ScriptedOptions(workers=1))
    extraction = IMAGE.extract(ExtractRequest(tmp_path / "letter.png", "image/png", settings, ["ru"]))
    assert extraction.engines == {"ocr": "scripted 1.0 ru"}
    assert extraction.pages[0].text == "Let my people go" and "read ru" in scripted


def test_an_engine_name_picks_its_options_type() -> None:
    assert registry.ENGINE_NAMES == ("tesseract",)
    typed = registry.engine_options(OcrOptions(langs="rus", workers=3))
    assert type(typed) is TesseractOptions and (typed.langs, typed.workers) == ("rus", 3)
    assert isinstance(registry.ocr_engine(OcrOptions()), TesseractEngine)


def test_an_unknown_engine_names_the_known_ones() -> None:
    with pytest.raises(SetupError, match="unknown OCR engine 'abbyy'; known engines: tesseract") as stopped:
        registry.ocr_engine(OcrOptions(engine="abbyy"))
    assert "SAMIZDAT_OCR__ENGINE" in stopped.value.hint


def test_an_unknown_engine_stops_the_pass_before_any_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from samizdat.preflight import check_setup

    monkeypatch.setenv("SAMIZDAT_OCR__ENGINE", "abbyy")
    with pytest.raises(SetupError, match="known engines: tesseract"):
        check_setup(Settings(inbox=tmp_path / "inbox", processed=tmp_path / "processed"))


def test_tesseract_labels_its_reading_in_one_place(tmp_path: Path) -> None:
    write_letter(tmp_path / "letter.png")
    engine = registry.ocr_engine(OcrOptions())
    assert engine.label("eng+rus") == f"tesseract {tesseract_version()} eng+rus"
    reading = engine.read(Image.open(tmp_path / "letter.png"), "eng", timeout_s=60, dpi=300)
    assert "people" in reading.text and reading.mean_confidence
    software = ET.fromstring(reading.alto).find(".//{*}softwareName")
    assert software is not None and software.text == f"tesseract {tesseract_version()}"
    assert engine.choose_languages(["ru", "xx"]).langs == "rus"
