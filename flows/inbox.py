"""`process-inbox` hands each file to one `process-item` run, a task per stage, named after the file or item id.

Against a server where the `process-item` deployment exists (`samizdat serve`, or `samizdat deploy` for a work
pool), the pass only dispatches: it creates the item run with an idempotency key for the drop, so however many
passes or workers see a file, Prefect holds one run for it, and workers execute it. Without one (a one-shot
`samizdat process` on a private API), the pass runs each item in-process as a sub-flow.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.states import Cancelled, Completed

from flows.dispatch import ITEM_DEPLOYMENT, dispatch, item_deployment
from flows.review import publish_review_queue
from flows.stages import limited_stage_runner
from samizdat import events
from samizdat.describe import published_content, review_text
from samizdat.detect import detect
from samizdat.handoff import take_up, tear_up
from samizdat.kinds import input_kind
from samizdat.models import Kind, Outcome, Status
from samizdat.names import readable_name
from samizdat.passes import ItemRequest, run_pass
from samizdat.pipeline import Pipeline
from samizdat.settings import Settings, cores
from samizdat.timecode import clock


class ItemQuarantined(Exception):
    """Raised so a quarantined file shows as a failed item run with the archivist's reason."""

    def __init__(self, outcome: Outcome) -> None:
        reason = "(restricted item: see its .error.json)" if outcome.restricted else outcome.reason
        super().__init__(f"{outcome.label} was quarantined at stage '{outcome.stage}': {reason}. "
                         f"What to do: {outcome.hint}")
        self.outcome = outcome


class PassStopped(Exception):
    """The machine failed (full disk, read-only `processed/`): the pass stopped, the files are still in the inbox."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        stopped = next(o for o in outcomes if o.status is Status.STOPPED)
        super().__init__(f"The pass stopped: {stopped.reason}. {stopped.hint}")
        self.outcomes = outcomes


def settings_for(inbox: str | None, processed: str | None) -> Settings:
    """Settings from the environment, with the folders a caller named."""
    overrides: dict[str, Any] = {}
    if inbox:
        overrides["inbox"] = Path(inbox)
    if processed:
        overrides["processed"] = Path(processed)
    return Settings(**overrides)


class _ProgressArtifact:
    """One Prefect progress artifact per item, created when the item first reports progress."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.artifact_id: Any = None
        self.last = -1.0

    def __call__(self, filename: str, done: float, total: float, unit: str) -> None:
        events.emit(events.ItemProgress(filename, done, total, unit))
        percent = 100.0 * done / total if total else 100.0
        if percent - self.last < 1.0 and percent < 100.0:
            return
        self.last = percent
        description = f"{self.label}: {done:g} of {total:g} {unit}"
        if self.artifact_id is None:
            self.artifact_id = create_progress_artifact(percent, description=description)
        else:
            update_progress_artifact(self.artifact_id, percent, description=description)


@flow(name="process-item", flow_run_name="{label}", persist_result=False, log_prints=False)
def process_item(
    path: str, label: str, inbox: str | None = None, processed: str | None = None, force: bool = False
) -> dict[str, Any]:
    """Process one inbox file; fail the run (with the reason) when the file ends in quarantine.

    `path` is the file's path or a ticket for it, and `label` what the UI may show (`Pipeline.dispatch`).
    """
    settings = settings_for(inbox, processed)
    file = take_up(settings.tickets_dir, path)
    events.emit(events.ItemStarted(readable_name(file.name)))
    try:
        with Pipeline(settings, limited_stage_runner(settings), _ProgressArtifact(label)) as pipeline:
            outcome = pipeline.process_file(file, force=force)
    finally:
        tear_up(settings.tickets_dir, path)
    events.emit(events.ItemFinished(outcome))
    create_markdown_artifact(_summary(outcome, settings), description=f"{outcome.label}: {outcome.status}")
    if outcome.status is Status.DEFERRED and file.exists():
        os.utime(file)  # a new drop time: the next pass gives it a new run (one run per drop, `run_key`)
    if outcome.status is Status.QUARANTINED:
        raise ItemQuarantined(outcome)
    public = f"{outcome.status.value} {outcome.label}" + (f" as item {outcome.item_id}" if outcome.item_id else "")
    if outcome.status in (Status.DEFERRED, Status.SKIPPED):
        # The run gave the file back (a failure of the moment) or found another run on it: it completed nothing.
        # Cancelled, not Completed, so each file has exactly one completed run; the next pass makes a new one.
        return Cancelled(message=public, data=asdict(outcome))  # type: ignore[return-value]
    return Completed(message=public, data=asdict(outcome))  # type: ignore[return-value]


