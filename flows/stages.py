"""Run each library stage as a Prefect task: visible in the UI, retried only when the failure is transient."""

from __future__ import annotations

import socket
from collections.abc import Callable
from contextlib import ExitStack
from functools import cache
from pathlib import Path
from typing import Any

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.client.schemas.objects import TaskRun
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectNotFound
from prefect.settings import get_current_settings
from prefect.states import State

from samizdat.errors import TransientError
from samizdat.kinds import input_kind
from samizdat.models import Detected
from samizdat.pipeline import Claimed, StageRunner
from samizdat.settings import Settings, cores

TRANSIENT_RETRIES = 2
# The shortest slot lease the Prefect server accepts. A live run renews its lease in the background; a dead
# worker's slots come back when it lapses, so the shortest lease is also the longest a dead worker blocks cores.
MIN_LEASE_S = 60.0
RETRY_DELAY_S = 2


def _is_transient(task: Task[Any, Any], task_run: TaskRun, state: State[Any]) -> bool:
    """Retry only what a retry can fix: never bad input, never a bug."""
    try:
        state.result()
    except TransientError:
        return True
    except Exception:
        return False
    return False


def run_stage_as_task(name: str, fn: Callable[..., Any], *args: Any) -> Any:
    """The pipeline's stage runner under Prefect: one task run per stage, named after the stage."""
    stage_task = task(
        name=name,
        cache_policy=NO_CACHE,  # inputs hold open files and engines; reuse is decided by the bag's processing key
        persist_result=False,
        retries=TRANSIENT_RETRIES,
        retry_delay_seconds=RETRY_DELAY_S,
        retry_condition_fn=_is_transient,
    )(fn)
    return stage_task(*args)


def cpu_limit_name() -> str:
    """One global concurrency limit per machine, with a slot per core, shared by every engine on it."""
    return f"samizdat-cpu-{socket.gethostname()}"


@cache
def ensure_cpu_limit() -> str:
    """Create this machine's limit on the Prefect server the first time it is needed."""
    name = cpu_limit_name()
    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=cores()))
    return name


def engine_slots(settings: Settings, detected: Detected, path: Path | None = None) -> int:
    """Cores an extraction keeps busy, as its input kind counts them (a Tesseract per page, Whisper's threads)."""
    return input_kind(detected.kind).cpu_slots(settings, path)


def shares_a_server() -> bool:
    """Whether runs here report to a server other processes use too (serve, workers), not a private ephemeral API.

    Only then can other runs compete for this machine's cores: alone, the library's own page pool and
    Whisper threads already keep to the core count.
    """
    return bool(get_current_settings().api.url)


def limited_stage_runner(settings: Settings) -> StageRunner:
    """Stages as tasks; on a shared server, extraction also holds its engine's share of this machine's CPU limit.

    So OCR and ASR started by several workers or runs on one machine wait for cores instead of oversubscribing them.
    """
    if not shares_a_server():
        return run_stage_as_task

    def run(name: str, fn: Callable[..., Any], *args: Any) -> Any:
        if name != "extract":
            return run_stage_as_task(name, fn, *args)
        claimed: Claimed = args[0]
        detected: Detected = args[1]
        with ExitStack() as held:
            try:
                # A worker that dies holding slots gives them back when its lease lapses, as it does its file claim.
                held.enter_context(concurrency(
                    ensure_cpu_limit(), occupy=engine_slots(settings, detected, claimed.source.path), strict=False,
                    lease_duration=MIN_LEASE_S, raise_on_lease_renewal_failure=False,
                ))
            except Exception as error:  # the orchestrator's failure, not the file's
                raise TransientError(f"could not reserve this machine's cores: {error}") from error
            return run_stage_as_task(name, fn, *args)

    return run
