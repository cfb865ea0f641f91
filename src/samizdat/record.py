"""The item record: `metadata.json` (DESIGN.md §3 and §9) as one typed model, its only writer and reader.

Every model keeps keys it does not know (`extra="allow"`), and a record is written with exactly the keys that
were given to it or read into it (`exclude_unset`): a bag written by an older or newer Samizdat reads and writes
back without losing or inventing a key, and keys that an item never had (`access_reason`, `source.filename_bytes`,
`history`, a mention's `page` or `start_s`) are written only once they are set. Keys an older bag lacks read as
their defaults.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from samizdat.models import ArticleLink, EntityHit


class _Part(BaseModel):
    """A block of metadata.json: typed keys, unknown keys kept."""

    model_config = ConfigDict(extra="allow")

    def as_dict(self) -> dict[str, Any]:
        """The block as plain JSON values, with the keys it was written with."""
        result: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True)
        return result


class Received(_Part):
    """Another name the same bytes arrived under (`also_received_as[]`)."""

    filename: str
    received_at: str = ""


class ItemSource(_Part):
    """`source`: the dropped file."""

    filename: str = ""
    sha256: str = ""
    bytes: int = 0
    media_type: str = ""
    received_at: str = ""
    filename_bytes: str | None = None  # the name's bytes in hex when they are not UTF-8 (`filename` is readable)


_DC_HEAD = ("title", "creator", "date", "description", "rights", "subject")
_DC_TAIL = ("language", "type", "format", "identifier", "relation")


class DublinCore(_Part):
    """`dc`: the archivist's Dublin Core elements and those Samizdat computes (type, format, identifier, relation).

    Other elements an archivist gives (`source`, `coverage`, `publisher`, `contributor`) are kept as extra keys,
    written between `subject` and `language` as the archivist gave them.
    """

    title: str = ""
    creator: str = ""
    date: str = ""
    description: str = ""
    rights: str = ""
    subject: list[str] = Field(default_factory=list)
    language: list[str] = Field(default_factory=list)
    type: str = ""
    format: str = ""
    identifier: str = ""
    relation: list[str] = Field(default_factory=list)

    @model_serializer(mode="wrap")
    def _archivist_order(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        head = {k: data[k] for k in _DC_HEAD if k in data}
        tail = {k: data[k] for k in _DC_TAIL if k in data}
        return {**head, **{k: v for k, v in data.items() if k not in head and k not in tail}, **tail}

    def given(self, key: str) -> Any:
        """An element by name, typed or extra (None when absent)."""
        if key in type(self).model_fields:
            return getattr(self, key)
        return (self.model_extra or {}).get(key)


class ReviewPage(_Part):
    """`content.review_pages[]`: a page a person should look at, and why."""

    page: int
    reason: str = ""
    score: float | None = 0.0  # None: a page an archivist marked that OCR had not flagged
    by: str | None = None  # "archivist": the reason is an archivist's mark (issue 17), not OCR's flag


class ReviewSegment(_Part):
    """`content.review_segments[]`: a stretch of a recording a person should listen to, and why."""

    start_s: float
    end_s: float
    reason: str = ""

    def covers(self, start_s: float, end_s: float) -> bool:
        """Whether the middle of a segment from `start_s` to `end_s` lies in this stretch."""
        return self.start_s <= (start_s + end_s) / 2 <= self.end_s


class SpeakerSummary(_Part):
    """`content.speakers[]`: a voice of a recording."""

    id: str
    name: str = ""
    role: str | None = None
    speech_s: float = 0.0


class CheckedSpan(_Part):
    """`content.checked_segments[]`: a time range of a transcript an archivist corrected (issue 17)."""

    start_s: float
    end_s: float

    def holds(self, start_s: float, end_s: float) -> bool:
        """Whether a segment from `start_s` to `end_s` lies inside this range."""
        return self.start_s <= start_s and end_s <= self.end_s


class Content(_Part):
    """`content`: pages, confidence and review flags for documents; duration, languages and speakers for audio.

    A document's record has the first group of keys, a recording's the second (each is written only when set).
    """

    # documents
    pages: int | None = None
    ocr_pages: int | None = None
    mean_confidence: float | None = None
    low_confidence_pages: list[int] = Field(default_factory=list)
    page_methods: dict[str, str] = Field(default_factory=dict)
    page_notes: dict[str, list[str]] = Field(default_factory=dict)
    review_pages: list[ReviewPage] = Field(default_factory=list)
    page_languages: dict[str, list[str]] = Field(default_factory=dict)
    checked_pages: list[int] = Field(default_factory=list)  # pages an archivist corrected (issue 17)
    checked_segments: list[CheckedSpan] = Field(default_factory=list)  # recordings: stretches corrected (issue 17)
    # recordings
    duration_s: float | None = None
    language: str | None = None
    language_probability: float | None = None
    languages: list[str] = Field(default_factory=list)
    segments: int | None = None
    speakers: list[SpeakerSummary] = Field(default_factory=list)
    review_segments: list[ReviewSegment] = Field(default_factory=list)


class EntityMention(_Part):
    """Where an entity was found: `page` in documents, `start_s` in recordings."""

    text: str
    char_start: int
    char_end: int
    page: int | None = None
    start_s: float | None = None


class EntityRecord(_Part):
    """`entities[]`: an authority entity found in the item, with every mention."""

    id: str
    label: str = ""
    type: str = ""
    count: int = 0
    mentions: list[EntityMention] = Field(default_factory=list)

    @classmethod
    def of(cls, hit: EntityHit) -> EntityRecord:
        """The record of a found entity; a mention's `page` or `start_s` only where it has one."""
        mentions = [EntityMention(**{k: v for k, v in asdict(m).items() if v is not None}) for m in hit.mentions]
        return cls(id=hit.id, label=hit.label, type=hit.type, count=len(hit.mentions), mentions=mentions)


