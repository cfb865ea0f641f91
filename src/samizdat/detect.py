"""Tell what a file is from its bytes, never its name: archivists' files are often mislabeled."""

from __future__ import annotations

from pathlib import Path

from samizdat.errors import BadInputError
from samizdat.models import Detected, Kind

_HEAD_BYTES = 4096

# (prefix at offset 0, media type); order matters only where prefixes overlap.
_PREFIXES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"II+\x00", "image/tiff"),  # BigTIFF
    (b"MM\x00+", "image/tiff"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "image/jp2"),
    (b"fLaC", "audio/flac"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"FORM", "audio/aiff"),
    (b"\x1a\x45\xdf\xa3", "audio/webm"),
]

_MP4_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"mp42", b"isom", b"mp41", b"iso2", b"dash", b"3gp4", b"3gp5"}


def sniff(head: bytes) -> str | None:
    """Return the media type the leading bytes announce, or None."""
    if head[:4] == b"RIFF" and len(head) >= 12:
        return {b"WAVE": "audio/wav", b"WEBP": "image/webp"}.get(head[8:12])
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in _MP4_AUDIO_BRANDS else None
    if b"%PDF-" in head[:1024]:  # the spec allows junk before the header
        return "application/pdf"
    for prefix, media_type in _PREFIXES:
        if head.startswith(prefix):
            return media_type
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x06) != 0:
        return "audio/mpeg"  # a bare MPEG audio frame header (no ID3 tag)
    return None


def kind_of(media_type: str) -> Kind:
    """Map a media type to the input kind that handles it."""
    if media_type == "application/pdf":
        return Kind.PDF
    return Kind.IMAGE if media_type.startswith("image/") else Kind.AUDIO


def detect(path: Path) -> Detected:
    """Detect a file's kind by its bytes; raise BadInputError for empty or unknown files."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    if not head:
        raise BadInputError(
            f"{path.name} is empty (0 bytes)",
            "The file arrived with no content: copy it into the inbox again from the scanner or the original disk.",
        )
    media_type = sniff(head)
    if media_type is None:
        raise BadInputError(
            f"{path.name} is not a supported image, PDF or audio file (its first bytes are {head[:8]!r})",
            "Samizdat reads PNG, JPEG, TIFF, PDF, WAV, FLAC, MP3, OGG and M4A. "
            "Convert the file to one of these, or check that it was not damaged in transfer.",
        )
    return Detected(kind=kind_of(media_type), media_type=media_type)
