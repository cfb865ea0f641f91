"""File names that are safe on every file system and in BagIt manifests, keeping as much of the original as possible."""

from __future__ import annotations

import os
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


def readable_name(name: str) -> str:
    """A file name as text a person can read, also when its bytes are not UTF-8.

    Python keeps undecodable bytes of a name as lone surrogates (PEP 383); they cannot be sent to an API or written
    to JSON. Old Russian systems and Windows shares write names in cp1251 or KOI8-R: a name's lower-case letters
    outnumber its capitals, and lower-case Cyrillic is 0xE0-0xFF in cp1251 but 0xC0-0xDF in KOI8-R, so the range
    that holds more of its bytes says which one it is.
    """
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    high = sum(1 for byte in raw if byte >= 0xE0)
    middle = sum(1 for byte in raw if 0xC0 <= byte < 0xE0)
    return raw.decode("cp1251" if high >= middle else "koi8-r", errors="replace")


def name_bytes(name: str) -> str | None:
    """The name's bytes in hex when they are not UTF-8 (to keep them exactly in metadata.json), else None."""
    raw = os.fsencode(name)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.hex()
    return None
