"""Staff pages of archivist review: an item's earlier versions, each readable, and the review queue.

Only staff see them (the public gets the one 404): an earlier version may hold what an archivist corrected away.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from samizdat.errors import BadInputError
from samizdat.portal.access import NotFoundError
from samizdat.portal.app import portal_of
from samizdat.portal.bags import read_item
from samizdat.portal.params import ItemId
from samizdat.review.versions import item_versions, version_bag

router = APIRouter(include_in_schema=False)
VersionNumber = Annotated[int, Path(ge=1, le=100_000, description="The version's number")]


@router.get("/items/{item_id}/versions", response_class=HTMLResponse)
def versions_page(request: Request, item_id: ItemId) -> Response:
    """Every version of an item with who made it, how and when (staff only)."""
    from samizdat.portal.pages import templates

    portal = portal_of(request)
    if not portal.staff(request):
        raise NotFoundError()
    item = read_item(portal.bag_dir(item_id, staff=True))
    versions = item_versions(portal, item_id)
    return templates.TemplateResponse(request, "versions.html", {"item": item, "versions": versions, "staff": True,
                                                                 "shown": None})


@router.get("/items/{item_id}/versions/{version}", response_class=HTMLResponse)
def version_page(request: Request, item_id: ItemId, version: VersionNumber) -> Response:
    """One version's text (pages or transcript), as it was then (staff only)."""
    from samizdat.portal.pages import templates

    portal = portal_of(request)
    if not portal.staff(request):
        raise NotFoundError()
    portal.bag_dir(item_id, staff=True)
    try:
        bag = version_bag(portal, item_id, version)
    except BadInputError:
        raise NotFoundError() from None
    shown = read_item(bag)
    versions = item_versions(portal, item_id)
    return templates.TemplateResponse(request, "versions.html", {"item": shown, "versions": versions, "staff": True,
                                                                 "shown": version})
