"""The one interface both Whisper engines implement, and what the registry knows of each (`asr.registry`).

The transcriber hands an engine short stretches of speech (float32, 16 kHz, silence already cut out)
and gets back `Segment`s with times relative to that stretch. Windowing, VAD, language policy and
output formats live outside the engines, so both behave the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from samizdat.engines import engine_name
from samizdat.models import Segment
from samizdat.settings import AsrOptions


@dataclass(frozen=True)
class DecodeGuards:
    """Whisper's own guards against repetition loops and invented text, shared by both engines.

    `compression_ratio_threshold`: a segment whose text gzip-compresses better than this is a loop;
    `log_prob_threshold` and `no_speech_threshold`: a segment the model is unsure of *and* thinks is
    not speech is dropped; `condition_on_previous_text` off, so one bad segment cannot seed the next.
    `temperatures`: 0 only. Whisper's fallback samples at higher temperatures, and CTranslate2's sampler
    cannot be re-seeded per call (its generator is per worker thread, seeded once): with fallback the same
    jfk.flac at temperature 1.0 gave five different texts in five calls, even after `set_random_seed(7)`
    before each. That is what made `test_asr_long_audio` read "London-Gradin-April" on one run. Beam
    search at 0 gives the same text at 1, 2, 3 or 4 threads (checked on jfk.flac and test_sound_en.wav);
    a segment that fails the thresholds is dropped by `guards.clean_segments` instead of resampled.
    """

    compression_ratio_threshold: float = 2.4
    log_prob_threshold: float = -1.0
    no_speech_threshold: float = 0.6
    condition_on_previous_text: bool = False
    temperatures: tuple[float, ...] = (0.0,)


class AsrEngine(Protocol):
    """A loaded Whisper model behind one small surface."""

    name: str
    """Engine, version, model and precision, as written into `metadata.json` `engines.asr`."""

    def detect_language(self, audio: np.ndarray) -> list[tuple[str, float]]:
        """Language probabilities for (up to) the first 30 s of `audio`, most likely first."""
        ...

    def transcribe(self, audio: np.ndarray, language: str, prompt: str = "") -> list[Segment]:
        """Timed segments with words; times are seconds from the start of `audio`.

        `prompt`: words the decoder reads before every 30 s stretch (vocabulary, see `asr.vocabulary`).
        """
        ...

    def count_tokens(self, text: str) -> int:
        """How many tokens the model's tokenizer makes of `text` (for the prompt budget)."""
        ...


def nothing_to_check(options: AsrOptions, model_dir: Path) -> None:
    """An engine whose installation is only found out when it loads."""


@dataclass(frozen=True)
class AsrEngineType:
    """One engine as the registry lists it: its options type, how it loads, how its installation is checked.

    `options_type` is an `AsrOptions` whose `engine` field is the engine's name as a `Literal`: the settings'
    `engine` name picks the type, and the type picks the engine. `load` gets options of that type (loaded once per
    process); `check_setup` raises `SetupError` naming the fix, before any file is touched.
    """

    options_type: type[AsrOptions]
    load: Callable[[AsrOptions, Path], AsrEngine]
    check_setup: Callable[[AsrOptions, Path], None] = nothing_to_check

    @property
    def name(self) -> str:
        """The engine's name, as `SAMIZDAT_ASR_ENGINE` gives it."""
        return engine_name(self.options_type)
