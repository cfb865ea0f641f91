"""The interface every input kind implements: what media types it accepts and how it extracts text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from samizdat.models import ArchivistMetadata, Extraction, Kind
from samizdat.settings import Settings

ProgressFn = Callable[[float, float, str], None]
"""Called as `progress(done, total, unit)`, e.g. `(3, 12, "pages")` or `(14.5, 60.0, "minutes")`."""


def no_progress(done: float, total: float, unit: str) -> None:
    """The progress callback used when nobody listens."""


@dataclass
class ExtractRequest:
    """Everything an input kind needs to turn one file into text."""

    path: Path
    media_type: str
    settings: Settings
    languages: list[str] = field(default_factory=list)  # ISO 639-1 from the archivist, may be empty
    progress: ProgressFn = no_progress
    archivist: ArchivistMetadata | None = None  # the whole record: audio takes names and vocabulary from it


class InputKind(Protocol):
    """One kind of input. Add a kind: a module with an object like this, listed in `kinds/__init__.py`."""

    kind: Kind
    media_types: frozenset[str]

    def extract(self, request: ExtractRequest) -> Extraction:
        """Return the item's text; raise `BadInputError` for files that cannot be read."""
        ...

    def outputs(
        self, extraction: Extraction, source_path: Path, archivist: ArchivistMetadata, title: str
    ) -> dict[str, bytes]:
        """Kind-specific files for the bag's `data/` (hOCR, searchable PDF, transcripts), by relative path."""
        ...
