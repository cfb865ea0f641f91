"""What the index stores for an item, read back from a published bag (so the index can always be rebuilt)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from samizdat.bag import PublishedBag, TranscriptSegment
from samizdat.record import ItemRecord

_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")


@dataclass(frozen=True)
class Unit:
    """A searchable stretch: a page of a document or a segment of a transcript."""

    seq: int
    text: str
    page: int | None = None
    start_s: float | None = None
    end_s: float | None = None


@dataclass
class IndexedItem:
    """An item as the index sees it: facets plus its units."""

    id: str
    kind: str
    title: str
    filename: str
    access: str
    languages: list[str]
    year: int | None
    articles: list[str]
    entities: list[tuple[str, str]]  # (id, label)
    metadata: ItemRecord
    units: list[Unit] = field(default_factory=list)


def year_of(date: str) -> int | None:
    """The first plausible year in a free-form date (`1978-03`, `circa 1972`)."""
    match = _YEAR.search(date or "")
    return int(match.group(1)) if match else None


def item_from_bag(bag_dir: Path) -> IndexedItem:
    """Read the record and the text (pages or transcript segments) of a published bag."""
    bag = PublishedBag(bag_dir)
    record = bag.record()
    return IndexedItem(
        id=record.id,
        kind=record.kind,
        title=record.dc.title or record.source.filename,
        filename=record.source.filename,
        access=record.access,
        languages=list(record.dc.language),
        year=year_of(record.dc.date),
        articles=[a.id for a in record.articles],
        # Years are a facet of their own; as names they would only crowd the entity facet.
        entities=[(e.id, e.label) for e in record.entities if e.type != "year"],
        metadata=record,
        units=_units(bag),
    )


def _units(bag: PublishedBag) -> list[Unit]:
    if bag.has_transcript():
        transcript = bag.transcript()
        names = transcript.speaker_names()
        # A segment's speaker is searchable with its words ("Ruth Adler: When did you apply?").
        return [
            Unit(seq=i, text=_spoken(s, names), start_s=s.start, end_s=s.end)
            for i, s in enumerate(transcript.segments)
            if s.text.strip()
        ]
    return [Unit(seq=i, text=page, page=i + 1) for i, page in enumerate(bag.page_texts())]


def _spoken(segment: TranscriptSegment, names: dict[str, str]) -> str:
    name = names.get(str(segment.speaker))
    text = segment.text.strip()
    return f"{name}: {text}" if name else text
