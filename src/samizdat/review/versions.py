"""Earlier versions of an item, kept whole: `processed/versions/<id>/v<N>/` is the bag as it was published.

A version is kept just before the bag is republished. Its files are hard links to the published bag's files
(no second copy of a scan or a recording; a republish never writes into the published files, it builds a new
bag aside and swaps it in), copies where the file system cannot link. It is a complete BagIt bag, so its
manifests verify it (`samizdat.fixity` checks every kept version with the item).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from samizdat.bag import PublishedBag
from samizdat.errors import BadInputError
from samizdat.layout import ProcessedLayout
from samizdat.review.models import VersionInfo
from samizdat.review.store import (
    bag_dir,
    history_of,
    published_metadata,
    received_at,
    version_dir,
    version_of,
    versions_dir,
)

log = logging.getLogger(__name__)


def _link_tree(source: Path, target: Path) -> None:
    """Recreate `source` at `target`, each file a hard link (a copy where linking fails)."""
    for folder, _, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            src, dst = Path(folder) / name, target / relative / name
            try:
                os.link(src, dst, follow_symlinks=False)
            except OSError:
                shutil.copy2(src, dst, follow_symlinks=False)


def _same_bag(first: Path, second: Path) -> bool:
    try:
        return PublishedBag(first).tagmanifest_path.read_bytes() == PublishedBag(second).tagmanifest_path.read_bytes()
    except OSError:
        return False


def keep_version(processed: ProcessedLayout, item_id: str) -> Path:
    """Keep the published bag as `versions/<id>/v<N>/` (N: its version) before it is replaced; return that folder.

    Built under a temporary name and renamed into place, so `v<N>` is always whole. A `v<N>` already there
    from an earlier attempt that failed before its republish is normally the same bag, and stays as it is; if
    the bag changed since without a new version, that copy is kept too, as `v<N>-superseded-<n>`.
    """
    bag = bag_dir(processed, item_id).root
    version = version_of(published_metadata(processed, item_id))
    target = version_dir(processed, item_id, version)
    if target.exists():
        if _same_bag(target, bag):
            return target
        # Kept by an attempt that failed before its republish, and the bag changed since without a new version
        # (a re-drop with new metadata): both are kept, the older one under another name that fixity still checks.
        superseded = target.with_name(f"v{version}-superseded-{time.monotonic_ns()}")
        os.rename(target, superseded)
        log.warning("item %s: a different earlier copy of version %d is kept as %s", item_id, version, superseded.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.parent / f".v{version}-{time.monotonic_ns()}"
    try:
        _link_tree(bag, building)
        os.rename(building, target)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def kept_versions(processed: ProcessedLayout, item_id: str) -> list[tuple[int, Path]]:
    """(version, folder) of every kept version, oldest first."""
    root = versions_dir(processed, item_id)
    if not root.is_dir():
        return []
    found = [(int(p.name[1:]), p) for p in root.iterdir() if p.is_dir() and p.name[:1] == "v" and p.name[1:].isdigit()]
    return sorted(found)


def item_versions(processed: ProcessedLayout, item_id: str) -> list[VersionInfo]:
    """Every version of an item, kept ones and the published one, newest last; each with who made it, how, when."""
    metadata = published_metadata(processed, item_id)
    made_by = {change.version: change for change in history_of(metadata)}
    received = received_at(metadata)
    out: list[VersionInfo] = []
    current = version_of(metadata)
    # A kept copy of the current version is what a republish that then failed leaves: the bag in place is it.
    entries = [(n, p, False) for n, p in kept_versions(processed, item_id) if n < current]
    entries.append((current, bag_dir(processed, item_id).root, True))
    for number, folder, current in entries:
        change = made_by.get(number)
        out.append(VersionInfo(
            version=number, path=folder.relative_to(processed.processed).as_posix(), current=current,
            at=change.at if change else received, user=change.by if change else "samizdat",
            action=change.action if change else "published", note=change.note if change else "",
        ))
    return out


def version_bag(processed: ProcessedLayout, item_id: str, version: int) -> Path:
    """The bag of one version (the published bag for the current one); `BadInputError` when there is none."""
    if version == version_of(published_metadata(processed, item_id)):
        return bag_dir(processed, item_id).root
    folder = version_dir(processed, item_id, version)
    if not PublishedBag(folder).exists():
        raise BadInputError(f"item {item_id} has no version {version}", f"See `samizdat history {item_id}`.")
    return folder
