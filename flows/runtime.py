"""Prefect settings Samizdat runs under."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings


@contextmanager
def quiet_flow_runs() -> Iterator[None]:
    """No flow heartbeat: it costs ~1 s per flow run at exit (NOTES.md) and one-shot runs need no crash detection."""
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
