"""IIIF for the portal: Presentation 3 manifests per item and a level 0 Image API over the bag's page images.

Nothing here is stored in the bag (DESIGN.md §9): manifests and `info.json` are built on request from the bag,
with the request's own host in their ids. The image service is IIIF Image API 3 at compliance level 0: the two
sizes made at packaging time (`samizdat.derivatives`: the web image and the thumbnail), no tiles, no regions.

- `/iiif/{id}/manifest`: documents get a canvas per page with the page image (and its image service and
  thumbnail) and the OCR text as annotations (`/iiif/{id}/page/{n}/annotations`: a line per annotation, with its
  box; the whole page's text where there is no hOCR); audio gets one canvas with the recording and the
  transcript's segments as timed annotations.
- `/iiif/{id}/page/{n}/info.json` and `/iiif/{id}/page/{n}/full/{size}/0/default.jpg`.
- `/iiif/viewer?manifest=/iiif/{id}/manifest`: a plain IIIF viewer (OpenSeadragon, served locally) pointed at
  a manifest, with each page's annotations (its OCR text) beside it.

Access holds as everywhere in the portal: an item this request may not see is the one 404 on every route.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from iiif_prezi3 import (
    Annotation,
    AnnotationBody,
    AnnotationPage,
    AnnotationPageRef,
    Canvas,
    KeyValueString,
    Manifest,
    ServiceV3,
)
from starlette.responses import Response

from samizdat.bag import PublishedBag
from samizdat.portal.access import NotFoundError
from samizdat.portal.app import DAMAGED_RESPONSE, VIEWER_DIR, portal_of
from samizdat.portal.bags import ItemView, read_item
from samizdat.portal.pageimages import MAX_PAGES, PageImage, page_image, page_images, review_pages
from samizdat.portal.params import ItemId

router = APIRouter(prefix="/iiif", tags=["iiif"])

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
IMAGE_CONTEXT = "http://iiif.io/api/image/3/context.json"
PRESENTATION_TYPE = f'application/ld+json;profile="{PRESENTATION_CONTEXT}"'
IMAGE_TYPE = f'application/ld+json;profile="{IMAGE_CONTEXT}"'
_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not found (also for a restricted item, or a page it does not have)"}, 503: DAMAGED_RESPONSE}
_IMAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_RESPONSES, 400: {"description": "A region, size, rotation, quality or format this level 0 service lacks"}}

PageNumber = Annotated[int, PathParam(ge=1, le=MAX_PAGES, description="The page, from 1")]
Region = Annotated[str, PathParam(max_length=64, description="Only `full` (level 0)")]
Size = Annotated[str, PathParam(max_length=64,
                                description="`max`, or one of the sizes info.json lists (`w,h` or `w,`)")]
Rotation = Annotated[str, PathParam(max_length=16, description="Only `0` (level 0)")]
Quality = Annotated[str, PathParam(pattern=r"^[a-z]{1,16}\.[a-z0-9]{1,8}$",
                                   description="Only `default.jpg` (level 0)")]

DC_LABELS = {"creator": "Creator", "date": "Date", "language": "Language", "type": "Type", "subject": "Subject",
             "description": "Description", "identifier": "Identifier", "rights": "Rights"}


def base_url(request: Request) -> str:
    """The portal's own address as this request reached it: the ids in manifests resolve to this portal."""
    return str(request.base_url).rstrip("/")


def _ld_json(document: dict[str, Any], media_type: str, public: bool) -> JSONResponse:
    """IIIF JSON-LD; open to other sites' viewers (CORS) when the item is public, never for a staff-only view."""
    headers = {"Access-Control-Allow-Origin": "*"} if public else {}
    return JSONResponse(document, media_type=media_type, headers=headers)


def _lang(text: str, language: str = "none") -> dict[str, list[str]]:
    return {language: [text]}


def _item_language(item: ItemView) -> str:
    languages = item.dc.get("language") or []
    first = languages[0] if isinstance(languages, list) and languages else languages
    return str(first) if isinstance(first, str) and first else "none"


def _metadata(item: ItemView) -> list[KeyValueString]:
    entries = []
    for key, label in DC_LABELS.items():
        value = item.dc.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if value:
            entries.append(KeyValueString(label=_lang(label, "en"), value=_lang(str(value))))
    return entries


def image_service_id(base: str, item_id: str, number: int) -> str:
    """The IIIF Image API service of one page."""
    return f"{base}/iiif/{item_id}/page/{number}"


