"""Fixity: checking that the published bytes are still the bytes that were bagged.

Each item is published twice (DESIGN.md §2): the bag `items/<id>/` and its zip `bundles/<id>.zip`. The bag's
sha256 manifests are the reference for both:

- the bag itself is validated by bagit (every payload and tag file against its manifests, the Payload-Oxum);
- the zip must hold exactly the bag's files under `<id>/`, each readable (the zip's own CRC-32s, as
  `ZipFile.testzip` checks them) and with the sha256 the bag's manifests give for it.

Like bagit-python's validation, a check collects every problem before it answers: `ItemFixity.problems` lists
them all, each naming the file (`items/<id>/data/...` or `bundles/<id>.zip`) and what was expected and found.
The portal checks single files before serving them with `FixityCache`, which hashes a file once per
(path, size, modification time).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bagit

from samizdat.bag import PublishedBag
from samizdat.errors import SamizdatError
from samizdat.layout import ProcessedFolder

_CHUNK = 1 << 20


class FixityError(SamizdatError):
    """A published file no longer matches the bag's manifest: the archive's copy is damaged.

    Not the caller's fault and not fixed by retrying: the file must be restored (from a backup, or by
    `samizdat reprocess` from an intact original). `hint` says so.
    """

    def __init__(self, message: str, hint: str = "restore the item from a backup, or run `samizdat reprocess ID` "
                                                  "if its original is intact; then run `samizdat verify ID`") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass
class ItemFixity:
    """The outcome of checking one item: every problem found in its bag and its bundle ([] when intact)."""

    item_id: str
    problems: list[str] = field(default_factory=list)
    files_checked: int = 0
    versions_checked: int = 0  # earlier versions kept under versions/<id>/, each validated as a bag

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def sha256_of(path: Path) -> str:
    """The hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _decode_manifest_path(path: str) -> str:
    """Undo BagIt's percent-encoding of CR, LF and % in manifest paths (RFC 8493 §2.1.3)."""
    return path.replace("%0A", "\n").replace("%0a", "\n").replace("%0D", "\r").replace("%0d", "\r") \
        .replace("%25", "%")


def read_manifest(manifest: Path) -> dict[str, str]:
    """A sha256 manifest as {path relative to the bag (`data/...`): hex digest}; {} when it is absent."""
    entries: dict[str, str] = {}
    try:
        text = manifest.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return entries
    for line in text.splitlines():
        digest, _, path = line.strip().partition(" ")
        if digest and path.strip():
            entries[_decode_manifest_path(path.strip().lstrip("*"))] = digest.lower()
    return entries


def expected_digests(bag_dir: Path) -> dict[str, str]:
    """Every file the bag vouches for: payload (manifest-sha256.txt) and tag files (tagmanifest-sha256.txt)."""
    bag = PublishedBag(bag_dir)
    return {**read_manifest(bag.tagmanifest_path), **read_manifest(bag.manifest_path)}


def bundle_digests(bag_dir: Path) -> dict[str, str]:
    """What the bag's zip must hold: every file the manifests vouch for, and the tag manifests as they are on disk."""
    tag_manifests = {p.name: sha256_of(p) for p in bag_dir.glob("tagmanifest-*.txt") if p.is_file()}
    return {**expected_digests(bag_dir), **tag_manifests}


def check_bag(bag_dir: Path, label: str) -> list[str]:
    """Every problem bagit finds in the bag (checksums, missing and unexpected files, Payload-Oxum)."""
    try:
        with _bagit_quiet():
            bagit.Bag(str(bag_dir)).validate(processes=1)
    except bagit.BagValidationError as error:
        return [f"{label}: {detail}" for detail in error.details] or [f"{label}: {error.message}"]
    except bagit.BagError as error:
        return [f"{label}: not a valid bag: {error}"]
    if not PublishedBag(bag_dir).manifest_path.is_file():
        return [f"{label}: has no sha256 manifest (manifest-sha256.txt)"]
    return []


@contextmanager
def _bagit_quiet() -> Iterator[None]:
    """Without the warning bagit logs for each bad file: the problems are returned, each once, instead."""
    bagit_log = logging.getLogger("bagit")
    level = bagit_log.level
    bagit_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        bagit_log.setLevel(level)