class ArticleRecord(_Part):
    """`articles[]`: a link to an article, with its evidence; `by: "archivist"` (and `note`) when made by hand."""

    id: str
    title: str = ""
    score: float = 0.0
    evidence: list[str] = Field(default_factory=list)
    passage: str | None = None
    by: str | None = None
    note: str | None = None

    @classmethod
    def of(cls, link: ArticleLink) -> ArticleRecord:
        """The record of a link the linker made (score rounded to 4 places)."""
        return cls(id=link.id, title=link.title, score=round(link.score, 4), evidence=link.evidence,
                   passage=link.passage)


class Unlinked(_Part):
    """`unlinked[]`: an article an archivist unlinked from the item; the linker never links it again (issue 17)."""

    id: str
    by: str = ""
    user: str = ""
    at: str = ""


class Processing(_Part):
    """`processing`: the key of the settings the item was made with, and those settings."""

    key: str = ""
    settings: dict[str, Any] = Field(default_factory=dict)


class Change(_Part):
    """`history[]`: one version of the item after the first (issue 17: an archivist's correction, a re-link).

    The action's own fields (time range, speaker, new name, article, languages) are kept so a reprocess can apply
    the correction again to a new reading.
    """

    version: int
    at: str  # ISO-8601
    by: str  # who: the archivist's name, or "samizdat" for a reprocess (DESIGN.md §9)
    action: str
    pages: list[int] = Field(default_factory=list)
    segments: list[int] = Field(default_factory=list)
    note: str = ""
    start_s: float | None = None
    end_s: float | None = None
    speaker: str | None = None
    new_name: str | None = None
    article_id: str | None = None
    languages: list[str] = Field(default_factory=list)


class ItemRecord(_Part):
    """One item's `metadata.json`."""

    id: str
    kind: str = ""
    source: ItemSource = Field(default_factory=ItemSource)
    dc: DublinCore = Field(default_factory=DublinCore)
    access: str = "restricted"  # fail closed: a metadata.json without `access` is not shown to the public
    access_reason: str | None = None  # why the item was made restricted, when its metadata could not be read
    collection: str | None = None
    content: Content = Field(default_factory=Content)
    entities: list[EntityRecord] = Field(default_factory=list)
    articles: list[ArticleRecord] = Field(default_factory=list)
    engines: dict[str, str] = Field(default_factory=dict)
    archivist: dict[str, Any] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    also_received_as: list[Received] = Field(default_factory=list)
    processing: Processing | None = None
    unlinked: list[Unlinked] = Field(default_factory=list)
    version: int = 1
    history: list[Change] = Field(default_factory=list)

    @classmethod
    def from_json(cls, text: str | bytes) -> ItemRecord:
        """Read a `metadata.json`; `pydantic.ValidationError` (a ValueError) when it is not one."""
        return cls.model_validate_json(text)

    def to_json(self) -> str:
        """`metadata.json` as written in every bag: UTF-8 text, two-space indent, a final newline."""
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n"

    def copy_deep(self) -> ItemRecord:
        """An independent copy, to change without touching this one."""
        return self.model_copy(deep=True)

    @property
    def is_open(self) -> bool:
        """Whether anyone may see the item (`access` is "open")."""
        return self.access == "open"

    def restrict_because(self, reason: str | None) -> None:
        """Set `access_reason`, or remove the key when there is no reason."""
        self.access_reason = reason
        if reason is None:
            self.__pydantic_fields_set__.discard("access_reason")

    @property
    def title(self) -> str:
        """The title shown: `dc.title`, else the file name, else the id."""
        return self.dc.title or self.source.filename or self.id

    @property
    def names(self) -> set[str]:
        """Every file name the item's bytes arrived under."""
        return {self.source.filename, *(r.filename for r in self.also_received_as)}

    def relinked(self, articles: list[ArticleRecord], entities: list[EntityRecord] | None = None) -> ItemRecord:
        """A copy with these article links (and entities), `dc.relation` following the links."""
        updated = self.copy_deep()
        updated.articles = articles
        updated.dc.relation = [a.id for a in articles]
        if entities is not None:
            updated.entities = entities
        return updated
