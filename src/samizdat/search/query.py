"""A search request and its hits, shared by every backend."""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"\w+", re.UNICODE)

MARK_START, MARK_END = "\x02", "\x03"
"""Backends mark matched words in snippets with these; each display turns them into its own markup."""


@dataclass(frozen=True)
class SearchQuery:
    """Words to find, with optional facet filters; restricted items only for staff."""

    text: str
    kind: str | None = None
    language: str | None = None
    article: str | None = None
    year: int | None = None
    staff: bool = False
    limit: int = 20

    @property
    def terms(self) -> list[str]:
        """The query's words; punctuation and FTS operators never reach the engine."""
        return _WORD.findall(self.text.lower())


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

    def marked(self, start: str = "[", end: str = "]") -> str:
        """The snippet with matched words between `start` and `end`."""
        return self.snippet.replace(MARK_START, start).replace(MARK_END, end)
