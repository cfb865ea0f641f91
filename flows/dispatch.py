"""One Prefect run per dropped file: create the `process-item` run for it on the server, idempotently.

Whoever notices a settled file (an inbox pass on any worker, the watcher in `serve`, `samizdat process`) calls
`dispatch` with the drop's key (`Pipeline.run_key`); Prefect returns the existing run when one with that key exists,
so a file gets exactly one run however many passes see it. Workers of the pool (or `serve`'s runner) execute it.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.states import Cancelled

from flows.stages import shares_a_server
from samizdat import events
from samizdat.models import Outcome, Status
from samizdat.names import readable_name
from samizdat.passes import ItemRequest
from samizdat.settings import Settings

ITEM_FLOW = "process-item"
ITEM_DEPLOYMENT_NAME = "item"
ITEM_DEPLOYMENT = f"{ITEM_FLOW}/{ITEM_DEPLOYMENT_NAME}"


def item_deployment() -> UUID | None:
    """The `process-item` deployment's id on the server runs report to, or None (a private API has none)."""
    if not shares_a_server():
        return None
    return _deployment_id(ITEM_DEPLOYMENT)


def _deployment_id(name: str) -> UUID | None:
    if name in _known:
        return _known[name]
    with get_client(sync_client=True) as client:
        try:
            _known[name] = client.read_deployment_by_name(name).id
        except ObjectNotFound:
            return None  # not cached: `serve` may register it a moment later
    return _known[name]


_known: dict[str, UUID] = {}


def dispatch(request: ItemRequest, settings: Settings, deployment: UUID) -> Outcome:
    """Create (or find) the one live item run for this drop; return at once, without waiting for it.

    A drop's runs are keyed `<drop key>:<generation>`. A run whose worker died (its claim is dead, or it has sat
    pending or running for a claim's lifetime without holding the file's claim) is marked cancelled and the next
    generation takes over; every pass that finds it dead computes the same next key, so still one run is made.
    """
    with get_client(sync_client=True) as client:
        for generation in range(MAX_GENERATIONS):
            key = f"{request.key}:{generation}"
            found = client.read_flow_runs(flow_run_filter=FlowRunFilter(idempotency_key={"any_": [key]}), limit=1)
            if found and not _died(found[0], request, settings.claim_ttl_s):
                return _dispatched(request, found[0])
            if found:
                client.set_flow_run_state(found[0].id, Cancelled(message=DIED), force=True)
                continue
            run: FlowRun = run_deployment(  # type: ignore[assignment]
                deployment,
                parameters={"path": request.reference, "label": request.label, "inbox": str(settings.inbox.resolve()),
                            "processed": str(settings.processed.resolve())},
                flow_run_name=request.label,
                idempotency_key=key,
                timeout=0,
                as_subflow=False,
            )
            return _dispatched(request, run)
    raise RuntimeError(f"{request.label}: {MAX_GENERATIONS} item runs died; left in the inbox")


MAX_GENERATIONS = 20
DIED = "The worker running this item died; a new run took the file over."


def _died(run: FlowRun, request: ItemRequest, ttl_s: float) -> bool:
    """Whether a drop's run can no longer finish: its worker died while it was pending or running."""
    state = run.state
    if state is None or state.is_final() or state.is_scheduled():
        return False
    if request.claim is not None and request.claim.startswith("dead-"):
        return True
    waited = (datetime.now(UTC) - state.timestamp).total_seconds()
    return request.claim is None and waited > ttl_s


def _dispatched(request: ItemRequest, run: FlowRun) -> Outcome:
    return Outcome(readable_name(request.path.name), Status.DISPATCHED, request.item_id,
                   restricted=request.restricted, run_id=str(run.id))


def follow(outcomes: list[Outcome], poll_s: float = 1.0) -> list[Outcome]:
    """Wait for the item runs these outcomes were dispatched to; each one's final outcome, in the same order.

    A completed run's state message starts with its status (`flows.inbox.process_item`); a failed one says why.
    """
    pending = {o.run_id: o for o in outcomes if o.status is Status.DISPATCHED and o.run_id}
    final: dict[str, Outcome] = {}
    with get_client(sync_client=True) as client:
        while pending:
            for run_id, outcome in list(pending.items()):
                state = client.read_flow_run(UUID(run_id)).state
                if state is not None and state.is_final():
                    final[run_id] = _ended(outcome, state.is_completed(), state.message or "")
                    events.emit(events.ItemFinished(final[run_id]))
                    del pending[run_id]
            if pending:
                time.sleep(poll_s)
    return [final.get(o.run_id or "", o) for o in outcomes]


def _ended(outcome: Outcome, completed: bool, message: str) -> Outcome:
    word = message.split(" ", 1)[0]
    if completed or word in (Status.DEFERRED, Status.SKIPPED):
        return replace(outcome, status=Status(word) if word in Status.__members__.values() else Status.PUBLISHED)
    status = Status.QUARANTINED if "quarantined" in message else Status.DEFERRED
    return replace(outcome, status=status, reason=message)
