"""Where review reads and writes an item: the one place that knows metadata.json keys and bag paths.

Kept small on purpose: when metadata.json becomes a typed record (`ItemRecord`) and bags get an owner
(`PublishedBag`), these functions are what changes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from samizdat.errors import BadInputError
from samizdat.fixity import VERSIONS_DIR
from samizdat.layout import ProcessedLayout
from samizdat.models import Segment, Speaker, Transcript, Word
from samizdat.review.models import Change

VERSIONS = VERSIONS_DIR
ITEM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")  # as the portal accepts them: nothing that names a path
FIRST_VERSION = 1


def bag_dir(processed: ProcessedLayout, item_id: str) -> Path:
    """The published bag of an item."""
    return processed.items_dir / item_id


def versions_dir(processed: ProcessedLayout, item_id: str) -> Path:
    """`processed/versions/<id>/`: the item's earlier versions, one bag per `v<N>`."""
    return processed.processed / VERSIONS / item_id


def version_dir(processed: ProcessedLayout, item_id: str, version: int) -> Path:
    """`processed/versions/<id>/v<N>/`."""
    return versions_dir(processed, item_id) / f"v{version}"


def read_item_metadata(bag: Path) -> dict[str, Any]:
    """The metadata.json of a bag (published or kept)."""
    data: dict[str, Any] = json.loads((bag / "data" / "metadata.json").read_text(encoding="utf-8"))
    return data


def published_metadata(processed: ProcessedLayout, item_id: str) -> dict[str, Any]:
    """The published item's metadata; `BadInputError` when there is no such item (or the id could name a path)."""
    if not ITEM_ID.match(item_id):
        raise BadInputError(f"{item_id!r} is not an item id", "Item ids are 12 hex digits, e.g. 3f9a0c1b2d4e.")
    bag = bag_dir(processed, item_id)
    if not (bag / "data" / "metadata.json").is_file():
        raise BadInputError(f"there is no published item {item_id!r}",
                            "Check the item id (`samizdat search`, or the review queue: `samizdat review --queue`).")
    return read_item_metadata(bag)


def version_of(metadata: dict[str, Any]) -> int:
    """The item's version (1 until its first correction)."""
    return int(metadata.get("version") or FIRST_VERSION)


def history_of(metadata: dict[str, Any]) -> list[Change]:
    """metadata.json `history`, oldest first."""
    return [Change.model_validate(entry) for entry in metadata.get("history") or []]


def with_change(metadata: dict[str, Any], change: Change) -> dict[str, Any]:
    """The metadata as the new version: `version` and the `history` entry that made it."""
    history = [*(metadata.get("history") or []), change.model_dump(exclude_none=True, exclude_defaults=False)]
    return {**metadata, "version": change.version, "history": history}


def checked_pages(metadata: dict[str, Any]) -> list[int]:
    """`content.checked_pages`: pages an archivist has looked at and accepted or corrected."""
    return sorted({int(p) for p in metadata.get("content", {}).get("checked_pages") or []})


def set_checked_pages(metadata: dict[str, Any], pages: list[int]) -> None:
    """Add pages to `content.checked_pages` (in place)."""
    content = metadata.setdefault("content", {})
    content["checked_pages"] = sorted({*checked_pages(metadata), *pages})


def review_pages(metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """`content.review_pages`: the pages flagged for a person, with reason and score."""
    return [p for p in metadata.get("content", {}).get("review_pages") or [] if isinstance(p, dict)]


def set_review_pages(metadata: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    """Replace `content.review_pages` (in place), in page order."""
    metadata.setdefault("content", {})["review_pages"] = sorted(entries, key=lambda p: int(p["page"]))


def unlinked(metadata: dict[str, Any]) -> list[str]:
    """Articles an archivist unlinked from the item: the linker must not link them again."""
    return [str(entry["id"]) for entry in metadata.get("unlinked") or []]


def page_texts(bag: Path) -> list[str]:
    """A document's pages as the bag holds them: `text.txt` split at form feeds."""
    return (bag / "data" / "text.txt").read_text(encoding="utf-8").split("\f")


def page_texts_file(pages: list[str]) -> bytes:
    """`text.txt` of a document from its pages."""
    return "\f".join(pages).encode("utf-8")


def original_path(bag: Path, metadata: dict[str, Any]) -> Path:
    """The original file inside a bag."""
    from samizdat.names import safe_name

    return bag / "data" / "original" / safe_name(metadata["source"]["filename"])


def read_transcript(bag: Path) -> Transcript:
    """An interview's transcript as the bag holds it (`transcript.json`), typed again."""
    record = json.loads((bag / "data" / "transcript.json").read_text(encoding="utf-8"))
    segments = [
        Segment(start=float(s["start"]), end=float(s["end"]), text=str(s.get("text", "")), language=s.get("language"),
                words=[Word(start=float(w["start"]), end=float(w["end"]), word=str(w["word"]),
                            probability=float(w.get("probability", 0.0)), speaker=w.get("speaker"))
                       for w in s.get("words") or []],
                avg_logprob=s.get("avg_logprob"), no_speech_prob=s.get("no_speech_prob"), speaker=s.get("speaker"))
        for s in record.get("segments") or []
    ]
    speakers = [Speaker(id=str(sp["id"]), name=str(sp.get("name") or sp["id"]), role=sp.get("role"),
                        speech_s=float(sp.get("speech_s") or 0.0)) for sp in record.get("speakers") or []]
    return Transcript(segments=segments, language=record.get("language"),
                      language_probability=record.get("language_probability"),
                      duration_s=float(record.get("duration_s") or (segments[-1].end if segments else 0.0)),
                      speakers=speakers)


CHECKING_ACTIONS = frozenset({"accept", "replace-text", "mark-illegible", "mark-handwritten"})


def pages_checked(metadata: dict[str, Any]) -> list[int]:
    """Pages an archivist checked: `content.checked_pages`, or (older records) the pages its history corrected."""
    recorded = metadata.get("content", {}).get("checked_pages")
    if recorded is not None:
        return checked_pages(metadata)
    return sorted({p for change in history_of(metadata) if change.action in CHECKING_ACTIONS for p in change.pages})
