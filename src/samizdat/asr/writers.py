"""Timed transcripts in the formats players and archives read: WebVTT, SubRip, JSON.

Where speakers were told apart, each cue says who speaks: a WebVTT voice span (`<v Ruth Adler>`), a
SubRip `Ruth Adler: ` prefix, `speaker` ids in the JSON segments and words with a `speakers` list.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from samizdat.models import Transcript, Word


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, int(round(seconds * 1000)))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _cue_text(text: str) -> str:
    # A blank line ends a cue and "-->" starts one: keep both out of the text.
    return " ".join(text.replace("-->", "→").split())


def _voice_name(name: str) -> str:
    # A voice annotation ends at ">" and cannot hold "&" or "<" unescaped (WebVTT cue text rules).
    return " ".join(name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").split())


def _vtt_text(text: str) -> str:
    return _cue_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(transcript: Transcript) -> str:
    """WebVTT (W3C): the audio player in the portal shows these cues in sync, with voice spans."""
    lines = ["WEBVTT", ""]
    for index, segment in enumerate(transcript.segments, start=1):
        name = transcript.speaker_name(segment.speaker)
        text = _cue_text(segment.text) if name is None else f"<v {_voice_name(name)}>{_vtt_text(segment.text)}"
        lines += [
            str(index),
            f"{_clock(segment.start, '.')} --> {_clock(segment.end, '.')}",
            text,
            "",
        ]
    return "\n".join(lines)


def to_srt(transcript: Transcript) -> str:
    """SubRip: numbered cues, comma before the milliseconds."""
    lines: list[str] = []
    for index, segment in enumerate(transcript.segments, start=1):
        lines += [
            str(index),
            f"{_clock(segment.start, ',')} --> {_clock(segment.end, ',')}",
            _prefixed(transcript.speaker_name(segment.speaker), _cue_text(segment.text)),
            "",
        ]
    return "\n".join(lines)


def _prefixed(name: str | None, text: str) -> str:
    return text if name is None else f"{name}: {text}"


def _word(word: Word) -> dict[str, object]:
    fields = asdict(word)
    if word.speaker is None:
        del fields["speaker"]
    return fields


def to_json(transcript: Transcript) -> str:
    """Segments with start, end, text, language and timed words with probabilities."""
    payload = {
        "language": transcript.language,
        "language_probability": transcript.language_probability,
        "duration_s": transcript.duration_s,
        "segments": [
            {
                "id": index,
                "start": segment.start,
                "end": segment.end,
                "text": segment.text,
                "language": segment.language or transcript.language,
                "avg_logprob": segment.avg_logprob,
                "no_speech_prob": segment.no_speech_prob,
                **({"speaker": segment.speaker} if segment.speaker is not None else {}),
                "words": [_word(word) for word in segment.words],
            }
            for index, segment in enumerate(transcript.segments)
        ],
    }
    if transcript.speakers:
        payload["speakers"] = [asdict(speaker) for speaker in transcript.speakers]
    if transcript.corrections:  # what was heard where a name was written over it, for review
        payload["corrections"] = [asdict(correction) for correction in transcript.corrections]
    return json.dumps(payload, ensure_ascii=False, indent=1)
