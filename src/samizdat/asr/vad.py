"""Where there is speech: Silero VAD (the ONNX model faster-whisper ships), for both engines.

Tape hiss and long silences never reach Whisper, which is where it invents text ("Thank you for
watching", "Продолжение следует..."). Speech runs are capped at `max_speech_s` so that long talk
still offers places to cut a window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samizdat.asr.audio_source import SAMPLE_RATE


@dataclass(frozen=True)
class Span:
    """A run of speech, in samples from the start of the array it was found in."""

    start: int
    end: int

    @property
    def samples(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class VadSettings:
    """Silero thresholds: faster-whisper's, with speech runs capped for cutting and a wider pad.

    faster-whisper pads speech by 400 ms; soft onsets then lose their first frames (measured: on the
    corpus Russian clip the 400 ms pad started 16 ms late and turned "нейронные" into "нейронной").
    800 ms costs a little more audio per stretch and keeps the edges.
    """

    threshold: float = 0.5
    min_silence_ms: int = 2000
    speech_pad_ms: int = 800
    max_speech_s: float = 30.0


def speech_spans(audio: np.ndarray, settings: VadSettings | None = None) -> list[Span]:
    """The speech runs in `audio` (16 kHz float32), in order, padded, not overlapping."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    settings = settings or VadSettings()
    if audio.size < SAMPLE_RATE // 10:
        return []
    found = get_speech_timestamps(
        audio,
        VadOptions(
            threshold=settings.threshold,
            min_silence_duration_ms=settings.min_silence_ms,
            speech_pad_ms=settings.speech_pad_ms,
            max_speech_duration_s=settings.max_speech_s,
        ),
    )
    spans: list[Span] = []
    for item in found:
        start, end = max(0, int(item["start"])), min(audio.size, int(item["end"]))
        if spans and start < spans[-1].end:
            start = spans[-1].end
        if end > start:
            spans.append(Span(start, end))
    return spans


def everything(audio: np.ndarray) -> list[Span]:
    """One span over the whole array: what the transcriber uses when VAD is switched off."""
    return [Span(0, audio.size)] if audio.size else []
