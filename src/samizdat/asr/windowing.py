"""Cut a stream of audio blocks into windows of a few minutes, at silences, so memory stays flat.

Each window is cut in the middle of a pause that VAD found, in its second half, so no word is split
and nothing needs to be transcribed twice: windows do not overlap, and the audio after the cut is
carried into the next window (where VAD runs again, seeing the speech whole). Only when a window
has no pause at all (VAD caps speech runs at 30 s, so this is rare) is it cut hard at its end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from samizdat.asr.audio_source import SAMPLE_RATE
from samizdat.asr.vad import Span

SpanFinder = Callable[[np.ndarray], list[Span]]
_MIN_TRAILING_PAUSE = SAMPLE_RATE  # a pause at the very end must be this long to cut in it


@dataclass
class Window:
    """A stretch of the recording and the speech in it; `offset_s` is where it starts in the file."""

    offset_s: float
    audio: np.ndarray
    spans: list[Span]

    @property
    def duration_s(self) -> float:
        return self.audio.size / SAMPLE_RATE


def windows(blocks: Iterable[np.ndarray], window_s: float, find_spans: SpanFinder) -> Iterator[Window]:
    """Yield consecutive windows of at most about `window_s` seconds covering the whole stream."""
    size = max(int(window_s * SAMPLE_RATE), SAMPLE_RATE)
    buffer = np.zeros(0, dtype=np.float32)
    offset = 0
    for block in blocks:
        buffer = np.concatenate([buffer, block]) if buffer.size else block
        while buffer.size >= size:
            spans = find_spans(buffer)
            cut = choose_cut(spans, buffer.size, size)
            yield Window(offset / SAMPLE_RATE, buffer[:cut], _clip(spans, cut))
            buffer = buffer[cut:].copy()
            offset += cut
    if buffer.size:
        yield Window(offset / SAMPLE_RATE, buffer, find_spans(buffer))


def choose_cut(spans: list[Span], length: int, size: int) -> int:
    """The middle of the latest pause whose middle lies in [size/2, length]; else `length`."""
    if not spans:
        return length
    low = size // 2
    gaps: list[tuple[int, int]] = [(0, spans[0].start)]
    gaps += [(a.end, b.start) for a, b in zip(spans, spans[1:], strict=False)]
    if length - spans[-1].end >= _MIN_TRAILING_PAUSE:
        gaps.append((spans[-1].end, length))
    for start, end in reversed(gaps):
        middle = (start + end) // 2
        if low <= middle <= length and middle > 0:
            return middle
    return length


def _clip(spans: list[Span], cut: int) -> list[Span]:
    return [Span(s.start, min(s.end, cut)) for s in spans if s.start < cut]
