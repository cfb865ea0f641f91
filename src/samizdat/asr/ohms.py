r"""OHMS (Oral History Metadata Synchronizer) records, for oral historians' viewers and tools.

The record carries the interview's metadata and a transcript with one line per segment; `<sync>`
says where each minute begins: `1:|13(3)|19(14)` means "every 1 minute; minute 1 begins at line 13,
word 3; minute 2 at line 19, word 14" (lines and words count from 1, lines split on "\\n").
"""

from __future__ import annotations

import datetime as _dt
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from samizdat.languages import language
from samizdat.models import ArchivistMetadata, Segment, Transcript

OHMS_NS = "https://www.weareavp.com/nunncenter/ohms"
OHMS_VERSION = "5.4"


def language_name(code: str | None) -> str:
    """OHMS writes languages as English names ("Russian"); unknown codes are kept as given."""
    found = language(code)
    return found.name if found else code or ""


def duration_clock(seconds: float) -> str:
    """H:MM:SS, the way OHMS writes durations."""
    total = int(round(seconds))
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def _lines(transcript: Transcript) -> list[tuple[Segment, str, int]]:
    """(segment, line, words of speaker prefix) for each non-empty segment.

    Where speakers were told apart, a line that starts a turn begins with the speaker's name and a
    colon ("Ruth Adler: When did you apply?"), the way OHMS transcripts mark speakers.
    """
    lines: list[tuple[Segment, str, int]] = []
    previous: str | None = None
    for segment in transcript.segments:
        text = " ".join(segment.text.split())
        if not text:
            continue
        name = transcript.speaker_name(segment.speaker)
        prefix = ""
        if name and segment.speaker != previous:
            prefix = " ".join(name.split()) + ": "
        previous = segment.speaker
        lines.append((segment, prefix + text, len(prefix.split())))
    return lines


def transcript_lines(transcript: Transcript) -> list[str]:
    """The OHMS transcript: one line per non-empty segment, the speaker's name where a turn begins."""
    return [line for _, line, _ in _lines(transcript)]