def build_manifest(item: ItemView, bag_dir: Path, base: str) -> dict[str, Any]:
    """The item's Presentation 3 manifest, as JSON-LD (built with iiif-prezi3)."""
    manifest_id = f"{base}/iiif/{item.id}/manifest"
    manifest = Manifest(id=manifest_id, label=_lang(item.title, _item_language(item)), metadata=_metadata(item),
                        homepage=[{"id": f"{base}/items/{item.id}", "type": "Text", "label": _lang(item.title),
                                   "format": "text/html"}],
                        rendering=[{"id": f"{base}/items/{item.id}/bundle.zip", "type": "Dataset",
                                    "label": _lang("BagIt bag, zipped", "en"), "format": "application/zip"}])
    if item.dc.get("rights"):
        manifest.requiredStatement = KeyValueString(label=_lang("Rights", "en"), value=_lang(str(item.dc["rights"])))
    if item.kind == "audio":
        _audio_canvas(manifest, item, base)
    else:
        for page in page_images(bag_dir, item.metadata):
            manifest.add_item(_page_canvas(item, page, base))
        if manifest.items:
            manifest.thumbnail = manifest.items[0].thumbnail
    document: dict[str, Any] = json.loads(manifest.jsonld())
    return document


def _page_canvas(item: ItemView, page: PageImage, base: str) -> Canvas:
    canvas_id = f"{base}/iiif/{item.id}/canvas/{page.number}"
    service_id = image_service_id(base, item.id, page.number)
    label = f"Page {page.number}" + (f" (flagged for review: {page.review.reason})" if page.review else "")
    canvas = Canvas(id=canvas_id, label=_lang(label, "en"), width=page.width, height=page.height)
    service = ServiceV3(id=service_id, type="ImageService3", profile="level0")
    body = AnnotationBody(id=f"{service_id}/full/max/0/default.jpg", type="Image", format="image/jpeg",
                          width=page.width, height=page.height, service=[service])
    canvas.add_item(AnnotationPage(id=f"{canvas_id}/paint", items=[
        Annotation(id=f"{canvas_id}/paint/image", motivation="painting", body=body, target=canvas_id)]))
    canvas.thumbnail = [AnnotationBody(id=f"{service_id}/full/{page.thumb_width},{page.thumb_height}/0/default.jpg",
                                       type="Image", format="image/jpeg", width=page.thumb_width,
                                       height=page.thumb_height, service=[service])]
    # Referenced, not embedded: the manifest stays small, the viewer fetches a page's text when it shows the page.
    canvas.annotations = [AnnotationPageRef(root={"id": f"{service_id}/annotations", "type": "AnnotationPage"})]
    return canvas


def _audio_canvas(manifest: Manifest, item: ItemView, base: str) -> None:
    if item.original is None:
        return
    canvas_id = f"{base}/iiif/{item.id}/canvas/1"
    ends = [s.end for s in item.segments]
    duration = float(item.metadata.content.duration_s or 0) or max(ends, default=0.0)
    if duration <= 0:
        return
    media_type = item.metadata.source.media_type or "audio/mpeg"
    canvas = Canvas(id=canvas_id, label=_lang(item.title, _item_language(item)), duration=duration)
    body = AnnotationBody(id=f"{base}/items/{item.id}/files/{item.original}", type="Sound",
                          format=media_type if "/" in media_type else "audio/mpeg", duration=duration)
    canvas.add_item(AnnotationPage(id=f"{canvas_id}/paint", items=[
        Annotation(id=f"{canvas_id}/paint/sound", motivation="painting", body=body, target=canvas_id)]))
    language = item.metadata.content.language or _item_language(item)
    transcript = [Annotation(id=f"{canvas_id}/transcript/{s.index}", motivation="supplementing",
                             body={"type": "TextualBody", "value": s.text, "format": "text/plain",
                                   "language": language},
                             target=f"{canvas_id}#t={s.start:.2f},{min(s.end, duration):.2f}")
                  for s in item.segments if s.start < duration]
    if transcript:
        canvas.annotations = [AnnotationPage(id=f"{canvas_id}/transcript", items=transcript)]
    manifest.add_item(canvas)


def build_annotations(item: ItemView, page: PageImage, base: str) -> dict[str, Any]:
    """The OCR text of one page as an AnnotationPage: a line per annotation with its box, or the whole text."""
    service_id = image_service_id(base, item.id, page.number)
    canvas_id = f"{base}/iiif/{item.id}/canvas/{page.number}"
    language = _item_language(item)
    items = []
    for i, line in enumerate(page.lines, start=1):
        items.append(Annotation(id=f"{service_id}/annotations/{i}", motivation="supplementing",
                                body={"type": "TextualBody", "value": line.text, "format": "text/plain",
                                      "language": language},
                                target=f"{canvas_id}#xywh={line.x},{line.y},{line.w},{line.h}"))
    text = item.pages[page.number - 1].strip() if page.number <= len(item.pages) else ""
    if not items and text:
        items.append(Annotation(id=f"{service_id}/annotations/1", motivation="supplementing",
                                body={"type": "TextualBody", "value": text, "format": "text/plain",
                                      "language": language}, target=canvas_id))
    document: dict[str, Any] = json.loads(AnnotationPage(id=f"{service_id}/annotations", items=items).jsonld())
    return document


