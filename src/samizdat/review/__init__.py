"""Archivist review (issue 17): correct what the machine could not read, and keep every version.

`apply_review` applies one `ReviewRequest` and republishes the item as its next version (the previous one kept
under `processed/versions/<id>/v<N>/`); `review_queue` lists what needs a person's eyes; `item_versions` lists an
item's versions. Nothing here imports Prefect: the `review-item` flow wraps these calls.
"""

from samizdat.record import Change
from samizdat.review.apply import apply_review
from samizdat.review.models import (
    QueueEntry,
    ReviewAction,
    ReviewRequest,
    ReviewResult,
    VersionInfo,
)
from samizdat.review.queue import review_queue
from samizdat.review.versions import item_versions

__all__ = [
    "Change",
    "QueueEntry",
    "ReviewAction",
    "ReviewRequest",
    "ReviewResult",
    "VersionInfo",
    "apply_review",
    "item_versions",
    "review_queue",
]
