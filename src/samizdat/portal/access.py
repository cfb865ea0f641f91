"""Who may see what: restricted items exist only for staff, and a file path never leaves its item's folder.

Every refusal is a 404 with the same body as for an item that does not exist, so the public cannot
even learn that a restricted item is there.
"""

from __future__ import annotations

import hmac
import re
from pathlib import Path

from fastapi import HTTPException, Request

STAFF_HEADER = "X-Staff-Token"
STAFF_COOKIE = "samizdat_staff"
_ITEM_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


class NotFoundError(HTTPException):
    """The one answer for absent, restricted, malformed and out-of-bounds requests alike."""

    def __init__(self) -> None:
        super().__init__(status_code=404, detail="Not found")


def is_staff(request: Request, staff_token: str | None) -> bool:
    """True when the request carries the staff token (header, bearer or cookie); never when none is set."""
    if not staff_token:
        return False
    bearer = request.headers.get("Authorization", "")
    offered = [request.headers.get(STAFF_HEADER, ""), request.cookies.get(STAFF_COOKIE, ""),
               bearer[7:] if bearer.lower().startswith("bearer ") else ""]
    return any(token_matches(o, staff_token) for o in offered)


def token_matches(offered: str, staff_token: str | None) -> bool:
    """A constant-time comparison; an empty token (offered or configured) never matches."""
    if not offered or not staff_token:
        return False
    return hmac.compare_digest(offered.encode(), staff_token.encode())


def valid_item_id(item_id: str) -> bool:
    """Item ids are short slugs (12 hex digits in practice): nothing that could name a path."""
    return bool(_ITEM_ID.match(item_id))


def may_see(bag_access: str | None, index_access: str | None, staff: bool) -> bool:
    """Staff see everything; the public sees an item only when both bag and index say exactly `open`."""
    if staff:
        return True
    return bag_access == "open" and index_access in (None, "open")


def file_inside(folder: Path, relative: str) -> Path:
    """`folder/relative` as a real file inside `folder` (symlinks resolved), else NotFoundError."""
    if not relative or "\x00" in relative or relative.startswith(("/", "\\")):
        raise NotFoundError()
    root = folder.resolve()
    try:
        target = (root / relative).resolve()
    except (OSError, RuntimeError):
        raise NotFoundError() from None
    try:
        inside = target.is_relative_to(root) and target.is_file()
    except OSError:  # a name too long for the file system, and the like: nothing there either
        inside = False
    if not inside:
        raise NotFoundError()
    return target