def check_bundle(zip_path: Path, item_id: str, expected: dict[str, str], label: str) -> tuple[list[str], int]:
    """Problems of a bag's zip against the bag's digests, and how many members were read.

    Every member is read in full, so each one's CRC-32 is checked (what `ZipFile.testzip` does, without
    stopping at the first bad member); its sha256 is compared with `expected` (paths relative to the bag).
    """
    if not zip_path.is_file():
        return [f"{label}: missing (the bag has no zip to download)"], 0
    problems: list[str] = []
    found: set[str] = set()
    try:
        with zipfile.ZipFile(zip_path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                relative = info.filename.removeprefix(f"{item_id}/")
                if relative == info.filename:
                    problems.append(f"{label}: unexpected member {info.filename} (outside {item_id}/)")
                    continue
                found.add(relative)
                try:
                    digest = _member_sha256(archive, info)
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
                    problems.append(f"{label}: {info.filename} is unreadable (CRC or data error: {error})")
                    continue
                want = expected.get(relative)
                if want is None:
                    problems.append(f"{label}: unexpected member {info.filename} (not in the bag's manifests)")
                elif digest != want:
                    problems.append(f"{label}: {info.filename} sha256 expected={want} found={digest}")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        return [f"{label}: not a readable zip ({error})"], 0
    problems += [f"{label}: {item_id}/{relative} is missing" for relative in sorted(set(expected) - found)]
    return problems, len(found)


def _member_sha256(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with archive.open(info) as stream:  # raises BadZipFile on a CRC mismatch at the end of the member
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_item(processed: Path, item_id: str) -> ItemFixity:
    """Check one item's bag and its bundle zip; every problem, each naming its file."""
    layout = ProcessedFolder(processed)
    bag_dir = layout.bag(item_id).root
    zip_path = layout.bundle_path(item_id)
    result = ItemFixity(item_id)
    bag_label, zip_label = f"items/{item_id}", f"bundles/{item_id}.zip"
    if not bag_dir.is_dir():
        result.problems.append(f"{bag_label}: no such bag")
        if zip_path.exists():
            result.problems.append(f"{zip_label}: a bundle without its bag")
        return result
    result.problems += check_bag(bag_dir, bag_label)
    expected = bundle_digests(bag_dir)
    result.files_checked = len(expected)
    bundle_problems, _ = check_bundle(zip_path, item_id, expected, zip_label)
    result.problems += bundle_problems
    version_problems, result.versions_checked = check_versions(processed, item_id)
    result.problems += version_problems
    return result


def check_versions(processed: Path, item_id: str) -> tuple[list[str], int]:
    """Every problem of the item's kept earlier versions (`versions/<id>/v<N>/`, each a whole bag), and how many."""
    root = ProcessedFolder(processed).item_versions_dir(item_id)
    if not root.is_dir():
        return [], 0
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    problems: list[str] = []
    for folder in folders:
        problems += check_bag(folder, folder.relative_to(processed).as_posix())
    return problems, len(folders)


def item_ids(processed: Path) -> list[str]:
    """Every published item: the bags under `items/`, and any bundle whose bag is gone."""
    layout = ProcessedFolder(processed)
    bags = {p.name for p in _children(layout.items_dir) if p.is_dir() and not p.name.startswith(".")}
    bundles = {p.name.removesuffix(".zip") for p in _children(layout.bundles_dir)
               if p.is_file() and p.name.endswith(".zip") and not p.name.startswith(".")}
    return sorted(bags | bundles)


def _children(folder: Path) -> Iterable[Path]:
    return folder.iterdir() if folder.is_dir() else ()


def verify_all(processed: Path) -> list[ItemFixity]:
    """Check every published item (`samizdat verify` with no id, and the scheduled check of `serve`)."""
    return [verify_item(processed, item_id) for item_id in item_ids(processed)]


class FixityCache:
    """Files checked against their bag's manifest before they are served, each hashed once per version.

    A file is re-hashed only when its (path, size, modification time) changes, so a download costs one
    `stat` after the first; a replaced or rewritten file changes size or mtime and is hashed again. Bit rot
    changes neither, so an entry is also trusted for `max_age_s` at most (a day by default; the scheduled
    `verify --all` of `serve` reads every byte anyway). Thread-safe (the portal's sync routes run in a thread
    pool); holds at most `max_entries` digests.
    """

    def __init__(self, max_entries: int = 4096, max_age_s: float = 24 * 3600.0) -> None:
        self.max_entries = max_entries
        self.max_age_s = max_age_s
        self._digests: OrderedDict[tuple[str, int, int], tuple[float, str]] = OrderedDict()
        self._bundles: OrderedDict[tuple[str, int, int, str], tuple[float, tuple[str, ...]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hashed = 0  # how many times a file was actually read (for tests and logs)

    @staticmethod
    def _key(path: Path) -> tuple[str, int, int]:
        stat = path.stat()
        return str(path), stat.st_size, stat.st_mtime_ns

    def sha256(self, path: Path) -> str:
        """The file's sha256, from the cache while its size and mtime are unchanged."""
        key = self._key(path)
        with self._lock:
            cached = self._fresh(self._digests, key)
        if cached is not None:
            return str(cached)
        digest = sha256_of(path)
        with self._lock:
            self.hashed += 1
            self._remember(self._digests, key, digest)
        return digest

    def check_file(self, bag_dir: Path, target: Path) -> None:
        """Raise FixityError unless `target` (a file inside `bag_dir`) has the sha256 the bag's manifests give."""
        relative = target.relative_to(bag_dir.resolve()).as_posix()
        want = expected_digests(bag_dir).get(relative)
        if want is None:
            raise FixityError(f"items/{bag_dir.name}/{relative} is not in the bag's manifest")
        found = self.sha256(target)
        if found != want:
            raise FixityError(f"items/{bag_dir.name}/{relative} is damaged: sha256 expected={want} found={found}")

    def check_bundle(self, bag_dir: Path, zip_path: Path) -> None:
        """Raise FixityError unless the zip holds the bag's files intact (see `check_bundle`); cached per version."""
        manifest = PublishedBag(bag_dir).tagmanifest_path
        key = (*self._key(zip_path), manifest.read_text(encoding="utf-8") if manifest.is_file() else "")
        with self._lock:
            problems = self._fresh(self._bundles, key)
        if problems is None:
            found, _ = check_bundle(zip_path, bag_dir.name, bundle_digests(bag_dir), f"bundles/{zip_path.name}")
            problems = tuple(found)
            with self._lock:
                self.hashed += 1
                self._remember(self._bundles, key, problems)
        if problems:
            raise FixityError("; ".join(problems))

    def _fresh(self, cache: OrderedDict[Any, tuple[float, Any]], key: Any) -> Any:
        """The cached value, or None when absent or older than `max_age_s` (call with the lock held)."""
        entry = cache.get(key)
        if entry is None or time.monotonic() - entry[0] > self.max_age_s:
            return None
        cache.move_to_end(key)
        return entry[1]

    def _remember(self, cache: OrderedDict[Any, tuple[float, Any]], key: Any, value: Any) -> None:
        cache[key] = (time.monotonic(), value)
        cache.move_to_end(key)
        while len(cache) > self.max_entries:
            cache.popitem(last=False)
