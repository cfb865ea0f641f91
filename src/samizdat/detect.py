"""Tell what a file is from its bytes, never its name: archivists' files are often mislabeled.

Each input kind knows its own signatures (`InputKind.sniff`); detection asks the registered kinds in order.
"""

from __future__ import annotations

from pathlib import Path

from samizdat.errors import BadInputError
from samizdat.kinds import InputKind, input_kind, names, registered
from samizdat.models import Detected

_HEAD_BYTES = 4096


def recognise(head: bytes) -> tuple[InputKind, str] | None:
    """The first registered kind that reads a file starting with `head`, and the media type it sees; or None.

    `ValueError` when a kind answers a media type it does not declare: that kind is broken, not the file.
    """
    for name in names():  # each kind's module is imported when its turn comes: a PNG never loads Whisper's kind
        kind = input_kind(name)
        media_type = kind.sniff(head)
        if media_type is None:
            continue
        if media_type not in kind.media_types:
            raise ValueError(f"the {kind.kind!r} input kind sniffed {media_type!r}, not one of its media types")
        return kind, media_type
    return None


def sniff(head: bytes) -> str | None:
    """Return the media type the leading bytes announce, or None."""
    found = recognise(head)
    return found[1] if found else None


def detect(path: Path) -> Detected:
    """Detect a file's kind by its bytes; raise BadInputError for empty or unknown files."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    if not head:
        raise BadInputError(
            f"{path.name} is empty (0 bytes)",
            "The file arrived with no content: copy it into the inbox again from the scanner or the original disk.",
        )
    found = recognise(head)
    if found is None:
        kinds = registered()
        raise BadInputError(
            f"{path.name} is not a supported {_either([k.label for k in kinds])} file "
            f"(its first bytes are {head[:8]!r})",
            f"Samizdat reads {_all([f for k in kinds for f in k.formats])}. "
            "Convert the file to one of these, or check that it was not damaged in transfer.",
        )
    kind, media_type = found
    return Detected(kind=kind.kind, media_type=media_type)


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _all(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