@flow(name="process-inbox", persist_result=False)
def process_inbox(
    inbox: str | None = None, processed: str | None = None, wait: bool = False, paths: list[str] | None = None
) -> list[dict[str, Any]]:
    """One pass: every settled file (or the files `paths` names: paths or tickets) gets one item run.

    The run is dispatched to the `process-item` deployment where the server has one, else run here. A pass that
    saw files ends with its table (`inbox-pass`) and the review queue (`review-queue`, `flows.review`).
    """
    logger = get_run_logger()
    settings = settings_for(inbox, processed)
    logger.info("Inbox pass over %s", settings.inbox)

    deployment = item_deployment()
    if deployment is not None:
        logger.info("Dispatching files to %s", ITEM_DEPLOYMENT)

    def run_item(request: ItemRequest) -> Outcome:
        if deployment is not None:
            return dispatch(request, settings, deployment)
        with _one_at_a_time_if_its_kind_says(request.path):
            state = process_item(request.reference, request.label, str(settings.inbox), str(settings.processed),
                                 return_state=True)
        return _outcome_of(state, request.path)

    named = [take_up(settings.tickets_dir, reference) for reference in paths] if paths is not None else None
    try:
        # Dispatching is quick, one file after another; run here, items go side by side, a core each for a page.
        outcomes = run_pass(settings, run_item, wait, named, side_by_side=1 if deployment else cores())
    finally:
        for reference in paths or []:
            tear_up(settings.tickets_dir, reference)
    if outcomes:
        create_table_artifact(
            [{"file": o.label, "outcome": o.status, "item": o.item_id or "", "seconds": round(o.seconds, 2),
              "reason": "" if o.restricted else o.reason or "",
              "to review": review_text(published_content(settings, o.item_id))
              if o.status in (Status.PUBLISHED, Status.REPROCESSED) else ""} for o in outcomes],
            key="inbox-pass",
            description=f"Inbox pass over {settings.inbox}",
        )
        publish_review_queue(settings)
    if any(o.status is Status.STOPPED for o in outcomes):
        raise PassStopped(outcomes)
    return [asdict(o) for o in outcomes]


def dispatch_files(settings: Settings, paths: list[Path]) -> list[Outcome]:
    """Hand these settled files to their item runs on the server (the watcher's way in); no pass flow run."""
    deployment = item_deployment()
    if deployment is None:
        raise RuntimeError(f"the {ITEM_DEPLOYMENT} deployment is not registered on the server yet")
    return run_pass(settings, lambda request: dispatch(request, settings, deployment), paths=paths)


def warm_dispatch(settings: Settings) -> None:
    """Do now what the watcher's first hand-off would do: the pass's checks and every kind's processing key.

    The checks read the catalogue and ask the engines; the keys import the kinds. The first drop after `serve` started
    waited 4.1 s in its hand-off, the next ones 0.3 s (bench/pipeline/drops-warm.md).
    """
    with Pipeline(settings) as pipeline:
        pipeline.prepare()
        pipeline.processing_keys()


