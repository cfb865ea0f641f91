"""Review of article links: an archivist adds a link, or removes one the linker made.

Both are the archivist's word and outlast a re-link or a reprocess: an added link carries `by: archivist`
(kept by `relink.keep_archivist_links`); a removed one is listed in metadata.json `unlinked`, and the linker
never links it again.
"""

from __future__ import annotations

from samizdat.catalogue import CatalogueError, archive_catalogue
from samizdat.errors import BadInputError
from samizdat.record import ArticleRecord, Unlinked
from samizdat.relink import BY_ARCHIVIST
from samizdat.review.draft import Draft
from samizdat.review.models import ReviewRequest
from samizdat.review.store import articles_of, set_articles, set_unlinked, unlinked, unlinked_entries
from samizdat.settings import Settings


def add_link(draft: Draft, request: ReviewRequest, settings: Settings, at: str) -> str:
    """Link the item to a catalogued article by hand (or confirm the linker's link)."""
    if not request.article_id:
        raise BadInputError("add-link needs the article's id", "See `samizdat articles` for the ids.")
    try:
        title = archive_catalogue(settings.processed, settings.catalogue_dir).article(request.article_id).title
    except (KeyError, CatalogueError):
        raise BadInputError(f"there is no article {request.article_id!r} in the catalogue",
                            "See `samizdat articles` for the ids.") from None
    articles = articles_of(draft.metadata)
    existing = next((a for a in articles if a.id == request.article_id), None)
    given = existing.as_dict() if existing else {"id": request.article_id, "title": title, "score": 1.0,
                                                   "evidence": [], "passage": None}
    note = {"note": request.note} if request.note else {}
    link = ArticleRecord.model_validate({**given, "by": BY_ARCHIVIST, **note})
    set_articles(draft.metadata, [link if a is existing else a for a in articles] if existing else [*articles, link])
    set_unlinked(draft.metadata, [u for u in unlinked_entries(draft.metadata) if u.id != request.article_id])
    return f"linked to {request.article_id}" + (" (confirmed)" if existing else "")


def remove_link(draft: Draft, request: ReviewRequest, at: str) -> str:
    """Unlink an article; it stays unlinked through every re-link and reprocess."""
    articles = articles_of(draft.metadata)
    if not any(a.id == request.article_id for a in articles):
        linked = ", ".join(a.id for a in articles) or "none"
        raise BadInputError(f"item {request.item_id} is not linked to {request.article_id!r} (linked: {linked})",
                            "Give one of the item's linked articles.")
    set_articles(draft.metadata, [a for a in articles if a.id != request.article_id])
    if request.article_id not in unlinked(draft.metadata):
        set_unlinked(draft.metadata, [*unlinked_entries(draft.metadata),
                                      Unlinked(id=request.article_id, by=BY_ARCHIVIST, user=request.user, at=at)])
    return f"unlinked from {request.article_id}"
