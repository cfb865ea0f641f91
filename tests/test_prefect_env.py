"""The warning for a Prefect API reached beyond loopback without authentication."""

from __future__ import annotations

import pytest

from flows.prefect_env import exposure_warning


@pytest.mark.parametrize("url", ["http://10.0.0.5:4200/api", "http://prefect.archive.example:4200/api"])
def test_an_unauthenticated_remote_api_is_warned_about(url: str) -> None:
    warning = exposure_warning({"PREFECT_API_URL": url})
    assert warning is not None and "PREFECT_SERVER_API_AUTH_STRING" in warning


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"PREFECT_API_URL": "http://127.0.0.1:4200/api"},
        {"PREFECT_API_URL": "http://localhost:4200/api"},
        {"PREFECT_API_URL": "http://10.0.0.5:4200/api", "PREFECT_API_AUTH_STRING": "archivist:secret"},
    ],
)
def test_loopback_or_authenticated_apis_are_not(environ: dict[str, str]) -> None:
    assert exposure_warning(environ) is None
