"""An item as the portal shows it, read from its published bag (the bag is the record; the index is a copy)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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
    metadata: dict[str, Any]
    pages: list[str] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)
    original: str | None = None

    @property
    def dc(self) -> dict[str, Any]:
        """The Dublin Core block."""
        return dict(self.metadata.get("dc") or {})

    @property
    def entity_labels(self) -> dict[str, str]:
        """Entity id to label, for article evidence."""
        return {str(e["id"]): str(e.get("label") or e["id"]) for e in self.metadata.get("entities", [])}


def read_access(bag_dir: Path) -> str | None:
    """The bag's `access` value, or None when the bag or its metadata is missing or unreadable."""
    try:
        metadata = json.loads((bag_dir / "data" / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    access = metadata.get("access", "open") if isinstance(metadata, dict) else None
    return str(access) if access is not None else None


def read_item(bag_dir: Path) -> ItemView:
    """Metadata, page texts or transcript segments, and the payload file list of a bag."""
    data = bag_dir / "data"
    metadata = json.loads((data / "metadata.json").read_text(encoding="utf-8"))
    source = metadata.get("source") or {}
    dc = metadata.get("dc") or {}
    view = ItemView(
        id=str(metadata["id"]), kind=str(metadata.get("kind", "")),
        title=str(dc.get("title") or source.get("filename") or metadata["id"]),
        access=str(metadata.get("access", "open")), metadata=metadata,
        files=[FileEntry(p.relative_to(data).as_posix(), p.stat().st_size)
               for p in sorted(data.rglob("*")) if p.is_file() and not p.is_symlink()],
    )
    filename = source.get("filename")
    if filename and (data / "original" / filename).is_file():
        view.original = f"original/{filename}"
    transcript = data / "transcript.json"
    if transcript.exists():
        record = json.loads(transcript.read_text(encoding="utf-8"))
        segments = record.get("segments", [])
        names = {str(sp.get("id")): str(sp.get("name")) for sp in record.get("speakers") or []}
        view.segments = [Segment(i, float(s["start"]), float(s["end"]), str(s.get("text", "")).strip(),
                                 names.get(str(s.get("speaker"))))
                         for i, s in enumerate(segments) if str(s.get("text", "")).strip()]
    elif (data / "text.txt").exists():
        view.pages = (data / "text.txt").read_text(encoding="utf-8").split("\f")
    return view
