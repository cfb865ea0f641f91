"""Last checks on what an engine returned: loops and invented text never reach the transcript.

Whisper's own thresholds (see `DecodeGuards`) retry a bad segment at a higher temperature but keep
the last try even when it is still bad; these checks drop such leftovers and collapse a segment the
model repeated over and over.
"""

from __future__ import annotations

import re
import zlib

from samizdat.asr.engine import DecodeGuards
from samizdat.models import Segment

_MAX_REPEATS = 2


def compression_ratio(text: str) -> float:
    """How well the text compresses: Whisper's loop detector (above 2.4: the text repeats itself)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def clean_segments(segments: list[Segment], guards: DecodeGuards | None = None) -> list[Segment]:
    """Drop empty, looping and unsure-non-speech segments; keep at most two identical in a row."""
    guards = guards or DecodeGuards()
    kept: list[Segment] = []
    repeats = 0
    for segment in segments:
        text = segment.text.strip()
        if not _key(text):
            continue
        if compression_ratio(text) > guards.compression_ratio_threshold:
            continue
        if (
            segment.no_speech_prob is not None
            and segment.avg_logprob is not None
            and segment.no_speech_prob > guards.no_speech_threshold
            and segment.avg_logprob < guards.log_prob_threshold
        ):
            continue
        if kept and _key(kept[-1].text) == _key(text):
            repeats += 1
            if repeats >= _MAX_REPEATS:
                continue
        else:
            repeats = 0
        segment.text = text
        kept.append(segment)
    return kept
