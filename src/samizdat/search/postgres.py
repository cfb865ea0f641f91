"""PostgreSQL full-text backend for many machines: a generated tsvector over the stem shadow, GIN-indexed.

Texts and their tsvector live in `unit_texts`, apart from the narrow `units` rows used to filter and
count. The tsvector uses the `simple` configuration over our own Snowball stems (not PostgreSQL's
`russian`/`english` dictionaries), so a query finds on PostgreSQL exactly what it finds on SQLite.
Ranking is `ts_rank` normalised by unit length. Selected by `SAMIZDAT_DATABASE_URL=postgresql://...`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from samizdat.search.backend import ITEM_TABLES, Matcher, Row, SqlIndex
from samizdat.search.names import QueryPlan

_SCHEMA = ITEM_TABLES + """
CREATE TABLE IF NOT EXISTS units (
    id BIGSERIAL PRIMARY KEY, item_id TEXT NOT NULL, seq INTEGER NOT NULL, page INTEGER,
    start_s DOUBLE PRECISION, end_s DOUBLE PRECISION, kind TEXT NOT NULL, year INTEGER, public INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS unit_texts (
    id BIGINT PRIMARY KEY, text TEXT NOT NULL, stems TEXT NOT NULL,
    tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', stems)) STORED
);
CREATE INDEX IF NOT EXISTS unit_texts_tsv ON unit_texts USING GIN (tsv);
CREATE INDEX IF NOT EXISTS units_item ON units(item_id, seq);
"""
_SCHEMA_LOCK = 0x53414D49  # advisory lock id: machines starting at once create the schema one at a time


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as error:  # pragma: no cover - psycopg is a dependency; this guards broken installs
        raise RuntimeError("PostgreSQL search needs psycopg: pip install 'psycopg[binary]'") from error
    return psycopg


class PostgresIndex(SqlIndex):
    """The search index in a PostgreSQL database shared by every machine."""

    placeholder = "%s"

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.RLock()
        # No server-side prepared statements: a generic plan ignores how common the query's words are.
        # Full-text matches must go through the GIN index: the planner underestimates what detoasting every
        # page's tsvector in a sequential scan costs (76 ms instead of 8 ms for a word on 18% of 20k pages).
        self._db = _psycopg().connect(url, autocommit=True, prepare_threshold=None,
                                      options="-c random_page_cost=1.1 -c enable_seqscan=off")
        with self._transaction() as tx:
            tx.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            tx.execute(_SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock, self._db.cursor() as cursor:
            cursor.execute(sql, tuple(params))
            return list(cursor.fetchall())

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock, self._db.transaction(), self._db.cursor() as cursor:
            yield cursor

    def _match(self, plan: QueryPlan) -> Matcher:
        # Each alternative through plainto_tsquery (its stems ANDed), combined with tsquery's || and &&
        # operators in SQL: the user's words are only ever parameters, no tsquery syntax is parsed.
        groups, params = [], []
        for group in plan.groups:
            groups.append("(" + " || ".join("plainto_tsquery('simple', %s)" for _ in group) + ")")
            params += [" ".join(alternative) for alternative in group]
        return Matcher(
            from_sql=f"unit_texts t JOIN units u ON u.id = t.id CROSS JOIN (SELECT {' && '.join(groups)} AS q) tq",
            from_params=params, where=["t.tsv @@ tq.q"], where_params=[],
            score="ts_rank(t.tsv, tq.q, 1)", order="ts_rank(t.tsv, tq.q, 1) DESC, u.id",
        )

    def _new_unit_ids(self, tx: Any, count: int) -> list[int]:
        if count == 0:
            return []
        tx.execute("SELECT nextval(pg_get_serial_sequence('units', 'id')) FROM generate_series(1, %s)", (count,))
        return [int(r[0]) for r in tx.fetchall()]

    def optimize(self) -> None:
        """Refresh planner statistics (after a bulk load)."""
        with self._lock:
            for table in ("units", "unit_texts", "items", "item_languages", "item_articles", "item_entities"):
                self._db.execute(f"VACUUM ANALYZE {table}")
