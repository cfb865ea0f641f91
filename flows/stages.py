"""Run each library stage as a Prefect task: visible in the UI, retried only when the failure is transient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import TaskRun
from prefect.states import State

from samizdat.errors import TransientError

TRANSIENT_RETRIES = 2


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
        fn,
        name=name,
        cache_policy=NO_CACHE,  # inputs hold open files and engines: nothing to hash, nothing to reuse
        persist_result=False,
        retries=TRANSIENT_RETRIES,
        retry_delay_seconds=2,
        retry_condition_fn=_is_transient,
    )
    return stage_task(*args)
