"""Many machines: one Prefect server (PostgreSQL-backed), a `process` work pool, `prefect worker start` on each machine.

Every machine mounts the same inbox and processed folders and has this project at the same path. Three deployments
go to the pool: `process-inbox/inbox` on an interval, a cheap pass that creates one `process-item/item` run per
dropped file (idempotently: `flows.dispatch`), `process-item/item`, which the workers execute, and `review-item/form`,
the archivists' corrections (`flows.review`). The claim on
each file's SHA-256 in the shared `processed/.claims/` stays as the safety net: a worker that dies stops renewing
its claim, and after `SAMIZDAT_CLAIM_TTL_S` the next pass creates a new run for the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from samizdat.settings import Settings

if TYPE_CHECKING:
    from prefect import Flow

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENTRYPOINT = "flows/inbox.py:process_inbox"
ITEM_ENTRYPOINT = "flows/inbox.py:process_item"
# Inbox passes wait in a queue of their own, behind item runs (the pool's `default` queue, priority 1). When passes
# start slower than their interval (a loaded machine), they pile up; in one queue they were taken oldest first and a
# dead worker's files waited behind them until the two-worker test timed out (bench/pipeline/scale_out_hog.md).
PASSES_QUEUE = "passes"
PASSES_PRIORITY = 100
REVIEW_ENTRYPOINT = "flows/review.py:review_item"


def ensure_process_pool(name: str) -> None:
    """Create the work pool (type `process`) and its queue for inbox passes, unless they exist."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))
        try:
            client.read_work_queue_by_name(PASSES_QUEUE, work_pool_name=name)
        except ObjectNotFound:
            client.create_work_queue(PASSES_QUEUE, work_pool_name=name, priority=PASSES_PRIORITY,
                                     description="Inbox passes: taken only when no item run is waiting.")


def deploy_inbox(settings: Settings, pool: str, name: str = "inbox") -> str:
    """Deploy the scan, the item flow (one run per file) and the review form to the pool; return the scan's id."""
    from flows.dispatch import ITEM_DEPLOYMENT_NAME
    from flows.inbox import process_inbox, process_item
    from flows.review import REVIEW_DEPLOYMENT_NAME, review_item

    ensure_process_pool(pool)
    item_flow = cast("Flow[..., Any]", process_item.from_source(source=str(PROJECT_ROOT), entrypoint=ITEM_ENTRYPOINT))
    item_flow.deploy(
        name=ITEM_DEPLOYMENT_NAME,
        work_pool_name=pool,
        build=False,
        push=False,
        description="Processes one file; created once per drop by the inbox passes.",
        print_next_steps=False,
    )
    review_flow = cast("Flow[..., Any]", review_item.from_source(source=str(PROJECT_ROOT),
                                                                 entrypoint=REVIEW_ENTRYPOINT))
    review_flow.deploy(
        name=REVIEW_DEPLOYMENT_NAME,
        work_pool_name=pool,
        build=False,
        push=False,
        parameters={"processed": str(settings.processed.resolve())},
        description="An archivist's correction of one published item: a new version, the old one kept.",
        print_next_steps=False,
    )
    flow = cast("Flow[..., Any]", process_inbox.from_source(source=str(PROJECT_ROOT), entrypoint=ENTRYPOINT))
    deployment_id = flow.deploy(
        name=name,
        work_pool_name=pool,
        work_queue_name=PASSES_QUEUE,
        build=False,
        push=False,
        interval=settings.serve_interval_s,
        parameters={"inbox": str(settings.inbox.resolve()), "processed": str(settings.processed.resolve())},
        description="Scans the shared inbox; run by every worker of the pool.",
        print_next_steps=False,
    )
    return str(deployment_id)
