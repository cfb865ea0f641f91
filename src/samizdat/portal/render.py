"""Small display helpers shared by the HTML pages and the API: marked snippets, hit links, times."""

from __future__ import annotations

from urllib.parse import urlencode

from markupsafe import Markup, escape

from samizdat.search import MARK_END, MARK_START, Hit


def snippet_html(snippet: str) -> Markup:
    """A marked snippet as safe HTML: the text escaped, the matches in `<mark>`."""
    return Markup(str(escape(snippet)).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


def hit_url(hit: Hit, q: str = "") -> str:
    """Where a hit opens: the item page at the page, or at the moment of the segment."""
    params: dict[str, str] = {"q": q} if q else {}
    if hit.start_s is not None:
        params["t"] = f"{hit.start_s:.2f}"
        anchor = f"#seg-{hit.seq}"
    else:
        anchor = f"#page-{hit.page}" if hit.page else ""
    query = f"?{urlencode(params)}" if params else ""
    return f"/items/{hit.item_id}{query}{anchor}"


