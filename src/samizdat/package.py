"""Build each item's BagIt bag off to the side, validate it, then publish it with one rename.

Nothing half-built is ever visible under `processed/items/`: a crash leaves only a folder in `.staging/`,
which the next pass removes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import bagit

from samizdat import __version__
from samizdat.bag import PayloadNames, PublishedBag, record_file
from samizdat.errors import OperationalError, TransientError
from samizdat.inbox import sha256_of
from samizdat.layout import ProcessedLayout
from samizdat.models import Source
from samizdat.record import ItemRecord
from samizdat.swap import SwapJournal, recover, swap_in

STALE_STAGING_S = 6 * 3600
# Room for manifests, tag files and the file system's own blocks beside the payload's two copies.
FREE_SPACE_MARGIN = 16 * 2**20


def stage_dir(staging_root: Path) -> Path:
    """A fresh private folder under `.staging/` for one bag."""
    staging_root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="bag-", dir=staging_root))


def write_payload(payload: Path, source: Source, files: dict[str, bytes]) -> None:
    """Lay out `data/` before bagging: the original byte for byte, its sidecar, and every derived file."""
    original = payload / PayloadNames.original(source.filename)
    original.parent.mkdir(parents=True)
    if source.path.is_symlink():
        raise TransientError(f"{source.filename} became a symbolic link while it was processed; it is not copied")
    shutil.copy2(source.path, original, follow_symlinks=False)
    if sha256_of(original) != source.sha256:
        raise TransientError(f"{source.filename} changed while it was being processed; it will be retried")
    if source.sidecar is not None and source.sidecar.is_file() and not source.sidecar.is_symlink():
        shutil.copy2(source.sidecar, payload / PayloadNames.original(source.sidecar.name),
                     follow_symlinks=False)
    for relative, content in files.items():
        target = payload / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def bag_info(source: Source, title: str) -> dict[str, str]:
    """BagIt `bag-info.txt` fields."""
    return {
        "Source-Organization": "Samizdat digitization pipeline",
        "External-Identifier": source.item_id,
        "External-Description": title,
        "Bag-Software-Agent": f"samizdat {__version__} (bagit-python {bagit.VERSION})",
        "Bagging-Date": datetime.now(UTC).date().isoformat(),
    }


# bagit-python's `make_bag` and `Bag.save` change the process's working directory while they run (and change it
# back): two at once in one process would write into each other's folders. Each holds this lock; every path handed
# to them is absolute, and Settings makes its folders absolute, so other threads never resolve a relative path then.
_BAGIT_CHDIR = threading.Lock()


def make_valid_bag(payload: Path, info: dict[str, str]) -> bagit.Bag:
    """Turn the payload folder into a bag with sha256 manifests and check it, every file."""
    with _BAGIT_CHDIR:
        bag = bagit.make_bag(str(payload.absolute()), bag_info=info, checksums=["sha256"], processes=1)
    bag.validate(processes=1)
    return bag


# Text compresses well; scans, PDFs and audio are compressed already and deflating them again only costs time.
_DEFLATED_SUFFIXES = frozenset({".txt", ".json", ".xml", ".hocr", ".vtt", ".srt", ".csv", ".yaml", ".yml"})


def zip_bag(bag_dir: Path, zip_path: Path, root_name: str) -> None:
    """Zip a bag so the archive unpacks into one `<id>/` folder."""
    with zipfile.ZipFile(zip_path, "w", compresslevel=6) as archive:
        for path in sorted(bag_dir.rglob("*")):
            if path.is_file():
                method = zipfile.ZIP_DEFLATED if path.suffix.lower() in _DEFLATED_SUFFIXES else zipfile.ZIP_STORED
                archive.write(path, f"{root_name}/{path.relative_to(bag_dir).as_posix()}", compress_type=method)


def needed_bytes(source: Source, files: dict[str, bytes]) -> int:
    """Free space a bag needs while it is built: the payload twice (bag and zip) plus a margin for manifests."""
    payload = source.size + sum(len(content) for content in files.values())
    return 2 * payload + FREE_SPACE_MARGIN


def check_free_space(folder: Path, needed: int) -> None:
    """Stop before building a bag that cannot fit: a full disk is the machine's failure, not the file's."""
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise OperationalError(
            f"{folder} has {free / 2**20:.0f} MiB free; this item needs about {needed / 2**20:.0f} MiB",
            "Free space on the disk that holds processed/ (or move it to a larger one), then run the pass again; "
            "the files are still in the inbox.",
        )


def _journal(processed: ProcessedLayout) -> SwapJournal:
    return SwapJournal(processed.swaps_dir)


def publish(processed: ProcessedLayout, staging: Path, bag_dir: Path, item_id: str, replace: bool) -> Path:
    """Zip, then move the bag into `items/<id>` and the zip into `bundles/` (same file system: atomic).

    Without `replace` an existing bag is never touched (the rename fails); with it, the new bag is swapped in so
    that `items/<id>` is a whole bag, old or new, whenever a crash comes (`samizdat.swap`).
    """
    processed.items_dir.mkdir(parents=True, exist_ok=True)
    processed.bundles_dir.mkdir(parents=True, exist_ok=True)
    zip_tmp = staging / f"{item_id}.zip"
    zip_bag(bag_dir, zip_tmp, item_id)
    final = processed.bag(item_id).root
    if replace and final.exists():
        swap_in(bag_dir, final, _journal(processed), item_id,
                lambda: os.replace(zip_tmp, processed.bundle_path(item_id)))
    else:
        os.rename(bag_dir, final)
        os.replace(zip_tmp, processed.bundle_path(item_id))
    return final


def package_item(
    processed: ProcessedLayout,
    source: Source,
    title: str,
    files: dict[str, bytes],
    replace: bool = False,
) -> Path:
    """Build, validate and publish one item's bag; return its published folder."""
    processed.staging_dir.mkdir(parents=True, exist_ok=True)
    check_free_space(processed.staging_dir, needed_bytes(source, files))
    staging = stage_dir(processed.staging_dir)
    try:
        payload = staging / source.item_id
        write_payload(payload, source, files)
        make_valid_bag(payload, bag_info(source, title))
        return publish(processed, staging, payload, source.item_id, replace)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def update_bag(
    processed: ProcessedLayout,
    item_id: str,
    record: ItemRecord,
    files: dict[str, bytes] | None = None,
    removed: Iterable[str] = (),
) -> None:
    """Republish a bag with a new record (metadata.json), other payload files replaced, the `removed` ones left out.

    Paths in `files` and `removed` are relative to `data/` (`PayloadNames`).

    The new bag is built beside the old one, validated, swapped in and re-zipped: a crash at any point leaves the
    old or the new bag in place. Payload files it does not replace are hard links to the old bag's (an earlier
    version kept under `versions/` then shares the original's bytes instead of holding another copy); nothing is
    ever written into a linked file: replaced files and the tag files are new files (`_unshare`).
    """
    final = processed.bag(item_id).root
    replaced = {**record_file(record), **(files or {})}
    check_free_space(processed.staging_dir, 2 * _tree_bytes(final) + FREE_SPACE_MARGIN)
    staging = stage_dir(processed.staging_dir)
    try:
        work = staging / item_id
        shutil.copytree(final, work, copy_function=_link_or_copy)
        for tag_file in (p for p in work.iterdir() if p.is_file()):  # bagit rewrites these in place
            _unshare(tag_file)
        for relative in removed:
            PublishedBag(work).path(relative).unlink(missing_ok=True)
        for relative, content in replaced.items():
            target = PublishedBag(work).path(relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)  # a new file, never a write into the old bag's (linked) one
            target.write_bytes(content)
        bag = bagit.Bag(str(work.absolute()))
        with _BAGIT_CHDIR:
            bag.save(manifests=True)
        bag.validate(processes=1)
        zip_tmp = staging / f"{item_id}.zip"
        zip_bag(work, zip_tmp, item_id)
        swap_in(work, final, _journal(processed), item_id,
                lambda: os.replace(zip_tmp, processed.bundle_path(item_id)))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _link_or_copy(source: str, target: str) -> None:
    """Hard-link a file of the old bag into the new one; copy it where the file system cannot link."""
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def _unshare(path: Path) -> None:
    """Make `path` a file of its own (same bytes and times), so writing it cannot change another bag's copy."""
    if path.stat().st_nlink > 1:
        copy = path.with_name(f".{path.name}.own")
        shutil.copy2(path, copy)
        os.replace(copy, path)


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def sweep_staging(staging_root: Path, older_than_s: float = STALE_STAGING_S) -> int:
    """Remove staging folders left by crashed runs; return how many were removed.

    Staging only ever holds copies (bags being built, originals restaged from a bag): the only copy of an item
    is never here. Bags being replaced wait in the swap journal's folder instead.
    """
    if not staging_root.exists():
        return 0
    removed = 0
    for child in staging_root.iterdir():
        if time.time() - child.stat().st_mtime > older_than_s:
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
    return removed


