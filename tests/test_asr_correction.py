"""Name correction: misheard names written as the archive spells them, ordinary words and silence left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from samizdat.asr.correction import MATCH_THRESHOLD, correct_transcript
from samizdat.asr.writers import to_json
from samizdat.models import ArchivistMetadata, Segment, Transcript, Word

HEARD = Path(__file__).parent / "resources" / "asr" / "dev-en2-a.heard.json"


def _said(text: str, start: float = 0.0) -> Segment:
    words = [
        Word(round(start + 0.5 * i, 3), round(start + 0.5 * i + 0.4, 3), w, 0.9) for i, w in enumerate(text.split())
    ]
    return Segment(words[0].start, words[-1].end, text, "en", words)


def _transcript(*texts: str) -> Transcript:
    return Transcript([_said(t, 10.0 * i) for i, t in enumerate(texts)], "en", 1.0, 10.0 * len(texts))


@pytest.fixture(scope="module")
def real() -> tuple[Transcript, ArchivistMetadata, str]:
    """A real Whisper base decoding of a bench interview, before correction, with its metadata and reference."""
    record = json.loads(HEARD.read_text())
    segments = [
        Segment(s["start"], s["end"], s["text"], "en",
                [Word(w["start"], w["end"], w["word"], w["probability"]) for w in s["words"]])
        for s in record["segments"]
    ]
    metadata = ArchivistMetadata(dc=record["metadata"]["dc"], extra=record["metadata"]["extra"])
    return Transcript(segments, "en", 1.0, record["duration_s"]), metadata, record["reference"]


def test_a_real_transcript_gets_its_misheard_names_back_with_their_timings(
    real: tuple[Transcript, ArchivistMetadata, str],
) -> None:
    heard, metadata, reference = real
    assert "Student Struggle for Soviet Jewry" in reference and "student struggle for Soviet jury" in heard.text

    fixed = correct_transcript(heard, metadata)

    assert "Student Struggle for Soviet Jewry" in fixed.text
    assert "student struggle for Soviet jury" not in fixed.text
    rewrite = next(c for c in fixed.corrections if c.written.startswith("Student Struggle"))
    assert rewrite.heard == "student struggle for Soviet jury" and rewrite.score >= MATCH_THRESHOLD
    segment = next(s for s in fixed.segments if "Soviet Jewry" in s.text)
    before = next(s for s in heard.segments if "Soviet jury" in s.text)
    assert len(segment.words) == len(before.words)  # five words for five: each keeps its own time
    assert [(w.start, w.end) for w in segment.words] == [(w.start, w.end) for w in before.words]
    assert segment.text == " ".join(w.word for w in segment.words)
    for correction in fixed.corrections:  # every rewrite wrote something the speaker said
        assert correction.written.strip(".,?!").casefold() in reference.casefold()
    # what was heard is kept for review in transcript.json
    kept = {c["heard"]: c for c in json.loads(to_json(fixed))["corrections"]}
    assert kept["student struggle for Soviet jury"]["written"] == "Student Struggle for Soviet Jewry"


def test_misheard_names_of_the_issue_are_put_right() -> None:
    heard = _transcript(
        "In March they arrested Natan Sharan's key.",
        "How did you meet Cherensky?",
        "Ida noodle sent postcards from Siberia.",
        "the Jackson Vanek amendment changed nothing",
        "He spoke about glass nost and perry stroika.",
    )
    archivist = ArchivistMetadata(extra={"interviewer": "Ruth Adler"})

    fixed = correct_transcript(heard, archivist)

    assert [s.text for s in fixed.segments] == [
        "In March they arrested Natan Sharansky.",
        "How did you meet Sharansky?",
        "Ida Nudel sent postcards from Siberia.",
        "the Jackson-Vanik amendment changed nothing",
        "He spoke about glasnost and perestroika.",
    ]
    first = fixed.corrections[0]
    assert (first.start, first.end, first.heard, first.written) == (2.0, 3.4, "Natan Sharan's key.", "Natan Sharansky.")
    # two words heard as one name share the run's time
    sharansky = fixed.segments[0].words[-1]
    assert (fixed.segments[0].words[-2].start, sharansky.end) == (2.0, 3.4) and sharansky.word == "Sharansky."


def test_an_ordinary_word_is_never_turned_into_a_name() -> None:
    said = (
        "The learner began to read at night.",  # Lerner, Begun
        "The clerk at the office sent us over to the refugee camp.",  # OVIR, refusenik
        "We ate noodle soup in the kitchen.",  # Nudel
        "She hoped to refuse and if they asked again.",  # refuseniks
    )
    archivist = ArchivistMetadata(dc={"subject": ["Alexander Lerner", "Lerner", "refuseniks"]})
    fixed = correct_transcript(_transcript(*said), archivist)
    assert [s.text for s in fixed.segments] == list(said)
    assert fixed.corrections == []


def test_names_already_right_and_their_neighbours_are_left_alone() -> None:
    said = ("What happened after the Six -Day War?", "We met Natan Sharansky and Ida Nudel.")
    fixed = correct_transcript(_transcript(*said), None)
    assert [s.text for s in fixed.segments] == list(said)


def test_no_name_is_written_where_nothing_was_heard() -> None:
    silent = Transcript([], "en", 1.0, 45.0)
    assert correct_transcript(silent, None).segments == []
    # a run too short for the name it resembles would add words nobody said
    fixed = correct_transcript(_transcript("the student struggle for freedom"), None)
    assert fixed.text == "the student struggle for freedom"


def test_only_english_is_corrected() -> None:
    russian = Transcript([Segment(0.0, 1.0, "Щеранский", "ru", [Word(0.0, 1.0, "Щеранский", 0.9)])], "ru", 1.0, 1.0)
    assert correct_transcript(russian, None) == russian