def image_info(base: str, item_id: str, page: PageImage) -> dict[str, Any]:
    """The page's Image API 3 `info.json`: level 0, its two sizes, no tiles."""
    return {
        "@context": IMAGE_CONTEXT, "id": image_service_id(base, item_id, page.number), "type": "ImageService3",
        "protocol": "http://iiif.io/api/image", "profile": "level0", "width": page.width, "height": page.height,
        "maxWidth": page.width, "maxHeight": page.height,
        "sizes": [{"width": page.thumb_width, "height": page.thumb_height},
                  {"width": page.width, "height": page.height}],
    }


def _page(request: Request, item_id: str, number: int) -> tuple[Path, PageImage, bool]:
    """The bag, the page and whether the caller is the public; the one 404 when not visible or absent."""
    portal = portal_of(request)
    staff = portal.staff(request)
    bag = portal.bag_dir(item_id, staff)
    page = page_image(bag, number, review_pages(PublishedBag(bag).record()).get(number))
    if page is None:
        raise NotFoundError()
    return bag, page, not staff


ManifestPath = Annotated[str, Query(pattern=r"^/iiif/[A-Za-z0-9][A-Za-z0-9_-]{0,63}/manifest$",
                                    description="A manifest of this portal: /iiif/{id}/manifest")]


@router.get("/viewer", response_class=HTMLResponse, include_in_schema=False)
def viewer(request: Request, manifest: ManifestPath) -> Response:
    """A IIIF viewer page pointed at one of the portal's manifests (the manifest's own route checks access)."""
    from samizdat.portal.pages import templates

    return templates.TemplateResponse(request, "iiif_viewer.html", {
        "manifest": manifest, "staff": portal_of(request).staff(request), "viewer_installed": VIEWER_DIR.is_dir()})


@router.get("/{item_id}/manifest", summary="The item's IIIF Presentation 3 manifest", responses=_RESPONSES)
def manifest(request: Request, item_id: ItemId) -> JSONResponse:
    """Pages (with their images and OCR text annotations) or the recording (with its transcript)."""
    portal = portal_of(request)
    staff = portal.staff(request)
    bag = portal.bag_dir(item_id, staff)
    return _ld_json(build_manifest(read_item(bag), bag, base_url(request)), PRESENTATION_TYPE, not staff)


@router.get("/{item_id}/page/{number}/annotations", summary="One page's OCR text as IIIF annotations",
            responses=_RESPONSES)
def page_annotations(request: Request, item_id: ItemId, number: PageNumber) -> JSONResponse:
    """Supplementing annotations: the page's lines with their boxes on the canvas."""
    bag, page, public = _page(request, item_id, number)
    return _ld_json(build_annotations(read_item(bag), page, base_url(request)), PRESENTATION_TYPE, public)


@router.get("/{item_id}/page/{number}", summary="The page's image service (redirects to its info.json)",
            responses=_RESPONSES, status_code=303, response_class=RedirectResponse)
def image_service(request: Request, item_id: ItemId, number: PageNumber) -> RedirectResponse:
    """The IIIF Image API base URI: a 303 to `info.json`."""
    _page(request, item_id, number)
    return RedirectResponse(f"/iiif/{item_id}/page/{number}/info.json", status_code=303)


@router.get("/{item_id}/page/{number}/info.json", summary="The page's IIIF Image API 3 information (level 0)",
            responses=_RESPONSES)
def info(request: Request, item_id: ItemId, number: PageNumber) -> JSONResponse:
    """Width, height and the two sizes the service has."""
    _, page, public = _page(request, item_id, number)
    return _ld_json(image_info(base_url(request), item_id, page), IMAGE_TYPE, public)


@router.get("/{item_id}/page/{number}/{region}/{size}/{rotation}/{quality}",
            summary="A page image through the IIIF Image API (level 0: full region, listed sizes, no rotation)",
            response_class=FileResponse, responses=_IMAGE_RESPONSES)
def image(request: Request, item_id: ItemId, number: PageNumber, region: Region, size: Size, rotation: Rotation,
          quality: Quality) -> Response:
    """The web image (`full/max/0/default.jpg`) or the thumbnail (`full/{w},{h}/0/default.jpg`)."""
    bag, page, public = _page(request, item_id, number)
    if region != "full" or rotation != "0" or quality != "default.jpg":
        raise HTTPException(400, "This level 0 image service has the full region, no rotation, default.jpg only")
    names = page.names
    sizes = {"max": names.web, f"{page.width},{page.height}": names.web, f"{page.width},": names.web,
             f"{page.thumb_width},{page.thumb_height}": names.thumb, f"{page.thumb_width},": names.thumb}
    if size not in sizes:
        raise HTTPException(400, "This level 0 image service has only the sizes its info.json lists")
    target = PublishedBag(bag).path(sizes[size])
    portal_of(request).fixity.check_file(bag, target)
    headers = {"Access-Control-Allow-Origin": "*"} if public else {}
    return FileResponse(target, media_type="image/jpeg", headers=headers)
