"""The portal's FastAPI app: shared state (index, catalogue, access rules) and the routers that use it."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from samizdat.catalogue import Article, archive_catalogue
from samizdat.fixity import FixityCache, FixityError
from samizdat.layout import ProcessedFolder, ProcessedLayout
from samizdat.portal.access import NotFoundError, is_staff, may_see, valid_item_id
from samizdat.portal.bags import ItemView, read_access, read_item
from samizdat.search import SearchIndex, SearchQuery, open_index

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
VIEWER_DIR = Path(__file__).resolve().parent / "viewer" / "node_modules" / "openseadragon" / "build" / "openseadragon"
"""OpenSeadragon, installed from npm by scripts/install.sh (`npm ci` in portal/viewer/); served at /vendor/."""
STAFF_TOKEN_ENV = "SAMIZDAT_STAFF_TOKEN"
RETRY_AFTER_S = 3600
DAMAGED_RESPONSE: dict[str, Any] = {"description": "The archive's copy failed its integrity check and is withheld "
                                                   "until it is restored (a server-side fault; see Retry-After)"}
log = logging.getLogger("samizdat.portal")


@dataclass
class Portal(ProcessedLayout):
    """What every route needs: where the bags are, the index, the catalogue, and the staff token."""

    processed: Path
    index: SearchIndex
    staff_token: str | None
    articles: dict[str, Article] = field(default_factory=dict)
    entity_labels: dict[str, str] = field(default_factory=dict)
    fixity: FixityCache = field(default_factory=FixityCache)

    def staff(self, request: Request) -> bool:
        """Whether this request comes from staff."""
        return is_staff(request, self.staff_token)

    def bag_dir(self, item_id: str, staff: bool) -> Path:
        """The folder of an item this request may see; NotFoundError otherwise (absent and hidden look alike)."""
        if not valid_item_id(item_id):
            raise NotFoundError()
        bag = self.bag(item_id)
        if not bag.exists():
            raise NotFoundError()
        if not may_see(read_access(bag.root), self.index.access_of(item_id), staff):
            raise NotFoundError()
        return bag.root

    def item(self, item_id: str, staff: bool) -> ItemView:
        """The item view, if this request may see it."""
        return read_item(self.bag_dir(item_id, staff))

    def linked_item(self, item_id: str, title: str, article_id: str, staff: bool) -> dict[str, Any] | None:
        """An item linked to an article, with the link's score, evidence (entity labels) and passage.

        None when the bag is gone or hidden from this caller (the index may lag behind the bags).
        """
        try:
            item = self.item(item_id, staff)
        except NotFoundError:
            return None
        link = next((a for a in item.metadata.articles if a.id == article_id), None)
        labels = {**self.entity_labels, **item.entity_labels}
        return {"id": item_id, "title": title, "kind": item.kind, "date": item.metadata.dc.date,
                "score": link.score if link else None,
                "evidence": [labels.get(e, e) for e in link.evidence] if link else [],
                "passage": (link.passage if link else None) or ""}

    def article(self, article_id: str) -> Article:
        """A catalogue article, or NotFoundError."""
        if article_id not in self.articles:
            raise NotFoundError()
        return self.articles[article_id]

    def article_title(self, article_id: str) -> str:
        """The article's title, or its id when the catalogue does not know it."""
        article = self.articles.get(article_id)
        return article.title if article else article_id

    def query(self, staff: bool, q: str = "", kind: str | None = None, language: str | None = None,
              year: int | None = None, article: str | None = None, entity: str | None = None,
              limit: int = 20, offset: int = 0) -> SearchQuery:
        """A search query from request parameters, with the caller's access level."""
        return SearchQuery(q, kind=kind or None, language=language or None, year=year, article=article or None,
                           entity=entity or None, staff=staff, limit=limit, offset=offset)


