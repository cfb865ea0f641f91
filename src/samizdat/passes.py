"""One pass over the inbox, whoever orchestrates it: list, look at each file once, dispatch, stop on a machine failure.

The orchestrator gives `run_pass` a way to run one item (`ItemRunner`): `flows/` makes each a Prefect flow run, the
library and its tests call `Pipeline.process_file` directly. Everything else about a pass lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from samizdat import events
from samizdat.models import Outcome, Status
from samizdat.pipeline import Pipeline
from samizdat.settings import Settings

ItemRunner = Callable[[str, str, Path], Outcome]
"""`run_item(reference, label, path)`: process one file handed over as `Pipeline.dispatch` says; its outcome."""


def run_pass(settings: Settings, run_item: ItemRunner, wait: bool = False) -> list[Outcome]:
    """Every settled file once: published, duplicate, quarantined or deferred; a machine failure stops the pass.

    Set-up problems raise `SetupError` and an unwritable `processed/` `OperationalError` before any file moves.
    Files already published as they are cost a hash and need no item run.
    """
    with Pipeline(settings) as pipeline:
        pipeline.prepare()
        files = pipeline.ready_files(wait)
        events.emit(events.PassStarted(len(files)))
        outcomes: list[Outcome] = []
        for path in files:
            seen = pipeline.look(path)
            if seen is None:  # another worker's pass published and released it meanwhile
                continue
            if pipeline.already_published(seen):
                outcomes.append(pipeline.process_file(path))
                continue
            reference, label = pipeline.dispatch(seen)
            outcomes.append(run_item(reference, label, path))
            if outcomes[-1].status is Status.STOPPED:  # every file after this one would fail the same way
                break
    return outcomes


def process_directly(settings: Settings) -> ItemRunner:
    """Run each item in this process with no orchestrator (tests, benches, embedding the library)."""
    from samizdat.handoff import take_up, tear_up

    def run_item(reference: str, label: str, path: Path) -> Outcome:
        try:
            with Pipeline(settings) as pipeline:
                return pipeline.process_file(take_up(settings.tickets_dir, reference))
        finally:
            tear_up(settings.tickets_dir, reference)

    return run_item
