"""What the archivist says about a file: a sidecar `<file>.yaml` or a row of `inbox/metadata.csv`.

Values are validated and mapped to Dublin Core (DESIGN.md §4). A bad value never loses the item: it becomes a
warning, and the raw value is kept under `extra["invalid"]` so nothing typed by the archivist disappears.

Access fails closed. Metadata that names the file but cannot be read completely (a YAML error, bytes that are
neither UTF-8, UTF-16 nor Windows-1251, an over-size file, a symlink, two rows for one file, a value of the wrong
type) makes the item restricted, and `ArchivistMetadata.access_reason` says why in a sentence an archivist can
act on. A metadata.csv that cannot be read at all restricts every item while it is there: which rows name which
file is unknown. Only a fully read `access: open` (or no metadata at all) leaves an item open.

Modules: `files` finds and reads the bytes (bounded, never through a symlink), `sidecar` parses YAML, `table`
parses the CSV, `fields` validates values, `dates` reads dates into EDTF.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from samizdat.archivist.dates import parse_date
from samizdat.archivist.fields import (
    ACCESS_VALUES,
    DC_ELEMENTS,
    DC_LISTS,
    DC_TEXT,
    ISO_639_1,
    LANGUAGE_ALIASES,
    MAX_LIST_ITEMS,
    MAX_VALUE_CHARS,
    parse_archivist_fields,
    parse_languages,
)
from samizdat.archivist.files import (
    CSV_NAME,
    MAX_CSV_BYTES,
    MAX_SIDECAR_BYTES,
    SIDECAR_SUFFIXES,
    Unreadable,
    csv_candidates,
    decode,
    is_metadata_file,
    read_bounded,
    sidecar_candidates,
    sidecar_path,
    symlink_between,
)
from samizdat.archivist.sidecar import comment_warnings, load_sidecar
from samizdat.archivist.table import normalize_key, parse_table
from samizdat.models import ArchivistMetadata

__all__ = [
    "ACCESS_VALUES",
    "CSV_NAME",
    "DC_ELEMENTS",
    "DC_LISTS",
    "DC_TEXT",
    "ISO_639_1",
    "LANGUAGE_ALIASES",
    "MAX_CSV_BYTES",
    "MAX_LIST_ITEMS",
    "MAX_SIDECAR_BYTES",
    "MAX_VALUE_CHARS",
    "SIDECAR_SUFFIXES",
    "is_metadata_file",
    "parse_archivist_fields",
    "parse_date",
    "parse_languages",
    "read_archivist_metadata",
    "sidecar_path",
]

_FIX = "restricted until it is fixed"
_TEXTS = frozenset((*DC_TEXT, *DC_LISTS, "collection"))  # where ` #` is more likely text than a comment


class _Reading:
    """What was read for one item so far: raw fields by source, warnings, and reasons to fail closed."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.closed: list[str] = []

    def fail(self, sentence: str) -> None:
        self.closed.append(sentence)
        self.warnings.append(sentence)


def read_archivist_metadata(path: Path, inbox: Path) -> ArchivistMetadata:
    """The archivist's metadata for `path`: its `metadata.csv` row, overridden key by key by its sidecar.

    Never raises for bad content: broken YAML or CSV and invalid values become `.warnings`, and anything that
    names the file but could not be read completely makes it restricted, with `.access_reason`.
    """
    reading = _Reading()
    link = symlink_between(inbox, path.parent)
    if link is not None:
        reading.fail(f"{path.name} lies under the symbolic link {link.name}; its metadata was not read: {_FIX}")
        return _finish(ArchivistMetadata(), reading)
    csv_fields, csv_where = _from_csvs(path, inbox, reading)
    sidecar_fields, sidecar_where = _from_sidecar(path, reading)
    raw: dict[str, tuple[Any, str]] = {key: (value, csv_where) for key, value in csv_fields.items()}
    for key, value in sidecar_fields.items():
        if value is not None and value != "" and value != []:
            raw[key] = (value, sidecar_where)
    said = str(csv_fields.get("access", "")).strip().casefold()
    overridden = sidecar_fields.get("access")
    if said == "restricted" and overridden not in (None, "") and str(overridden).strip().casefold() != said:
        reading.fail(
            f"{csv_where} says access restricted but {sidecar_where} says {overridden!r}: restricted until they agree"
        )
    return _finish(parse_archivist_fields(raw), reading)


