"""What both SQL backends share: the schema's shape, filters, facets, snippets; each adds its dialect.

A backend says how to match stems (FTS5 `MATCH` or a tsquery), how to rank, and how to run SQL;
everything a researcher sees (which items are visible, how facets count, how snippets read) is
decided here once, so the two backends cannot drift apart.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from samizdat.search.documents import IndexedItem
from samizdat.search.query import FACETS, FacetCount, Hit, SearchQuery, SearchResults
from samizdat.search.snippets import make_snippet
from samizdat.search.stemming import stem_text

Row = Sequence[Any]


class Matcher:
    """The dialect's FROM and WHERE for a set of stems, with their parameters in order."""

    def __init__(self, from_sql: str, from_params: list[Any], where: list[str], where_params: list[Any],
                 score: str, order: str) -> None:
        self.from_sql, self.from_params = from_sql, from_params
        self.where, self.where_params = where, where_params
        self.score, self.order = score, order


class SqlIndex(ABC):
    """One row per unit in `units` (text plus its stem shadow), items and facet tables beside it."""

    placeholder = "?"

    # --- what each dialect supplies ---------------------------------------------------------------

    @abstractmethod
    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run a read and return every row."""

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[Any]:
        """A write transaction; yields something with `execute(sql, params)` and `executemany(sql, rows)`."""

    @abstractmethod
    def _match(self, stems: list[str]) -> Matcher:
        """Units whose stem shadow holds every stem, with a relevance score (higher is better)."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    # --- writing ----------------------------------------------------------------------------------

    def upsert(self, item: IndexedItem) -> None:
        """Replace everything the index holds for this item, in one transaction."""
        p = self.placeholder
        with self._transaction() as tx:
            self._delete(tx, item.id)
            tx.execute(
                f"INSERT INTO items(id, kind, title, filename, access, year, metadata) VALUES ({p},{p},{p},{p},{p},{p},{p})",
                (item.id, item.kind, item.title, item.filename, item.access, item.year,
                 json.dumps(item.metadata, ensure_ascii=False)),
            )
            tx.executemany(f"INSERT INTO item_languages(item_id, language) VALUES ({p},{p})",
                           [(item.id, x) for x in dict.fromkeys(item.languages)])
            tx.executemany(f"INSERT INTO item_articles(item_id, article_id) VALUES ({p},{p})",
                           [(item.id, a) for a in dict.fromkeys(item.articles)])
            tx.executemany(f"INSERT INTO item_entities(item_id, entity_id, label) VALUES ({p},{p},{p})",
                           [(item.id, e_id, label) for e_id, label in dict(item.entities).items()])
            tx.executemany(
                f"INSERT INTO units(item_id, seq, page, start_s, end_s, text, stems) VALUES ({p},{p},{p},{p},{p},{p},{p})",
                [(item.id, u.seq, u.page, u.start_s, u.end_s, u.text, stem_text(u.text)) for u in item.units],
            )

    def remove(self, item_id: str) -> None:
        """Drop an item from the index."""
        with self._transaction() as tx:
            self._delete(tx, item_id)

    def _delete(self, tx: Any, item_id: str) -> None:
        for table, column in (("units", "item_id"), ("item_languages", "item_id"), ("item_articles", "item_id"),
                              ("item_entities", "item_id"), ("items", "id")):
            tx.execute(f"DELETE FROM {table} WHERE {column} = {self.placeholder}", (item_id,))

    # --- reading ----------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> list[Hit]:
        """Pages and segments matching every query word (by stem), best first, with highlighted snippets."""
        if not query.stems:
            return []
        return self._hits(query)

    def results(self, query: SearchQuery, facets: bool = True) -> SearchResults:
        """A page of hits plus totals and facet counts over every visible match.

        With no words but some filter (or none at all), lists items: one hit per item, by title.
        """
        hits = self._hits(query)
        frm, where, params = self._scope(query)
        total_units, total_items = self._rows(
            f"SELECT count(*), count(DISTINCT u.item_id) FROM {frm} WHERE {where}", params)[0]
        counts = self._facets(frm, where, params) if facets else {}
        return SearchResults(hits=hits, total_units=int(total_units), total_items=int(total_items), facets=counts)

    def _hits(self, query: SearchQuery) -> list[Hit]:
        frm, where, params = self._scope(query)
        matcher = self._matcher(query)
        p = self.placeholder
        rows = self._rows(
            f"SELECT u.item_id, i.title, i.kind, u.text, {matcher.score}, u.page, u.start_s, u.end_s, u.seq "
            f"FROM {frm} WHERE {where} ORDER BY {matcher.order} LIMIT {p} OFFSET {p}",
            (*params, query.limit, query.offset),
        )
        stems = query.stems
        return [
            Hit(item_id=r[0], title=r[1], kind=r[2], snippet=make_snippet(r[3], stems), score=float(r[4] or 0.0),
                page=r[5], start_s=r[6], end_s=r[7], seq=int(r[8]))
            for r in rows
        ]

    def _matcher(self, query: SearchQuery) -> Matcher:
        if query.stems:
            return self._match(query.stems)
        first_unit = "u.seq = (SELECT min(x.seq) FROM units x WHERE x.item_id = u.item_id)"
        return Matcher("units u JOIN items i ON i.id = u.item_id", [], [first_unit], [], "0", "i.title, i.id")

    def _scope(self, query: SearchQuery) -> tuple[str, str, list[Any]]:
        """FROM, WHERE and parameters for the visible units matching the words and filters."""
        matcher = self._matcher(query)
        where, params = list(matcher.where), list(matcher.where_params)
        p = self.placeholder
        if not query.staff:
            where.append("i.access = 'open'")  # anything but 'open' (a typo, a new value) stays hidden
        if query.kind:
            where.append(f"i.kind = {p}")
            params.append(query.kind)
        if query.year is not None:
            where.append(f"i.year = {p}")
            params.append(int(query.year))
        for table, column, value in (("item_languages", "language", query.language),
                                     ("item_articles", "article_id", query.article),
                                     ("item_entities", "entity_id", query.entity)):
            if value:
                where.append(f"EXISTS (SELECT 1 FROM {table} f WHERE f.item_id = i.id AND f.{column} = {p})")
                params.append(value)
        return matcher.from_sql, " AND ".join(where), [*matcher.from_params, *params]

    def _facets(self, frm: str, where: str, params: list[Any]) -> dict[str, list[FacetCount]]:
        """Per facet, the values of the matching visible items and how many items have each."""
        sql = f"""
            WITH matched AS (SELECT DISTINCT u.item_id AS item_id FROM {frm} WHERE {where})
            SELECT 'kind', i.kind, i.kind, count(*) FROM matched m JOIN items i ON i.id = m.item_id GROUP BY i.kind
            UNION ALL
            SELECT 'language', l.language, l.language, count(*) FROM matched m
                JOIN item_languages l ON l.item_id = m.item_id GROUP BY l.language
            UNION ALL
            SELECT 'year', CAST(i.year AS TEXT), CAST(i.year AS TEXT), count(*) FROM matched m
                JOIN items i ON i.id = m.item_id WHERE i.year IS NOT NULL GROUP BY i.year
            UNION ALL
            SELECT 'article', a.article_id, a.article_id, count(*) FROM matched m
                JOIN item_articles a ON a.item_id = m.item_id GROUP BY a.article_id
            UNION ALL
            SELECT 'entity', e.entity_id, max(e.label), count(*) FROM matched m
                JOIN item_entities e ON e.item_id = m.item_id GROUP BY e.entity_id"""
        counts: dict[str, list[FacetCount]] = {name: [] for name in FACETS}
        for facet, value, label, count in self._rows(sql, params):
            counts[facet].append(FacetCount(value=str(value), label=str(label), count=int(count)))
        for values in counts.values():
            values.sort(key=lambda f: (-f.count, f.label.lower()))
        return counts

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


def batched(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Slices of at most `size` rows."""
    for start in range(0, len(rows), size):
        yield rows[start:start + size]
