"""The interface every input kind implements: everything the pipeline decides by kind, the kind decides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from samizdat.models import ArchivistMetadata, Extraction, Kind
from samizdat.settings import Settings, cores

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
    """One kind of input. Add a kind: a module with an object like this, and `samizdat.kinds.register(it)`.

    Nothing outside the kind's module decides by its name: detection asks each kind's `sniff`, the processing key
    takes its `engine_options`, the orchestrator its `cpu_slots` and `one_at_a_time`, `metadata.json` its `dc_type`.
    What the rest of the system (summary, search, portal, entities) does with an item follows from the shape of its
    `Extraction`: `pages` for a document, a `transcript` for a recording.
    """

    # Read-only, so a plain class attribute declares each (`formats = ("PNG", "JPEG")`).
    @property
    def kind(self) -> Kind:
        """Its name: `metadata.json`'s "kind", the search facet's value."""

    @property
    def media_types(self) -> frozenset[str]:
        """Every media type `sniff` may answer."""

    @property
    def formats(self) -> tuple[str, ...]:
        """The formats it reads as an archivist knows them ("PNG", "MP3"), named when no kind reads a file."""

    @property
    def label(self) -> str:
        """What its files are, in a sentence: "image", "PDF", "audio"."""

    @property
    def dc_type(self) -> str:
        """The Dublin Core type of its items (DCMI Type Vocabulary): "Text", "Sound"."""

    @property
    def one_at_a_time(self) -> bool:
        """Whether its items run one after another in a pass (one item already keeps every core busy)."""

    def sniff(self, head: bytes) -> str | None:
        """The media type the file's leading bytes (up to 4 KiB) announce, if this kind reads it; else None."""
        ...

    def engine_options(self, settings: Settings) -> BaseModel | None:
        """The settings its engines run with: those that change the output make the item's processing key."""
        ...

    def cpu_slots(self, settings: Settings, path: Path | None) -> int:
        """Cores one item's extraction keeps busy (a shared machine's CPU limit reserves them); `path` may be None."""
        ...

    def extract(self, request: ExtractRequest) -> Extraction:
        """Return the item's text; raise `BadInputError` for files that cannot be read."""
        ...

    def outputs(
        self, extraction: Extraction, source_path: Path, archivist: ArchivistMetadata, title: str
    ) -> dict[str, bytes]:
        """Kind-specific files for the bag's `data/` (hOCR, searchable PDF, transcripts), by relative path."""
        ...


def page_slots(settings: Settings, pages: int | None) -> int:
    """Cores an OCR'd document keeps busy: a Tesseract per page, up to `ocr.workers` (all of them if unknown).

    So single-page items hold one core each and run side by side.
    """
    return max(1, min(settings.ocr.workers, pages or settings.ocr.workers, cores()))
