"""The one place input kinds are listed. Add a kind: a module with an `InputKind`, and one line registering it.

A kind shipped with Samizdat is a row of `_BUILT_IN` (its module is imported on first use, so one kind's engine
never slows another kind down); a kind from elsewhere (a plug-in, a test) calls `register(kind)`.
Detection asks the kinds in the order they are listed here: a kind whose signature is loose (plain text, which
any file of printable bytes matches) is registered after those with exact ones.
"""

from __future__ import annotations

import threading
from importlib import import_module

from samizdat.kinds.base import ExtractRequest, InputKind, ProgressFn, no_progress, page_slots
from samizdat.models import Kind

# name -> "module:object"; imported on first use.
_BUILT_IN: dict[Kind, str] = {
    Kind.IMAGE: "samizdat.kinds.image:IMAGE",
    Kind.PDF: "samizdat.kinds.pdf:PDF",
    Kind.AUDIO: "samizdat.kinds.audio:AUDIO",
}

_registry: dict[Kind, InputKind | str] = dict(_BUILT_IN)
_lock = threading.RLock()  # re-entrant: a kind module imported under it may itself ask the registry


def register(kind: InputKind) -> None:
    """Add an input kind: from now on detection offers it files and the pipeline processes what it takes.

    `ValueError` when its name is taken or one of its media types is another kind's.
    """
    with _lock:
        if kind.kind in _registry:
            raise ValueError(f"an input kind named {kind.kind!r} is already registered")
        for other in _loaded_locked():
            shared = kind.media_types & other.media_types
            if shared:
                raise ValueError(f"{', '.join(sorted(shared))} already belong to the {other.kind!r} kind")
        _registry[Kind(kind.kind)] = kind


def unregister(name: str) -> None:
    """Remove a kind registered with `register` (a test's, at its end); the built-in kinds stay."""
    kind = Kind(name)
    if kind in _BUILT_IN:
        raise ValueError(f"{name!r} is a built-in input kind")
    with _lock:
        _registry.pop(kind, None)


def input_kind(name: str) -> InputKind:
    """The registered kind of this name; `LookupError` naming the known kinds when there is none."""
    kind = Kind(name)
    with _lock:
        entry = _registry.get(kind)
        if entry is None:
            raise LookupError(f"no input kind {name!r} is registered (known: {', '.join(_registry)})")
        return _load_locked(kind, entry)


def handler_for(kind: Kind) -> InputKind:
    """The input kind object that extracts `kind`."""
    return input_kind(kind)


def names() -> list[Kind]:
    """The names of the registered kinds, in order (their modules are not imported)."""
    with _lock:
        return list(_registry)


def registered() -> list[InputKind]:
    """Every registered kind, in the order detection asks them."""
    with _lock:
        return _loaded_locked()


def _loaded_locked() -> list[InputKind]:
    return [_load_locked(kind, entry) for kind, entry in list(_registry.items())]


def _load_locked(kind: Kind, entry: InputKind | str) -> InputKind:
    if not isinstance(entry, str):
        return entry
    module, name = entry.split(":")
    loaded: InputKind = getattr(import_module(module), name)
    if loaded.kind is not kind:
        raise ValueError(f"{entry} is the {loaded.kind!r} kind, listed as {kind!r}")
    _registry[kind] = loaded
    return loaded


__all__ = [
    "ExtractRequest",
    "InputKind",
    "ProgressFn",
    "handler_for",
    "input_kind",
    "names",
    "no_progress",
    "page_slots",
    "register",
    "registered",
    "unregister",
]
