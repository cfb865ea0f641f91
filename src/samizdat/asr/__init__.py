"""Speech recognition: Whisper models, two engines behind one interface, long tapes in windows."""

from samizdat.asr.engine import AsrEngine, DecodeGuards
from samizdat.asr.model_store import ensure_model
from samizdat.asr.registry import ENGINE_NAMES, create_engine
from samizdat.asr.transcriber import TranscribeOptions, Transcriber

__all__ = [
    "ENGINE_NAMES",
    "AsrEngine",
    "DecodeGuards",
    "TranscribeOptions",
    "Transcriber",
    "create_engine",
    "ensure_model",
]
