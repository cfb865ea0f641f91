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
from samizdat.models import ArchivistMetadata, Segment, Speaker, Transcript, Word
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
    return [Change.model_validate(entry) for entry in history_entries(metadata)]


def with_change(metadata: dict[str, Any], change: Change) -> dict[str, Any]:
    """The metadata as the new version: `version` and the `history` entry that made it."""
    history = [*history_entries(metadata), change.model_dump(exclude_none=True, exclude_defaults=False)]
    return {**metadata, "version": change.version, "history": history}


def checked_pages(metadata: dict[str, Any]) -> list[int]:
    """`content.checked_pages`: pages an archivist has looked at and accepted or corrected."""
    return sorted({int(p) for p in metadata.get("content", {}).get("checked_pages") or []})


def set_checked_pages(metadata: dict[str, Any], pages: list[int]) -> None:
    """Add pages to `content.checked_pages` (in place)."""
    _content(metadata)["checked_pages"] = sorted({*checked_pages(metadata), *pages})


def review_pages(metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """`content.review_pages`: the pages flagged for a person, with reason and score."""
    return [p for p in metadata.get("content", {}).get("review_pages") or [] if isinstance(p, dict)]


def set_review_pages(metadata: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    """Replace `content.review_pages` (in place), in page order."""
    _content(metadata)["review_pages"] = sorted(entries, key=lambda p: int(p["page"]))


def unlinked(metadata: dict[str, Any]) -> list[str]:
    """Articles an archivist unlinked from the item: the linker must not link them again."""
    return [str(entry["id"]) for entry in unlinked_entries(metadata)]


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


# Fields of metadata.json that review reads and writes, one accessor each.


def item_kind(metadata: dict[str, Any]) -> str:
    """`kind`: image | pdf | audio."""
    return str(metadata.get("kind", ""))


def source_sha256(metadata: dict[str, Any]) -> str:
    """The original's SHA-256 (the item's claim is taken on it)."""
    return str(metadata["source"]["sha256"])


def received_at(metadata: dict[str, Any]) -> str | None:
    """When the item was first received (the time of version 1)."""
    return str(metadata.get("source", {}).get("received_at") or "") or None


def item_title(metadata: dict[str, Any]) -> str:
    """The title shown: `dc.title`, else the file name."""
    return str((metadata.get("dc") or {}).get("title") or metadata["source"]["filename"])


def is_restricted(metadata: dict[str, Any]) -> bool:
    """True unless `access` is exactly open."""
    return metadata.get("access") != "open"


def archivist_of(metadata: dict[str, Any]) -> ArchivistMetadata:
    """What the archivist said about the item (as the OHMS writer wants it)."""
    return ArchivistMetadata(dc=dict(metadata.get("dc") or {}), access=str(metadata.get("access", "open")),
                             collection=metadata.get("collection"), extra=dict(metadata.get("archivist") or {}))


def articles_of(metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """`articles[]`: the item's article links."""
    return list(metadata.get("articles") or [])


def set_articles(metadata: dict[str, Any], articles: list[dict[str, Any]]) -> None:
    """Replace `articles[]` and `dc.relation` (the same ids) in place."""
    metadata["articles"] = articles
    metadata.setdefault("dc", {})["relation"] = [a["id"] for a in articles]


def unlinked_entries(metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """`unlinked[]`: articles an archivist removed, with who and when."""
    return list(metadata.get("unlinked") or [])


def set_unlinked(metadata: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    """Replace `unlinked[]` in place."""
    metadata["unlinked"] = entries


def history_entries(metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """`history[]` as stored."""
    return list(metadata.get("history") or [])


def set_history(metadata: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    """Replace `history[]` in place."""
    metadata["history"] = entries


def _content(metadata: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = metadata.setdefault("content", {})
    return content


def page_method(metadata: dict[str, Any], page: int) -> str | None:
    """`content.page_methods[page]`: ocr | text-layer | ocr-layer-kept | archivist ..."""
    return (metadata.get("content", {}).get("page_methods") or {}).get(str(page))


def set_page_method(metadata: dict[str, Any], page: int, method: str) -> None:
    """Set `content.page_methods[page]` in place."""
    _content(metadata).setdefault("page_methods", {})[str(page)] = method


def page_languages(metadata: dict[str, Any], page: int) -> list[str]:
    """`content.page_languages[page]`: ISO codes the page was read in."""
    return list((metadata.get("content", {}).get("page_languages") or {}).get(str(page)) or [])


def set_page_languages(metadata: dict[str, Any], page: int, languages: list[str]) -> None:
    """Set `content.page_languages[page]` in place."""
    _content(metadata).setdefault("page_languages", {})[str(page)] = languages


def add_page_note(metadata: dict[str, Any], page: int, note: str) -> None:
    """Append a note to `content.page_notes[page]` in place."""
    notes = _content(metadata).setdefault("page_notes", {})
    notes[str(page)] = [*notes.get(str(page), []), note]


def set_page_notes(metadata: dict[str, Any], page: int, notes: list[str]) -> None:
    """Replace `content.page_notes[page]` in place."""
    _content(metadata).setdefault("page_notes", {})[str(page)] = notes


def checked_segments(metadata: dict[str, Any]) -> list[dict[str, float]]:
    """`content.checked_segments`: time ranges an archivist corrected."""
    return list(metadata.get("content", {}).get("checked_segments") or [])


def set_checked_segments(metadata: dict[str, Any], spans: list[dict[str, float]]) -> None:
    """Replace `content.checked_segments` in place."""
    _content(metadata)["checked_segments"] = spans


def set_transcript_summary(metadata: dict[str, Any], segments: int, speakers: list[Speaker]) -> None:
    """`content.segments` and `content.speakers` from a transcript, in place."""
    content = _content(metadata)
    content["segments"] = segments
    content["speakers"] = [{"id": s.id, "name": s.name, "role": s.role, "speech_s": s.speech_s} for s in speakers]