def bundle_is_current(processed: ProcessedLayout, item_id: str) -> bool:
    """True when `bundles/<id>.zip` exists and holds the bag now in `items/<id>` (same tag manifest)."""
    zip_path = processed.bundle_path(item_id)
    tagmanifest = processed.bag(item_id).tagmanifest_path
    if not zip_path.exists():
        return False
    try:
        with zipfile.ZipFile(zip_path) as archive:
            return archive.read(f"{item_id}/{tagmanifest.name}") == tagmanifest.read_bytes()
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def remake_bundle(processed: ProcessedLayout, item_id: str) -> None:
    """Zip the bag in place again into `bundles/<id>.zip`."""
    staging = stage_dir(processed.staging_dir)
    try:
        zip_tmp = staging / f"{item_id}.zip"
        zip_bag(processed.bag(item_id).root, zip_tmp, item_id)
        processed.bundles_dir.mkdir(parents=True, exist_ok=True)
        os.replace(zip_tmp, processed.bundle_path(item_id))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def ensure_bundle(processed: ProcessedLayout, item_id: str) -> None:
    """Re-make a bag's zip if a crash left it missing or holding another version of the bag."""
    if not bundle_is_current(processed, item_id):
        remake_bundle(processed, item_id)


def recover_interrupted(processed: ProcessedLayout, ttl_s: float) -> list[str]:
    """Repair what crashed updates left: the bag back in place, its bundle re-made (see `samizdat.swap`)."""
    return recover(_journal(processed), processed.items_dir, lambda item_id: remake_bundle(processed, item_id), ttl_s)
