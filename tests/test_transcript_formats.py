"""Transcript files in the bag parse with independent parsers; the OHMS record has a sync point a minute."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import srt
import webvtt

from samizdat.asr.ohms import OHMS_NS, duration_clock, sync_points, to_ohms_xml
from samizdat.asr.writers import to_json, to_srt, to_vtt
from samizdat.models import ArchivistMetadata, Segment, Transcript, Word

NS = {"o": OHMS_NS}


def _segment(start: float, text: str, language: str = "ru") -> Segment:
    tokens = text.split()
    step = 2.0 / len(tokens)
    words = [Word(start + i * step, start + (i + 1) * step, token, 0.9) for i, token in enumerate(tokens)]
    return Segment(start, start + 2.0, text, language=language, words=words)


@pytest.fixture
def interview() -> Transcript:
    """About 3.5 minutes: Russian, then English, with a pause over the 2-minute mark."""
    return Transcript(
        segments=[
            _segment(5.0, "Меня зовут Ида Нудель."),
            _segment(58.5, "Мы ждали разрешения --> много лет."),
            _segment(61.0, "В Москве и в Бендерах."),
            _segment(150.0, "Then we got the visa, finally.", "en"),
            _segment(200.0, "Shalom <b>&</b> goodbye.", "en"),
        ],
        language="ru",
        language_probability=0.93,
        duration_s=212.4,
    )


def test_vtt_parses_with_matching_cues(interview: Transcript) -> None:
    captions = webvtt.from_buffer(io.StringIO(to_vtt(interview)))
    assert len(captions) == len(interview.segments)
    assert captions[0].start == "00:00:05.000" and captions[0].end == "00:00:07.000"
    assert captions[3].start_in_seconds == 150
    assert captions[1].text == "Мы ждали разрешения → много лет."  # "-->" would end the cue header


def test_srt_parses_with_matching_cues(interview: Transcript) -> None:
    subtitles = list(srt.parse(to_srt(interview)))
    assert [s.index for s in subtitles] == [1, 2, 3, 4, 5]
    assert [s.start.total_seconds() for s in subtitles] == [5.0, 58.5, 61.0, 150.0, 200.0]
    assert subtitles[4].content == "Shalom <b>&</b> goodbye."


def test_empty_transcript_still_makes_valid_files() -> None:
    empty = Transcript(segments=[], language=None, language_probability=None, duration_s=90.0)
    assert len(webvtt.from_buffer(io.StringIO(to_vtt(empty)))) == 0
    assert list(srt.parse(to_srt(empty))) == []
    assert json.loads(to_json(empty))["segments"] == []


def test_json_has_segments_with_words_and_languages(interview: Transcript) -> None:
    data = json.loads(to_json(interview))
    assert data["language"] == "ru" and data["duration_s"] == 212.4
    first = data["segments"][0]
    assert {"start", "end", "text", "language", "words"} <= set(first)
    assert first["words"][0] == {"start": 5.0, "end": 5.5, "word": "Меня", "probability": 0.9}
    assert [s["language"] for s in data["segments"]] == ["ru", "ru", "ru", "en", "en"]


def test_sync_has_one_point_per_minute_at_the_first_word_of_each_minute(interview: Transcript) -> None:
    value = sync_points(interview)
    interval, points = value.split(":")
    assert interval == "1"
    # minute 1 begins at "лет." (line 2, word 6, spoken at 60.2 s); minute 2 at line 4; minute 3 at line 5
    assert points.split("|")[1:] == ["2(6)", "4(1)", "5(1)"]


def test_sync_for_a_long_silent_tail_and_for_no_text() -> None:
    tail = Transcript([_segment(5.0, "one two")], "en", 1.0, duration_s=185.0)
    assert sync_points(tail) == "1:|1(3)|1(3)|1(3)"
    nothing = Transcript([], None, None, duration_s=150.0)
    assert sync_points(nothing) == "1:|1(0)|1(0)"


def test_ohms_record_is_well_formed_with_metadata_and_a_sync_point_per_minute(interview: Transcript) -> None:
    archivist = ArchivistMetadata(
        dc={"title": "Ida Nudel, 1991", "date": "1991-05-02", "language": ["ru", "en"], "subject": ["refuseniks"]},
        collection="Oral histories",
        extra={"interviewee": "Ida Nudel", "interviewer": "J. Smith"},
    )
    xml = to_ohms_xml(interview, Path("nudel-1991.flac"), archivist, "Ida Nudel, 1991")

    root = ET.fromstring(xml)
    assert root.tag == f"{{{OHMS_NS}}}ROOT"
    record = root.find("o:record", NS)
    assert record is not None

    def text(name: str) -> str:
        element = record.find(f"o:{name}", NS)
        assert element is not None, name
        return element.text or ""

    assert text("title") == "Ida Nudel, 1991"
    assert text("interviewee") == "Ida Nudel" and text("interviewer") == "J. Smith"
    assert text("duration") == "0:03:32"
    assert text("language") == "Russian"
    assert text("file_name") == "nudel-1991.flac"
    assert text("collection_name") == "Oral histories"
    lines = text("transcript").split("\n")
    assert lines[0] == "Меня зовут Ида Нудель." and lines[4] == "Shalom <b>&</b> goodbye."
    points = text("sync").split(":")[1].split("|")[1:]
    assert len(points) == int(interview.duration_s // 60)
    for point in points:
        line, word = point.rstrip(")").split("(")
        assert 1 <= int(line) <= len(lines) and 0 <= int(word) <= len(lines[int(line) - 1].split()) + 1
    date = record.find("o:date", NS)
    assert date is not None and date.get("value") == "1991-05-02"


def test_ohms_interviewee_falls_back_to_dublin_core(interview: Transcript) -> None:
    archivist = ArchivistMetadata(dc={"creator": "Natan Sharansky", "contributor": "Archive staff"})
    record = ET.fromstring(to_ohms_xml(interview, Path("x.wav"), archivist, "x")).find("o:record", NS)
    assert record is not None
    assert record.findtext("o:interviewee", namespaces=NS) == "Natan Sharansky"
    assert record.findtext("o:interviewer", namespaces=NS) == "Archive staff"


def test_duration_clock() -> None:
    assert duration_clock(7199.6) == "2:00:00"
    assert duration_clock(59.4) == "0:00:59"


def test_index_points_open_at_the_start_after_long_pauses_and_every_five_minutes() -> None:
    from samizdat.asr.ohms import index_points

    talk = [_segment(60.0 + 20 * i, f"Part two, sentence {i}.") for i in range(17)]  # 60 s to 382 s, gaps of 18 s
    transcript = Transcript(
        segments=[
            _segment(3.0, "We applied in the spring of nineteen seventy one and waited."),
            _segment(6.0, "Nothing happened."),  # ends at 8 s; the next segment starts 52 s later
            *talk,
        ],
        language="en",
        language_probability=1.0,
        duration_s=400.0,
    )
    points = index_points(transcript, every_s=300, pause_s=30)
    assert [int(t) for t, _, _ in points] == [3, 60, 360]
    assert points[0][1] == "We applied in the spring of nineteen seventy …"
    assert points[1][2] == "Part two, sentence 0."

    record = ET.fromstring(to_ohms_xml(transcript, Path("t.wav"), ArchivistMetadata(), "t")).find("o:record", NS)
    assert record is not None
    xml_points = record.findall("o:index/o:point", NS)
    assert [p.findtext("o:time", namespaces=NS) for p in xml_points] == ["3", "60", "360"]
