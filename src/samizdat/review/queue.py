"""The review queue: published items that need a person's eyes, and why."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from samizdat.layout import ProcessedLayout
from samizdat.review.models import QueueEntry
from samizdat.review.store import (
    articles_of,
    checked_segments,
    is_restricted,
    item_kind,
    item_title,
    read_item_metadata,
    read_transcript,
    review_pages,
)
from samizdat.review.transcript import low_confidence_segments

log = logging.getLogger(__name__)

NO_ARTICLE = "no article link"


def _checked_ranges(metadata: dict[str, Any]) -> list[tuple[float, float]]:
    return [(float(s["start_s"]), float(s["end_s"])) for s in checked_segments(metadata)]


def queue_entry(bag: Path) -> QueueEntry | None:
    """Why one published item needs review, or None.

    Reasons: flagged pages not yet settled by an archivist, transcript segments Whisper was unsure of and not yet
    corrected, no article link.
    """
    metadata = read_item_metadata(bag)
    reasons: list[str] = []
    flagged = [p for p in review_pages(metadata) if p.get("by") != "archivist"]
    pages = sorted({int(p["page"]) for p in flagged})
    for reason in dict.fromkeys(str(p.get("reason")) for p in flagged):
        reasons.append(f"pages {reason}")
    segments: list[int] = []
    if (bag / "data" / "transcript.json").is_file():
        transcript = read_transcript(bag)
        checked = _checked_ranges(metadata)
        segments = [i for i in low_confidence_segments(transcript)
                    if not any(s <= transcript.segments[i].start and transcript.segments[i].end <= e
                               for s, e in checked)]
        if segments:
            reasons.append("low-confidence segments")
    if not articles_of(metadata):
        reasons.append(NO_ARTICLE)
    if not reasons:
        return None
    return QueueEntry(item_id=bag.name, title=item_title(metadata), kind=item_kind(metadata), reasons=reasons,
                      pages=pages, segments=segments, restricted=is_restricted(metadata))


def review_queue(settings: ProcessedLayout) -> list[QueueEntry]:
    """Every published item with flagged pages, low-confidence segments, or no article link; by item id."""
    items = settings.items_dir
    if not items.is_dir():
        return []
    out = []
    for bag in sorted(p for p in items.iterdir() if (p / "data" / "metadata.json").is_file()):
        try:
            entry = queue_entry(bag)
        except (OSError, ValueError, KeyError, json.JSONDecodeError) as error:  # one bad bag hides no other
            log.error("review queue: %s skipped: %s", bag.name, error)
            continue
        if entry is not None:
            out.append(entry)
    return out
