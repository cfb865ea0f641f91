"""Republish an item as its next version: the published bag kept first, then the change recorded and swapped in.

Every republish that changes what an item says goes through here (an archivist's review, a re-link, a link
confirmed from the command line), so each leaves a kept, verifiable earlier version and a `history` entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from samizdat.inbox import now_iso
from samizdat.layout import ProcessedLayout
from samizdat.package import update_bag
from samizdat.record import Change, ItemRecord
from samizdat.review.store import version_of, with_change
from samizdat.review.versions import keep_version


def next_change(published: ItemRecord, user: str, action: str, **fields: Any) -> Change:
    """The history entry of the item's next version (made now)."""
    return Change(version=version_of(published) + 1, at=now_iso(), by=user, action=action, **fields)


def republish(
    processed: ProcessedLayout,
    item_id: str,
    record: ItemRecord,
    change: Change,
    files: dict[str, bytes] | None = None,
    removed: Iterable[str] = (),
) -> ItemRecord:
    """Keep the published bag as `versions/<id>/v<N>/`, then publish `record` (+ files) as version N+1.

    Returns the record as published (with `version` and the new `history` entry). The caller holds the item's
    claim.
    """
    keep_version(processed, item_id)
    published = with_change(record, change)
    update_bag(processed, item_id, published, files, removed=removed)
    return published
