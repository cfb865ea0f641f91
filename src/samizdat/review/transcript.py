"""Review of interviews: replace what was said in a time range, rename a speaker.

Every transcript output is written again from the corrected transcript by the writers the pipeline uses
(`samizdat.asr.writers`: VTT, SRT, JSON; `samizdat.asr.ohms`: OHMS), with `text.txt`, so the four formats
always agree. Segments whose text is replaced lose their timed words (the words were the machine's); a range
that covers several segments becomes one segment spanning them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from samizdat.asr.ohms import to_ohms_xml
from samizdat.asr.writers import to_json, to_srt, to_vtt
from samizdat.bag import PayloadNames
from samizdat.errors import BadInputError
from samizdat.models import Segment, Speaker, Transcript
from samizdat.record import CheckedSpan, ItemRecord
from samizdat.review.draft import Draft
from samizdat.review.models import ReviewRequest
from samizdat.review.store import (
    archivist_of,
    checked_segments,
    item_title,
    original_path,
    read_transcript,
    set_checked_segments,
    set_transcript_summary,
)

OHMS_CHECKED_NOTE = "Transcript made automatically by Whisper; corrected by an archivist where the history says."


def require_interview(draft: Draft, request: ReviewRequest) -> Transcript:
    """The item's transcript; `BadInputError` for a document."""
    if not draft.bag.has_transcript():
        raise BadInputError(f"item {request.item_id} has no transcript: {request.action} with a time range or a "
                            "speaker works on recordings", "Give the page(s) instead.")
    return read_transcript(draft.bag)


def segments_in(transcript: Transcript, start_s: float, end_s: float) -> list[int]:
    """Indexes of the segments that overlap [start_s, end_s)."""
    return [i for i, s in enumerate(transcript.segments) if s.start < end_s and s.end > start_s]


def with_text(transcript: Transcript, indexes: list[int], text: str) -> Transcript:
    """The transcript with the segments at `indexes` merged into one that says `text` (no timed words)."""
    chosen = [transcript.segments[i] for i in indexes]
    merged = replace(chosen[0], end=chosen[-1].end, text=" ".join(text.split()), words=[], avg_logprob=None,
                     no_speech_prob=None)
    segments = [s for i, s in enumerate(transcript.segments) if i not in indexes]
    segments.insert(indexes[0], merged)
    return replace(transcript, segments=segments)


def replace_segments(draft: Draft, request: ReviewRequest) -> tuple[str, list[int]]:
    """Replace what was said in the request's time range; returns the summary and the segment indexes."""
    transcript = require_interview(draft, request)
    if request.start_s is None or request.end_s is None or request.end_s <= request.start_s:
        raise BadInputError("replace-text on a recording needs a time range: start_s before end_s",
                            "Give the start and end, in seconds, of the segments to correct.")
    indexes = segments_in(transcript, request.start_s, request.end_s)
    if not indexes:
        raise BadInputError(f"no transcript segment lies between {request.start_s} s and {request.end_s} s",
                            "Check the times in the transcript (the portal shows each segment's start).")
    if not request.text.strip():
        raise BadInputError("replace-text needs the new text", "Type what was said in that stretch.")
    write_transcript(draft, with_text(transcript, indexes, request.text))
    first, last = transcript.segments[indexes[0]], transcript.segments[indexes[-1]]
    span = CheckedSpan(start_s=first.start, end_s=last.end)
    set_checked_segments(draft.metadata, [*checked_segments(draft.metadata), span])
    draft.text_changed = True
    return f"replaced the text of {len(indexes)} segment(s) from {first.start:.1f} s to {last.end:.1f} s", indexes


def find_speaker(transcript: Transcript, label: str) -> Speaker:
    """A speaker by id ("S2") or by the name shown ("Speaker 2"), case aside; `BadInputError` when none."""
    wanted = " ".join(label.split()).casefold()
    for speaker in transcript.speakers:
        if wanted in (speaker.id.casefold(), " ".join(speaker.name.split()).casefold()):
            return speaker
    known = ", ".join(f"{s.id} ({s.name})" for s in transcript.speakers) or "none (speakers were not told apart)"
    raise BadInputError(f"no speaker {label!r} in this interview; its speakers: {known}",
                        "Give a speaker's id or the name shown now.")


def rename_speaker(draft: Draft, request: ReviewRequest) -> str:
    """Show a speaker under a new name in every transcript format and in `content.speakers`."""
    transcript = require_interview(draft, request)
    if not request.speaker or not " ".join(request.new_name.split()):
        raise BadInputError("rename-speaker needs the speaker and the new name", 'Give e.g. speaker "Speaker 2".')
    speaker = find_speaker(transcript, request.speaker)
    renamed = rename(transcript, speaker.id, request.new_name)
    write_transcript(draft, renamed)
    return f"renamed {speaker.name} ({speaker.id}) to {' '.join(request.new_name.split())}"


def rename(transcript: Transcript, speaker_id: str, name: str) -> Transcript:
    """The transcript with one speaker's shown name changed."""
    name = " ".join(name.split())
    speakers = [replace(s, name=name) if s.id == speaker_id else s for s in transcript.speakers]
    return replace(transcript, speakers=speakers)


def transcript_outputs(transcript: Transcript, metadata: ItemRecord, bag_original: Path) -> dict[str, bytes]:
    """The four transcript formats and text.txt, from one transcript."""
    ohms = to_ohms_xml(transcript, bag_original, archivist_of(metadata), item_title(metadata)).decode("utf-8")
    ohms = ohms.replace("not checked by a person.", "checked by an archivist where the item's history says.")
    return {
        PayloadNames.TRANSCRIPT_VTT: to_vtt(transcript).encode("utf-8"),
        PayloadNames.TRANSCRIPT_SRT: to_srt(transcript).encode("utf-8"),
        PayloadNames.TRANSCRIPT_JSON: to_json(transcript).encode("utf-8"),
        PayloadNames.TRANSCRIPT_OHMS: ohms.encode("utf-8"),
        PayloadNames.TEXT: transcript.text.encode("utf-8"),
    }


def write_transcript(draft: Draft, transcript: Transcript) -> None:
    """Write every transcript output of the draft, and `content.speakers` / `content.segments`."""
    for name, content in transcript_outputs(transcript, draft.metadata,
                                            original_path(draft.bag, draft.metadata)).items():
        draft.write(name, content)
    set_transcript_summary(draft.metadata, transcript)


def spliced(new: Transcript, old: Transcript, start_s: float, end_s: float) -> Transcript:
    """`new` with its segments in [start_s, end_s) replaced by `old`'s there (a correction carried to a new reading)."""
    kept = [s for s in new.segments if not (s.start < end_s and s.end > start_s)]
    corrected: list[Segment] = [s for s in old.segments if s.start < end_s and s.end > start_s]
    return replace(new, segments=sorted(kept + corrected, key=lambda s: s.start))
