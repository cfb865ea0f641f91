"""Stretches of a transcript a person should listen to: where Whisper itself was unsure (DESIGN.md §9).

A segment is unsure when its mean token log-probability is below Whisper's own fallback threshold
(`DecodeGuards.log_prob_threshold`, -1.0: the value at which Whisper re-decodes a window at a higher temperature,
from the Whisper paper's decoding heuristics). Consecutive unsure segments less than `JOIN_GAP_S` apart make one
stretch, so an archivist gets "0:41-1:05" once rather than four neighbouring lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from samizdat.asr.engine import DecodeGuards
from samizdat.models import Segment, Transcript

LOW_LOGPROB = DecodeGuards().log_prob_threshold
JOIN_GAP_S = 1.0
"""Unsure segments closer than this (the pause between two sentences of one speaker) are listened to together."""
LOW_CONFIDENCE = "low-confidence"


@dataclass(frozen=True)
class UnsureStretch:
    """A time range of unsure segments: `first`..`last` are segment indexes."""

    start_s: float
    end_s: float
    first: int
    last: int
    reason: str = LOW_CONFIDENCE


def is_unsure(segment: Segment) -> bool:
    """Whether Whisper was unsure of this segment (mean log-probability under its fallback threshold)."""
    return segment.avg_logprob is not None and segment.avg_logprob < LOW_LOGPROB


def low_confidence_segments(transcript: Transcript) -> list[int]:
    """Indexes of the segments Whisper was unsure of."""
    return [i for i, segment in enumerate(transcript.segments) if is_unsure(segment)]


def unsure_stretches(transcript: Transcript) -> list[UnsureStretch]:
    """The unsure segments joined into stretches (neighbours less than `JOIN_GAP_S` apart), in time order."""
    stretches: list[UnsureStretch] = []
    for index in low_confidence_segments(transcript):
        segment = transcript.segments[index]
        last = stretches[-1] if stretches else None
        if last is not None and last.last == index - 1 and segment.start - last.end_s < JOIN_GAP_S:
            stretches[-1] = UnsureStretch(last.start_s, max(last.end_s, segment.end), last.first, index)
        else:
            stretches.append(UnsureStretch(segment.start, segment.end, index, index))
    return stretches
