"""Downloads: an item's bundle zip and single files of its bag payload, never anything outside it, never damaged.

Before a file leaves the archive its sha256 is checked against the bag's manifest (and a bundle's members
against the bag), once per version of the file (`FixityCache`). A mismatch is answered 503 (see `app.py`).
"""

from __future__ import annotations

import mimetypes
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from samizdat.bag import PublishedBag
from samizdat.portal.access import file_inside
from samizdat.portal.app import DAMAGED_RESPONSE, portal_of
from samizdat.portal.params import FilePath, ItemId

router = APIRouter(tags=["downloads"])

_INLINE = {"audio/mpeg", "audio/wav", "audio/x-wav", "audio/ogg", "audio/flac", "application/pdf", "image/png",
           "image/jpeg", "image/tiff", "text/plain", "text/vtt", "application/json"}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found (also for a malformed id or a path outside the item)"}, 503: DAMAGED_RESPONSE}


@router.get("/items/{item_id}/bundle.zip", summary="The item's BagIt bag, zipped",
            response_class=FileResponse, responses=_RESPONSES)
def bundle(request: Request, item_id: ItemId) -> FileResponse:
    """`processed/bundles/<id>.zip`, for an item this caller may see, once its members match the bag."""
    portal = portal_of(request)
    bag = portal.bag_dir(item_id, portal.staff(request))
    path = file_inside(portal.bundles_dir, f"{item_id}.zip")
    portal.fixity.check_bundle(bag, path)
    return FileResponse(path, media_type="application/zip", filename=f"{item_id}.zip")


@router.get("/items/{item_id}/files/{path:path}", summary="One file of the item's bag payload (under data/)",
            response_class=FileResponse, responses=_RESPONSES)
def item_file(request: Request, item_id: ItemId, path: FilePath) -> FileResponse:
    """A payload file; paths are resolved (symlinks and `..` included) and must stay inside the item's `data/`."""
    portal = portal_of(request)
    bag = portal.bag_dir(item_id, portal.staff(request))
    target = file_inside(PublishedBag(bag).data, path)
    portal.fixity.check_file(bag, target)
    media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    disposition = "inline" if media_type in _INLINE else "attachment"
    return FileResponse(target, media_type=media_type, filename=target.name, content_disposition_type=disposition)
