"""A search request, its hits and its facet counts, shared by every backend."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from samizdat.search.stemming import query_stems

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

MARK_START, MARK_END = "\x02", "\x03"
"""Backends mark matched words in snippets with these; each display turns them into its own markup."""

FACETS = ("kind", "language", "year", "article", "entity")
"""The facets every backend counts, in display order."""


@dataclass(frozen=True)
class SearchQuery:
    """Words to find, with optional facet filters; restricted items only for staff.

    An empty `text` with at least one filter lists the filtered items' first units (browse mode).
    """

    text: str
    kind: str | None = None
    language: str | None = None
    article: str | None = None
    year: int | None = None
    entity: str | None = None
    staff: bool = False
    limit: int = 20
    offset: int = 0

    @property
    def terms(self) -> list[str]:
        """The query's words; punctuation and FTS operators never reach the engine."""
        return _WORD.findall(self.text.lower())

    @property
    def stems(self) -> list[str]:
        """The stems every backend matches against the indexed stem shadow."""
        return query_stems(self.text)

    @property
    def filters(self) -> dict[str, str | int]:
        """The facet filters that are set, by facet name."""
        values = {"kind": self.kind, "language": self.language, "year": self.year, "article": self.article,
                  "entity": self.entity}
        return {k: v for k, v in values.items() if v is not None and v != ""}


@dataclass(frozen=True)
class Hit:
    """One matching page or segment."""

    item_id: str
    title: str
    kind: str
    snippet: str
    score: float
    page: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    seq: int = 0

    def marked(self, start: str = "[", end: str = "]") -> str:
        """The snippet with matched words between `start` and `end`."""
        return self.snippet.replace(MARK_START, start).replace(MARK_END, end)


@dataclass(frozen=True)
class FacetCount:
    """How many visible matching items have this facet value."""

    value: str
    label: str
    count: int


@dataclass
class SearchResults:
    """A page of hits, the number of matching units and items, and facet counts over all matches."""

    hits: list[Hit]
    total_units: int
    total_items: int
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
