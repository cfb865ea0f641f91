"""A long tape's memory stays bounded: compact per-stretch state, no audio kept, free heap pages given back."""

from __future__ import annotations

import ctypes
import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from samizdat.asr.audio_source import SAMPLE_RATE
from samizdat.asr.heap import release_free_memory
from samizdat.asr.speakers import EMBEDDING_SIZE, Diarizer
from samizdat.asr.transcriber import TranscribeOptions, Transcriber
from samizdat.asr.vad import Span
from samizdat.models import Segment, Word

S = SAMPLE_RATE


def _glibc() -> bool:
    try:
        ctypes.CDLL(None).malloc_trim  # noqa: B018
    except AttributeError:
        return False
    return True


def test_the_diarizer_keeps_one_float32_row_per_stretch_in_one_block() -> None:
    diarizer = Diarizer()
    rng = np.random.default_rng(0)
    given = rng.standard_normal((1000, EMBEDDING_SIZE)).astype(np.float32)
    for index, row in enumerate(given):
        diarizer.spans.append((index * 2.0, index * 2.0 + 1.5))
        diarizer._keep(row)
    kept = diarizer.embeddings
    assert kept.dtype == np.float32 and kept.shape == (1000, EMBEDDING_SIZE)
    assert np.array_equal(kept, given)
    # one block, grown by doubling: at most twice the rows' own bytes, whatever the number of stretches
    assert kept.base is diarizer._rows
    assert diarizer._rows.nbytes <= 2 * given.nbytes


def test_the_diarizer_keeps_no_audio_of_a_window_it_has_embedded(corpus: Path) -> None:
    from samizdat.asr.audio_source import stream_blocks

    audio = next(stream_blocks(corpus / "audio" / "jfk.flac"))
    gone = weakref.ref(audio)
    diarizer = Diarizer()
    diarizer.add(audio, [Span(0, audio.size)], 0.0)
    assert len(diarizer.spans) >= 2 and diarizer.embeddings.shape == (len(diarizer.spans), EMBEDDING_SIZE)
    del audio
    gc.collect()
    assert gone() is None


@pytest.mark.skipif(not _glibc(), reason="malloc_trim is glibc's")
def test_free_heap_pages_are_given_back() -> None:
    # 64 KiB chunks stay below glibc's mmap threshold, so they come from the heap; free all but every tenth and
    # the heap is left with free runs of whole pages between chunks still in use, which trimming gives back.
    chunks = [np.ones(8192) for _ in range(500)]
    kept = chunks[::10]
    del chunks
    assert release_free_memory()
    assert all(float(chunk.sum()) == 8192 for chunk in kept)  # what is in use is untouched


class _Engine:
    name = "scripted"

    def __init__(self) -> None:
        self.calls = 0

    def detect_language(self, audio: np.ndarray) -> list[tuple[str, float]]:
        return [("en", 1.0)]

    def transcribe(self, audio: np.ndarray, language: str, prompt: str = "") -> list[Segment]:
        self.calls += 1
        seconds = audio.size / S
        return [Segment(0.0, seconds, "speech", words=[Word(0.0, seconds, "speech", 0.9)])]


def _blocks(audio: np.ndarray, size: int) -> Iterator[np.ndarray]:
    for start in range(0, audio.size, size):
        yield audio[start : start + size]


def test_free_heap_is_given_back_after_every_piece_and_every_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import samizdat.asr.transcriber as transcriber_module
    from samizdat.asr.audio_source import AudioInfo

    total_s = 25 * 60
    audio = np.zeros(total_s * S, dtype=np.float32)

    def speech(window: np.ndarray, settings: object) -> list[Span]:  # 30 s of "speech" a minute
        return [Span((m * 60 + 10) * S, (m * 60 + 40) * S) for m in range(window.size // (60 * S))]

    monkeypatch.setattr(transcriber_module, "probe", lambda path: AudioInfo(total_s, S, 1, "pcm"))
    monkeypatch.setattr(transcriber_module, "stream_blocks", lambda *args: iter(_blocks(audio, 30 * S)))
    monkeypatch.setattr(transcriber_module, "speech_spans", speech)
    releases: list[int] = []
    engine = _Engine()

    def release() -> bool:
        releases.append(engine.calls)
        return True

    monkeypatch.setattr(transcriber_module, "release_free_memory", release)
    windows: list[float] = []
    Transcriber(engine, TranscribeOptions(window_s=600, diarize=False)).transcribe_file(  # type: ignore[arg-type]
        tmp_path / "tape.wav", progress=lambda done, total, unit: windows.append(done)
    )
    assert engine.calls >= 3
    # once after each piece the engine decoded (each release follows one more call), and once after each window
    pieces = [count for previous, count in zip([0, *releases], releases, strict=False) if count > previous]
    assert pieces == list(range(1, engine.calls + 1))
    assert len(releases) == engine.calls + len(windows) - 1
