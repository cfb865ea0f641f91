"""Under Prefect, a stage is retried when its failure is transient, and never for bad input or a bug."""

from __future__ import annotations

import pytest
from prefect import flow

from flows.stages import run_stage_as_task
from samizdat.errors import BadInputError, TransientError

CALLS: list[int] = []  # module level: Prefect copies flow parameters


def _flaky(error: Exception, failures: int) -> str:
    CALLS.append(1)
    if len(CALLS) <= failures:
        raise error
    return "done"


@flow(retries=0, validate_parameters=False)
def _run(error: Exception, failures: int) -> str:
    return str(run_stage_as_task("index", _flaky, error, failures))


@pytest.fixture(autouse=True)
def _reset_calls() -> None:
    CALLS.clear()


def test_transient_failure_is_retried(prefect_harness: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("flows.stages.RETRY_DELAY_S", 0)
    assert _run(TransientError("database is locked"), failures=1) == "done"
    assert len(CALLS) == 2


@pytest.mark.parametrize("error", [BadInputError("corrupt", "re-scan it"), ValueError("a bug")])
def test_bad_input_and_bugs_are_not_retried(prefect_harness: None, error: Exception) -> None:
    with pytest.raises(type(error)):
        _run(error, failures=1)
    assert len(CALLS) == 1


def test_busy_database_becomes_transient(tmp_path: object) -> None:
    import sqlite3

    from samizdat.pipeline import _database_busy

    assert _database_busy(sqlite3.OperationalError("database is locked"))
    assert not _database_busy(sqlite3.OperationalError("no such table: items"))
    assert not _database_busy(ValueError("locked"))
