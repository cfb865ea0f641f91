"""The JSON API (`/api/...`), described by the app's OpenAPI schema at `/openapi.json`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from samizdat.portal.app import portal_of
from samizdat.portal.params import (
    ArticleFilter,
    ArticleId,
    EntityFilter,
    ItemId,
    Kind,
    Language,
    Limit,
    Offset,
    Words,
    Year,
)
from samizdat.portal.render import hit_url, snippet_html
from samizdat.search import MARK_END, MARK_START

router = APIRouter(prefix="/api", tags=["api"])


class HitOut(BaseModel):
    """One matching page or transcript segment."""

    item_id: str
    title: str
    kind: str
    page: int | None
    start_s: float | None
    end_s: float | None
    score: float
    snippet: str
    snippet_html: str
    url: str


class FacetOut(BaseModel):
    """A facet value and how many matching items have it."""

    value: str
    label: str
    count: int


class SearchOut(BaseModel):
    """A page of hits with totals and facet counts over every match."""

    query: str
    filters: dict[str, str | int]
    total_units: int
    total_items: int
    offset: int
    hits: list[HitOut]
    facets: dict[str, list[FacetOut]]


class FileOut(BaseModel):
    """A downloadable file of the item's bag payload."""

    path: str
    bytes: int
    url: str


class SegmentOut(BaseModel):
    """A transcript segment."""

    start: float
    end: float
    text: str


class ItemOut(BaseModel):
    """An item: its metadata.json, text per page or transcript segments, and downloads."""

    id: str
    kind: str
    title: str
    access: str
    metadata: dict[str, Any]
    pages: list[str]
    segments: list[SegmentOut]
    files: list[FileOut]
    bundle_url: str


class LinkedItemOut(BaseModel):
    """An item linked to an article."""

    id: str
    title: str
    url: str


class ArticleOut(BaseModel):
    """A catalogue article and the items linked to it."""

    id: str
    title: str
    author: str
    publisher: str
    date: str
    summary: str
    items: list[LinkedItemOut]


@router.get("/search", response_model=SearchOut, summary="Search pages and transcript segments",
            responses={422: {"description": "A parameter out of its bounds (see each parameter's schema)"}})
def api_search(
    request: Request,
    q: Words = "",
    kind: Kind = None,
    language: Language = None,
    year: Year = None,
    article: ArticleFilter = None,
    entity: EntityFilter = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> SearchOut:
    """Hits best first (BM25 on SQLite, ts_rank on PostgreSQL) with highlighted snippets and facet counts."""
    portal = portal_of(request)
    query = portal.query(portal.staff(request), q, kind, language, year, article, entity, limit, offset)
    results = portal.index.results(query)
    hits = [HitOut(item_id=h.item_id, title=h.title, kind=h.kind, page=h.page, start_s=h.start_s, end_s=h.end_s,
                   score=h.score, snippet=h.snippet.replace(MARK_START, "").replace(MARK_END, ""),
                   snippet_html=str(snippet_html(h.snippet)), url=hit_url(h, q)) for h in results.hits]
    facets = {name: [FacetOut(value=f.value, label=portal.article_title(f.value) if name == "article" else f.label,
                              count=f.count) for f in values] for name, values in results.facets.items()}
    return SearchOut(query=q, filters=query.filters, total_units=results.total_units, total_items=results.total_items,
                     offset=offset, hits=hits, facets=facets)


@router.get("/items/{item_id}", response_model=ItemOut, summary="One item",
            responses={404: {"description": "Not found (also for a malformed id)"}})
def api_item(request: Request, item_id: ItemId) -> ItemOut:
    """Metadata, text per page (documents) or segments (audio), and download links."""
    portal = portal_of(request)
    item = portal.item(item_id, portal.staff(request))
    return ItemOut(
        id=item.id, kind=item.kind, title=item.title, access=item.access, metadata=item.metadata.as_dict(),
        pages=item.pages,
        segments=[SegmentOut(start=s.start, end=s.end, text=s.text) for s in item.segments],
        files=[FileOut(path=f.path, bytes=f.bytes, url=f"/items/{item.id}/files/{f.path}") for f in item.files],
        bundle_url=f"/items/{item.id}/bundle.zip",
    )


@router.get("/articles/{article_id}", response_model=ArticleOut, summary="One article and its linked items",
            responses={404: {"description": "Not found (also for a malformed id)"}})
def api_article(request: Request, article_id: ArticleId) -> ArticleOut:
    """The catalogue's facts about the article and the visible items linked to it."""
    portal = portal_of(request)
    article = portal.article(article_id)
    linked = portal.index.articles_view(staff=portal.staff(request)).get(article_id, [])
    return ArticleOut(id=article.id, title=article.title, author=article.author, publisher=article.publisher,
                      date=article.date, summary=article.summary,
                      items=[LinkedItemOut(id=i, title=t, url=f"/items/{i}") for i, t in linked])
