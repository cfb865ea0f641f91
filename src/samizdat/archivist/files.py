"""Finding the archivist's metadata files and reading their bytes: bounded, never through a symlink.

Every problem is raised as `Unreadable`, whose text completes the sentence "<file> could not be read (...)".
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path

CSV_NAME = "metadata.csv"
SIDECAR_SUFFIXES = (".yaml", ".yml")

# A sidecar is a dozen `key: value` lines; 256 KiB holds 25 values at the 10,000-character limit, far beyond any
# real one, and PyYAML's pure-Python parser reads that much in well under a second.
MAX_SIDECAR_BYTES = 256 * 1024
# A spreadsheet of 100,000 items at ~160 bytes a row; Python's csv reads 16 MiB in a fraction of a second, and the
# file is held in memory whole while it is read.
MAX_CSV_BYTES = 16 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: its BOM starts with UTF-16 LE's
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class Unreadable(Exception):
    """A metadata file that exists but cannot be read completely; the message says why, for the archivist."""


@dataclass(frozen=True)
class Found:
    """A file beside an item that looks like its metadata; `usable` is False for symlinks and non-files."""

    path: Path
    usable: bool


def nfc(name: str) -> str:
    """Names compared as the same text however they were composed (macOS writes NFD, Windows NFC)."""
    return unicodedata.normalize("NFC", name)


def is_metadata_file(path: Path) -> bool:
    """True for `metadata.csv` and sidecar YAML files (any case): they describe items and are not items themselves."""
    return nfc(path.name).casefold() == CSV_NAME or path.suffix.casefold() in SIDECAR_SUFFIXES


def sidecar_candidates(path: Path) -> list[Found]:
    """Every `<name>.yaml` / `.yml` beside `path`, in any case of the suffix, preferred first.

    Preferred: `.yaml` before `.yml`, lower-case suffix before other cases. Symlinks and anything that is not a
    regular file are listed too (not usable), so that the reader can say it ignored them.
    """
    base = nfc(path.name)
    found: list[tuple[tuple[int, int, str], Found]] = []
    try:
        with os.scandir(path.parent) as entries:
            for entry in entries:
                name = nfc(entry.name)
                suffix = name[len(base) :]
                if not name.startswith(base) or suffix.casefold() not in SIDECAR_SUFFIXES:
                    continue
                usable = not entry.is_symlink() and entry.is_file(follow_symlinks=False)
                rank = (SIDECAR_SUFFIXES.index(suffix.casefold()), suffix != suffix.casefold(), entry.name)
                found.append((rank, Found(path.parent / entry.name, usable)))
    except OSError:
        return []
    return [f for _, f in sorted(found, key=lambda pair: pair[0])]


def sidecar_path(path: Path) -> Path | None:
    """The sidecar YAML beside `path` (`kalik-letter.tiff.yaml`, `.yml`, `.YAML`, ...), never a symlink."""
    return next((f.path for f in sidecar_candidates(path) if f.usable), None)


def csv_candidates(folder: Path) -> list[Found]:
    """`metadata.csv` in `folder`, in any case (`Metadata.CSV` as Windows may name it)."""
    found: list[Found] = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if nfc(entry.name).casefold() == CSV_NAME:
                    usable = not entry.is_symlink() and entry.is_file(follow_symlinks=False)
                    found.append(Found(folder / entry.name, usable))
    except OSError:
        return []
    return sorted(found, key=lambda f: (f.path.name != CSV_NAME, f.path.name))


def symlink_between(inbox: Path, folder: Path) -> Path | None:
    """The first folder from `inbox` (exclusive) down to `folder` (inclusive) that is a symlink, if any."""
    try:
        relative = folder.relative_to(inbox)
    except ValueError:
        return None
    current = inbox
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return current
    return None


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, opened without following a symlink."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Unreadable("it is a symbolic link; links are never followed") from None
        raise Unreadable(error.strerror or type(error).__name__) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("it is not a regular file")
        if info.st_size > limit:
            raise Unreadable(f"it is {info.st_size:,} bytes, over the limit of {limit:,}")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise Unreadable(f"it grew over the limit of {limit:,} bytes while it was read")
    return data


def decode(data: bytes) -> str:
    """Text from UTF-8 (BOM allowed), UTF-16 or UTF-32 with a BOM, else Windows-1251 (Russian Excel's default)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as error:
                raise Unreadable(f"it starts like {encoding.upper()} but byte {error.start} is not") from None
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1251")
            except UnicodeDecodeError as error:
                raise Unreadable(f"byte {error.start} is neither UTF-8 nor Windows-1251; save it as UTF-8") from None
    if "\x00" in text:
        raise Unreadable("it contains NUL bytes (UTF-16 without a byte-order mark?); save it as UTF-8")
    return text
