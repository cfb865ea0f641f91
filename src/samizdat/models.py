"""Typed results passed between stages; `metadata.json` is written from these in one place."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

KIND_NAME = r"[a-z][a-z0-9_-]{0,31}"
"""What an input kind may be called: it is a search facet value, a URL parameter and a word in metadata.json."""


class Kind(str):
    """The name of an input kind: `Kind.IMAGE`, `Kind.PDF`, `Kind.AUDIO`, or one registered later.

    Open, unlike an enum: a kind is added by registering it (`samizdat.kinds.register`), not by editing this
    module. What a kind is and does lives in its `InputKind`. Equal names are one object, so `kind is Kind.AUDIO`
    holds for a name read back from metadata.json.
    """

    IMAGE: ClassVar[Kind]
    PDF: ClassVar[Kind]
    AUDIO: ClassVar[Kind]
    _names: ClassVar[dict[str, Kind]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __new__(cls, name: str) -> Kind:
        known = cls._names.get(name)
        if known is not None:
            return known
        if not isinstance(name, str) or not re.fullmatch(KIND_NAME, name):
            raise ValueError(f"{name!r} is not a valid input kind name (lower-case letters, digits, - and _)")
        with cls._lock:
            return cls._names.setdefault(name, super().__new__(cls, name))

    @property
    def value(self) -> str:
        """The name as a plain string (as an enum member's `value`)."""
        return str.__str__(self)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """Validate as a string, then as a kind name (for pydantic models holding a `Kind`)."""
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(cls, core_schema.str_schema())


Kind.IMAGE = Kind("image")
Kind.PDF = Kind("pdf")
Kind.AUDIO = Kind("audio")


@dataclass(frozen=True)
class Source:
    """The dropped file as claimed from the inbox."""

    path: Path
    filename: str
    sha256: str
    size: int
    received_at: str
    sidecar: Path | None = None
    name_bytes: str | None = None  # the name's bytes in hex when they are not UTF-8; `filename` is then readable

    @property
    def item_id(self) -> str:
        """Stable id: the first 12 hex digits of the SHA-256 (DESIGN.md §2)."""
        return self.sha256[:12]


@dataclass(frozen=True)
class Detected:
    """What the bytes say the file is."""

    kind: Kind
    media_type: str


@dataclass
class Page:
    """One page of a document, with where its text came from."""

    number: int
    text: str
    method: str  # "text-layer" | "ocr" | "ocr-layer-kept"
    confidence: float | None = None  # mean word confidence 0-100 where OCR ran
    hocr: str | None = None
    alto: str | None = None
    pdf: bytes | None = None  # Tesseract's searchable page, where OCR ran
    languages: str | None = None  # Tesseract languages the kept reading used, e.g. "rus" or "eng+rus"
    notes: list[str] = field(default_factory=list)
    score: float | None = None  # page quality score 0-1 of the kept reading (samizdat.ocr.quality), where OCR ran
    review: str | None = None  # why to look: empty | low-quality | likely-handwriting | script-not-installed
    readings: int = 0  # Tesseract readings tried (1: the plain read was good)


@dataclass(frozen=True)
class Word:
    """A timed word of a transcript."""

    start: float
    end: float
    word: str
    probability: float
    speaker: str | None = None  # a `Speaker.id` ("S1"), where speakers were told apart


@dataclass(frozen=True)
class Correction:
    """A run of heard words the name corrector rewrote (`asr.correction`), kept for review."""

    start: float
    end: float
    heard: str
    written: str
    score: float
    speaker: str | None = None


@dataclass
class Segment:
    """A timed stretch of a transcript."""

    start: float
    end: float
    text: str
    language: str | None = None
    words: list[Word] = field(default_factory=list)
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    speaker: str | None = None  # a `Speaker.id` ("S1"), where speakers were told apart


@dataclass(frozen=True)
class Speaker:
    """A voice in a recording: `id` as used in segments and words, the name shown, the role if known."""

    id: str
    name: str
    role: str | None = None  # "interviewer" | "interviewee" | None
    speech_s: float = 0.0


@dataclass
class Transcript:
    """Everything an ASR engine returns for one recording."""

    segments: list[Segment]
    language: str | None
    language_probability: float | None
    duration_s: float
    speakers: list[Speaker] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    """Names the corrector wrote over what the decoder heard (the heard words are kept here)."""

    def speaker_name(self, speaker_id: str | None) -> str | None:
        """The name shown for a speaker id, or None."""
        for speaker in self.speakers:
            if speaker.id == speaker_id:
                return speaker.name
        return None

    @property
    def text(self) -> str:
        """The transcript as plain text, one segment per line."""
        return "\n".join(s.text.strip() for s in self.segments if s.text.strip())


@dataclass
class Extraction:
    """Text out of one item: pages for documents, a transcript for audio."""

    engines: dict[str, str]
    pages: list[Page] = field(default_factory=list)
    transcript: Transcript | None = None
    searchable_pdf: bytes | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All text; pages separated by form feed (DESIGN.md §2)."""
        if self.transcript is not None:
            return self.transcript.text
        return "\f".join(p.text for p in self.pages)


@dataclass
class ArchivistMetadata:
    """What the archivist said about a file (sidecar YAML or metadata.csv), validated.

    `access_reason` is set when the reader made the item restricted because the metadata naming it could not be
    read completely (a sentence an archivist can act on); it is None when access is open or the archivist chose
    `restricted` in metadata that was read in full.
    """

    dc: dict[str, Any] = field(default_factory=dict)
    access: str = "open"
    access_reason: str | None = None
    collection: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def languages(self) -> list[str]:
        """ISO 639-1 codes the archivist gave, in order."""
        value = self.dc.get("language") or []
        return list(value) if isinstance(value, list) else [str(value)]


@dataclass
class Mention:
    """Where an entity was found in an item's text."""

    text: str
    char_start: int
    char_end: int
    page: int | None = None
    start_s: float | None = None


@dataclass
class EntityHit:
    """An authority entity found in an item, with every mention."""

    id: str
    label: str
    type: str
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class ArticleLink:
    """A link from an item to an existing article, with the evidence that made it."""

    id: str
    title: str
    score: float
    evidence: list[str]
    passage: str | None = None


class Status(StrEnum):
    """How one inbox file ended."""

    PUBLISHED = "published"  # a new item
    REPROCESSED = "reprocessed"  # an item made again (new settings, `samizdat reprocess`)
    DUPLICATE = "duplicate"  # bytes already published: the new name and metadata applied
    QUARANTINED = "quarantined"  # bad input: moved to quarantine with its .error.json
    DEFERRED = "deferred"  # a failure of the moment: left in the inbox for the next pass
    SKIPPED = "skipped"  # another worker holds the file
    STOPPED = "stopped"  # the machine failed (full disk): left in the inbox, and the pass stops
    DISPATCHED = "dispatched"  # handed to an item run that a worker executes (`run_id`)


@dataclass
class Outcome:
    """How one inbox file ended: published, duplicate of a published item, or quarantined."""

    filename: str
    status: Status
    item_id: str | None = None
    seconds: float = 0.0
    stage: str | None = None
    reason: str | None = None
    hint: str | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    restricted: bool = False  # what the orchestrator shows of it is the item id only
    run_id: str | None = None  # the item run it was dispatched to

    @property
    def label(self) -> str:
        """What may be shown where anyone can read (Prefect run names, artifacts): the id for restricted items."""
        return f"item {self.item_id or 'unknown'}" if self.restricted else self.filename

    def __post_init__(self) -> None:
        self.status = Status(self.status)  # also when rebuilt from a run's JSON result
