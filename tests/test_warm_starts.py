"""Served flow runs start as forks of a warm fork server (flows/runtime.py), and still run as flows of their own."""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.forkserver
import os
from pathlib import Path

import pytest
from prefect import flow, flow_engine

from flows.runtime import warm_flow_run_starts

pytestmark = pytest.mark.slow


@flow
def where_am_i(path: str) -> None:
    """Write down which process ran this flow run."""
    Path(path).write_text(json.dumps({"pid": os.getpid(), "parent": os.getppid()}))


def test_a_flow_run_starts_as_a_fork_of_the_warm_server_and_completes(prefect_harness: None, tmp_path: Path) -> None:
    record = tmp_path / "ran.json"
    with warm_flow_run_starts(["tests.test_warm_starts"]):
        process = flow_engine.run_flow_in_subprocess(where_am_i, parameters={"path": str(record)})
        process.join(timeout=300)
        server_pid = multiprocessing.forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    assert process.exitcode == 0
    ran = json.loads(record.read_text())
    assert ran["pid"] != os.getpid() and ran["parent"] == server_pid, "a fork of the fork server, not a spawn"
    assert flow_engine.multiprocessing is multiprocessing, "Prefect's own start comes back once the block ends"
