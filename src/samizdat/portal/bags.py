"""An item as the portal shows it, read from its published bag (the bag is the record; the index is a copy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samizdat.bag import PayloadNames, PublishedBag
from samizdat.record import ItemRecord


@dataclass(frozen=True)
class FileEntry:
    """A downloadable file of the bag's payload, by its path under `data/`."""

    path: str
    bytes: int


@dataclass(frozen=True)
class Segment:
    """A transcript segment for the player: times in seconds, its text, and who speaks (a name) if known."""

    index: int
    start: float
    end: float
    text: str
    speaker: str | None = None


@dataclass
class ItemView:
    """What an item page and `/api/items/{id}` show."""

    id: str
    kind: str
    title: str
    access: str
    metadata: ItemRecord
    pages: list[str] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)
    original: str | None = None

    @property
    def dc(self) -> dict[str, Any]:
        """The Dublin Core block as shown (every element by name, those an archivist added included)."""
        return self.metadata.dc.as_dict()

    @property
    def entity_labels(self) -> dict[str, str]:
        """Entity id to label, for article evidence."""
        return {e.id: e.label or e.id for e in self.metadata.entities}


def read_access(bag_dir: Path) -> str | None:
    """The bag's `access` value, or None when the bag or its record is missing or unreadable."""
    record = PublishedBag(bag_dir).record_or_none()
    return record.access if record is not None else None


def read_item(bag_dir: Path) -> ItemView:
    """Metadata, page texts or transcript segments, and the payload file list of a bag."""
    bag = PublishedBag(bag_dir)
    record = bag.record()
    view = ItemView(
        id=record.id, kind=record.kind, title=record.title, access=record.access, metadata=record,
        files=[FileEntry(path, size) for path, size in bag.payload_files()],
    )
    filename = record.source.filename
    if filename and bag.path(f"{PayloadNames.ORIGINAL_DIR}/{filename}").is_file():
        view.original = f"{PayloadNames.ORIGINAL_DIR}/{filename}"
    if bag.has_transcript():
        transcript = bag.transcript()
        names = transcript.speaker_names()
        view.segments = [Segment(i, s.start, s.end, s.text.strip(), names.get(str(s.speaker)))
                         for i, s in enumerate(transcript.segments) if s.text.strip()]
    elif bag.text_path.exists():
        view.pages = bag.page_texts()
    return view
