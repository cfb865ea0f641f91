"""Tesseract as an `OcrEngine`: the adapter between the page reader and the command wrapper (`ocr.tesseract`).

Here is what Samizdat says about Tesseract: its label in `metadata.json` (`tesseract 5.3.0 eng+rus`, built only
here), which installed model reads which ISO language, and what the set-up check asks of the installation.
"""

from __future__ import annotations

import shutil
from typing import Literal

import pytesseract
from PIL import Image

from samizdat.errors import SetupError
from samizdat.ocr import tesseract
from samizdat.ocr.engine import OcrEngineType, Orientation, Recognition
from samizdat.ocr.languages import LanguageChoice, tesseract_languages
from samizdat.settings import OcrOptions


class TesseractOptions(OcrOptions):
    """The OCR settings when they name Tesseract (the default)."""

    engine: Literal["tesseract"] = "tesseract"


class TesseractEngine:
    """Tesseract 5 through its command line, one process per read."""

    def __init__(self, options: OcrOptions) -> None:
        self.options = options

    @property
    def version(self) -> str:
        """`tesseract 5.3.0`."""
        return f"tesseract {tesseract.tesseract_version()}"

    def label(self, langs: str) -> str:
        """`tesseract 5.3.0 eng+rus`."""
        return f"{self.version} {langs}"

    def languages(self) -> frozenset[str]:
        """Tesseract models installed here (`eng`, `rus`, `osd`, ...)."""
        return tesseract.installed_languages()

    def choose_languages(self, requested: list[str]) -> LanguageChoice:
        """The item's ISO codes as installed Tesseract models; `options.langs` when none is usable."""
        return tesseract_languages(requested, self.options.langs, self.languages())

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
        """One Tesseract run: text, hOCR and the PDF page."""
        out = tesseract.recognize(image, langs, timeout_s=timeout_s, dpi=dpi, text_only_pdf=text_only_pdf,
                                  config=config)
        return Recognition(out.text, out.hocr, out.pdf, software=self.version)

    def detect_orientation(self, image: Image.Image, *, timeout_s: float, dpi: int | None = None) -> Orientation | None:
        """Tesseract OSD (`--psm 0`)."""
        return tesseract.detect_orientation(image, timeout_s=timeout_s, dpi=dpi)


def check_tesseract(options: OcrOptions) -> None:
    """Tesseract must be on PATH with a model for every default language."""
    from samizdat.preflight import INSTALL_HINT

    command = pytesseract.pytesseract.tesseract_cmd
    if shutil.which(command) is None:
        raise SetupError(f"Tesseract ({command!r}) is not installed or not on PATH",
                         f"Install the Debian package tesseract-ocr. {INSTALL_HINT}")
    missing = sorted(set(options.langs.split("+")) - tesseract.installed_languages())
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        raise SetupError(f"Tesseract has no model for {', '.join(missing)} (SAMIZDAT_OCR_LANGS={options.langs})",
                         f"Install {packages}, or change SAMIZDAT_OCR_LANGS. {INSTALL_HINT}")


TESSERACT = OcrEngineType(TesseractOptions, TesseractEngine, check_tesseract)