def create_app(processed: Path, database_url: str | None = None, staff_token: str | None = None,
               index: SearchIndex | None = None, catalogue_dir: Path | None = None) -> FastAPI:
    """The portal over `processed/` (bags and bundles) and its search index.

    `staff_token` defaults to SAMIZDAT_STAFF_TOKEN; with none, nobody is staff and restricted items never show.
    `catalogue_dir` defaults to `catalogue/` beside `processed/` (the shipped catalogue until that exists).
    """
    from samizdat.portal import api, downloads, iiif, pages, staff, versions

    opened = index or open_index(database_url, ProcessedFolder(processed).catalog_path)
    catalogue = archive_catalogue(processed, catalogue_dir, create=False)  # default: catalogue/ beside processed/
    portal = Portal(
        processed=processed, index=opened,
        staff_token=staff_token if staff_token is not None else os.environ.get(STAFF_TOKEN_ENV) or None,
        articles={a.id: a for a in catalogue.articles},
        entity_labels={e.id: e.label for e in catalogue.entities.values()},
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if index is None:
            opened.close()

    app = FastAPI(
        title="Samizdat portal", version="1",
        description="Search the archive's letters, documents and interviews; read them, hear them, download them. "
                    "Restricted items exist only for staff (send the X-Staff-Token header).",
        lifespan=lifespan,
        # Swagger UI and ReDoc load their scripts from a CDN; the portal must work offline, so the schema
        # itself (/openapi.json) is the API's description.
        docs_url=None, redoc_url=None,
    )
    app.state.portal = portal
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.mount("/vendor/openseadragon", StaticFiles(directory=VIEWER_DIR, check_dir=False), name="openseadragon")
    app.include_router(api.router)
    app.include_router(downloads.router)
    app.include_router(iiif.router)
    app.include_router(pages.router)
    app.include_router(staff.router)
    app.include_router(versions.router)

    @app.exception_handler(StarletteHTTPException)
    async def not_found_page(request: Request, error: StarletteHTTPException) -> Response:
        """Browsers get an HTML 404; the API (and any other status) gets FastAPI's JSON."""
        if error.status_code == 404 and _wants_page(request):
            return pages.not_found(request)
        return await http_exception_handler(request, error)

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, error: RequestValidationError) -> Response:
        """A malformed id or path in the URL names nothing: the one 404. Bad query parameters: 422, JSON or a page."""
        problems = error.errors()
        if any(p.get("loc", ("",))[0] == "path" for p in problems):
            return await not_found_page(request, NotFoundError())
        if _wants_page(request):
            return pages.bad_request(request, [_describe(p) for p in problems])
        return await request_validation_exception_handler(request, error)

    @app.exception_handler(FixityError)
    async def damaged_file(request: Request, error: FixityError) -> Response:
        """A file that fails its fixity check is withheld: 503 (the server's fault, not lasting), and logged."""
        log.error("withheld a damaged file at %s: %s. What to do: %s", request.url.path, error, error.hint)
        headers = {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}
        if _wants_page(request):
            return pages.damaged(request, headers)
        return JSONResponse({"detail": pages.DAMAGED_MESSAGE}, status_code=503, headers=headers)

    @app.middleware("http")
    async def current_catalogue(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """An article added while the portal runs has its page at once (re-reading costs two stat calls)."""
        nonlocal catalogue
        latest = archive_catalogue(processed, catalogue_dir, create=False)
        if latest is not catalogue:
            catalogue = latest
            portal.articles = {a.id: a for a in latest.articles}
            portal.entity_labels = {e.id: e.label for e in latest.entities.values()}
        return await call_next(request)

    @app.middleware("http")
    async def private_when_staff(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Pages served to staff may show restricted items: no shared cache may keep them."""
        response = await call_next(request)
        if portal.staff(request):
            response.headers["Cache-Control"] = "private, no-store"
        return response

    return app


def _wants_page(request: Request) -> bool:
    """A browser asking for a page (not the JSON API): it gets HTML error pages."""
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get("accept", "")


def _describe(problem: Any) -> str:
    """One validation problem as a sentence: `year: Input should be less than or equal to 9999`."""
    where = ".".join(str(part) for part in problem.get("loc", ())[1:]) or "request"
    return f"{where}: {problem.get('msg', 'invalid')}"


def portal_of(request: Request) -> Portal:
    """The Portal state of the app serving this request."""
    portal: Portal = request.app.state.portal
    return portal
