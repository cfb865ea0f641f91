"""Hand an inbox file to an item run without writing its name where anyone can read it.

Prefect keeps every flow run's parameters and shows them in its UI and API. A restricted item's file name, or a
name whose bytes are not UTF-8 (which the API cannot carry), travels as a ticket instead: an opaque name of a
small file under `processed/.tickets/` that holds the path's bytes.
"""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from pathlib import Path

TICKET_PREFIX = "ticket:"
STALE_TICKET_S = 24 * 3600


def hand_off(tickets_dir: Path, path: Path) -> str:
    """A reference to `path` that says nothing about it; `take_up` turns it back into the path."""
    tickets_dir.mkdir(parents=True, exist_ok=True)
    ticket = uuid.uuid4().hex
    payload = {"path": base64.b64encode(os.fsencode(path)).decode("ascii")}
    (tickets_dir / f"{ticket}.json").write_text(json.dumps(payload), encoding="utf-8")
    return TICKET_PREFIX + ticket


def take_up(tickets_dir: Path, reference: str) -> Path:
    """The path a reference stands for: a ticket's path, or the reference itself when it is a plain path."""
    if not reference.startswith(TICKET_PREFIX):
        return Path(reference)
    ticket = tickets_dir / f"{reference.removeprefix(TICKET_PREFIX)}.json"
    payload = json.loads(ticket.read_text(encoding="utf-8"))
    return Path(os.fsdecode(base64.b64decode(payload["path"])))


def tear_up(tickets_dir: Path, reference: str) -> None:
    """Forget a ticket once its run is over."""
    if reference.startswith(TICKET_PREFIX):
        (tickets_dir / f"{reference.removeprefix(TICKET_PREFIX)}.json").unlink(missing_ok=True)


def sweep_tickets(tickets_dir: Path, older_than_s: float = STALE_TICKET_S) -> None:
    """Remove tickets that runs which crashed left behind."""
    if tickets_dir.is_dir():
        for ticket in tickets_dir.glob("*.json"):
            if time.time() - ticket.stat().st_mtime > older_than_s:
                ticket.unlink(missing_ok=True)
