"""Prefect settings Samizdat's own servers start with, as environment defaults.

They are read when Prefect is first imported and when a server process starts (the ephemeral API of
`samizdat process` is a subprocess that inherits them), so they are applied before either happens.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping, MutableMapping
from urllib.parse import urlsplit

SERVER_DEFAULTS: dict[str, str] = {
    # Offline archive: telemetry can only fail here.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # The task run recorder writes each task state in a transaction of its own by default; on SQLite those
    # writes collide with API requests, which then get a 503 and a client back-off of 2, 4, 8... seconds
    # (an item stalled 60 s this way in bench/pipeline). Batched writes collide about a fifth as often.
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_READ_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "2",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_BATCH_SIZE": "200",
}


def apply_server_defaults(environ: MutableMapping[str, str] = os.environ) -> None:
    """Fill in Samizdat's server settings where the operator has not set them."""
    for name, value in SERVER_DEFAULTS.items():
        environ.setdefault(name, value)


def exposure_warning(environ: Mapping[str, str] = os.environ) -> str | None:
    """A warning when the Prefect API is reached beyond loopback without authentication, else None.

    Flow run names, parameters and artifacts are readable by anyone who reaches the API. Samizdat keeps restricted
    items' names and text out of them, but a site should still put the UI behind authentication.
    """
    url = environ.get("PREFECT_API_URL", "")
    host = urlsplit(url).hostname or ""
    if not url or host == "localhost" or environ.get("PREFECT_API_AUTH_STRING"):
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return (f"The Prefect API at {url} is reached without authentication: anyone who reaches it sees every run. "
            "Start the server with PREFECT_SERVER_API_AUTH_STRING='user:password' and give workers and this "
            "command PREFECT_API_AUTH_STRING with the same value (see README, Many machines).")
