"""Re-link the published collection after the catalogue changes, from the text already in each bag.

Nothing is read again by OCR or ASR: a document's pages are `data/text.txt` split at form feeds (page N is the
N-th part, as the pipeline writes it), an interview's segments come from `data/transcript.json`. Entities and
article links are found again with the catalogue as it is now; where they changed (`entities`, `articles`,
`dc.relation`), the bag is republished as the item's next version (`samizdat.review.republish`: the published
bag kept under `versions/`, the new one built aside, validated, swapped in, a `history` entry "relink") and
the item re-indexed, so search facets follow. Items whose entities and linked articles did not change are
left untouched, even if their scores drifted (`_linking`).

Links an archivist made or confirmed by hand carry `"by": "archivist"` in `articles[]`. They are never dropped:
a re-link (or a reprocess) keeps each one, refreshed with the new score and evidence when the linker finds the
article too, as it was otherwise. Every other link is the linker's and may come or go, except those an
archivist removed (metadata.json `unlinked`, written by `samizdat review --action remove-link`): never again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samizdat.bag import PublishedBag, TranscriptFile
from samizdat.catalogue import Catalogue, archive_catalogue
from samizdat.entities import find_entities_in
from samizdat.inbox import try_claim
from samizdat.links import link_articles, matcher_for
from samizdat.record import ArticleRecord, EntityRecord, ItemRecord
from samizdat.settings import Settings

log = logging.getLogger(__name__)

BY_ARCHIVIST = "archivist"
"""`articles[].by` of a link an archivist added or confirmed by hand."""

Stretch = tuple[str, int | None, float | None]


@dataclass
class Relinked:
    """What re-linking did to one item."""

    item_id: str
    status: str  # "relinked" | "unchanged" | "busy" | "failed"
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class RelinkReport:
    """Every item's outcome, for the command line and the Prefect summary."""

    items: list[Relinked] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many items ended with this status."""
        return sum(1 for r in self.items if r.status == status)


def bag_stretches(bag: PublishedBag) -> list[Stretch]:
    """The item's text as the entity finder wants it, read from the bag: segments of audio, pages of documents."""
    if bag.has_transcript():
        return text_stretches(bag.transcript(), "")
    return text_stretches(None, bag.text())


def text_stretches(transcript: TranscriptFile | None, text: str) -> list[Stretch]:
    """Stretches from a transcript (its segments) or, without one, a document's `text.txt` (its pages)."""
    if transcript is not None:
        return [(s.text.strip(), None, s.start) for s in transcript.segments if s.text.strip()]
    return [(page, number, None) for number, page in enumerate(text.split("\f"), 1)]


def stretches_text(stretches: Iterable[Stretch], audio: bool) -> str:
    """The item's whole text (`text.txt`'s layout): pages joined by form feeds, segments one per line."""
    return ("\n" if audio else "\f").join(text for text, _, _ in stretches)


def keep_archivist_links(
    computed: list[ArticleRecord], previous: list[ArticleRecord], refused: Iterable[str] = ()
) -> list[ArticleRecord]:
    """The linker's links, with every link an archivist made or confirmed kept (and still marked theirs).

    An archivist's link the linker also found takes the new score, evidence and passage, keeping the
    archivist's own fields (`by`, notes); one it did not find stays as the archivist left it, after the others.
    Articles in `refused` (the item's `unlinked`: an archivist removed the link) are never linked.
    """
    refused = set(refused)
    computed = [a for a in computed if a.id not in refused]
    by_hand = {a.id: a for a in previous if a.by == BY_ARCHIVIST}
    merged = [
        ArticleRecord.model_validate({**by_hand[a.id].as_dict(), **a.as_dict(), "by": BY_ARCHIVIST})
        if a.id in by_hand else a
        for a in computed
    ]
    found = {a.id for a in computed}
    return merged + [a for article_id, a in by_hand.items() if article_id not in found]


def refused_links(record: ItemRecord) -> list[str]:
    """Articles an archivist unlinked from the item (metadata.json `unlinked`)."""
    return [entry.id for entry in record.unlinked]


def redescribe(
    record: ItemRecord, bag: PublishedBag, catalogue: Catalogue, articles_dir: Path | None = None
) -> ItemRecord:
    """The item's record with entities, article links and `dc.relation` found again from the bag's text."""
    return redescribe_text(record, bag_stretches(bag), catalogue, articles_dir)


def redescribe_text(
    record: ItemRecord, stretches: list[Stretch], catalogue: Catalogue, articles_dir: Path | None = None
) -> ItemRecord:
    """The item's record with entities, article links and `dc.relation` found again in `stretches`."""
    hits = find_entities_in(stretches, matcher_for(catalogue))
    text = stretches_text(stretches, audio=record.kind == "audio")
    links = link_articles(hits, text, articles_dir, catalogue=catalogue)
    articles = keep_archivist_links([ArticleRecord.of(link) for link in links], record.articles,
                                    refused_links(record))
    return record.relinked(articles, [EntityRecord.of(hit) for hit in hits])


