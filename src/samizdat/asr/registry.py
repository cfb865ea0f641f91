"""The one place ASR engines are listed, keyed by their options type (Docling's way).

Add an engine: a module with its options type (an `AsrOptions` whose `engine` is its name as a `Literal`), the
engine behind `AsrEngine`, and an `AsrEngineType`; then one row in `_ENGINES`. The settings name an engine
(`SAMIZDAT_ASR_ENGINE`); the name picks the options type and the type picks the engine. A name nobody registered
is a `SetupError` listing the known ones, raised by the set-up check before any file is touched.
"""

from __future__ import annotations

from pathlib import Path

from samizdat.asr.engine import AsrEngine, AsrEngineType
from samizdat.asr.faster_whisper_engine import FASTER_WHISPER
from samizdat.asr.openai_whisper_engine import OPENAI_WHISPER
from samizdat.engines import typed_options
from samizdat.settings import AsrOptions

_ENGINES: tuple[AsrEngineType, ...] = (FASTER_WHISPER, OPENAI_WHISPER)
_BY_TYPE: dict[type[AsrOptions], AsrEngineType] = {engine.options_type: engine for engine in _ENGINES}
ENGINE_NAMES: tuple[str, ...] = tuple(engine.name for engine in _ENGINES)


def engine_options(options: AsrOptions) -> AsrOptions:
    """The options as their engine's own type: `AsrOptions(engine="openai-whisper")` -> `OpenAiWhisperOptions`."""
    return typed_options(options, list(_BY_TYPE), what="ASR", setting="SAMIZDAT_ASR_ENGINE")


def create_engine(options: AsrOptions, model_dir: Path) -> AsrEngine:
    """Load (or reuse, per process) the engine the options choose."""
    typed = engine_options(options)
    return _BY_TYPE[type(typed)].load(typed, model_dir)


def check_engine(options: AsrOptions, model_dir: Path) -> None:
    """Raise `SetupError` naming the fix when the chosen engine is unknown or not installed."""
    typed = engine_options(options)
    _BY_TYPE[type(typed)].check_setup(typed, model_dir)
