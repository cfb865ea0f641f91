"""Shared fixtures: isolated Prefect home, settings on temp folders, the shared corpus (skip or require)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.prefect_env import apply_server_defaults

# Prefect reads its home at import: keep results, caches and its database out of the user's ~/.prefect.
_PREFECT_HOME = Path(tempfile.mkdtemp(prefix="samizdat-test-prefect-"))
os.environ.setdefault("PREFECT_HOME", str(_PREFECT_HOME))
apply_server_defaults()
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["SAMIZDAT_SETTLE_S"] = "0"  # test files are complete when written

from samizdat.settings import Settings  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
REQUIRE_CORPUS = os.environ.get("SAMIZDAT_REQUIRE_CORPUS") == "1"


def _shared_path(relative: str) -> Path:
    path = SHARED / relative
    if not path.exists():
        message = f"{path} is absent: corpus tests need ../shared beside the project (CI requires them)"
        if REQUIRE_CORPUS:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def corpus() -> Path:
    """`../shared/corpus`, read in place; skipped (or failed, in CI) when it is absent."""
    return _shared_path("corpus")


@pytest.fixture(scope="session")
def articles_dir() -> Path:
    """`../shared/articles`, read in place; skipped (or failed, in CI) when it is absent."""
    return _shared_path("articles")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on empty temp folders; files count as settled at once."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    return Settings(inbox=inbox, processed=tmp_path / "processed", settle_s=0)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One ephemeral Prefect API for the whole session (starting one costs ~7 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
