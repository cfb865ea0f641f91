"""What the index stores for an item, read back from a published bag (so the index can always be rebuilt)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    metadata: dict[str, Any]
    units: list[Unit] = field(default_factory=list)


def year_of(date: str) -> int | None:
    """The first plausible year in a free-form date (`1978-03`, `circa 1972`)."""
    match = _YEAR.search(date or "")
    return int(match.group(1)) if match else None


def item_from_bag(bag_dir: Path) -> IndexedItem:
    """Read `metadata.json` and the text (pages or transcript segments) of a published bag."""
    data = bag_dir / "data"
    metadata = json.loads((data / "metadata.json").read_text(encoding="utf-8"))
    dc = metadata.get("dc", {})
    return IndexedItem(
        id=metadata["id"],
        kind=metadata["kind"],
        title=str(dc.get("title") or metadata["source"]["filename"]),
        filename=metadata["source"]["filename"],
        access=metadata.get("access", "open"),
        languages=list(dc.get("language") or []),
        year=year_of(str(dc.get("date") or "")),
        articles=[a["id"] for a in metadata.get("articles", [])],
        # Years are a facet of their own; as names they would only crowd the entity facet.
        entities=[(e["id"], e["label"]) for e in metadata.get("entities", []) if e.get("type") != "year"],
        metadata=metadata,
        units=_units(data),
    )


def _units(data: Path) -> list[Unit]:
    transcript = data / "transcript.json"
    if transcript.exists():
        record = json.loads(transcript.read_text(encoding="utf-8"))
        names = {str(sp.get("id")): str(sp.get("name")) for sp in record.get("speakers") or []}
        segments = record.get("segments", [])
        # A segment's speaker is searchable with its words ("Ruth Adler: When did you apply?").
        return [
            Unit(seq=i, text=_spoken(s, names), start_s=float(s["start"]), end_s=float(s["end"]))
            for i, s in enumerate(segments)
            if s.get("text", "").strip()
        ]
    text = (data / "text.txt").read_text(encoding="utf-8")
    return [Unit(seq=i, text=page, page=i + 1) for i, page in enumerate(text.split("\f"))]


def _spoken(segment: dict[str, Any], names: dict[str, str]) -> str:
    name = names.get(str(segment.get("speaker")))
    text = str(segment["text"]).strip()
    return f"{name}: {text}" if name else text