def relink_item(
    settings: Settings, item_id: str, catalogue: Catalogue, index: Any | None = None
) -> Relinked:
    """Re-describe one published item; republish and re-index it only if its entities or links changed.

    The item's claim (the same one a pass takes on its bytes) is held meanwhile, so a reprocess of the same
    item never interleaves with its re-link; an item claimed by a running pass is reported "busy".
    """
    bag = settings.bag(item_id)
    metadata = bag.record()
    claim = try_claim(settings.claims_dir, metadata.source.sha256, settings.claim_ttl_s)
    if claim is None:
        return Relinked(item_id, "busy", error="a pass is processing this item; re-link it again afterwards")
    try:
        metadata = bag.record()  # as it is now that we hold the claim
        updated = redescribe(metadata, bag, catalogue, settings.articles_dir)
        before = [a.id for a in metadata.articles]
        after = [a.id for a in updated.articles]
        if _linking(updated) == _linking(metadata):
            return Relinked(item_id, "unchanged")
        added, removed = [a for a in after if a not in before], [a for a in before if a not in after]
        from samizdat.review.republish import next_change, republish

        change = ", ".join([f"+{a}" for a in added] + [f"-{a}" for a in removed]) or "entities found again"
        republish(settings, item_id, updated, next_change(metadata, "samizdat", "relink", note=change))
        if index is not None:
            from samizdat.search import item_from_bag

            index.upsert(item_from_bag(bag.root))
        return Relinked(item_id, "relinked", added, removed)
    finally:
        claim.release()


def confirm_link(settings: Settings, item_id: str, article_id: str, note: str = "") -> ArticleRecord:
    """An archivist links an item to an article by hand, or confirms the linker's link: it is never dropped again.

    The bag is republished as the next version (`history`: add-link) and re-indexed; returns the link as
    written. A link the linker made
    keeps its score and evidence; one it did not make gets score 1.0 and no evidence.
    """
    from samizdat.catalogue import CatalogueError
    from samizdat.search import item_from_bag, open_index

    catalogue = archive_catalogue(settings.processed, settings.catalogue_dir)
    try:
        title = catalogue.article(article_id).title
    except KeyError:
        raise CatalogueError(f"there is no article {article_id!r} in the catalogue") from None
    bag = settings.bag(item_id)
    metadata = bag.record()
    articles = list(metadata.articles)
    existing = next((a for a in articles if a.id == article_id), None)
    given = existing.as_dict() if existing else {"id": article_id, "title": title, "score": 1.0, "evidence": [],
                                                   "passage": None}
    link = ArticleRecord.model_validate({**given, "by": BY_ARCHIVIST, **({"note": note} if note else {})})
    articles = [link if a.id == article_id else a for a in articles] if existing else [*articles, link]
    updated = metadata.relinked(articles)
    if metadata.unlinked:  # confirming a link an archivist had removed takes the removal back
        updated.unlinked = [u for u in metadata.unlinked if u.id != article_id]
    if updated != metadata:
        from samizdat.review.republish import next_change, republish

        republish(settings, item_id, updated,
                  next_change(metadata, BY_ARCHIVIST, "add-link", article_id=article_id, note=note))
        index = open_index(settings.database_url, settings.catalog_path)
        try:
            index.upsert(item_from_bag(bag.root))
        finally:
            index.close()
    return link


def _linking(metadata: ItemRecord) -> Any:
    """What a re-link republishes for: the entities and their mentions, which articles are linked and by whom.

    Scores drift a little with every article added (specificity depends on the whole catalogue); a new bag
    version for every item at every addition would bury the versions that matter, so a drift alone is not one.
    """
    articles = [(a.id, a.by) for a in metadata.articles]
    return metadata.entities, articles, metadata.dc.relation


def relink_collection(
    settings: Settings,
    catalogue: Catalogue | None = None,
    item_ids: Iterable[str] | None = None,
    progress: Callable[[Relinked], None] | None = None,
) -> RelinkReport:
    """Re-link every published item (or those named) with the archive's catalogue; one failure stops nothing."""
    from samizdat.search import open_index

    catalogue = catalogue or archive_catalogue(settings.processed, settings.catalogue_dir)
    if item_ids is None:
        items_dir = settings.items_dir
        item_ids = sorted(p.name for p in items_dir.iterdir() if PublishedBag(p).exists()) \
            if items_dir.is_dir() else []
    report = RelinkReport()
    index = open_index(settings.database_url, settings.catalog_path)
    try:
        for item_id in item_ids:
            try:
                result = relink_item(settings, item_id, catalogue, index)
            except Exception as error:  # an unreadable bag is reported, and the collection goes on
                log.error("%s: re-link failed: %s", item_id, error)
                result = Relinked(item_id, "failed", error=f"{type(error).__name__}: {error}")
            report.items.append(result)
            if progress is not None:
                progress(result)
    finally:
        index.close()
    return report
