"""File names that are safe on every file system and in BagIt manifests, keeping as much of the original as possible."""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_MAX_BYTES = 200


def safe_name(name: str) -> str:
    """Replace control and path characters, trim to a safe length; the real name is kept in metadata.json."""
    cleaned = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" .") or "unnamed"
    if len(cleaned.encode("utf-8")) <= _MAX_BYTES:
        return cleaned
    stem, dot, suffix = cleaned.rpartition(".")
    suffix = f".{suffix}" if dot and len(suffix) <= 10 else ""
    base = stem if dot and suffix else cleaned
    while len((base + suffix).encode("utf-8")) > _MAX_BYTES:
        base = base[:-1]
    return base + suffix
