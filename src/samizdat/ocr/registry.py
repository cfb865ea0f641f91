"""The one place OCR engines are listed, keyed by their options type (Docling's way).

Add an engine: a module with its options type (an `OcrOptions` whose `engine` is its name as a `Literal`), the
engine behind `OcrEngine`, and an `OcrEngineType`; then one row in `_ENGINES`. The settings name an engine
(`SAMIZDAT_OCR__ENGINE`, default `tesseract`); the name picks the options type and the type picks the engine. A name
nobody registered is a `SetupError` listing the known ones, raised by the set-up check before any file is touched.
"""

from __future__ import annotations

from samizdat.engines import typed_options
from samizdat.ocr.engine import OcrEngine, OcrEngineType
from samizdat.ocr.tesseract_engine import TESSERACT
from samizdat.settings import OcrOptions

_ENGINES: tuple[OcrEngineType, ...] = (TESSERACT,)
_BY_TYPE: dict[type[OcrOptions], OcrEngineType] = {engine.options_type: engine for engine in _ENGINES}
ENGINE_NAMES: tuple[str, ...] = tuple(engine.name for engine in _ENGINES)


def engine_options(options: OcrOptions) -> OcrOptions:
    """The options as their engine's own type: `OcrOptions(engine="tesseract")` -> `TesseractOptions`."""
    return typed_options(options, list(_BY_TYPE), what="OCR", setting="SAMIZDAT_OCR__ENGINE")


def ocr_engine(options: OcrOptions) -> OcrEngine:
    """The engine the options choose, configured by them."""
    typed = engine_options(options)
    return _BY_TYPE[type(typed)].create(typed)


def check_engine(options: OcrOptions) -> None:
    """Raise `SetupError` naming the fix when the chosen engine is unknown or not installed."""
    typed = engine_options(options)
    _BY_TYPE[type(typed)].check_setup(typed)
