"""Downloads: an item's bundle zip and single files of its bag payload, never anything outside it."""

from __future__ import annotations

import mimetypes

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from samizdat.portal.access import file_inside
from samizdat.portal.app import portal_of

router = APIRouter(tags=["downloads"])

_INLINE = {"audio/mpeg", "audio/wav", "audio/x-wav", "audio/ogg", "audio/flac", "application/pdf", "image/png",
           "image/jpeg", "image/tiff", "text/plain", "text/vtt", "application/json"}


@router.get("/items/{item_id}/bundle.zip", summary="The item's BagIt bag, zipped",
            response_class=FileResponse, responses={404: {"description": "Not found"}})
def bundle(request: Request, item_id: str) -> FileResponse:
    """`processed/bundles/<id>.zip`, for an item this caller may see."""
    portal = portal_of(request)
    portal.bag_dir(item_id, portal.staff(request))
    path = file_inside(portal.bundles_dir, f"{item_id}.zip")
    return FileResponse(path, media_type="application/zip", filename=f"{item_id}.zip")


@router.get("/items/{item_id}/files/{path:path}", summary="One file of the item's bag payload (under data/)",
            response_class=FileResponse, responses={404: {"description": "Not found"}})
def item_file(request: Request, item_id: str, path: str) -> FileResponse:
    """A payload file; paths are resolved (symlinks and `..` included) and must stay inside the item's `data/`."""
    portal = portal_of(request)
    bag = portal.bag_dir(item_id, portal.staff(request))
    target = file_inside(bag / "data", path)
    media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    disposition = "inline" if media_type in _INLINE else "attachment"
    return FileResponse(target, media_type=media_type, filename=target.name, content_disposition_type=disposition)
