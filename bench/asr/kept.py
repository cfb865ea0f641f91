"""Kept decodings of the interview sets, re-scored without decoding again (correction_tune.py, name_check_tune.py).

`speakers_run.py` keeps each transcription's JSON under ~/.cache/samizdat-bench/outputs; the tuning scripts read the
words as heard back into a `Transcript`, correct it under each setting and add up WER, name recall and rewrites.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein
from scoring import name_recall, whisper_normalise

from samizdat.models import ArchivistMetadata, Correction, Segment, Transcript, Word


def kept_transcript(result: dict[str, Any]) -> Transcript:
    """The transcript as heard (before name correction) from a kept `one.py` result."""
    segments = [
        Segment(s["start"], s["end"], s["text"], "en",
                [Word(w["start"], w["end"], w["word"], w["probability"]) for w in s.get("words", [])],
                speaker=s.get("speaker"))
        for s in result.get("heard_segments", result["segments"])
    ]
    return Transcript(segments, "en", 1.0, float(result["duration_s"]))


def interview_metadata(truth: dict[str, Any]) -> ArchivistMetadata:
    """The archivist's metadata the interview was transcribed with (title, language, interviewer, interviewee)."""
    meta = truth["metadata"]
    return ArchivistMetadata(
        dc={"title": meta["title"], "language": [meta["language"]]},
        extra={"interviewer": meta["interviewer"], "interviewee": meta["interviewee"]},
    )


@dataclass
class Tally:
    """Word errors, catalogued names found and rewrites, added up over interviews."""

    errors: int = 0
    words: int = 0
    found: int = 0
    names: int = 0
    rewrites: int = 0
    wrong: int = 0

    def add_text(self, reference: str, text: str) -> None:
        """Count one interview's transcript text against its reference."""
        ref, hyp = whisper_normalise(reference, "en"), whisper_normalise(text, "en")
        self.errors += Levenshtein.distance(ref, hyp)
        self.words += len(ref)
        found, names = name_recall(reference, text, "en")
        self.found += found
        self.names += names

    def add(self, reference: str, fixed: Transcript) -> list[Correction]:
        """Count one corrected transcript; returns its wrong rewrites (what they wrote is not in the reference)."""
        self.add_text(reference, " ".join(s.text for s in fixed.segments))
        said = " ".join(whisper_normalise(reference, "en"))
        wrong = [c for c in fixed.corrections if " ".join(whisper_normalise(c.written, "en")) not in said]
        self.rewrites += len(fixed.corrections)
        self.wrong += len(wrong)
        return wrong

    @property
    def wer(self) -> float:
        return 100 * self.errors / max(self.words, 1)

    @property
    def recall(self) -> str:
        """`81% (128/158)`."""
        return f"{100 * self.found / max(self.names, 1):.0f}% ({self.found}/{self.names})"
