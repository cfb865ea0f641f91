"""Where review reads and writes an item: its record (`ItemRecord`) and its bag (`PublishedBag`), one accessor each.

metadata.json is read and written only as `samizdat.record.ItemRecord`; every path inside a bag comes from
`samizdat.bag`, every folder of `processed/` (the kept versions too) from `samizdat.layout`. A setter assigns a
new value (never mutates a default in place), so the record writes the key (`ItemRecord` writes the keys set).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from samizdat.bag import PublishedBag
from samizdat.describe import review_segments
from samizdat.errors import BadInputError
from samizdat.layout import ProcessedLayout
from samizdat.models import ArchivistMetadata, Segment, Speaker, Transcript, Word
from samizdat.record import (
    ArticleRecord,
    Change,
    CheckedSpan,
    ItemRecord,
    ReviewPage,
    SpeakerSummary,
    Unlinked,
)

ITEM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")  # as the portal accepts them: nothing that names a path
FIRST_VERSION = 1
ARCHIVIST = "archivist"
"""`by` of what an archivist did: a review flag whose reason is their mark, an unlinked article."""


def bag_dir(processed: ProcessedLayout, item_id: str) -> PublishedBag:
    """The published bag of an item."""
    return processed.bag(item_id)


def versions_dir(processed: ProcessedLayout, item_id: str) -> Path:
    """`processed/versions/<id>/`: the item's earlier versions, one bag per `v<N>`."""
    return processed.item_versions_dir(item_id)


def version_dir(processed: ProcessedLayout, item_id: str, version: int) -> Path:
    """`processed/versions/<id>/v<N>/`."""
    return processed.version_dir(item_id, version)


def read_item_metadata(bag: PublishedBag) -> ItemRecord:
    """The record of a bag (published or kept)."""
    return bag.record()


def published_metadata(processed: ProcessedLayout, item_id: str) -> ItemRecord:
    """The published item's record; `BadInputError` when there is no such item (or the id could name a path)."""
    if not ITEM_ID.match(item_id):
        raise BadInputError(f"{item_id!r} is not an item id", "Item ids are 12 hex digits, e.g. 3f9a0c1b2d4e.")
    bag = bag_dir(processed, item_id)
    if not bag.exists():
        raise BadInputError(f"there is no published item {item_id!r}",
                            "Check the item id (`samizdat search`, or the review queue: `samizdat review --queue`).")
    return bag.record()


def version_of(record: ItemRecord) -> int:
    """The item's version (1 until its first correction)."""
    return record.version or FIRST_VERSION


def history_of(record: ItemRecord) -> list[Change]:
    """metadata.json `history`, oldest first."""
    return list(record.history)


def with_change(record: ItemRecord, change: Change) -> ItemRecord:
    """A copy of the record as the new version: `version` and the `history` entry that made it."""
    updated = record.copy_deep()
    updated.version = change.version
    updated.history = [*record.history, change.model_copy()]
    return updated


def checked_pages(record: ItemRecord) -> list[int]:
    """`content.checked_pages`: pages an archivist has looked at and accepted or corrected."""
    return sorted(set(record.content.checked_pages))


def set_checked_pages(record: ItemRecord, pages: list[int]) -> None:
    """Add pages to `content.checked_pages` (in place)."""
    record.content.checked_pages = sorted({*checked_pages(record), *pages})


def review_pages(record: ItemRecord) -> list[ReviewPage]:
    """`content.review_pages`: the pages flagged for a person, with reason and score."""
    return list(record.content.review_pages)


def set_review_pages(record: ItemRecord, entries: list[ReviewPage]) -> None:
    """Replace `content.review_pages` (in place), in page order."""
    record.content.review_pages = sorted(entries, key=lambda p: p.page)


def unlinked(record: ItemRecord) -> list[str]:
    """Articles an archivist unlinked from the item: the linker must not link them again."""
    return [entry.id for entry in record.unlinked]


def page_texts(bag: PublishedBag) -> list[str]:
    """A document's pages as the bag holds them: `text.txt` split at form feeds."""
    return bag.page_texts()


def page_texts_file(pages: list[str]) -> bytes:
    """`text.txt` of a document from its pages."""
    return "\f".join(pages).encode("utf-8")


def original_path(bag: PublishedBag, record: ItemRecord) -> Path:
    """The original file inside a bag."""
    return bag.original_path(record.source.filename)


def read_transcript(bag: PublishedBag) -> Transcript:
    """An interview's transcript as the bag holds it (`transcript.json`), typed again."""
    data = json.loads(bag.transcript_path.read_text(encoding="utf-8"))
    segments = [
        Segment(start=float(s["start"]), end=float(s["end"]), text=str(s.get("text", "")), language=s.get("language"),
                words=[Word(start=float(w["start"]), end=float(w["end"]), word=str(w["word"]),
                            probability=float(w.get("probability", 0.0)), speaker=w.get("speaker"))
                       for w in s.get("words") or []],
                avg_logprob=s.get("avg_logprob"), no_speech_prob=s.get("no_speech_prob"), speaker=s.get("speaker"))
        for s in data.get("segments") or []
    ]
    speakers = [Speaker(id=str(sp["id"]), name=str(sp.get("name") or sp["id"]), role=sp.get("role"),
                        speech_s=float(sp.get("speech_s") or 0.0)) for sp in data.get("speakers") or []]
    return Transcript(segments=segments, language=data.get("language"),
                      language_probability=data.get("language_probability"),
                      duration_s=float(data.get("duration_s") or (segments[-1].end if segments else 0.0)),
                      speakers=speakers)


