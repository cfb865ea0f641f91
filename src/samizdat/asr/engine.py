"""The one interface both Whisper engines implement, and what the registry knows of each (`asr.registry`).

The transcriber hands an engine short stretches of speech (float32, 16 kHz, silence already cut out)
and gets back `Segment`s with times relative to that stretch. Windowing, VAD, language policy and
output formats live outside the engines, so both behave the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
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
    tail_s: float = 0.8
    """Once a segment ends this close to the end of the audio, the rest is not decoded (`before_tail`)."""


def before_tail(segments: Iterable[Segment], duration_s: float, tail_s: float) -> Iterator[Segment]:
    """The segments up to the first one that ends within `tail_s` of `duration_s`; later ones are never asked for.

    When Whisper's last segment in a 30 s window is left unfinished, the decoder seeks to the last word's end and
    decodes what is left in a window of its own. At the end of a piece of VAD speech that is the 0.8 s pad VAD adds
    after speech (`VadSettings.speech_pad_ms`): on a dev interview (dev-en2-a, pieces of at most 30 s) 13 of 24
    encoder passes were such tails of 0.3-0.5 s, and where they gave text it was invented ("and I'll see you in the
    next video.", "your time, and thank you for your time,"). faster-whisper decodes lazily, so stopping here
    saves the decoding as well. What it dropped on the dev half (one-window pieces): three one-word segments at piece
    ends, "David.", "World." and "Everything." (the last a repeat); with 120 s pieces, on the test half, one "Bye."
    (bench/asr/window-pieces-test.md). Where VAD split a run of speech at `max_speech_s`, the piece ends at a
    pause of 0.1 s or more rather than at the pad.
    """
    for segment in segments:
        yield segment
        if segment.end >= duration_s - tail_s:
            return


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
