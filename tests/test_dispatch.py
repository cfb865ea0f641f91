"""Which item runs count as dead (their worker died), and how a followed run's final state reads back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prefect.client.schemas.objects import FlowRun
from prefect.states import Completed, Failed, Pending, Running, Scheduled

from flows.dispatch import _died, _ended
from samizdat.models import Outcome, Status
from samizdat.passes import ItemRequest


def _run(state: Any, age_s: float) -> FlowRun:
    state.timestamp = datetime.now(UTC) - timedelta(seconds=age_s)
    return FlowRun(flow_id="00000000-0000-0000-0000-000000000000", name="letter.png", state=state)


def _request(claim: str | None) -> ItemRequest:
    return ItemRequest("/inbox/letter.png", "letter.png", "key", Path("/inbox/letter.png"), "abc", False, claim)


@pytest.mark.parametrize(
    ("state", "age_s", "claim", "died"),
    [
        (Scheduled(), 10_000, None, False),  # waiting for a worker is not dying
        (Pending(), 5, None, False),  # a worker is starting it
        (Pending(), 10_000, None, True),  # taken by a worker that died before it started
        (Running(), 5, None, False),  # started, about to claim the file
        (Running(), 10_000, None, True),  # running long without the file's claim: its worker died
        (Running(), 5, "dead-0123456789ab", True),  # its claim's owner is dead
        (Completed(), 10_000, None, False),  # finished runs are never re-made
        (Failed(), 10_000, "dead-0123456789ab", False),
    ],
)
def test_a_run_is_dead_only_when_its_worker_is(state: Any, age_s: float, claim: str | None, died: bool) -> None:
    assert _died(_run(state, age_s), _request(claim), ttl_s=300) is died


def test_a_followed_run_reads_back_as_its_outcome() -> None:
    dispatched = Outcome("letter.png", Status.DISPATCHED, "abc", run_id="r")
    assert _ended(dispatched, True, "duplicate letter.png as item abc").status is Status.DUPLICATE
    assert _ended(dispatched, True, "").status is Status.PUBLISHED
    failed = _ended(dispatched, False, "letter.png was quarantined at stage 'extract': broken")
    assert failed.status is Status.QUARANTINED and "broken" in (failed.reason or "")


def test_a_run_that_gave_its_file_back_reads_back_as_deferred() -> None:
    dispatched = Outcome("letter.png", Status.DISPATCHED, "abc", run_id="r")
    assert _ended(dispatched, False, "deferred letter.png as item abc").status is Status.DEFERRED
    assert _ended(dispatched, False, "skipped letter.png").status is Status.SKIPPED
