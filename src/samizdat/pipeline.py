"""One item's way from the inbox to a published bag (DESIGN.md §1), as plain functions.

`Pipeline.process_file` is the only composition of the stages. It takes a `run_stage` hook so an orchestrator can
wrap each stage (Prefect turns each into a task); called directly, it needs nothing but the library.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from samizdat import inbox
from samizdat.archivist import read_archivist_metadata, sidecar_path
from samizdat.describe import archivist_yaml, build_metadata, item_title
from samizdat.detect import detect
from samizdat.entities import find_entities
from samizdat.errors import BadInputError, TransientError
from samizdat.fingerprint import processing_key, processing_settings
from samizdat.kinds import ExtractRequest, handler_for
from samizdat.links import link_articles
from samizdat.models import ArchivistMetadata, Detected, Extraction, Kind, Outcome, Source
from samizdat.names import safe_name
from samizdat.package import (
    ensure_bundle,
    metadata_json,
    package_item,
    read_metadata,
    sweep_staging,
    update_metadata,
)
from samizdat.quarantine import quarantine
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


@dataclass
class Pipeline:
    """Processes inbox files one at a time; every failure ends in quarantine, never in a lost file."""

    settings: Settings
    run_stage: StageRunner = call_directly
    progress: ItemProgress = _silent
    _index: Any = field(default=None, init=False, repr=False)

    @property
    def index(self) -> Any:
        """The search index, opened on first use."""
        if self._index is None:
            self._index = open_index(self.settings.database_url, self.settings.catalog_path)
        return self._index

    def prepare(self) -> None:
        """Create the output folders and clear what crashed runs left in staging."""
        for folder in (self.settings.inbox, self.settings.items_dir, self.settings.bundles_dir,
                       self.settings.quarantine_dir, self.settings.staging_dir):
            folder.mkdir(parents=True, exist_ok=True)
        sweep_staging(self.settings.staging_dir)

    def ready_files(self, wait: bool) -> list[Path]:
        """Inbox files whose size has settled, oldest first."""
        return list(inbox.iter_ready(self.settings.inbox, self.settings.settle_s, wait))

    def process_file(self, path: Path, force: bool = False) -> Outcome:
        """Run every stage for one inbox file and say how it ended; `force` redoes an up-to-date item."""
        started = time.monotonic()
        tracker = _StageTracker()
        claimed: Claimed | None = None
        try:
            claimed = self._run(tracker, "claim", self.claim, path)
            if claimed is None:
                return Outcome(path.name, "skipped", reason="another worker has taken this file")
            with claimed.claim.kept_alive(self.settings.claim_ttl_s / 4):
                status = self._run_claimed(claimed, tracker, force)
            return Outcome(path.name, status, claimed.source.item_id, time.monotonic() - started,
                           stage_seconds=tracker.seconds)
        except TransientError as error:
            log.warning("%s: %s at %s; left in the inbox for the next pass", path.name, error, tracker.stage)
            return Outcome(path.name, "deferred", None, time.monotonic() - started, tracker.stage, str(error),
                           "Nothing is wrong with the file; it will be processed again on the next pass.",
                           tracker.seconds)
        except Exception as error:  # every other failure quarantines: the batch goes on, the original is kept
            hint = error.hint if isinstance(error, BadInputError) else BUG_HINT
            log.error("%s: quarantined at %s: %s", path.name, tracker.stage, error)
            self.quarantine(path, claimed, tracker.stage, error, hint)
            item_id = claimed.source.item_id if claimed else None
            return Outcome(path.name, "quarantined", item_id, time.monotonic() - started, tracker.stage, str(error),
                           hint, tracker.seconds)
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

    def _run_claimed(self, claimed: Claimed, tracker: _StageTracker, force: bool) -> str:
        source = claimed.source
        previous = self.published_metadata(source.item_id)
        if previous is not None and not force and self.up_to_date(previous):
            self._run(tracker, "duplicate", self.record_duplicate, source, previous)
            self._run(tracker, "release", self.release, claimed)
            return "duplicate"
        detected = self._run(tracker, "detect", detect, source.path)
        extraction = self._run(tracker, "extract", self.extract, claimed, detected)
        metadata = self._run(tracker, "describe", self.describe, claimed, detected, extraction, previous)
        bag = self._run(tracker, "package", self.package, claimed, detected, extraction, metadata, previous is not None)
        self._run(tracker, "index", self.index_bag, bag)
        self._run(tracker, "release", self.release, claimed)
        return "published" if previous is None else "reprocessed"

    def published_metadata(self, item_id: str) -> dict[str, Any] | None:
        """The metadata.json of the published bag with this id, if there is one."""
        bag = self.settings.items_dir / item_id
        return read_metadata(bag) if (bag / "data" / "metadata.json").exists() else None

    def already_published(self, path: Path) -> bool:
        """True when these bytes, under this name, are published with the settings in force now.

        Such a file needs no orchestration: re-running an unchanged inbox should cost a hash per file.
        """
        try:
            item_id = inbox.sha256_of(path)[:12]
        except FileNotFoundError:
            return False
        metadata = self.published_metadata(item_id)
        if metadata is None or not self.up_to_date(metadata):
            return False
        names = {metadata["source"]["filename"], *(r["filename"] for r in metadata.get("also_received_as", []))}
        return path.name in names

    def up_to_date(self, metadata: dict[str, Any]) -> bool:
        """True when the published item was made with the settings in force now."""
        recorded = metadata.get("processing", {}).get("key")
        return bool(recorded == processing_key(self.settings, Kind(metadata["kind"])))

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
        return Claimed(source, read_archivist_metadata(path, self.settings.inbox), claim)

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
        return handler_for(detected.kind).extract(request)

    def describe(
        self, claimed: Claimed, detected: Detected, extraction: Extraction, previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        """metadata.json: the archivist's fields, technical metadata, entities, article links, how it was made."""
        entities = find_entities(extraction)
        links = link_articles(entities, extraction.text, self.settings.articles_dir)
        metadata = build_metadata(claimed.source, detected, claimed.archivist, extraction, entities, links,
                                  self.settings.ocr.low_confidence)
        metadata["processing"] = {"key": processing_key(self.settings, detected.kind),
                                  "settings": processing_settings(self.settings, detected.kind)}
        if previous is not None:  # reprocessing keeps the item's history
            metadata["source"]["received_at"] = previous["source"]["received_at"]
            metadata["also_received_as"] = previous.get("also_received_as", [])
            if claimed.source.filename != previous["source"]["filename"] and not self._is_restaged(claimed.source):
                metadata["also_received_as"].append(
                    {"filename": claimed.source.filename, "received_at": claimed.source.received_at})
        return metadata

    def package(
        self, claimed: Claimed, detected: Detected, extraction: Extraction, metadata: dict[str, Any], replace: bool
    ) -> Path:
        """Build, validate and publish the bag (replacing an older one when reprocessing); return its folder."""
        title = item_title(claimed.source, claimed.archivist)
        files = handler_for(detected.kind).outputs(extraction, claimed.source.path, claimed.archivist, title)
        files["text.txt"] = extraction.text.encode("utf-8")
        files["metadata.json"] = metadata_json(metadata).encode("utf-8")
        s = self.settings
        return package_item(s.staging_dir, s.items_dir, s.bundles_dir, claimed.source, title, files, replace)

    def index_bag(self, bag: Path) -> None:
        """Put the published item into the search index; a busy or unreachable database is worth a retry."""
        try:
            self.index.upsert(item_from_bag(bag))
        except Exception as error:
            if _database_busy(error):
                raise TransientError(f"the search index is busy or unreachable: {error}") from error
            raise

    def release(self, claimed: Claimed) -> None:
        """Remove the inbox file and its sidecar: their bytes are now in a validated, published bag."""
        claimed.source.path.unlink(missing_ok=True)
        if claimed.source.sidecar is not None:
            claimed.source.sidecar.unlink(missing_ok=True)

    def record_duplicate(self, source: Source, metadata: dict[str, Any]) -> None:
        """Identical bytes again: note the new name in `also_received_as`; make sure the item is indexed."""
        s = self.settings
        bag = s.items_dir / source.item_id
        if source.filename != metadata["source"]["filename"]:
            metadata["also_received_as"].append({"filename": source.filename, "received_at": source.received_at})
            update_metadata(s.staging_dir, s.items_dir, s.bundles_dir, source.item_id, metadata)
        ensure_bundle(s.items_dir, s.bundles_dir, s.staging_dir, source.item_id)
        self.index_bag(bag)

    def stage_original(self, item_id: str) -> Path:
        """Copy a published item's original (and its archivist metadata) aside, to be processed again."""
        bag = self.settings.items_dir / item_id
        metadata = self.published_metadata(item_id)
        if metadata is None:
            raise BadInputError(f"there is no published item {item_id}", "Check the id with `samizdat search`.")
        folder = self.settings.staging_dir / f"{_RESTAGED}{item_id}-{time.monotonic_ns()}"
        folder.mkdir(parents=True)
        name = safe_name(metadata["source"]["filename"])
        shutil.copy2(bag / "data" / "original" / name, folder / name)
        sidecar = bag / "data" / "original" / f"{name}.yaml"
        if sidecar.exists():
            shutil.copy2(sidecar, folder / sidecar.name)
        else:  # the fields came from metadata.csv: carry them over from metadata.json
            (folder / sidecar.name).write_text(archivist_yaml(metadata), encoding="utf-8")
        return folder / name

    def _is_restaged(self, source: Source) -> bool:
        return source.path.parent.name.startswith(_RESTAGED)

    def quarantine(self, path: Path, claimed: Claimed | None, stage: str, error: BaseException, hint: str) -> None:
        """Move the original aside with its reason."""
        source = claimed.source if claimed else None
        quarantine(self.settings.quarantine_dir, path, stage, error, hint,
                   sidecar=source.sidecar if source else sidecar_path(path),
                   sha256=source.sha256 if source else None)
