"""The one place input kinds are listed. Add a kind: write `kinds/<name>.py` with an `InputKind`, add a row here."""

from __future__ import annotations

from importlib import import_module

from samizdat.kinds.base import ExtractRequest, InputKind, ProgressFn, no_progress
from samizdat.models import Kind

# kind -> (module, object); imported on first use so one kind's heavy engine never slows another kind down.
_REGISTRY: dict[Kind, tuple[str, str]] = {
    Kind.IMAGE: ("samizdat.kinds.image", "IMAGE"),
    Kind.PDF: ("samizdat.kinds.pdf", "PDF"),
    Kind.AUDIO: ("samizdat.kinds.audio", "AUDIO"),
}


def handler_for(kind: Kind) -> InputKind:
    """The input kind object that extracts `kind`."""
    module, name = _REGISTRY[kind]
    handler: InputKind = getattr(import_module(module), name)
    return handler


__all__ = ["ExtractRequest", "InputKind", "ProgressFn", "handler_for", "no_progress"]
