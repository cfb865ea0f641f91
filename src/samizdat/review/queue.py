"""The review queue: published items that need a person's eyes, and why."""

from __future__ import annotations

import logging

from samizdat.asr.confidence import low_confidence_segments
from samizdat.bag import PublishedBag
from samizdat.layout import ProcessedLayout
from samizdat.review.models import QueueEntry
from samizdat.review.store import (
    ARCHIVIST,
    articles_of,
    is_restricted,
    item_kind,
    item_title,
    read_item_metadata,
    read_transcript,
    review_pages,
    segment_checked,
)

log = logging.getLogger(__name__)

NO_ARTICLE = "no article link"


def queue_entry(bag: PublishedBag) -> QueueEntry | None:
    """Why one published item needs review, or None.

    Reasons: flagged pages not yet settled by an archivist, transcript segments Whisper was unsure of and not yet
    corrected, no article link.
    """
    metadata = read_item_metadata(bag)
    reasons: list[str] = []
    flagged = [p for p in review_pages(metadata) if p.by != ARCHIVIST]
    pages = sorted({p.page for p in flagged})
    for reason in dict.fromkeys(p.reason for p in flagged):
        reasons.append(f"pages {reason}")
    segments: list[int] = []
    if bag.has_transcript():
        transcript = read_transcript(bag)
        segments = [i for i in low_confidence_segments(transcript)
                    if not segment_checked(metadata, transcript.segments[i].start, transcript.segments[i].end)]
        if segments:
            reasons.append("low-confidence segments")
    if not articles_of(metadata):
        reasons.append(NO_ARTICLE)
    if not reasons:
        return None
    return QueueEntry(item_id=bag.item_id, title=item_title(metadata), kind=item_kind(metadata), reasons=reasons,
                      pages=pages, segments=segments, restricted=is_restricted(metadata))


def review_queue(settings: ProcessedLayout) -> list[QueueEntry]:
    """Every published item with flagged pages, low-confidence segments, or no article link; by item id."""
    items = settings.items_dir
    if not items.is_dir():
        return []
    out = []
    for bag in (settings.bag(p.name) for p in sorted(items.iterdir())):
        if not bag.exists():
            continue
        try:
            entry = queue_entry(bag)
        except (OSError, ValueError, KeyError) as error:  # one bad bag hides no other
            log.error("review queue: %s skipped: %s", bag.item_id, error)
            continue
        if entry is not None:
            out.append(entry)
    return out
