"""Prefect settings Samizdat runs under, and warm starts for the item runs that `serve` executes."""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings


@contextmanager
def quiet_flow_runs() -> Iterator[None]:
    """No flow heartbeat: it costs ~1 s per flow run at exit (NOTES.md) and one-shot runs need no crash detection."""
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


# Imported once by the fork server, so an item run starts as a fork that has them already. A fresh interpreter
# importing them took 4.3-8.9 s on the loaded 2-core machine (`python -c "import flows.inbox"`, 2026-11);
# `flows.warm_items` loads the OCR dictionaries and the catalogue, ~3.6 s of a fresh process's first item.
WARM_MODULES = ["prefect.flow_engine", "flows.inbox", "flows.warm_items"]


class _WarmMultiprocessing:
    """Stands in for `multiprocessing` inside `prefect.flow_engine`: its process context is a warm fork server."""

    def __init__(self, context: multiprocessing.context.BaseContext) -> None:
        self._context = context

    def get_context(self, method: str | None = None) -> multiprocessing.context.BaseContext:
        return self._context

    def __getattr__(self, name: str) -> Any:
        return getattr(multiprocessing, name)


@contextmanager
def warm_flow_run_starts(modules: list[str] = WARM_MODULES) -> Iterator[None]:
    """While open, flow runs that a `Runner` (`prefect.serve`) executes start as forks of a warm fork server.

    Prefect runs each served flow run in a new process made with multiprocessing's "spawn": a fresh interpreter that
    imports Prefect and the flow's module before the flow starts, most of the time from drop to published for a
    small file (bench/pipeline/dispatch.md). A "forkserver" process gives the same isolation (a process per run,
    killed on cancel, one Prefect run per file) with the imports of `modules` paid once. The fork server starts
    here, so its imports overlap the rest of the start-up; it exits with this process.
    """
    from prefect import flow_engine

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(modules)
    multiprocessing.forkserver.ensure_running()
    engine: ModuleType = flow_engine
    engine.multiprocessing = _WarmMultiprocessing(context)  # type: ignore[attr-defined]
    try:
        yield
    finally:
        engine.multiprocessing = multiprocessing  # type: ignore[attr-defined]
