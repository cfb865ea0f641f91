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
ZERO_WORD_S = 0.01
"""A word Whisper's timing gives under 0.01 s: no audio of its own under it."""
INVENTED_PROBABILITY = 0.1
"""The bar under which a segment made mostly of 0-s words is invented (`is_invented` gives the dev counts)."""


def compression_ratio(text: str) -> float:
    """How well the text compresses: Whisper's loop detector (above 2.4: the text repeats itself)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def is_loop(text: str, n: int = 3, repeats: int = 3) -> bool:
    """A short loop gzip does not catch: some `n` words said `repeats` times, and under half the words distinct.

    Seen with a prompted decoder over the 0.8 s of silence VAD pads a turn with (corpus
    stereo_diarization.wav): "This is the end of the day. The end of the day. The end of the day."
    (compression ratio 2.0, under the 2.4 threshold). Real speech that repeats a phrase three times
    still says other words: with 12+ words, half or more are distinct.
    """
    words = _key(text).split()
    if len(words) < n * repeats or len(set(words)) >= len(words) / 2:
        return False
    grams: dict[tuple[str, ...], int] = {}
    for i in range(len(words) - n + 1):
        gram = tuple(words[i : i + n])
        grams[gram] = grams.get(gram, 0) + 1
    return max(grams.values()) >= repeats


def is_invented(segment: Segment) -> bool:
    """Words the audio does not hold: half or more of them last 0 s and the least probable is under 0.1.

    Seen after a turn ends ("Thank you.", "See you next time.", a name from the metadata): the decoder goes on past
    the speech and its word timing collapses. Set on the dev half only (bench/asr/invented-guard.md: 91 kept
    Samizdat decodings of the espeak-ng and Flite/Festival dev sets, 1,273 segments): 15 segments had half or more
    of their words 0 s long; the 13 invented ones (6 places in 3 files, several decodings of each) had a least word
    probability of 0.041 or less, the 2 real ones 0.94 and 0.99. Any bar from 0.05 to 0.94 splits them; 0.1 stays
    near the invented side, as dropping real speech costs more than keeping a phrase nobody said.
    """
    words = segment.words
    if not words:
        return False
    zero = sum(w.end - w.start < ZERO_WORD_S for w in words)
    return 2 * zero >= len(words) and min(w.probability for w in words) < INVENTED_PROBABILITY


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def clean_segments(segments: list[Segment], guards: DecodeGuards | None = None) -> list[Segment]:
    """Drop empty, looping, unsure-non-speech and invented segments; keep at most two identical in a row."""
    guards = guards or DecodeGuards()
    kept: list[Segment] = []
    repeats = 0
    for segment in segments:
        text = segment.text.strip()
        if not _key(text):
            continue
        if compression_ratio(text) > guards.compression_ratio_threshold or is_loop(text):
            continue
        if (
            segment.no_speech_prob is not None
            and segment.avg_logprob is not None
            and segment.no_speech_prob > guards.no_speech_threshold
            and segment.avg_logprob < guards.log_prob_threshold
        ):
            continue
        if is_invented(segment):
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
