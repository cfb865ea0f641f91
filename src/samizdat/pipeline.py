"""One item's way from the inbox to a published bag (DESIGN.md §1), as plain functions.

`Pipeline.process_file` is the only composition of the stages. It takes a `run_stage` hook so an orchestrator can
wrap each stage (Prefect turns each into a task); called directly, it needs nothing but the library.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from samizdat import inbox
from samizdat.archivist import read_archivist_metadata, sidecar_path
from samizdat.bag import PayloadNames, record_file
from samizdat.catalogue import archive_catalogue
from samizdat.derivatives import page_images
from samizdat.describe import archivist_yaml, build_metadata, item_title, with_archivist
from samizdat.detect import detect
from samizdat.entities import find_entities
from samizdat.errors import BadInputError, OperationalError, TransientError
from samizdat.fingerprint import processing_key, processing_settings
from samizdat.handoff import hand_off, sweep_tickets
from samizdat.kinds import ExtractRequest, handler_for
from samizdat.kinds import names as kind_names
from samizdat.links import link_articles, matcher_for
from samizdat.models import ArchivistMetadata, Detected, Extraction, Kind, Outcome, Source, Status
from samizdat.names import readable_name
from samizdat.ocr.quality import load_dictionaries
from samizdat.operational import operational_cause
from samizdat.package import (
    ensure_bundle,
    package_item,
    recover_interrupted,
    sweep_staging,
    update_bag,
)
from samizdat.preflight import check_setup
from samizdat.quarantine import QuarantineFailed, quarantine
from samizdat.record import ItemRecord, Processing, Received
from samizdat.relink import keep_archivist_links, refused_links
from samizdat.review.reapply import carry_review, reapply_corrections, reviewed
from samizdat.review.versions import keep_version
from samizdat.search import item_from_bag, open_index
from samizdat.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

STAGES = ("claim", "detect", "extract", "describe", "package", "index", "release")

StageRunner = Callable[..., Any]
"""`run_stage(name, fn, *args)` calls `fn(*args)`, possibly wrapped (a Prefect task, a timer)."""

ItemProgress = Callable[[str, float, float, str], None]
"""`progress(filename, done, total, unit)`."""

BUG_HINT = (
    "Samizdat failed on this file for a reason it does not recognise. The original is kept here; "
    "send the .error.json to the Samizdat maintainers, then move the file back into the inbox."
)


def _database_busy(error: BaseException) -> bool:
    """Locked SQLite, a dropped PostgreSQL connection: failures of the moment, not of the item."""
    if isinstance(error, (ConnectionError, TimeoutError)):
        return True
    message = str(error).lower()
    return type(error).__name__ == "OperationalError" and any(
        word in message for word in ("locked", "busy", "connection", "timeout", "terminating")
    )


def call_directly(name: str, fn: Callable[..., T], *args: Any) -> T:
    """The stage runner without an orchestrator."""
    return fn(*args)


def _silent(filename: str, done: float, total: float, unit: str) -> None:
    """Progress listener used when nobody listens."""


_RESTAGED = "reprocess-"


@dataclass
class _StageTracker:
    """Which stage is running (for the error report) and how long each took (for the benchmark)."""

    stage: str = "claim"
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class Claimed:
    """A hashed file this worker owns, with what the archivist said about it."""

    source: Source
    archivist: ArchivistMetadata
    claim: inbox.Claim
    restricted: bool = True  # shown to the orchestrator by id only: the new metadata or the published item says so


@dataclass(frozen=True)
class Sighting:
    """A settled inbox file as a pass first sees it: hashed once, with its metadata and any item of its bytes."""

    path: Path
    sha256: str
    published: ItemRecord | None
    archivist: ArchivistMetadata
    mtime_ns: int = 0
    claim: str | None = None  # `inbox.claim_holder`: None, "live", or the token of a dead worker's claim

    @property
    def restricted(self) -> bool:
        """Shown by id only: its metadata says restricted (or is unreadable), or its bytes' item is restricted."""
        published_restricted = self.published is not None and not self.published.is_open
        return self.archivist.access != "open" or published_restricted


