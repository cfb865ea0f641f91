"""Prefect settings Samizdat's own servers start with, as environment defaults.

They are read when Prefect is first imported and when a server process starts (the ephemeral API of
`samizdat process` is a subprocess that inherits them), so they are applied before either happens.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

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
