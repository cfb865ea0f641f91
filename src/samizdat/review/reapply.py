"""A reprocess never undoes a person's work: the archivist's corrections are applied again to the new reading.

What is carried from the published item's `history` to the new reading:
- replaced page texts: the page's text as published (the archivist's), its hOCR/ALTO left out and its text layer
  removed from `searchable.pdf`, as when it was first replaced;
- replaced stretches of a transcript: the published segments of that time range replace the new ones there;
- renamed speakers: the speaker id keeps the name given (ids come from the diarizer: a changed engine that
  numbers voices differently would need the rename again; the history says which it was);
- marks (illegible, handwritten): the page's review reason, the archivist's;
- accepted pages: still accepted when the new reading of the page is the same text, flagged again otherwise;
- article links added or removed: `by: archivist` links and `unlinked` (see `samizdat.relink`).
Not carried: a "read again" (a new engine reads every page anew). The history itself is kept, with one more
entry for the reprocess, and the published bag is kept as a version first.
"""

from __future__ import annotations

from samizdat.bag import PublishedBag
from samizdat.models import Extraction
from samizdat.record import Change, ItemRecord, ReviewPage
from samizdat.review.models import ReviewAction
from samizdat.review.pages import ARCHIVIST_METHOD, MARK_REASONS, without_text_layers
from samizdat.review.store import (
    ARCHIVIST,
    checked_pages,
    checked_segments,
    history_of,
    item_kind,
    page_texts,
    read_transcript,
    review_pages,
    set_checked_pages,
    set_checked_segments,
    set_history,
    set_review_pages,
    set_unlinked,
    unlinked_entries,
    version_of,
    with_change,
)
from samizdat.review.transcript import rename, spliced

REPROCESS = "reprocess"


def reviewed(record: ItemRecord | None) -> bool:
    """True when the item has a history of changes to carry."""
    return bool(record is not None and record.history)


def _replaced_pages(history: list[Change]) -> list[int]:
    return sorted({p for c in history if c.action == ReviewAction.REPLACE_TEXT for p in c.pages})


def reapply_corrections(extraction: Extraction, previous: ItemRecord, previous_bag: PublishedBag) -> None:
    """Apply the published item's corrections to a new reading of it (in place)."""
    history = history_of(previous)
    if extraction.transcript is not None and previous_bag.has_transcript():
        old = read_transcript(previous_bag)
        new = extraction.transcript
        for change in history:
            if change.action == ReviewAction.REPLACE_TEXT and change.start_s is not None and change.end_s is not None:
                new = spliced(new, old, change.start_s, change.end_s)
        names = {s.id: s.name for s in old.speakers}
        for speaker_id in {s.id for c in history if c.action == ReviewAction.RENAME_SPEAKER
                           for s in old.speakers if s.name == " ".join((c.new_name or "").split())}:
            if any(s.id == speaker_id for s in new.speakers):
                new = rename(new, speaker_id, names[speaker_id])
        extraction.transcript = new
        return
    replaced = _replaced_pages(history)
    if not replaced:
        return
    texts = page_texts(previous_bag)
    for page in extraction.pages:
        if page.number in replaced and page.number <= len(texts):
            page.text = texts[page.number - 1]
            page.hocr = page.alto = None
            page.method = ARCHIVIST_METHOD
            page.review = None
            page.notes = [*page.notes, "text typed by an archivist, kept through the reprocess"]
    if extraction.searchable_pdf is not None:
        extraction.searchable_pdf = without_text_layers(extraction.searchable_pdf, [p - 1 for p in replaced])


def carry_review(
    metadata: ItemRecord, previous: ItemRecord, previous_bag: PublishedBag, new_pages: list[str], at: str
) -> ItemRecord:
    """The new reading's metadata with the review state carried over and a history entry for the reprocess.

    `new_pages`: the new reading's page texts (documents), to tell whether an accepted page still reads the same.
    """
    history = history_of(previous)
    old_pages = page_texts(previous_bag) if previous_bag.text_path.is_file() else []
    kept = set(_replaced_pages(history))
    flagged = {p.page: p for p in review_pages(metadata)}
    for change in history:
        if change.action in MARK_REASONS:
            for page in change.pages:
                score = flagged[page].score if page in flagged else None
                flagged[page] = ReviewPage(page=page, reason=MARK_REASONS[ReviewAction(change.action)], score=score,
                                           by=ARCHIVIST)
                kept.add(page)
        elif change.action == ReviewAction.ACCEPT:
            for page in change.pages:
                same = page <= min(len(old_pages), len(new_pages)) and old_pages[page - 1] == new_pages[page - 1]
                if same:
                    flagged.pop(page, None)
                    kept.add(page)
    for page in _replaced_pages(history):
        flagged.pop(page, None)
    set_review_pages(metadata, list(flagged.values()))
    if item_kind(metadata) != "audio":
        set_checked_pages(metadata, sorted(kept & set(checked_pages(previous)) | set(_replaced_pages(history))))
    if checked_segments(previous):
        set_checked_segments(metadata, checked_segments(previous))
    if unlinked_entries(previous):
        set_unlinked(metadata, unlinked_entries(previous))
    set_history(metadata, history_of(previous))
    change = Change(version=version_of(previous) + 1, at=at, by="samizdat", action=REPROCESS,
                    note="read again from the original with the settings now; the archivist's corrections kept")
    return with_change(metadata, change)
