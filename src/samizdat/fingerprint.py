"""What makes two runs over the same bytes produce the same item: the settings that change the output.

An item whose bag records the same processing key is not processed again; a change of engine, model or
languages gives a new key, so the same bytes are processed anew.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from samizdat import __version__
from samizdat.kinds import input_kind
from samizdat.models import Kind
from samizdat.settings import Settings

# Options that change how fast or how parallel, not what comes out.
_RUNTIME_ONLY = frozenset({"workers", "pdf_workers", "page_timeout_s", "threads"})


def processing_settings(settings: Settings, kind: Kind) -> dict[str, Any]:
    """The settings that shape an item of this kind (its engines' options), as plain JSON values."""
    options = input_kind(kind).engine_options(settings)
    dumped = options.model_dump(mode="json") if options is not None else {}
    relevant = {k: v for k, v in dumped.items() if k not in _RUNTIME_ONLY}
    return {"samizdat": __version__, "kind": kind.value, "options": relevant}


def processing_key(settings: Settings, kind: Kind) -> str:
    """A short stable hash of `processing_settings`."""
    material = json.dumps(processing_settings(settings, kind), sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(material.encode()).hexdigest()[:16]
