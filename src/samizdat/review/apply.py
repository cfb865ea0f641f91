"""Apply one archivist review to a published item: a new version of its bag, the old one kept, search updated.

The order makes every crash harmless: the item's claim is taken (no pass or re-link interleaves), the
published bag is kept as `versions/<id>/v<N>/` (hard links), then the new version is built aside, validated
and swapped in with its zip re-made (`package.update_bag`), then the item is re-indexed.
"""

from __future__ import annotations

import logging

from samizdat.bag import PayloadNames, TranscriptFile
from samizdat.catalogue import archive_catalogue
from samizdat.errors import BadInputError, TransientError
from samizdat.inbox import now_iso, try_claim
from samizdat.record import Change
from samizdat.relink import redescribe_text, text_stretches
from samizdat.review import links, pages, transcript
from samizdat.review.draft import Draft
from samizdat.review.models import ReviewAction, ReviewRequest, ReviewResult
from samizdat.review.republish import republish
from samizdat.review.store import bag_dir, published_metadata, source_sha256, version_of
from samizdat.settings import Settings

log = logging.getLogger(__name__)


def apply_review(settings: Settings, request: ReviewRequest) -> ReviewResult:
    """Apply the request and republish the item as its next version; `BadInputError` for a request that cannot be.

    `TransientError` when a pass or a re-link holds the item right now: try again when it has finished.
    """
    metadata = published_metadata(settings, request.item_id)
    claim = try_claim(settings.claims_dir, source_sha256(metadata), settings.claim_ttl_s)
    if claim is None:
        raise TransientError(f"item {request.item_id} is being processed right now; review it again afterwards")
    try:
        with claim.kept_alive(settings.claim_ttl_s / 4):
            return _apply(settings, request)
    finally:
        claim.release()


def _apply(settings: Settings, request: ReviewRequest) -> ReviewResult:
    metadata = published_metadata(settings, request.item_id)  # as it is now that the claim is held
    draft = Draft.of(bag_dir(settings, request.item_id), metadata)
    at = now_iso()
    summary, segments = _edit(settings, draft, request, at)
    if draft.text_changed:
        _describe_again(settings, draft)
    version = version_of(metadata) + 1
    optional = {"start_s": request.start_s, "end_s": request.end_s, "speaker": request.speaker or None,
                "new_name": request.new_name or None, "article_id": request.article_id or None}
    change = Change(version=version, at=at, by=request.user or "archivist", action=request.action.value,
                    pages=sorted(set(request.pages)), segments=segments, note=request.note,
                    languages=request.languages,
                    **{k: v for k, v in optional.items() if v is not None})  # a history entry names what it has
    republish(settings, request.item_id, draft.metadata, change, draft.files, removed=draft.removed)
    reindex(settings, request.item_id)
    log.info("item %s: version %d by %s: %s", request.item_id, version, change.by, summary)
    return ReviewResult(item_id=request.item_id, version=version, action=request.action, changed=draft.changed,
                        summary=summary)


def _edit(settings: Settings, draft: Draft, request: ReviewRequest, at: str) -> tuple[str, list[int]]:
    """Make the request's change in the draft: (summary, transcript segments it touched)."""
    action = request.action
    if action == ReviewAction.ACCEPT:
        return pages.accept(draft, request), []
    if action in (ReviewAction.ILLEGIBLE, ReviewAction.HANDWRITTEN):
        return pages.mark(draft, request), []
    if action == ReviewAction.READ_AGAIN:
        return pages.read_again(draft, request, settings), []
    if action == ReviewAction.REPLACE_TEXT:
        if request.pages:
            if not request.text.strip():
                raise BadInputError("replace-text needs the new text",
                                    "Give the page's text (a file with --text-file).")
            return pages.replace_text(draft, request), []
        return transcript.replace_segments(draft, request)
    if action == ReviewAction.RENAME_SPEAKER:
        return transcript.rename_speaker(draft, request), []
    if action == ReviewAction.ADD_LINK:
        return links.add_link(draft, request, settings, at), []
    if action == ReviewAction.REMOVE_LINK:
        return links.remove_link(draft, request, at), []
    raise BadInputError(f"unknown review action {action!r}",
                        f"Choose one of: {', '.join(a.value for a in ReviewAction)}.")


def _describe_again(settings: Settings, draft: Draft) -> None:
    """Entities and article links found again in the corrected text (the archivist's links kept, unlinked ones not)."""
    transcript_json = draft.current(PayloadNames.TRANSCRIPT_JSON)
    text = draft.current(PayloadNames.TEXT) or b""
    transcript = TranscriptFile.model_validate_json(transcript_json) if transcript_json is not None else None
    stretches = text_stretches(transcript, text.decode("utf-8"))
    catalogue = archive_catalogue(settings.processed, settings.catalogue_dir)
    draft.metadata = redescribe_text(draft.metadata, stretches, catalogue, settings.articles_dir)


def reindex(settings: Settings, item_id: str) -> None:
    """Put the item's newest version into the search index (its rows replace the old version's)."""
    from samizdat.search import item_from_bag, open_index

    index = open_index(settings.database_url, settings.catalog_path)
    try:
        index.upsert(item_from_bag(bag_dir(settings, item_id).root))
    finally:
        index.close()
