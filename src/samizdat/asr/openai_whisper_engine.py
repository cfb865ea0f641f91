"""openai-whisper (PyTorch) behind the `AsrEngine` interface: the package the archive named.

Optional: installed with `pip install --no-deps openai-whisper` plus its small dependencies and a CPU
torch (see `INSTALL_HINT`). Models are a name looked up in openai-whisper's cache (never downloaded:
there is no network here) or a `.pt` checkpoint path (`{"dims": ..., "model_state_dict": ...}`).
"""

from __future__ import annotations

import contextlib
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from samizdat.asr.audio_source import SAMPLE_RATE
from samizdat.asr.engine import AsrEngineType, DecodeGuards, before_tail
from samizdat.errors import EngineError
from samizdat.models import Segment, Word
from samizdat.settings import AsrOptions

INSTALL_HINT = (
    "pip install --no-deps openai-whisper==20250625 && "
    "pip install more-itertools numba tiktoken tqdm torch==2.13.0"
)


class OpenAiWhisperOptions(AsrOptions):
    """The ASR settings when they name openai-whisper (its model cache is `openai_model_dir`)."""

    engine: Literal["openai-whisper"] = "openai-whisper"


def _import_whisper() -> Any:
    try:
        import whisper
    except ImportError as error:
        raise ImportError(
            f"the openai-whisper engine needs the openai-whisper package; install it with: {INSTALL_HINT} "
            "(or set SAMIZDAT_ASR_ENGINE=faster-whisper)"
        ) from error
    return whisper


def default_cache() -> Path:
    """Where openai-whisper keeps models by name: $XDG_CACHE_HOME/whisper or ~/.cache/whisper."""
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "whisper"


def resolve_checkpoint(model: str, cache_dir: Path | None) -> Path:
    """The `.pt` file for `model` (a path, or a name found in the cache); never a download."""
    whisper = _import_whisper()
    given = Path(model).expanduser()
    if given.suffix == ".pt" or given.is_file():
        if not given.is_file():
            raise EngineError(f"openai-whisper checkpoint {given} does not exist")
        return given
    if model not in whisper._MODELS:
        raise EngineError(
            f"unknown openai-whisper model {model!r}; give a name ({', '.join(whisper.available_models())}) "
            "or a path to a .pt checkpoint in SAMIZDAT_ASR_MODEL"
        )
    cache = cache_dir or default_cache()
    found = cache / Path(whisper._MODELS[model]).name
    if not found.is_file():
        raise EngineError(
            f"openai-whisper model {model!r} is not in its cache ({found}) and cannot be downloaded here; "
            "copy the .pt file there, set SAMIZDAT_ASR_MODEL to a .pt path, or use SAMIZDAT_ASR_ENGINE=faster-whisper"
        )
    return found


class OpenAIWhisperEngine:
    """A loaded openai-whisper model in float32 on the CPU; calls are serialised."""

    def __init__(self, checkpoint: Path, options: AsrOptions, guards: DecodeGuards | None = None) -> None:
        whisper = _import_whisper()
        import torch

        from samizdat.asr.faster_whisper_engine import safe_threads

        torch.set_num_threads(safe_threads(options.threads))
        try:
            # A path: load_model never downloads it. Names were resolved to their cached file above.
            self._model = whisper.load_model(str(checkpoint), device="cpu")
        except (RuntimeError, KeyError, OSError, EOFError) as error:
            raise EngineError(f"openai-whisper cannot load {checkpoint}: {error}") from error
        if checkpoint.stem in whisper._ALIGNMENT_HEADS:
            # The official heads for word timing; a file of another shape under that name keeps the default.
            with contextlib.suppress(ValueError, RuntimeError):
                self._model.set_alignment_heads(whisper._ALIGNMENT_HEADS[checkpoint.stem])
        self._whisper = whisper
        self._options = options
        self._guards = guards or DecodeGuards()
        self._lock = threading.Lock()
        self.name = f"openai-whisper {whisper.__version__} {checkpoint.stem} fp32"

    def detect_language(self, audio: np.ndarray) -> list[tuple[str, float]]:
        """Language probabilities for the first 30 s of `audio`, most likely first."""
        whisper = self._whisper
        with self._lock:
            mel = whisper.log_mel_spectrogram(
                whisper.pad_or_trim(np.ascontiguousarray(audio, dtype=np.float32)), n_mels=self._model.dims.n_mels
            )
            _, probs = self._model.detect_language(mel)
        return sorted(((code, float(p)) for code, p in probs.items()), key=lambda item: -item[1])

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` for this model's tokenizer."""
        model = self._model
        tokenizer = self._whisper.tokenizer.get_tokenizer(model.is_multilingual, num_languages=model.num_languages)
        return len(tokenizer.encode(text))

    def transcribe(self, audio: np.ndarray, language: str, prompt: str = "") -> list[Segment]:
        """Beam search at temperature 0 (like the CLI and faster-whisper); the prompt before every stretch."""
        guards = self._guards
        with self._lock:
            result = self._whisper.transcribe(
                self._model,
                np.ascontiguousarray(audio, dtype=np.float32),
                language=language,
                task="transcribe",
                temperature=guards.temperatures,
                beam_size=self._options.beam_size,
                best_of=self._options.beam_size,
                compression_ratio_threshold=guards.compression_ratio_threshold,
                logprob_threshold=guards.log_prob_threshold,
                no_speech_threshold=guards.no_speech_threshold,
                condition_on_previous_text=guards.condition_on_previous_text,
                word_timestamps=True,
                initial_prompt=prompt or None,
                carry_initial_prompt=bool(prompt),
                fp16=False,
                verbose=None,
            )
        heard = [
            Segment(
                start=float(piece["start"]),
                end=float(piece["end"]),
                text=str(piece["text"]).strip(),
                language=language,
                words=[
                    Word(float(w["start"]), float(w["end"]), str(w["word"]).strip(), float(w["probability"]))
                    for w in piece.get("words") or []
                ],
                avg_logprob=float(piece["avg_logprob"]),
                no_speech_prob=float(piece["no_speech_prob"]),
            )
            for piece in result["segments"]
        ]
        return list(before_tail(heard, audio.size / SAMPLE_RATE, guards.tail_s))  # decoded anyway: only dropped here


@lru_cache(maxsize=2)
def _cached(checkpoint: Path, options_json: str) -> OpenAIWhisperEngine:
    return OpenAIWhisperEngine(checkpoint, OpenAiWhisperOptions.model_validate_json(options_json))


def load_openai_whisper(options: AsrOptions, model_dir: Path | None = None) -> OpenAIWhisperEngine:
    """The engine for these options, loaded once per process (its models live in its own cache, not `model_dir`)."""
    checkpoint = resolve_checkpoint(options.model, options.openai_model_dir)
    return _cached(checkpoint, options.model_dump_json(include={"model", "threads", "beam_size"}))


OPENAI_WHISPER = AsrEngineType(OpenAiWhisperOptions, load_openai_whisper)
