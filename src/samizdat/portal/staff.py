"""Staff sign-in for browsers: the token typed once, kept in an HttpOnly cookie (API clients send a header)."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from samizdat.portal.access import STAFF_COOKIE, token_matches
from samizdat.portal.app import portal_of

router = APIRouter(include_in_schema=False)


@router.get("/staff", response_class=HTMLResponse)
def sign_in_form(request: Request) -> Response:
    """The sign-in form (or who is signed in)."""
    from samizdat.portal.pages import templates
    from samizdat.review import review_queue

    portal = portal_of(request)
    staff = portal.staff(request)
    queue = review_queue(portal) if staff else []
    return templates.TemplateResponse(request, "staff.html", {"staff": staff, "wrong": False, "queue": queue})


@router.post("/staff", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    """Check the token; on success set the cookie and go to the search page."""
    from samizdat.portal.pages import templates

    portal = portal_of(request)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [""])[0]
    if not token_matches(token, portal.staff_token):
        return templates.TemplateResponse(request, "staff.html", {"staff": False, "wrong": True, "queue": []},
                                          status_code=401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(STAFF_COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


@router.post("/staff/sign-out")
def sign_out() -> Response:
    """Forget the staff cookie."""
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(STAFF_COOKIE, path="/")
    return response
