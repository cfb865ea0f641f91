"""What the archivist says about a file: a sidecar `<file>.yaml` or a row of `inbox/metadata.csv`.

Values are validated and mapped to Dublin Core (DESIGN.md §4). A bad value never loses the item:
it becomes a warning, and the raw value is kept under `extra["invalid"]` so nothing typed by the
archivist disappears. An unreadable `access` value fails closed (restricted).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

import yaml

from samizdat.models import ArchivistMetadata

CSV_NAME = "metadata.csv"
SIDECAR_SUFFIXES = (".yaml", ".yml")

DC_TEXT = ("title", "creator", "description", "rights", "source", "coverage", "publisher")
DC_LISTS = ("subject", "contributor")
DC_ELEMENTS = frozenset(DC_TEXT + DC_LISTS + ("date", "language"))
ACCESS_VALUES = ("open", "restricted")

# ISO 639-1, all 183 codes (plus `yi`/`he` old forms `ji`/`iw` mapped below).
_ISO_639_1_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el "
    "en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu "
    "ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na "
    "nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so "
    "sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
)
ISO_639_1 = frozenset(_ISO_639_1_CODES.split())
# Three-letter codes (ISO 639-2/T and /B, as Tesseract names its languages) and names archivists write.
LANGUAGE_ALIASES = {
    "rus": "ru", "eng": "en", "heb": "he", "yid": "yi", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr",
    "ukr": "uk", "pol": "pl", "lit": "lt", "lav": "lv", "est": "et", "geo": "ka", "kat": "ka", "bel": "be",
    "ron": "ro", "rum": "ro", "hun": "hu", "ces": "cs", "cze": "cs", "spa": "es", "ita": "it", "lad": "lad",
    "iw": "he", "ji": "yi",
    "russian": "ru", "english": "en", "hebrew": "he", "yiddish": "yi", "german": "de", "french": "fr",
    "ukrainian": "uk", "polish": "pl", "georgian": "ka", "ladino": "lad",
    "русский": "ru", "английский": "en", "иврит": "he", "идиш": "yi", "немецкий": "de", "украинский": "uk",
}  # fmt: skip

_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_CIRCA = re.compile(r"^(?:circa|ca\.?|c\.|approx\.?|около|ок\.|примерно)\s*(\d{4})s?$", re.IGNORECASE)
_DECADE = re.compile(r"^(\d{3})0s$|^(\d{3})0-е(?:\s*гг?\.?)?$", re.IGNORECASE)
_INTERVAL = re.compile(r"^(\S+)\s*(?:/|\.\.|–|—| - )\s*(\S+)$")


def is_metadata_file(path: Path) -> bool:
    """True for `metadata.csv` and sidecar YAML files: they describe items and are not items themselves."""
    return path.name == CSV_NAME or path.suffix.casefold() in SIDECAR_SUFFIXES


def sidecar_path(path: Path) -> Path | None:
    """The sidecar YAML beside `path` (`kalik-letter.tiff.yaml`, or `.yml`), if there is one."""
    for suffix in SIDECAR_SUFFIXES:
        candidate = path.with_name(path.name + suffix)
        if candidate.is_file():
            return candidate
    return None


def read_archivist_metadata(path: Path, inbox: Path) -> ArchivistMetadata:
    """The archivist's metadata for `path`: its `metadata.csv` row, overridden key by key by its sidecar.

    Never raises for bad content: broken YAML or CSV and invalid values become `.warnings`.
    """
    raw: dict[str, tuple[Any, str]] = {}
    warnings: list[str] = []
    csv_file = inbox / CSV_NAME
    if csv_file.is_file():
        for key, value in _csv_row(csv_file, path.name, warnings).items():
            raw[key] = (value, csv_file.name)
    sidecar = sidecar_path(path)
    if sidecar is not None:
        for key, value in _sidecar(sidecar, warnings).items():
            raw[key] = (value, sidecar.name)
    metadata = parse_archivist_fields(raw)
    metadata.warnings[:0] = warnings
    return metadata


def parse_archivist_fields(raw: dict[str, tuple[Any, str]]) -> ArchivistMetadata:
    """Validate raw `key -> (value, where it came from)` pairs into ArchivistMetadata."""
    metadata = ArchivistMetadata()
    invalid: dict[str, Any] = {}

    def warn(key: str, value: Any, where: str, problem: str) -> None:
        metadata.warnings.append(f"{where}: {key} {_show(value)} {problem}; kept under archivist.invalid.{key}")
        invalid[key] = value if isinstance(value, str | int | float | list | bool) else str(value)

    for key, (value, where) in raw.items():
        if value is None or value == "" or value == []:
            continue
        if key in DC_TEXT:
            metadata.dc[key] = "; ".join(_as_list(value)) if isinstance(value, list) else str(value).strip()
        elif key in DC_LISTS:
            metadata.dc[key] = _as_list(value)
        elif key == "date":
            date, problem = parse_date(value)
            if date is None:
                warn(key, value, where, problem)
            else:
                metadata.dc["date"] = date
        elif key == "language":
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
            access = str(value).strip().casefold()
            if access in ACCESS_VALUES:
                metadata.access = access
            else:
                metadata.access = "restricted"
                warn(key, value, where, "is not open or restricted; the item is treated as restricted")
        elif key == "collection":
            metadata.collection = str(value).strip()
        else:
            metadata.extra[key] = value if isinstance(value, str | int | float | bool | list | dict) else str(value)
    if invalid:
        metadata.extra["invalid"] = invalid
    return metadata


def parse_date(value: Any) -> tuple[str | None, str]:
    """An EDTF-style date string, or None and the reason.

    Accepts YYYY, YYYY-MM, YYYY-MM-DD, DD.MM.YYYY, `circa 1972` (-> `1972~`), `1970s` (-> `197X`),
    and intervals `1970/1975`. YAML's own dates and integers are accepted too.
    """
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), ""
    if isinstance(value, dt.date):
        return value.isoformat(), ""
    text = str(value).strip()
    interval = _INTERVAL.match(text)
    if interval and not _ISO_DATE.match(text):
        start, _ = parse_date(interval.group(1))
        end, _ = parse_date(interval.group(2))
        if start and end and start.rstrip("~") <= end.rstrip("~"):
            return f"{start}/{end}", ""
        return None, "is not a valid interval (use 1970/1975)"
    circa = _CIRCA.match(text)
    if circa:
        return f"{circa.group(1)}~", ""
    decade = _DECADE.match(text)
    if decade:
        return f"{decade.group(1) or decade.group(2)}X", ""
    dotted = _DOTTED_DATE.match(text)
    if dotted:
        text = f"{dotted.group(3)}-{int(dotted.group(2)):02d}-{int(dotted.group(1)):02d}"
    match = _ISO_DATE.match(text)
    if not match:
        return None, "is not a date (use YYYY, YYYY-MM, YYYY-MM-DD or 'circa YYYY')"
    year, month, day = match.groups()
    try:
        if day:
            dt.date(int(year), int(month), int(day))
        elif month and not 1 <= int(month) <= 12:
            raise ValueError("month out of range")
    except ValueError:
        return None, "is not a calendar date"
    if not 1000 <= int(year) <= dt.date.today().year + 1:
        return None, "has an implausible year"
    return text, ""


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


def _as_list(value: Any, separators: str = r"\s*;\s*") -> list[str]:
    items = value if isinstance(value, list) else re.split(separators, str(value))
    return [str(v).strip() for v in items if str(v).strip()]


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 80 else text[:77] + "...'"


def _normalize_key(key: Any) -> str:
    text = str(key).strip().casefold()
    for prefix in ("dc:", "dc.", "dcterms:"):
        text = text.removeprefix(prefix)
    return text.replace(" ", "_")


def _sidecar(sidecar: Path, warnings: list[str]) -> dict[str, Any]:
    try:
        document = yaml.safe_load(sidecar.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        warnings.append(f"{sidecar.name}: cannot be read as YAML ({first_line}); its metadata was ignored")
        return {}
    if document is None:
        return {}
    if not isinstance(document, dict):
        warnings.append(f"{sidecar.name}: expected 'key: value' lines, found a {type(document).__name__}; ignored")
        return {}
    return {_normalize_key(k): v for k, v in document.items()}


def _csv_row(csv_file: Path, filename: str, warnings: list[str]) -> dict[str, Any]:
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        warnings.append(f"{csv_file.name}: cannot be read ({error}); its metadata was ignored")
        return {}
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    if not rows or "filename" not in {_normalize_key(k) for k in rows[0] if k}:
        if rows or text.strip():
            warnings.append(f"{csv_file.name}: has no 'filename' column; its metadata was ignored")
        return {}
    found: dict[str, Any] = {}
    matches = 0
    for row in rows:
        cells = {_normalize_key(k): (v or "").strip() for k, v in row.items() if k}
        if cells.get("filename") != filename:
            continue
        matches += 1
        found.update({k: v for k, v in cells.items() if k != "filename" and v})
    if matches > 1:
        warnings.append(f"{csv_file.name}: {matches} rows name {filename}; later rows win")
    return found
