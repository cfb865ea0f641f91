"""`metadata.csv` as archivists write it: Excel's comma or semicolon, tabs, BOM, CRLF, doubled quotes, cp1251.

The delimiter is the one that makes a `filename` column appear in the header (the contract names that column,
so it is a surer guide than `csv.Sniffer`, which guesses from character counts and misreads quoted fields),
the most consistent one if several do. Quoting is strict: an unclosed quote makes the whole file unreadable
instead of silently swallowing the rows after it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from samizdat.archivist.files import Unreadable, decode, nfc

DELIMITERS = (",", ";", "\t")
_FILENAME_ALIASES = frozenset({"file_name", "file-name", "filename"})
_EXCEL_SEP = re.compile(r"\Asep=(.)\r?\n")  # Excel's own hint line: `sep=;`


@dataclass(frozen=True)
class Row:
    """One row that names a file: its cells by normalized column name, and what could not be read in it."""

    line: int
    cells: dict[str, str]
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A parsed metadata.csv: the rows by filename (normalized), and the text, to look for unparsed mentions."""

    rows: dict[str, tuple[Row, ...]]
    text: str

    def rows_for(self, filename: str) -> tuple[Row, ...]:
        """The rows whose `filename` cell names `filename` (Unicode composition and case aside)."""
        return self.rows.get(filename_key(filename), ())

    def mentions(self, filename: str) -> bool:
        """True when `filename` stands as a whole cell somewhere, although no row was read for it."""
        cell = rf"(?:^|[,;\t\"])[ \t]*{re.escape(nfc(filename))}[ \t]*(?:$|[,;\t\"])"
        return re.search(cell, self.text, re.MULTILINE | re.IGNORECASE) is not None


def filename_key(name: str) -> str:
    """How a CSV cell and a file name are compared: NFC, case-folded, surrounding blanks removed."""
    return nfc(name.strip()).casefold()


def normalize_key(key: Any) -> str:
    """`Title`, `dc:title`, `DC.Title ` -> `title`; `Box number` -> `box_number`."""
    text = str(key).strip().casefold()
    for prefix in ("dc:", "dc.", "dcterms:"):
        text = text.removeprefix(prefix)
    return text.replace(" ", "_")


@lru_cache(maxsize=4)
def parse_table(data: bytes) -> Table:
    """Parse metadata.csv's bytes (cached: every item of a pass reads the same file); raise Unreadable."""
    text = nfc(decode(data))
    if not text.strip():
        return Table({}, text)
    delimiters: tuple[str, ...] = DELIMITERS
    hint = _EXCEL_SEP.match(text)
    if hint:
        delimiters, text = (hint.group(1),), "\n" + text[hint.end() :]  # a blank line keeps line numbers
    best: tuple[tuple[int, int], list[str], list[tuple[int, list[str]]]] | None = None
    errors: list[str] = []
    for delimiter in delimiters:
        try:
            header, rows = _read(text, delimiter)
        except csv.Error as error:
            errors.append(str(error))
            continue
        if "filename" not in header:
            continue
        consistent = sum(1 for _, cells in rows if len(_trimmed(cells, len(header))) == len(header))
        score = (consistent, len(header))
        if best is None or score > best[0]:
            best = (score, header, rows)
    if best is None:
        if errors:
            raise Unreadable(errors[0])
        raise Unreadable("it has no 'filename' column")
    _, header, rows = best
    return Table(_by_filename(header, rows), text)


def _read(text: str, delimiter: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [_column(cell) for cell in cells]
            else:
                rows.append((reader.line_num, cells))
    except csv.Error as error:
        raise csv.Error(f"line {reader.line_num}: {error}") from None
    return header or [], rows


def _column(cell: str) -> str:
    key = normalize_key(cell)
    return "filename" if key in _FILENAME_ALIASES else key


def _trimmed(cells: list[str], width: int) -> list[str]:
    """Cells without the empty ones past the header's width (spreadsheets add trailing delimiters)."""
    end = len(cells)
    while end > width and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _by_filename(header: list[str], rows: list[tuple[int, list[str]]]) -> dict[str, tuple[Row, ...]]:
    width = len(header)
    doubled = sorted({key for key in header if key and header.count(key) > 1})
    found: dict[str, list[Row]] = {}
    for line, given in rows:
        cells = _trimmed(given, width)
        problems: list[str] = []
        if len(cells) != width:
            problems.append(f"line {line} has {len(cells)} cells but the header has {width}")
        named: dict[str, str] = {}
        for key, cell in zip(header, cells, strict=False):
            value = cell.strip()
            if not key:
                if value:
                    problems.append(f"line {line} has a value under a column without a name")
                continue
            if key in doubled and value and named.get(key, value) != value:
                problems.append(f"line {line} has two different values for '{key}', a column named twice")
            named[key] = named.get(key) or value
        filename = named.get("filename", "")
        if filename:
            found.setdefault(filename_key(filename), []).append(Row(line, named, tuple(problems)))
    return {key: tuple(rows) for key, rows in found.items()}
