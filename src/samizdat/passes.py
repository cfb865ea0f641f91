"""One pass over the inbox, whoever orchestrates it: list, look at each file once, dispatch, stop on a machine failure.

The orchestrator gives `run_pass` a way to run one item (`ItemRunner`): `flows/` creates one Prefect run per file
(or runs it in-process without a server), the library and its tests call `Pipeline.process_file` directly.
Everything else about a pass lives here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from samizdat import events
from samizdat.models import Outcome, Status
from samizdat.names import readable_name
from samizdat.pipeline import Pipeline, Sighting
from samizdat.settings import Settings


@dataclass(frozen=True)
class ItemRequest:
    """One file to process, as a pass hands it to an item run; everything but `path` is safe to show anyone."""

    reference: str  # the path, or a ticket for it (`samizdat.handoff`)
    label: str  # the run's name: the file's name, or the item id for a restricted item
    key: str  # one run per drop (`Pipeline.run_key`)
    path: Path
    item_id: str
    restricted: bool
    claim: str | None = None  # `inbox.claim_holder` when the pass looked: a dead worker's claim says its run died


ItemRunner = Callable[[ItemRequest], Outcome]


def item_request(pipeline: Pipeline, seen: Sighting) -> ItemRequest:
    """How a pass hands a file it has looked at to an item run."""
    reference, label = pipeline.dispatch(seen)
    return ItemRequest(reference, label, pipeline.run_key(seen), seen.path, seen.sha256[:12], seen.restricted,
                       seen.claim)


def run_pass(settings: Settings, run_item: ItemRunner, wait: bool = False,
             paths: list[Path] | None = None, side_by_side: int = 1) -> list[Outcome]:
    """Every settled file once (or just `paths`): each is handed to `run_item` unless it needs no run.

    Up to `side_by_side` items run at once (their engines keep to the machine's cores on their own). A file
    already published as it is costs a hash; a file another live worker holds is left to it. A machine failure
    (full disk) stops the pass: no item starts after it. Set-up problems raise `SetupError` and an unwritable
    `processed/` `OperationalError` before any file moves.
    """
    stopped = threading.Event()

    def run(request: ItemRequest) -> Outcome:
        if stopped.is_set():  # queued behind the item that found the machine failing: not started
            return Outcome(readable_name(request.path.name), Status.STOPPED, request.item_id,
                           reason="not started: the pass stopped", restricted=request.restricted)
        outcome = run_item(request)
        if outcome.status is Status.STOPPED:  # every file after this one would fail the same way
            stopped.set()
        return outcome

    with Pipeline(settings) as pipeline, ThreadPoolExecutor(max(1, side_by_side)) as pool:
        pipeline.prepare()
        files = pipeline.ready_files(wait) if paths is None else paths
        events.emit(events.PassStarted(len(files)))
        results: list[Outcome | Future[Outcome]] = []
        for path in files:
            if stopped.is_set():
                break
            seen = pipeline.look(path)
            if seen is None:  # another worker's pass published and released it meanwhile
                continue
            if pipeline.already_published(seen):
                results.append(pipeline.process_file(path))
            elif seen.claim == "live":
                results.append(Outcome(readable_name(path.name), Status.SKIPPED, seen.sha256[:12],
                                       reason="another worker is processing it", restricted=seen.restricted))
            elif side_by_side > 1:
                results.append(pool.submit(run, item_request(pipeline, seen)))
            else:
                results.append(run(item_request(pipeline, seen)))
        return [r.result() if isinstance(r, Future) else r for r in results]


def process_directly(settings: Settings) -> ItemRunner:
    """Run each item in this process with no orchestrator (tests, benches, embedding the library)."""
    from samizdat.handoff import take_up, tear_up

    def run_item(request: ItemRequest) -> Outcome:
        try:
            with Pipeline(settings) as pipeline:
                return pipeline.process_file(take_up(settings.tickets_dir, request.reference))
        finally:
            tear_up(settings.tickets_dir, request.reference)

    return run_item
