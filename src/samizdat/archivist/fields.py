"""Raw `key -> (value, where)` pairs validated into ArchivistMetadata (Dublin Core, access, collection, extra).

A bad value never loses the item: it becomes a warning, and the raw value is kept under `extra["invalid"]`.
A value of the wrong type (a list where one text is expected, `access: yes`) or a cut `access` value makes the
item restricted, with the reason in `access_reason`; a bad date or language code does not touch access.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from samizdat.archivist.dates import parse_date
from samizdat.languages import ALIASES as LANGUAGE_ALIASES
from samizdat.languages import ISO_639_1
from samizdat.models import ArchivistMetadata

DC_TEXT = ("title", "creator", "description", "rights", "source", "coverage", "publisher")
DC_LISTS = ("subject", "contributor")
DC_ELEMENTS = frozenset(DC_TEXT + DC_LISTS + ("date", "language"))
ACCESS_VALUES = ("open", "restricted")

MAX_VALUE_CHARS = 10_000  # a long description is a few thousand characters
MAX_LIST_ITEMS = 200  # subjects, contributors, languages


_SCALAR = (str, int, float, dt.date)


def parse_archivist_fields(raw: dict[str, tuple[Any, str]]) -> ArchivistMetadata:
    """Validate raw `key -> (value, where it came from)` pairs into ArchivistMetadata."""
    metadata = ArchivistMetadata()
    invalid: dict[str, Any] = {}
    closed: list[str] = []

    def warn(key: str, value: Any, where: str, problem: str) -> None:
        metadata.warnings.append(f"{where}: {key} {_show(value)} {problem}; kept under archivist.invalid.{key}")
        invalid[key] = value if isinstance(value, str | int | float | list | bool) else str(value)

    def wrong_type(key: str, value: Any, where: str, expected: str) -> None:
        warn(key, value, where, f"is a {_type_name(value)}, not {expected}; the item is treated as restricted")
        closed.append(f"{where}: {key} is a {_type_name(value)}, not {expected}: restricted until it is fixed")

    for key, (given, where) in raw.items():
        value, cut = _bounded(given)
        if cut:
            metadata.warnings.append(f"{where}: {key} {cut}; the rest was cut")
            if key == "access":
                closed.append(f"{where}: access {cut}: restricted until it is fixed")
        if value is None or value == "" or value == []:
            continue
        if key in DC_TEXT or key == "collection":
            if not _is_text_or_texts(value):
                wrong_type(key, value, where, "a text")
                continue
            text = "; ".join(_as_list(value)) if isinstance(value, list) else str(value).strip()
            if key == "collection":
                metadata.collection = text
            else:
                metadata.dc[key] = text
        elif key in DC_LISTS:
            if not _is_text_or_texts(value):
                wrong_type(key, value, where, "a text or a list of texts")
                continue
            metadata.dc[key] = _as_list(value)
        elif key == "date":
            if isinstance(value, list | dict | bool):
                wrong_type(key, value, where, "a date")
                continue
            date, problem = parse_date(value)
            if date is None:
                warn(key, value, where, problem)
            else:
                metadata.dc["date"] = date
        elif key == "language":
            if not _is_text_or_texts(value):
                wrong_type(key, value, where, "a language code or a list of them")
                continue
            codes, unknown = parse_languages(value)
            if codes:
                metadata.dc["language"] = codes
            if unknown:
                warn(
                    key,
                    value,
                    where,
                    f"has unknown language code(s) {', '.join(unknown)} (use ISO 639-1: ru, en, he, yi)",
                )
        elif key == "access":
            if not isinstance(value, str):
                metadata.access = "restricted"
                wrong_type(key, value, where, "the word open or restricted")
                continue
            access = value.strip().casefold()
            if access in ACCESS_VALUES:
                metadata.access = access
            else:
                metadata.access = "restricted"
                warn(key, value, where, "is not open or restricted; the item is treated as restricted")
                closed.append(f"{where}: access {_show(value)} is not open or restricted: restricted until it is fixed")
        else:
            metadata.extra[key] = value if isinstance(value, str | int | float | bool | list | dict) else str(value)
    if invalid:
        metadata.extra["invalid"] = invalid
    if closed:
        metadata.access = "restricted"
        metadata.access_reason = "; ".join(closed)
    return metadata


def parse_languages(value: Any) -> tuple[list[str], list[str]]:
    """ISO 639-1 codes from `ru`, `rus`, `Russian`, `ru; en`, `[ru, en]`, `ru-RU`; and what was not understood."""
    codes: list[str] = []
    unknown: list[str] = []
    for item in _as_list(value, separators=r"[,;/+\s]+"):
        token = item.strip().casefold().replace("_", "-")
        base = token.split("-")[0]
        code = base if base in ISO_639_1 else LANGUAGE_ALIASES.get(token) or LANGUAGE_ALIASES.get(base)
        if code is None:
            unknown.append(item)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


def _bounded(value: Any) -> tuple[Any, str]:
    """The value with texts cut to MAX_VALUE_CHARS and lists to MAX_LIST_ITEMS, and what was cut ("" if nothing)."""
    if isinstance(value, str):
        if len(value) > MAX_VALUE_CHARS:
            return value[:MAX_VALUE_CHARS], f"is {len(value):,} characters, over the limit of {MAX_VALUE_CHARS:,}"
        return value, ""
    if isinstance(value, list | dict):
        pairs = list(value.items()) if isinstance(value, dict) else list(enumerate(value))
        cut = f"has {len(pairs):,} entries, over the limit of {MAX_LIST_ITEMS}" if len(pairs) > MAX_LIST_ITEMS else ""
        kept: list[tuple[Any, Any]] = []
        for name, item in pairs[:MAX_LIST_ITEMS]:
            inner, inner_cut = _bounded(item)
            kept.append((name, inner))
            cut = cut or inner_cut
        return (dict(kept) if isinstance(value, dict) else [item for _, item in kept]), cut
    return value, ""


def _is_text_or_texts(value: Any) -> bool:
    if isinstance(value, list):
        return all(isinstance(v, _SCALAR) and not isinstance(v, bool) for v in value)
    return isinstance(value, _SCALAR) and not isinstance(value, bool)


def _as_list(value: Any, separators: str = r"\s*;\s*") -> list[str]:
    items = value if isinstance(value, list) else re.split(separators, str(value))
    return [str(v).strip() for v in items if str(v).strip()]


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "yes/no value"
    names: dict[type, str] = {list: "list", dict: "mapping", str: "text"}
    return names.get(type(value), type(value).__name__)


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 80 else text[:77] + "...'"
