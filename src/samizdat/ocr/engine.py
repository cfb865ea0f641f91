"""What a page reader needs of an OCR engine, and what the registry knows of each engine (`ocr.registry`).

The reader (`ocr.page`) decides how a page is read: plain first, scored, escalated when poor. The engine only
reads: one page image in given languages -> text, hOCR (ALTO and confidences are derived from it) and a PDF page;
and, when the reader asks, the page's orientation and script. Tesseract is the one engine today
(`ocr.tesseract_engine`, its command wrapper `ocr.tesseract`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from samizdat.engines import engine_name
from samizdat.ocr.hocr import hocr_to_alto, word_confidences
from samizdat.ocr.languages import LanguageChoice
from samizdat.settings import OcrOptions


@dataclass
class Recognition:
    """What the engine wrote for one page; `software` (engine and version) goes into the ALTO."""

    text: str
    hocr: str
    pdf: bytes | None
    software: str = ""

    @functools.cached_property
    def word_confidences(self) -> list[float]:
        """Confidence 0-100 of each recognised word."""
        return word_confidences(self.hocr)

    @property
    def alto(self) -> str:
        """The page as ALTO, made from the hOCR only for the reading that is kept."""
        return hocr_to_alto(self.hocr, software=self.software)

    @property
    def mean_confidence(self) -> float | None:
        """Mean word confidence, or None when the engine found no words at all."""
        conf = self.word_confidences
        return sum(conf) / len(conf) if conf else None


@dataclass(frozen=True)
class Orientation:
    """Orientation and script detection's answer: rotate the page clockwise by `rotate` degrees to make it upright.

    `script` is named as Tesseract OSD names scripts (Latin, Cyrillic, Hebrew, ...; see `samizdat.languages`).
    """

    rotate: int
    confidence: float  # of the orientation
    script: str | None
    script_confidence: float = 0.0


class OcrEngine(Protocol):
    """One OCR engine, configured by its options."""

    @property
    def version(self) -> str:
        """Engine and version, e.g. `tesseract 5.3.0` (ALTO's software)."""
        ...

    def label(self, langs: str) -> str:
        """What `metadata.json` `engines.ocr` records: engine, version and languages, `tesseract 5.3.0 eng+rus`."""
        ...

    def languages(self) -> frozenset[str]:
        """The engine's language models installed here, in its own codes."""
        ...

    def choose_languages(self, requested: list[str]) -> LanguageChoice:
        """The item's ISO 639-1 codes as the engine's language string; the default when none is usable."""
        ...

    def read(
        self,
        image: Image.Image,
        langs: str,
        *,
        timeout_s: float,
        dpi: int | None = None,
        text_only_pdf: bool = False,
        config: dict[str, str] | None = None,
    ) -> Recognition:
        """Read one page; raise `EngineError` when the engine fails or overruns `timeout_s`.

        `dpi`: the page's resolution when known. `text_only_pdf`: the PDF page carries only the invisible text, to
        lay over another page image. `config`: the engine's own variables for this read (Tesseract's `-c`).
        """
        ...

    def detect_orientation(self, image: Image.Image, *, timeout_s: float, dpi: int | None = None) -> Orientation | None:
        """The page's orientation and script; None when the engine cannot tell."""
        ...


def nothing_to_check(options: OcrOptions) -> None:
    """An engine whose installation is only found out when it reads."""


@dataclass(frozen=True)
class OcrEngineType:
    """One engine as the registry lists it: its options type, how it is made, how its installation is checked.

    `options_type` is an `OcrOptions` whose `engine` field is the engine's name as a `Literal`: the settings' `engine`
    name picks the type, and the type picks the engine. `check_setup` raises `SetupError` naming the fix, before any
    file is touched.
    """

    options_type: type[OcrOptions]
    create: Callable[[OcrOptions], OcrEngine]
    check_setup: Callable[[OcrOptions], None] = nothing_to_check

    @property
    def name(self) -> str:
        """The engine's name, as `SAMIZDAT_OCR__ENGINE` gives it."""
        return engine_name(self.options_type)
