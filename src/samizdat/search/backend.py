"""What both SQL backends share: the schema's shape, filters, facets, snippets; each adds its dialect.

A backend says how to match stems (FTS5 `MATCH` or a tsquery), how to rank, and how to run SQL;
everything a researcher sees (which items are visible, how facets count, how snippets read) is
decided here once, so the two backends cannot drift apart.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from samizdat.search.documents import IndexedItem
from samizdat.search.names import NameVariants, QueryPlan, catalogue_names, plain_plan
from samizdat.search.query import FACETS, FacetCount, Hit, SearchQuery, SearchResults
from samizdat.search.snippets import make_snippet
from samizdat.search.stemming import stem_text

Row = Sequence[Any]

# The item tables and their indexes, the same on both backends; each adds its own units, texts and text index.
ITEM_TABLES = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, filename TEXT NOT NULL,
    access TEXT NOT NULL, year INTEGER, metadata TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS item_languages (item_id TEXT NOT NULL, language TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS item_articles (item_id TEXT NOT NULL, article_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS item_entities (item_id TEXT NOT NULL, entity_id TEXT NOT NULL, label TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS languages_item ON item_languages(item_id, language);
CREATE INDEX IF NOT EXISTS articles_item ON item_articles(item_id, article_id);
CREATE INDEX IF NOT EXISTS articles_article ON item_articles(article_id);
CREATE INDEX IF NOT EXISTS entities_item ON item_entities(item_id, entity_id);
"""


@dataclass(frozen=True)
class Matcher:
    """The dialect's FROM and WHERE for a query plan, with their parameters in order, and how to rank."""

    from_sql: str
    from_params: list[Any]
    where: list[str]
    where_params: list[Any]
    score: str
    """SQL for a unit's relevance, higher is better."""
    order: str
    """SQL ORDER BY for best first."""


