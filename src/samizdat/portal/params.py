"""Every request parameter the portal accepts, with its bounds: one place, shared by the API and the pages.

Nothing a client sends reaches the index or the file system unchecked: out of bounds is a 422 (the API's
JSON, or a page saying what was wrong), a malformed id or path in the URL is the one 404 (`access.py`).
The bounds are in the OpenAPI schema, so clients (and the schema-driven fuzz test) see them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator

from samizdat.kinds import names as kind_names
from samizdat.models import KIND_NAME

ITEM_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
SLUG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
_NO_CONTROLS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
"""Printable text: tab and newlines allowed, NUL and other control characters (which PostgreSQL refuses) not."""

YEAR_MIN, YEAR_MAX = 1, 9999
"""Years of the calendar dates items carry (ISO 8601, four digits)."""
MAX_OFFSET = 10_000
MAX_QUERY = 500
MAX_SECONDS = 7 * 24 * 3600.0
"""No recording in an archive of interviews runs for a week."""

Words = Annotated[str, Query(max_length=MAX_QUERY, pattern=_NO_CONTROLS,
                             description="Words to find (Russian and English word forms match by stem)")]


def _registered_kind(value: str | None) -> str | None:
    """A kind filter names a registered input kind (or is empty); checked per request, as kinds can be added."""
    if value and value not in kind_names():
        raise ValueError(f"no input kind {value!r}; the kinds are {', '.join(kind_names())}")
    return value


Kind = Annotated[str | None, Query(pattern=f"^({KIND_NAME})?$", description="An input kind: image | pdf | audio, "
                                   "or one registered with the library"), AfterValidator(_registered_kind)]
Language = Annotated[str | None, Query(max_length=35, pattern=r"^([A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*)?$",
                                      description="ISO 639-1 code, e.g. ru (any BCP 47 tag is accepted)")]
Year = Annotated[int | None, Query(ge=YEAR_MIN, le=YEAR_MAX, description="Year of the item's date")]
ArticleFilter = Annotated[str | None, Query(pattern=r"^$|" + SLUG_PATTERN,
                                            description="Only items linked to this article id")]
EntityFilter = Annotated[str | None, Query(pattern=r"^$|" + SLUG_PATTERN,
                                           description="Only items naming this entity id (natan-sharansky)")]
Limit = Annotated[int, Query(ge=1, le=100, description="Hits per page")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Hits to skip")]
Seconds = Annotated[float | None, Query(ge=0, le=MAX_SECONDS, allow_inf_nan=False,
                                        description="Where the player starts, in seconds")]

ItemId = Annotated[str, Path(pattern=ITEM_ID_PATTERN, description="The item's id (12 hex digits)")]
ArticleId = Annotated[str, Path(pattern=SLUG_PATTERN, description="The catalogue article's id")]
FilePath = Annotated[str, Path(min_length=1, max_length=1024, pattern=r"^[^/\x00]{1,255}(?:/[^/\x00]{1,255})*$",
                               description="A path under the bag's data/ (original/letter.png, text.txt): "
                                           "relative, names of at most 255 characters")]
