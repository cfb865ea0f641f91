"""The HTML pages: search with facets, item (text per page or player with transcript), articles."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from samizdat.portal.app import TEMPLATE_DIR, VIEWER_DIR, portal_of
from samizdat.portal.bags import read_item
from samizdat.portal.pageimages import page_images, page_text_html, review_pages, viewer_data
from samizdat.portal.params import (
    MAX_OFFSET,
    ArticleFilter,
    ArticleId,
    EntityFilter,
    ItemId,
    Kind,
    Language,
    Offset,
    Seconds,
    Words,
    Year,
)
from samizdat.portal.render import hit_url, snippet_html
from samizdat.review.store import pages_checked, segment_checked
from samizdat.review.versions import item_versions
from samizdat.search import FacetCount, SearchQuery
from samizdat.search.query import FACETS
from samizdat.search.snippets import mark_text
from samizdat.timecode import clock

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=TEMPLATE_DIR)
templates.env.filters["marks"] = snippet_html
templates.env.filters["clock"] = clock

PAGE_SIZE = 20
FACET_TITLES = {"kind": "Kind", "language": "Language", "year": "Year", "article": "Article", "entity": "Name"}
_PARAM_OF = {"kind": "kind", "language": "language", "year": "year", "article": "article", "entity": "entity"}


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    q: Words = "",
    kind: Kind = None,
    language: Language = None,
    year: Year = None,
    article: ArticleFilter = None,
    entity: EntityFilter = None,
    offset: Offset = 0,
) -> Response:
    """Search box, facets with counts, hits with marked snippets; without words, lists the items."""
    portal = portal_of(request)
    query = portal.query(portal.staff(request), q, kind, language, year, article, entity, PAGE_SIZE, offset)
    results = portal.index.results(query)
    current: dict[str, Any] = {"q": q, **query.filters}

    def link(**changes: Any) -> str:
        params = {k: v for k, v in {**current, **changes}.items() if v not in (None, "")}
        return "/?" + urlencode(params) if params else "/"

    facets = []
    for name in FACETS:
        values: list[FacetCount] = results.facets.get(name, [])
        shown = [{"label": portal.article_title(f.value) if name == "article" else f.label, "count": f.count,
                  "active": str(current.get(name, "")) == f.value,
                  "url": link(**{_PARAM_OF[name]: None if str(current.get(name, "")) == f.value else f.value,
                                 "offset": None})}
                 for f in values[:15]]
        if shown:
            facets.append({"name": name, "title": FACET_TITLES[name], "values": shown})
    active = [{"name": FACET_TITLES[k], "value": portal.article_title(str(v)) if k == "article" else v,
               "remove": link(**{k: None, "offset": None})} for k, v in query.filters.items()]
    hits = [{"hit": h, "url": hit_url(h, q), "where": f"page {h.page}" if h.page else clock(h.start_s)}
            for h in results.hits]
    previous = link(offset=max(0, offset - PAGE_SIZE) or None) if offset > 0 else None
    more = offset + PAGE_SIZE < results.total_units and offset + PAGE_SIZE <= MAX_OFFSET
    following = link(offset=offset + PAGE_SIZE) if more else None
    return templates.TemplateResponse(request, "search.html", {
        "q": q, "results": results, "hits": hits, "facets": facets, "active": active, "staff": query.staff,
        "previous": previous, "next": following, "offset": offset,
    })


@router.get("/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, item_id: ItemId, q: Words = "", t: Seconds = None) -> Response:
    """Metadata, article links with evidence, entities, downloads, and the text or the synced player."""
    portal = portal_of(request)
    staff = portal.staff(request)
    bag = portal.bag_dir(item_id, staff)
    item = read_item(bag)
    stems = portal.index.plan(SearchQuery(q)).stems  # names expanded as in search, so the hit's words are marked
    images = page_images(bag, item.metadata) if item.kind != "audio" else []
    words = {p.number: p.words for p in images}
    labels = {**portal.entity_labels, **item.entity_labels}
    articles = [{"id": a.id, "title": portal.article_title(a.id) if a.id in portal.articles else a.title or a.id,
                 "score": a.score, "passage": a.passage, "evidence": [labels.get(e, e) for e in a.evidence]}
                for a in item.metadata.articles]
    return templates.TemplateResponse(request, "item.html", {
        "item": item, "dc": item.dc, "q": q, "start": t, "staff": staff, "articles": articles,
        "entities": item.metadata.entities,
        "pages": [page_text_html(p, stems, words[n]) if words.get(n) else snippet_html(mark_text(p, stems))
                  for n, p in enumerate(item.pages, start=1)],
        "images": images, "review": review_pages(item.metadata), "checked": pages_checked(item.metadata),
        "versions": len(item_versions(portal, item_id)) if staff else 0,
        "viewer": viewer_data(item.id, images) if images else None, "viewer_installed": VIEWER_DIR.is_dir(),
        "segments": [(s, mark_text(s.text, stems)) for s in item.segments],
        "checked_segments": {s.index for s in item.segments if segment_checked(item.metadata, s.start, s.end)},
        "unsure_segments": {s.index for s in item.segments
                            if any(r.covers(s.start, s.end) for r in item.metadata.content.review_segments)},
        "review_segments": item.metadata.content.review_segments,
    })


@router.get("/articles", response_class=HTMLResponse)
def articles_page(request: Request) -> Response:
    """Every catalogue article with how many visible items link to it."""
    portal = portal_of(request)
    view = portal.index.articles_view(staff=portal.staff(request))
    rows = [{"article": a, "count": len(view.get(a.id, []))} for a in portal.articles.values()]
    return templates.TemplateResponse(request, "articles.html", {"rows": rows, "staff": portal.staff(request)})


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: ArticleId) -> Response:
    """The article's facts and summary, and the visible items linked to it."""
    portal = portal_of(request)
    article = portal.article(article_id)
    staff = portal.staff(request)
    linked = [portal.linked_item(item_id, title, article_id, staff)
              for item_id, title in portal.index.articles_view(staff=staff).get(article_id, [])]
    return templates.TemplateResponse(request, "article.html", {
        "article": article, "items": [x for x in linked if x is not None], "staff": staff,
        "search_url": "/?" + urlencode({"article": article_id}),
    })


def not_found(request: Request) -> Response:
    """The one 404 page: the same for absent, restricted and out-of-bounds."""
    return templates.TemplateResponse(request, "404.html", {"staff": False}, status_code=404)


def bad_request(request: Request, problems: list[str]) -> Response:
    """A 422 page naming the parameters that are out of bounds, with a way back to the search."""
    return templates.TemplateResponse(request, "error.html", {
        "staff": False, "heading": "This request could not be understood",
        "message": "Some of its parameters are out of bounds:", "problems": problems,
    }, status_code=422)


def damaged(request: Request, headers: dict[str, str]) -> Response:
    """The 503 page for a file whose bytes no longer match its bag's manifest."""
    return templates.TemplateResponse(request, "error.html", {
        "staff": False, "heading": "This file cannot be served right now",
        "message": DAMAGED_MESSAGE, "problems": [],
    }, status_code=503, headers=headers)


DAMAGED_MESSAGE = ("The archive's copy of this file failed its integrity check, so it is withheld rather than served "
                   "damaged. The archivists have been told; please try again later.")