@dataclass
class Pipeline:
    """Processes inbox files one at a time; every failure ends in quarantine, never in a lost file."""

    settings: Settings
    run_stage: StageRunner = call_directly
    progress: ItemProgress = _silent
    _index: Any = field(default=None, init=False, repr=False)

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the search index, if it was opened."""
        if self._index is not None:
            self._index.close()
            self._index = None

    @property
    def index(self) -> Any:
        """The search index, opened on first use."""
        if self._index is None:
            self._index = open_index(self.settings.database_url, self.settings.catalog_path)
        return self._index

    def prepare(self) -> None:
        """Create the output folders, repair what crashed runs left: interrupted updates, staging, stale claims.

        A `processed/` that cannot be written stops here with `OperationalError`, before any file moves.
        """
        s = self.settings
        check_setup(s)
        try:
            for folder in (s.inbox, s.items_dir, s.bundles_dir, s.quarantine_dir, s.staging_dir, s.claims_dir):
                folder.mkdir(parents=True, exist_ok=True)
            probe = s.staging_dir / f".write-test-{time.monotonic_ns()}"
            probe.write_bytes(b"")
            probe.unlink()
            recover_interrupted(s, s.claim_ttl_s)
            sweep_staging(s.staging_dir)
            inbox.sweep_claims(s.claims_dir, s.claim_ttl_s)
            sweep_tickets(s.tickets_dir)
        except OSError as error:
            raise OperationalError(
                f"{s.processed} cannot be written: {error}",
                "Check that processed/ exists on a mounted, writable disk with free space, then run the pass again.",
            ) from error

    def warm_up(self) -> None:
        """Load now what an item loads on first use: the OCR languages' dictionaries and the archive's catalogue.

        For a process whose item runs are its forks (`samizdat serve`): each fork starts with them loaded. The first
        item of a fresh process spent ~3.6 s of its 4.2 s on them (bench/pipeline/drops-warm.md).
        """
        load_dictionaries(self.settings.ocr.langs)
        archive_catalogue(self.settings.processed, self.settings.catalogue_dir)

    def ready_files(self, wait: bool) -> list[Path]:
        """Inbox files whose size has settled, oldest first."""
        return list(inbox.iter_ready(self.settings.inbox, self.settings.settle_s, wait))

    def process_file(self, path: Path, force: bool = False) -> Outcome:
        """Run every stage for one inbox file and say how it ended; `force` redoes an up-to-date item.

        Bad input ends in quarantine; a failure of the machine (full disk, read-only `processed/`) ends as
        "stopped", with the file left in the inbox, and the pass should stop.
        """
        started = time.monotonic()
        tracker = _StageTracker()
        claimed: Claimed | None = None
        name = readable_name(path.name)

        def ended(status: Status, error: BaseException | None = None, hint: str | None = None) -> Outcome:
            item_id = claimed.source.item_id if claimed else None
            restricted = claimed is None or claimed.restricted
            return Outcome(name, status, item_id, time.monotonic() - started,
                           tracker.stage if error else None, str(error) if error else None, hint, tracker.seconds,
                           restricted=restricted)

        try:
            claimed = self._run(tracker, "claim", self.claim, path)
            if claimed is None:
                return Outcome(name, Status.SKIPPED, reason="another worker has taken this file")
            with claimed.claim.kept_alive(self.settings.claim_ttl_s / 4):
                status = self._run_claimed(claimed, tracker, force)
            published = ended(status)
            published.reason = claimed.archivist.access_reason  # restricted because its metadata was unreadable
            return published
        except TransientError as error:
            log.warning("%s: %s at %s; left in the inbox for the next pass", name, error, tracker.stage)
            return ended(Status.DEFERRED, error, "Nothing is wrong with the file; the next pass processes it again.")
        except Exception as error:  # every other failure quarantines: the batch goes on, the original is kept
            machine = operational_cause(error, self.settings.processed)
            if machine is not None:
                log.error("%s: stopped at %s: %s", name, tracker.stage, machine)
                return ended(Status.STOPPED, machine, machine.hint)
            hint = error.hint if isinstance(error, BadInputError) else BUG_HINT
            log.error("%s: quarantined at %s: %s", name, tracker.stage, error)
            try:
                self.quarantine(path, claimed, tracker.stage, error, hint)
            except QuarantineFailed as failed:
                log.error("%s: %s", name, failed)
                return ended(Status.STOPPED, failed, failed.hint)
            return ended(Status.QUARANTINED, error, hint)
        finally:
            if claimed is not None:
                claimed.claim.release()

    def _run(self, tracker: _StageTracker, name: str, fn: Callable[..., T], *args: Any) -> T:
        tracker.stage = name
        began = time.monotonic()
        try:
            result: T = self.run_stage(name, fn, *args)
            return result
        finally:
            tracker.seconds[name] = round(time.monotonic() - began, 4)

    def _run_claimed(self, claimed: Claimed, tracker: _StageTracker, force: bool) -> Status:
        source = claimed.source
        previous = self.published_metadata(source.item_id)
        if previous is not None and not force and self.up_to_date(previous):
            self._run(tracker, "duplicate", self.record_duplicate, claimed, previous)
            self._run(tracker, "release", self.release, claimed)
            return Status.DUPLICATE
        detected = self._run(tracker, "detect", detect, source.path)
        extraction = self._run(tracker, "extract", self.extract, claimed, detected)
        metadata = self._run(tracker, "describe", self.describe, claimed, detected, extraction, previous)
        bag = self._run(tracker, "package", self.package, claimed, detected, extraction, metadata, previous is not None)
        self._run(tracker, "index", self.index_bag, bag)
        self._run(tracker, "release", self.release, claimed)
        return Status.PUBLISHED if previous is None else Status.REPROCESSED

    def published_metadata(self, item_id: str) -> ItemRecord | None:
        """The record of the published bag with this id, if there is one."""
        bag = self.settings.bag(item_id)
        return bag.record() if bag.exists() else None

    def look(self, path: Path) -> Sighting | None:
        """Hash a settled file once and read what is known of it; None when it vanished meanwhile."""
        try:
            mtime_ns = path.stat().st_mtime_ns
            sha256 = inbox.sha256_of(path)
        except FileNotFoundError:
            return None
        return Sighting(path, sha256, self.published_metadata(sha256[:12]),
                        read_archivist_metadata(path, self.settings.inbox), mtime_ns,
                        inbox.claim_holder(self.settings.claims_dir, sha256, self.settings.claim_ttl_s))

    def run_key(self, seen: Sighting) -> str:
        """One item run per drop: the bytes, the settings and metadata they are processed with, and the drop.

        Every pass and worker that sees the same drop computes the same key, so the orchestrator keeps exactly one
        run for it. A re-drop (a new mtime) or new metadata makes a new key: that drop needs a run of its own.
        """
        archivist = hashlib.sha256(repr(seen.archivist).encode()).hexdigest()[:12]
        parts = [seen.sha256, self.processing_keys(), archivist, str(seen.mtime_ns)]
        return "samizdat-item-" + hashlib.sha256(":".join(parts).encode()).hexdigest()[:32]

    def processing_keys(self) -> str:
        """Every input kind's processing key, joined (part of each run key; the first call imports the kinds)."""
        return ",".join(processing_key(self.settings, kind) for kind in kind_names())

    def already_published(self, seen: Sighting) -> bool:
        """True when these bytes, under this name and with this metadata, are published with the settings now.

        Such a file needs no orchestration: re-running an unchanged inbox should cost a hash per file.
        """
        metadata = seen.published
        if metadata is None or not self.up_to_date(metadata):
            return False
        names = metadata.names
        brings_new_metadata = _given(seen.archivist) and with_archivist(metadata, seen.archivist) != metadata
        return readable_name(seen.path.name) in names and not brings_new_metadata

    def dispatch(self, seen: Sighting) -> tuple[str, str]:
        """How to hand a file to an item run: (reference, label), both safe to show to anyone who reaches Prefect.

        The file's name is shown only when its bytes are UTF-8 and neither its metadata nor an item already
        published with the same bytes is restricted; otherwise the run sees a ticket and the item id.
        """
        name = readable_name(seen.path.name)
        if not seen.restricted and name == seen.path.name:
            return str(seen.path), name
        label = f"item {seen.sha256[:12]}" if seen.restricted else name
        return hand_off(self.settings.tickets_dir, seen.path), label

    def up_to_date(self, metadata: ItemRecord) -> bool:
        """True when the published item was made with the settings in force now."""
        recorded = metadata.processing.key if metadata.processing is not None else None
        return bool(recorded == processing_key(self.settings, Kind(metadata.kind)))

    # The stages, in order. Each takes and returns plain values so an orchestrator can record them.

    def claim(self, path: Path) -> Claimed | None:
        """Hash the file, take the claim on its bytes, read the archivist's metadata.

        None when another worker got there first: it holds the claim, or already published and released the file.
        """
        try:
            source = inbox.describe_source(path)
        except FileNotFoundError:
            return None
        claim = inbox.try_claim(self.settings.claims_dir, source.sha256, self.settings.claim_ttl_s)
        if claim is None:
            return None
        if not path.exists():
            claim.release()
            return None
        archivist = read_archivist_metadata(path, self.settings.inbox)
        published = self.published_metadata(source.item_id)
        restricted = archivist.access != "open" or (published is not None and not published.is_open)
        return Claimed(source, archivist, claim, restricted)

    def extract(self, claimed: Claimed, detected: Detected) -> Extraction:
        """Text out of the file, by the input kind its bytes say it is."""
        filename = claimed.source.filename
        request = ExtractRequest(
            path=claimed.source.path,
            media_type=detected.media_type,
            settings=self.settings,
            languages=claimed.archivist.languages,
            progress=lambda done, total, unit: self.progress(filename, done, total, unit),
            archivist=claimed.archivist,
        )
        extraction = handler_for(detected.kind).extract(request)
        previous = self.published_metadata(claimed.source.item_id)
        if reviewed(previous):  # a reprocess never undoes a person's work
            assert previous is not None
            reapply_corrections(extraction, previous, self.settings.bag(claimed.source.item_id))
        return extraction

    def describe(
        self, claimed: Claimed, detected: Detected, extraction: Extraction, previous: ItemRecord | None
    ) -> ItemRecord:
        """metadata.json: the archivist's fields, technical metadata, entities, article links, how it was made."""
        catalogue = archive_catalogue(self.settings.processed, self.settings.catalogue_dir)
        entities = find_entities(extraction, matcher_for(catalogue))
        links = link_articles(entities, extraction.text, self.settings.articles_dir, catalogue=catalogue)
        metadata = build_metadata(claimed.source, detected, claimed.archivist, extraction, entities, links,
                                  self.settings.ocr.low_confidence)
        metadata.processing = Processing(key=processing_key(self.settings, detected.kind),
                                         settings=processing_settings(self.settings, detected.kind))
        if previous is not None:  # reprocessing keeps the item's history
            metadata.articles = keep_archivist_links(metadata.articles, previous.articles, refused_links(previous))
            metadata.dc.relation = [a.id for a in metadata.articles]
            metadata.source.received_at = previous.source.received_at
            metadata.also_received_as = [r.model_copy() for r in previous.also_received_as]
            if claimed.source.filename != previous.source.filename and not self._is_restaged(claimed.source):
                metadata.also_received_as.append(
                    Received(filename=claimed.source.filename, received_at=claimed.source.received_at))
            if reviewed(previous):
                metadata = carry_review(metadata, previous, self.settings.bag(claimed.source.item_id),
                                        [p.text for p in extraction.pages], inbox.now_iso())
        return metadata

    def package(
        self, claimed: Claimed, detected: Detected, extraction: Extraction, metadata: ItemRecord, replace: bool
    ) -> Path:
        """Build, validate and publish the bag (replacing an older one when reprocessing); return its folder."""
        title = item_title(claimed.source, claimed.archivist)
        files = handler_for(detected.kind).outputs(extraction, claimed.source.path, claimed.archivist, title)
        files[PayloadNames.TEXT] = extraction.text.encode("utf-8")
        files.update(record_file(metadata))
        files.update(page_images(files, claimed.source.path, detected.media_type))
        if replace and reviewed(metadata):  # the version an archivist worked on stays, like every earlier one
            keep_version(self.settings, claimed.source.item_id)
        return package_item(self.settings, claimed.source, title, files, replace)

    def index_bag(self, bag: Path) -> None:
        """Put the published item into the search index; a busy or unreachable database is worth a retry."""
        try:
            self.index.upsert(item_from_bag(bag))
        except Exception as error:
            if _database_busy(error):
                raise TransientError(f"the search index is busy or unreachable: {error}") from error
            raise

    def release(self, claimed: Claimed) -> None:
        """Remove the inbox file and its sidecar: their bytes are now in a validated, published bag.

        The file is hashed again first: if it changed since it was copied (a TIFF that gained a page), it is not
        the bytes that were published, so it stays for the next pass.
        """
        source = claimed.source
        try:
            current = inbox.sha256_of(source.path)
        except FileNotFoundError:
            current = source.sha256
        if current != source.sha256:
            raise TransientError(f"{source.filename} changed after it was copied into its bag; the new version "
                                 "stays in the inbox and is processed on the next pass")
        source.path.unlink(missing_ok=True)
        if source.sidecar is not None:
            source.sidecar.unlink(missing_ok=True)

    def record_duplicate(self, claimed: Claimed, metadata: ItemRecord) -> None:
        """Identical bytes again: apply the archivist's new metadata and note the new name.

        New metadata may restrict the item: the bag is republished and the index updated at once. The new name goes
        into `also_received_as`; the item is made sure to be indexed and its bundle current.
        """
        source = claimed.source
        updated = with_archivist(metadata, claimed.archivist) if _given(claimed.archivist) else metadata.copy_deep()
        files: dict[str, bytes] = {}
        if updated != metadata:  # the archivist's sidecar in the bag must say what now holds, for reprocessing
            files[PayloadNames.sidecar(metadata.source.filename)] = archivist_yaml(updated).encode("utf-8")
        if source.filename != metadata.source.filename:
            updated.also_received_as = [*metadata.also_received_as,
                                        Received(filename=source.filename, received_at=source.received_at)]
        if updated != metadata:
            update_bag(self.settings, source.item_id, updated, files)
        ensure_bundle(self.settings, source.item_id)
        self.index_bag(self.settings.bag(source.item_id).root)

    def stage_original(self, item_id: str) -> Path:
        """Copy a published item's original (and its archivist metadata) aside, to be processed again."""
        bag = self.settings.bag(item_id)
        metadata = self.published_metadata(item_id)
        if metadata is None:
            raise BadInputError(f"there is no published item {item_id}", "Check the id with `samizdat search`.")
        folder = self.settings.staging_dir / f"{_RESTAGED}{item_id}-{time.monotonic_ns()}"
        folder.mkdir(parents=True)
        original = bag.original_path(metadata.source.filename)
        shutil.copy2(original, folder / original.name)
        sidecar = bag.sidecar_path(metadata.source.filename)
        if sidecar.exists():
            shutil.copy2(sidecar, folder / sidecar.name)
        else:  # the fields came from metadata.csv: carry them over from metadata.json
            (folder / sidecar.name).write_text(archivist_yaml(metadata), encoding="utf-8")
        return folder / original.name

    def _is_restaged(self, source: Source) -> bool:
        return source.path.parent.name.startswith(_RESTAGED)

    def quarantine(self, path: Path, claimed: Claimed | None, stage: str, error: BaseException, hint: str) -> None:
        """Move the original aside with its reason."""
        source = claimed.source if claimed else None
        quarantine(self.settings.quarantine_dir, path, stage, error, hint,
                   sidecar=source.sidecar if source else sidecar_path(path),
                   sha256=source.sha256 if source else None)


def _given(archivist: ArchivistMetadata) -> bool:
    """Whether a drop came with any archivist metadata (a sidecar or a CSV row), readable or not."""
    return bool(archivist.dc or archivist.extra or archivist.collection or archivist.warnings
                or archivist.access != "open")