def sync_points(transcript: Transcript, interval_min: int = 1) -> str:
    """The `<sync>` value: for each whole minute, the line and word where that minute begins.

    A minute begins at the first word that starts at or after it; minutes after the last word point
    past the end of the last line. A transcript without text points every minute at line 1, word 0.
    Word numbers count the speaker's name at the start of a turn (it is part of the line).
    """
    starts: list[tuple[float, int, int]] = []  # (time, line, word), in transcript order
    lines = _lines(transcript)
    for line, (segment, text, prefix) in enumerate(lines, start=1):
        tokens = len(text.split())
        if segment.words:
            for index, word in enumerate(segment.words):
                starts.append((word.start, line, min(prefix + index + 1, tokens)))
        else:
            starts.append((segment.start, line, prefix + 1))
    minutes = int(transcript.duration_s // (60 * interval_min))
    points: list[str] = []
    cursor = 0
    for minute in range(1, minutes + 1):
        boundary = minute * 60 * interval_min
        while cursor < len(starts) and starts[cursor][0] < boundary:
            cursor += 1
        if cursor < len(starts):
            _, at_line, at_word = starts[cursor]
        elif starts:
            at_line = starts[-1][1]
            at_word = len(lines[at_line - 1][1].split()) + 1
        else:
            at_line, at_word = 1, 0
        points.append(f"{at_line}({at_word})")
    return f"{interval_min}:|" + "|".join(points)


def index_points(transcript: Transcript, every_s: float = 300.0, pause_s: float = 30.0) -> list[tuple[float, str, str]]:
    """Where a listener may want to jump: (time, title, partial transcript).

    A point opens at the first segment, after every pause of `pause_s` or more (a new part of the
    interview, or the other side of the tape), and at the next segment once `every_s` has passed.
    The title is the opening words; an archivist renames them in the OHMS editor.
    """
    points: list[tuple[float, str, str]] = []
    previous_end: float | None = None
    for segment in transcript.segments:
        text = " ".join(segment.text.split())
        if not text:
            continue
        opens = (
            not points
            or (previous_end is not None and segment.start - previous_end >= pause_s)
            or segment.start - points[-1][0] >= every_s
        )
        if opens:
            words = text.split()
            title = " ".join(words[:8]) + (" …" if len(words) > 8 else "")
            points.append((segment.start, title, text))
        previous_end = segment.end
    return points


def _first(*values: Any) -> str:
    for value in values:
        if isinstance(value, list | tuple):
            value = "; ".join(str(v) for v in value if v)
        if value:
            return str(value)
    return ""


def to_ohms_xml(transcript: Transcript, source_path: Path, archivist: ArchivistMetadata, title: str) -> bytes:
    """One OHMS `<record>` (UTF-8 XML) for the interview, with transcript and per-minute sync."""
    ET.register_namespace("", OHMS_NS)
    dc, extra = archivist.dc, archivist.extra
    root = ET.Element(f"{{{OHMS_NS}}}ROOT")
    record = ET.SubElement(
        root, f"{{{OHMS_NS}}}record", {"id": source_path.stem, "dt": _dt.date.today().isoformat()}
    )

    def add(name: str, text: str = "", attributes: dict[str, str] | None = None) -> ET.Element:
        element = ET.SubElement(record, f"{{{OHMS_NS}}}{name}", attributes or {})
        element.text = text
        return element

    language = transcript.language or (archivist.languages[0] if archivist.languages else "")
    add("version", OHMS_VERSION)
    add("date", "", {"value": _first(dc.get("date")), "format": "yyyy-mm-dd"})
    add("date_nonpreferred_format")
    add("cms_record_id", _first(dc.get("identifier")))
    add("title", _first(title, dc.get("title"), source_path.stem))
    add("accession", _first(extra.get("accession"), dc.get("identifier"), source_path.stem))
    add("duration", duration_clock(transcript.duration_s))
    add("collection_id")
    add("collection_name", _first(archivist.collection))
    add("series_id")
    add("series_name")
    add("repository", _first(dc.get("publisher")))
    add("repository_url")
    add("funding")
    for subject in dc.get("subject") or []:
        add("subject", str(subject))
    add("keyword")
    named = {
        role: [sp.name for sp in transcript.speakers if sp.role == role] for role in ("interviewee", "interviewer")
    }
    interviewee = _first(extra.get("interviewee"), dc.get("interviewee"), dc.get("creator"), named["interviewee"])
    interviewer = _first(extra.get("interviewer"), dc.get("interviewer"), dc.get("contributor"), named["interviewer"])
    add("interviewee", interviewee)
    add("interviewer", interviewer)
    add("format", "audio")
    add("file_name", source_path.name)
    add("sync", sync_points(transcript))
    add("sync_alt")
    add("transcript_alt_lang")
    add("translate", "0")
    add("media_id")
    add("media_url")
    mediafile = add("mediafile")
    ET.SubElement(mediafile, f"{{{OHMS_NS}}}host").text = "Other"
    ET.SubElement(mediafile, f"{{{OHMS_NS}}}clip_format").text = "audio"
    add("language", language_name(language))
    add("rights", _first(dc.get("rights")))
    add("usage", _first(archivist.access))
    add("user_notes", "Transcript made automatically by Whisper; not checked by a person.")
    add("transcript", "\n".join(transcript_lines(transcript)))
    add("transcript_alt")
    index = add("index")
    for time_s, point_title, partial in index_points(transcript):
        point = ET.SubElement(index, f"{{{OHMS_NS}}}point")
        for name, value in (
            ("time", str(int(time_s))),
            ("title", point_title),
            ("partial_transcript", partial),
            ("synopsis", ""),
            ("keywords", ""),
            ("subjects", ""),
        ):
            ET.SubElement(point, f"{{{OHMS_NS}}}{name}").text = value
    add("index_alt")
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