@flow(name="reprocess-item", flow_run_name="reprocess {item_id}", persist_result=False)
def reprocess_item(item_id: str, processed: str | None = None) -> dict[str, Any]:
    """Redo one published item from the original kept in its bag, with the settings in force now."""
    settings = settings_for(None, processed)
    with Pipeline(settings) as pipeline:
        pipeline.prepare()
        staged = pipeline.stage_original(item_id)
        seen = pipeline.look(staged)
    try:
        if seen is None:
            raise FileNotFoundError(staged)
        reference, label = pipeline.dispatch(seen)
        state = process_item(reference, label, str(staged.parent), str(settings.processed), force=True,
                             return_state=True)
        return asdict(_outcome_of(state, staged))
    finally:
        shutil.rmtree(staged.parent, ignore_errors=True)


_ONE_AT_A_TIME: dict[Kind, threading.Lock] = {}
_LOCKS = threading.Lock()


@contextmanager
def _one_at_a_time_if_its_kind_says(path: Path) -> Iterator[None]:
    """Items of a kind whose one item keeps every core busy (Whisper's recordings) run one after another."""
    try:
        kind = input_kind(detect(path).kind)
    except Exception:  # unreadable: the item run will say why
        kind = None
    if kind is None or not kind.one_at_a_time:
        yield
        return
    with _LOCKS:
        lock = _ONE_AT_A_TIME.setdefault(kind.kind, threading.Lock())
    with lock:
        yield


def _outcome_of(state: Any, path: Path) -> Outcome:
    """The item's outcome from its sub-flow's final state, whatever that state is."""
    result = state.result(raise_on_failure=False)
    if isinstance(result, dict):
        return Outcome(**result)
    if isinstance(result, ItemQuarantined):
        return result.outcome
    return Outcome(readable_name(path.name), Status.QUARANTINED, reason=str(result), stage="orchestration")


def _summary(outcome: Outcome, settings: Settings) -> str:
    """The per-item Markdown an archivist reads in the UI; a restricted item's shows its id and outcome only."""
    lines = [f"# {outcome.label}", "", f"**Outcome:** {outcome.status}", ""]
    if outcome.restricted:
        lines.append("Restricted item: its title, names and text are shown to staff in the portal only.")
        if outcome.reason and outcome.status is not Status.QUARANTINED:
            lines.append("It is restricted because its archivist metadata could not be read completely: the staff "
                         "page says what to fix; then run `samizdat reprocess` on the item.")
        return "\n".join(lines)
    if outcome.status is Status.QUARANTINED:
        lines += [f"**Stage:** {outcome.stage}", "", f"**Reason:** {outcome.reason}", "",
                  f"**What to do:** {outcome.hint}"]
        return "\n".join(lines)
    bag = settings.bag(outcome.item_id or "")
    if not bag.exists():
        return "\n".join(lines)
    meta = bag.record()
    content = meta.content.as_dict()
    lines += [f"**Item:** `{meta.id}` ({meta.kind})", f"**Title:** {meta.dc.title}",
              f"**Languages:** {', '.join(meta.dc.language) or 'not given'}", ""]
    lines += [f"- {key}: {value}" for key, value in content.items()
              if not isinstance(value, dict) and key not in ("review_pages", "review_segments")]
    if meta.content.review_pages:
        lines += ["", f"## Pages to review ({len(meta.content.review_pages)})", ""]
        lines += [f"- page {p.page}: {p.reason} (score {p.score})" for p in meta.content.review_pages]
    if meta.content.review_segments:
        lines += ["", f"## Stretches to listen to ({len(meta.content.review_segments)})", ""]
        lines += [f"- {clock(s.start_s)}-{clock(s.end_s)}: {s.reason}" for s in meta.content.review_segments]
    if meta.articles:
        lines += ["", "## Article links", ""]
        lines += [f"- {a.id} (score {a.score}): {', '.join(a.evidence)}" for a in meta.articles]
    if meta.warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in meta.warnings]
    lines += ["", f"Bag: `{bag.root}`", "", f"Portal: {settings.portal_url}/items/{meta.id}"]
    return "\n".join(lines)
