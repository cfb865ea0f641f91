"""The typed requests and answers of archivist review (issue 17): what a form, the CLI or a flow sends and gets.

What review writes into an item is in its record: `samizdat.record` (`Change`, `ReviewPage`, `CheckedSpan`, `Unlinked`).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class ReviewAction(StrEnum):
    """What an archivist does to an item; the values are what the form shows."""

    ACCEPT = "accept"
    READ_AGAIN = "read-again"
    ILLEGIBLE = "mark-illegible"
    HANDWRITTEN = "mark-handwritten"
    REPLACE_TEXT = "replace-text"
    RENAME_SPEAKER = "rename-speaker"
    ADD_LINK = "add-link"
    REMOVE_LINK = "remove-link"


PAGE_ACTIONS = frozenset({ReviewAction.ACCEPT, ReviewAction.READ_AGAIN, ReviewAction.ILLEGIBLE,
                          ReviewAction.HANDWRITTEN})
"""Actions on document pages only (replace-text works on pages and on transcript segments)."""


class ReviewRequest(BaseModel):
    """One archivist action on one item; also the shape of the Prefect form."""

    item_id: str = Field(description="The item's id (12 hex digits)")
    action: ReviewAction = Field(description="What to do")
    pages: list[int] = Field(default_factory=list, description="Document pages the action applies to (1-based)")
    start_s: float | None = Field(None, description="Audio: start of the time range whose segments it applies to")
    end_s: float | None = Field(None, description="Audio: end of that time range")
    text: str = Field("", description="replace-text: the new text of the page, or of the segments in the range")
    languages: list[str] = Field(default_factory=list, description="read-again: ISO 639-1 codes (ru, en, uk, ...)")
    speaker: str = Field("", description='rename-speaker: the label shown now ("Speaker 2") or its id ("S2")')
    new_name: str = Field("", description="rename-speaker: the name to show")
    article_id: str = Field("", description="add-link / remove-link: the article's id in the catalogue")
    user: str = Field("archivist", description="Who makes the change (kept in the item's history)")
    note: str = Field("", description="Why (kept in the item's history)")


class ReviewResult(BaseModel):
    """What one applied review did: the item's new version and the bag files it changed."""

    item_id: str
    version: int
    action: ReviewAction
    changed: list[str]
    summary: str


class QueueEntry(BaseModel):
    """An item that needs a person's eyes, and why."""

    item_id: str
    title: str
    kind: str
    reasons: list[str]
    pages: list[int]
    segments: list[int]
    restricted: bool


class VersionInfo(BaseModel):
    """One version of an item: the current bag, or an earlier one kept under `processed/versions/`."""

    version: int
    path: str = Field(description="The bag's folder, relative to processed/")
    current: bool
    at: str | None = None
    user: str | None = None
    action: str | None = None
    note: str = ""
