"""Many machines: one Prefect server (PostgreSQL-backed), a `process` work pool, `prefect worker start` on each machine.

Every machine mounts the same inbox and processed folders and has this project at the same path. Each worker
runs inbox passes; passes on different machines never process the same file because a pass claims each file
by its SHA-256 with an atomic create in the shared `processed/.claims/`, and a worker that dies stops renewing
its claim, so after `SAMIZDAT_CLAIM_TTL_S` another worker takes the file over.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from samizdat.settings import Settings

if TYPE_CHECKING:
    from prefect import Flow

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENTRYPOINT = "flows/inbox.py:process_inbox"


def ensure_process_pool(name: str) -> None:
    """Create the work pool (type `process`) unless it exists."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))


def deploy_inbox(settings: Settings, pool: str, name: str = "inbox") -> str:
    """Deploy `process-inbox` to the pool with the shared folders and the scan interval; return its id."""
    from flows.inbox import process_inbox

    ensure_process_pool(pool)
    flow = cast("Flow[..., Any]", process_inbox.from_source(source=str(PROJECT_ROOT), entrypoint=ENTRYPOINT))
    deployment_id = flow.deploy(
        name=name,
        work_pool_name=pool,
        build=False,
        push=False,
        interval=settings.serve_interval_s,
        parameters={"inbox": str(settings.inbox.resolve()), "processed": str(settings.processed.resolve())},
        description="Scans the shared inbox; run by every worker of the pool.",
        print_next_steps=False,
    )
    return str(deployment_id)
