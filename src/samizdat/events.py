"""Progress of a pass, for whoever shows it (the CLI's rich bars); the library never knows who listens."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from samizdat.models import Outcome


@dataclass(frozen=True)
class PassStarted:
    """A pass found `total` files to process."""

    total: int


@dataclass(frozen=True)
class ItemStarted:
    """Work began on one file."""

    filename: str


@dataclass(frozen=True)
class ItemProgress:
    """Part of one file is done: `done` of `total` `unit` (pages, minutes)."""

    filename: str
    done: float
    total: float
    unit: str


@dataclass(frozen=True)
class ItemFinished:
    """One file ended."""

    outcome: Outcome


Event = PassStarted | ItemStarted | ItemProgress | ItemFinished
_listeners: list[Callable[[Event], None]] = []


def subscribe(listener: Callable[[Event], None]) -> Callable[[], None]:
    """Listen to pass events; returns the function that stops listening."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def emit(event: Event) -> None:
    """Tell every listener; a failing listener never breaks a pass."""
    for listener in list(_listeners):
        with suppress(Exception):  # display only
            listener(event)
