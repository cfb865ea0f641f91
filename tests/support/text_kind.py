"""A fourth input kind that lives outside the library: plain UTF-8 text files (issue 19: a kind is two files).

Everything Samizdat decides by kind is declared here; `samizdat.kinds.register(TEXT)` is the one registry line.
Its extraction has the shape of a document (pages), so summary, search, entities and the portal treat it as one.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from samizdat.errors import BadInputError
from samizdat.kinds import ExtractRequest, InputKind
from samizdat.models import ArchivistMetadata, Extraction, Kind, Page
from samizdat.settings import Settings

_ALLOWED_CONTROLS = frozenset("\t\n\r\f")
_LONGEST_UTF8_CHARACTER = 4  # bytes: a character cut by the end of the sniffed head is no reason to refuse


class TextKind:
    """Plain text in UTF-8; a form feed starts a new page."""

    kind = Kind("text")
    media_types = frozenset({"text/plain"})
    formats = ("UTF-8 text",)
    label = "plain text"
    dc_type = "Text"
    one_at_a_time = False

    def sniff(self, head: bytes) -> str | None:
        """UTF-8 (a BOM allowed) with no control characters but tab, newlines and form feed."""
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - _LONGEST_UTF8_CHARACTER + 1:
                return None
            text = head[: error.start].decode("utf-8")
        text = text.removeprefix("\ufeff")
        printable = all(c.isprintable() or c in _ALLOWED_CONTROLS for c in text)
        return "text/plain" if text.strip() and printable else None

    def engine_options(self, settings: Settings) -> BaseModel | None:
        """No engine: the text is the file."""
        return None

    def cpu_slots(self, settings: Settings, path: Path | None) -> int:
        """Reading a file takes one core at most."""
        return 1

    def extract(self, request: ExtractRequest) -> Extraction:
        """The file's text, a page per form feed."""
        try:
            text = request.path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise BadInputError(f"the text is not UTF-8 past its beginning: {error}",
                                "Save the file as UTF-8 in a text editor and drop it into the inbox again.") from error
        pages = [Page(number=n, text=page, method="text-layer") for n, page in enumerate(text.split("\f"), start=1)]
        request.progress(len(pages), len(pages), "pages")
        return Extraction(engines={"text": "utf-8"}, pages=pages)

    def outputs(
        self, extraction: Extraction, source_path: Path, archivist: ArchivistMetadata, title: str
    ) -> dict[str, bytes]:
        """Nothing beyond `text.txt`, which every item has."""
        return {}


TEXT: InputKind = TextKind()