class SqlIndex(ABC):
    """The index: a narrow `units` row per page or segment, its text and stems in `unit_texts`, items beside."""

    placeholder = "?"
    names: NameVariants | None = None
    """Spellings that a name in a query also finds; None: the catalogue's (set `expand_names=False` for none)."""
    expand_names: bool = True

    def plan(self, query: SearchQuery) -> QueryPlan:
        """The query's stems, with names expanded to all their spellings."""
        if not self.expand_names:
            return plain_plan(query.stems)
        return (self.names or catalogue_names()).plan(query.stems)

    # --- what each dialect supplies ---------------------------------------------------------------

    @abstractmethod
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a read and return every row."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Any]:
        """A write transaction; yields something with `execute(sql, params)` and `executemany(sql, rows)`."""

    @abstractmethod
    def _match(self, plan: QueryPlan) -> Matcher:
        """Units whose stem shadow satisfies every group of the plan, with a relevance score (higher is better)."""

    @abstractmethod
    def _new_unit_ids(self, tx: Any, count: int) -> list[int]:
        """`count` fresh unit ids, inside the write transaction `tx`."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    @abstractmethod
    def optimize(self) -> None:
        """Compact the index and refresh planner statistics (after a bulk load)."""

    # --- writing ----------------------------------------------------------------------------------

    def upsert(self, item: IndexedItem) -> None:
        """Replace everything the index holds for this item, in one transaction."""
        p = self.placeholder
        with self._transaction() as tx:
            self._delete(tx, item.id)
            tx.execute(
                f"INSERT INTO items(id, kind, title, filename, access, year, metadata) "
                f"VALUES ({p},{p},{p},{p},{p},{p},{p})",
                (item.id, item.kind, item.title, item.filename, item.access, item.year,
                 json.dumps(item.metadata.as_dict(), ensure_ascii=False)),
            )
            tx.executemany(f"INSERT INTO item_languages(item_id, language) VALUES ({p},{p})",
                           [(item.id, x) for x in dict.fromkeys(item.languages)])
            tx.executemany(f"INSERT INTO item_articles(item_id, article_id) VALUES ({p},{p})",
                           [(item.id, a) for a in dict.fromkeys(item.articles)])
            tx.executemany(f"INSERT INTO item_entities(item_id, entity_id, label) VALUES ({p},{p},{p})",
                           [(item.id, e_id, label) for e_id, label in dict(item.entities).items()])
            ids = self._new_unit_ids(tx, len(item.units))
            public = 1 if item.access == "open" else 0  # anything but exactly 'open' stays hidden
            tx.executemany(
                f"INSERT INTO units(id, item_id, seq, page, start_s, end_s, kind, year, public) "
                f"VALUES ({p},{p},{p},{p},{p},{p},{p},{p},{p})",
                [(i, item.id, u.seq, u.page, u.start_s, u.end_s, item.kind, item.year, public)
                 for i, u in zip(ids, item.units, strict=True)],
            )
            tx.executemany(f"INSERT INTO unit_texts(id, text, stems) VALUES ({p},{p},{p})",
                           [(i, u.text, stem_text(u.text)) for i, u in zip(ids, item.units, strict=True)])

    def remove(self, item_id: str) -> None:
        """Drop an item from the index."""
        with self._transaction() as tx:
            self._delete(tx, item_id)

    def _delete(self, tx: Any, item_id: str) -> None:
        p = self.placeholder
        tx.execute(f"DELETE FROM unit_texts WHERE id IN (SELECT id FROM units WHERE item_id = {p})", (item_id,))
        for table, column in (("units", "item_id"), ("item_languages", "item_id"), ("item_articles", "item_id"),
                              ("item_entities", "item_id"), ("items", "id")):
            tx.execute(f"DELETE FROM {table} WHERE {column} = {p}", (item_id,))

    # --- reading ----------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> list[Hit]:
        """Pages and segments matching every query word (by stem), best first, with highlighted snippets."""
        if not query.stems:
            return []
        return self._hits(query, self.plan(query))

    def results(self, query: SearchQuery, facets: bool = True) -> SearchResults:
        """A page of hits plus totals and facet counts over every visible match.

        With no words but some filter (or none at all), lists items: one hit per item, by title.
        """
        plan = self.plan(query)
        hits = self._hits(query, plan)
        total_units, total_items, counts = self._totals_and_facets(query, plan, facets)
        return SearchResults(hits=hits, total_units=total_units, total_items=total_items, facets=counts)

    def _hits(self, query: SearchQuery, plan: QueryPlan) -> list[Hit]:
        """Rank on the narrow `units` rows, then read texts and titles for this page of hits only."""
        frm, where, params = self._scope(query, plan)
        matcher = self._matcher(plan)
        p = self.placeholder
        ranked = self._rows(
            f"SELECT u.id, u.item_id, {matcher.score}, u.page, u.start_s, u.end_s, u.seq "
            f"FROM {frm} WHERE {where} ORDER BY {matcher.order} LIMIT {p} OFFSET {p}",
            (*params, query.limit, query.offset),
        )
        if not ranked:
            return []
        marks = ",".join([p] * len(ranked))
        texts = {int(r[0]): str(r[1])
                 for r in self._rows(f"SELECT id, text FROM unit_texts WHERE id IN ({marks})", [r[0] for r in ranked])}
        item_ids = list(dict.fromkeys(r[1] for r in ranked))
        items = {r[0]: (r[1], r[2]) for r in self._rows(
            f"SELECT id, title, kind FROM items WHERE id IN ({','.join([p] * len(item_ids))})", item_ids)}
        stems = plan.stems
        return [
            Hit(item_id=item_id, title=items[item_id][0], kind=items[item_id][1],
                snippet=make_snippet(texts[int(unit_id)], stems), score=float(score or 0.0), page=page, start_s=start_s,
                end_s=end_s, seq=int(seq))
            for unit_id, item_id, score, page, start_s, end_s, seq in ranked
        ]

    def _matcher(self, plan: QueryPlan) -> Matcher:
        if plan.groups:
            return self._match(plan)
        first_unit = "u.seq = (SELECT min(x.seq) FROM units x WHERE x.item_id = u.item_id)"
        return Matcher("units u JOIN items i ON i.id = u.item_id", [], [first_unit], [], "0", "i.title, i.id, u.id")

    def _scope(self, query: SearchQuery, plan: QueryPlan) -> tuple[str, str, list[Any]]:
        """FROM, WHERE and parameters for the visible units matching the words and filters."""
        matcher = self._matcher(plan)
        where, params = list(matcher.where), list(matcher.where_params)
        p = self.placeholder
        # Filters read the narrow `units` row (facet values copied there at upsert), not the wide `items` row.
        if not query.staff:
            where.append("u.public = 1")
        if query.kind:
            where.append(f"u.kind = {p}")
            params.append(query.kind)
        if query.year is not None:
            where.append(f"u.year = {p}")
            params.append(int(query.year))
        for table, column, value in (("item_languages", "language", query.language),
                                     ("item_articles", "article_id", query.article),
                                     ("item_entities", "entity_id", query.entity)):
            if value:
                where.append(f"EXISTS (SELECT 1 FROM {table} x WHERE x.item_id = u.item_id AND x.{column} = {p})")
                params.append(value)
        return matcher.from_sql, " AND ".join(where), [*matcher.from_params, *params]

    def _totals_and_facets(self, query: SearchQuery, plan: QueryPlan,
                           facets: bool) -> tuple[int, int, dict[str, list[FacetCount]]]:
        """Matching units and items, and per facet the values of the matching items with how many have each.

        One pass over the matches: they are grouped by item once (a materialized CTE) and every count
        is taken from that small set.
        """
        frm, where, params = self._scope(query, plan)
        matched = (f"SELECT u.item_id AS item_id, min(u.kind) AS kind, min(u.year) AS year, count(*) AS units "
                   f"FROM {frm} WHERE {where} GROUP BY u.item_id")
        totals = "SELECT 'total', '', '', CAST(coalesce(sum(m.units), 0) AS INTEGER), count(*) FROM matched m"
        groups = [
            "SELECT 'kind', m.kind, m.kind, count(*), 0 FROM matched m GROUP BY m.kind",
            "SELECT 'language', l.language, l.language, count(*), 0 FROM matched m "
            "JOIN item_languages l ON l.item_id = m.item_id GROUP BY l.language",
            "SELECT 'year', CAST(m.year AS TEXT), CAST(m.year AS TEXT), count(*), 0 FROM matched m "
            "WHERE m.year IS NOT NULL GROUP BY m.year",
            "SELECT 'article', a.article_id, a.article_id, count(*), 0 FROM matched m "
            "JOIN item_articles a ON a.item_id = m.item_id GROUP BY a.article_id",
            "SELECT 'entity', e.entity_id, max(e.label), count(*), 0 FROM matched m "
            "JOIN item_entities e ON e.item_id = m.item_id GROUP BY e.entity_id",
        ] if facets else []
        sql = f"WITH matched AS MATERIALIZED ({matched}) " + " UNION ALL ".join([totals, *groups])
        counts: dict[str, list[FacetCount]] = {name: [] for name in FACETS} if facets else {}
        total_units = total_items = 0
        for facet, value, label, count, extra in self._rows(sql, params):
            if facet == "total":
                total_units, total_items = int(count), int(extra)
            else:
                counts[facet].append(FacetCount(value=str(value), label=str(label), count=int(count)))
        for values in counts.values():
            values.sort(key=lambda f: (-f.count, f.label.lower()))
        return total_units, total_items, counts

    def articles_view(self, staff: bool = False) -> dict[str, list[tuple[str, str]]]:
        """Per article id, the (item id, title) pairs linked to it."""
        access = "" if staff else "WHERE i.access = 'open'"
        rows = self._rows(
            f"SELECT a.article_id, i.id, i.title FROM item_articles a JOIN items i ON i.id = a.item_id {access} "
            "ORDER BY a.article_id, i.title, i.id"
        )
        view: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for article_id, item_id, title in rows:
            view[article_id].append((item_id, title))
        return dict(view)

    def item_ids(self) -> list[str]:
        """Every indexed item id."""
        return [r[0] for r in self._rows("SELECT id FROM items ORDER BY id")]

    def access_of(self, item_id: str) -> str | None:
        """The item's access value as indexed, or None when the index does not hold it."""
        rows = self._rows(f"SELECT access FROM items WHERE id = {self.placeholder}", (item_id,))
        return str(rows[0][0]) if rows else None

    def units_count(self) -> int:
        """How many pages and segments the index holds (for the bench and health checks)."""
        return int(self._rows("SELECT count(*) FROM units")[0][0])
