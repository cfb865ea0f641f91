"""Silero VAD as Samizdat runs it: the same probabilities as faster-whisper's, in a fraction of the memory."""

from __future__ import annotations

import numpy as np

from samizdat.asr.audio_source import SAMPLE_RATE
from samizdat.asr.vad import _SmallBatchSilero, speech_spans


def _tone_bursts(seconds: int) -> np.ndarray:
    """Hiss with a voiced, speech-like buzz (150 Hz with harmonics, syllable-rate tremolo) now and then."""
    rng = np.random.default_rng(5)
    audio = rng.normal(0, 0.003, seconds * SAMPLE_RATE).astype(np.float32)
    t = np.arange(4 * SAMPLE_RATE) / SAMPLE_RATE
    voice = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 8)) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t))
    for start in range(5, seconds - 5, 20):
        audio[start * SAMPLE_RATE : (start + 4) * SAMPLE_RATE] += 0.2 * voice.astype(np.float32)
    return audio


def test_small_batches_give_the_same_probabilities_as_faster_whisper() -> None:
    from faster_whisper.vad import get_vad_model

    audio = _tone_bursts(70)
    audio = np.pad(audio, (0, 512 - audio.size % 512))
    reference = get_vad_model()(audio.copy())
    small = _SmallBatchSilero(get_vad_model().session)
    small.batch = 300  # several slices over 70 s
    assert np.array_equal(small(audio.copy()), reference)


def test_hiss_alone_has_no_speech() -> None:
    rng = np.random.default_rng(1)
    assert speech_spans(rng.normal(0, 0.003, 60 * SAMPLE_RATE).astype(np.float32)) == []


def test_spans_are_ordered_and_inside_the_audio() -> None:
    audio = _tone_bursts(70)
    spans = speech_spans(audio)
    assert all(0 <= a.start < a.end <= audio.size for a in spans)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