CHECKING_ACTIONS = frozenset({"accept", "replace-text", "mark-illegible", "mark-handwritten"})


def pages_checked(record: ItemRecord) -> list[int]:
    """Pages an archivist checked: `content.checked_pages`, or (older records) the pages its history corrected."""
    if "checked_pages" in record.content.model_fields_set:
        return checked_pages(record)
    return sorted({p for change in record.history if change.action in CHECKING_ACTIONS for p in change.pages})


def item_kind(record: ItemRecord) -> str:
    """`kind`: image | pdf | audio."""
    return record.kind


def source_sha256(record: ItemRecord) -> str:
    """The original's SHA-256 (the item's claim is taken on it)."""
    return record.source.sha256


def received_at(record: ItemRecord) -> str | None:
    """When the item was first received (the time of version 1)."""
    return record.source.received_at or None


def item_title(record: ItemRecord) -> str:
    """The title shown: `dc.title`, else the file name."""
    return record.title


def is_restricted(record: ItemRecord) -> bool:
    """True unless `access` is exactly open."""
    return not record.is_open


def archivist_of(record: ItemRecord) -> ArchivistMetadata:
    """What the archivist said about the item (as the OHMS writer wants it)."""
    return ArchivistMetadata(dc=record.dc.as_dict(), access=record.access, collection=record.collection,
                             extra=dict(record.archivist))


def articles_of(record: ItemRecord) -> list[ArticleRecord]:
    """`articles[]`: the item's article links."""
    return list(record.articles)


def set_articles(record: ItemRecord, articles: list[ArticleRecord]) -> None:
    """Replace `articles[]` and `dc.relation` (the same ids) in place."""
    record.articles = articles
    record.dc.relation = [a.id for a in articles]


def unlinked_entries(record: ItemRecord) -> list[Unlinked]:
    """`unlinked[]`: articles an archivist removed, with who and when."""
    return list(record.unlinked)


def set_unlinked(record: ItemRecord, entries: list[Unlinked]) -> None:
    """Replace `unlinked[]` in place."""
    record.unlinked = [e.model_copy() for e in entries]


def set_history(record: ItemRecord, entries: list[Change]) -> None:
    """Replace `history[]` in place."""
    record.history = [e.model_copy() for e in entries]


def page_method(record: ItemRecord, page: int) -> str | None:
    """`content.page_methods[page]`: ocr | text-layer | ocr-layer-kept | archivist ..."""
    return record.content.page_methods.get(str(page))


def set_page_method(record: ItemRecord, page: int, method: str) -> None:
    """Set `content.page_methods[page]` in place."""
    record.content.page_methods = {**record.content.page_methods, str(page): method}


def page_languages(record: ItemRecord, page: int) -> list[str]:
    """`content.page_languages[page]`: ISO codes the page was read in."""
    return list(record.content.page_languages.get(str(page)) or [])


def set_page_languages(record: ItemRecord, page: int, languages: list[str]) -> None:
    """Set `content.page_languages[page]` in place."""
    record.content.page_languages = {**record.content.page_languages, str(page): languages}


def add_page_note(record: ItemRecord, page: int, note: str) -> None:
    """Append a note to `content.page_notes[page]` in place."""
    set_page_notes(record, page, [*record.content.page_notes.get(str(page), []), note])


def set_page_notes(record: ItemRecord, page: int, notes: list[str]) -> None:
    """Replace `content.page_notes[page]` in place."""
    record.content.page_notes = {**record.content.page_notes, str(page): notes}


def checked_segments(record: ItemRecord) -> list[CheckedSpan]:
    """`content.checked_segments`: time ranges an archivist corrected."""
    return list(record.content.checked_segments)


def set_checked_segments(record: ItemRecord, spans: list[CheckedSpan]) -> None:
    """Replace `content.checked_segments` in place."""
    record.content.checked_segments = [s.model_copy() for s in spans]


def set_transcript_summary(record: ItemRecord, transcript: Transcript) -> None:
    """`content.segments`, `content.speakers` and `content.review_segments` from a corrected transcript, in place.

    Stretches an archivist has corrected are no longer to be reviewed.
    """
    record.content.segments = len(transcript.segments)
    record.content.speakers = [SpeakerSummary(id=s.id, name=s.name, role=s.role, speech_s=s.speech_s)
                               for s in transcript.speakers]
    record.content.review_segments = [
        stretch for stretch in review_segments(transcript)
        if not any(span.holds(stretch.start_s, stretch.end_s) for span in record.content.checked_segments)
    ]


def segment_checked(record: ItemRecord, start_s: float, end_s: float) -> bool:
    """True when an archivist corrected the stretch this segment lies in (`content.checked_segments`)."""
    return any(span.holds(start_s, end_s) for span in record.content.checked_segments)


def is_transcript(bag: PublishedBag) -> bool:
    """Whether the bag is a recording's (it has `transcript.json`)."""
    return bag.has_transcript()