def _finish(metadata: ArchivistMetadata, reading: _Reading) -> ArchivistMetadata:
    metadata.warnings[:0] = reading.warnings
    if reading.closed:
        metadata.access = "restricted"
        earlier = [metadata.access_reason] if metadata.access_reason else []
        metadata.access_reason = "; ".join(reading.closed + earlier)
    return metadata


def _from_csvs(path: Path, inbox: Path, reading: _Reading) -> tuple[dict[str, Any], str]:
    """Cells of the rows naming `path` in every metadata.csv from the inbox down to the file's folder."""
    folders = [inbox]
    if path.parent != inbox and path.parent.is_relative_to(inbox):
        for part in path.parent.relative_to(inbox).parts:
            folders.append(folders[-1] / part)
    fields: dict[str, Any] = {}
    wheres: list[str] = []
    for folder in folders:
        found = csv_candidates(folder)
        if not found:
            continue
        where = _shown(found[0].path, inbox)
        for other in found:
            if not other.usable:
                reading.fail(
                    f"{_shown(other.path, inbox)} is a symbolic link or not a regular file; it was not read, "
                    f"so whether it names {path.name} is unknown: restricted until it is replaced by a file"
                )
        usable = [f for f in found if f.usable]
        if not usable:
            continue
        if len(usable) > 1:
            names = " and ".join(_shown(f.path, inbox) for f in usable)
            reading.fail(
                f"{names} are both there; only {_shown(usable[0].path, inbox)} was read: "
                "restricted until only one is left"
            )
        try:
            table = parse_table(read_bounded(usable[0].path, MAX_CSV_BYTES))
        except Unreadable as error:
            reading.fail(f"{where} could not be read ({error}); which files it describes is unknown: {_FIX}")
            continue
        rows = table.rows_for(path.name)
        if not rows:
            if table.mentions(path.name):
                reading.fail(
                    f"{where} mentions {path.name} but no row for it could be read "
                    f"(a missing delimiter or a stray quote?): {_FIX}"
                )
            continue
        if len(rows) > 1:
            lines = ", ".join(str(row.line) for row in rows)
            reading.fail(
                f"{where}: {len(rows)} rows (lines {lines}) name {path.name}: restricted until only one is left"
            )
        for row in rows:
            for problem in row.problems:
                reading.fail(f"{where}: {problem}: {_FIX}")
            fields.update({k: v for k, v in row.cells.items() if k != "filename" and v})
        wheres.append(where)
    if len(wheres) > 1:
        reading.fail(f"{path.name} is described in {' and '.join(wheres)}: restricted until only one describes it")
    return fields, wheres[-1] if wheres else CSV_NAME


def _from_sidecar(path: Path, reading: _Reading) -> tuple[dict[str, Any], str]:
    found = sidecar_candidates(path)
    for other in found:
        if not other.usable:
            reading.fail(
                f"{other.path.name} is a symbolic link or not a regular file; it was not read and the "
                "archivist's access is unknown: restricted until it is replaced by a real file"
            )
    usable = [f.path for f in found if f.usable]
    if not usable:
        return {}, path.name + SIDECAR_SUFFIXES[0]
    sidecar = usable[0]
    if len(usable) > 1:
        others = ", ".join(p.name for p in usable[1:])
        reading.fail(f"{others} beside {sidecar.name} was not read: restricted until only one sidecar is left")
    try:
        text = decode(read_bounded(sidecar, MAX_SIDECAR_BYTES))
        document, note = load_sidecar(text)
    except Unreadable as error:
        reading.fail(f"{sidecar.name} could not be read ({error}): {_FIX}")
        return {}, sidecar.name
    if note is not None:
        reading.warnings.append(f"{sidecar.name} {note}")
    else:
        for key in (k for k in comment_warnings(text) if normalize_key(k) in _TEXTS):
            reading.warnings.append(
                f"{sidecar.name}: in {key}, the text after ' #' was read as a YAML comment and "
                "dropped; put the value in quotes to keep it"
            )
    fields: dict[str, Any] = {}
    for key, value in document.items():
        name = normalize_key(key)
        if name in fields:
            reading.fail(f"{sidecar.name}: {name} is given twice ({key!r} and another spelling): {_FIX}")
        fields[name] = value
    if "access" in fields and (fields["access"] is None or str(fields["access"]).strip() == ""):
        reading.fail(f"{sidecar.name}: access is given but empty: restricted until it says open or restricted")
    return fields, sidecar.name


def _shown(path: Path, inbox: Path) -> str:
    return path.relative_to(inbox).as_posix() if path.is_relative_to(inbox) else path.name
