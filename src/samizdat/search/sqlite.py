"""SQLite FTS5 backend: the embedded default, `processed/catalog.sqlite`.

FTS5 indexes the stem shadow of each unit (`unit_texts.stems`, external content), so BM25 ranks by
stems and Russian and English word forms meet. The texts live apart from the narrow `units` rows
that carry each unit's item, place and facet values: ranking and filtering thousands of matches
then never reads a page of text, which is what keeps a query on 100k pages within milliseconds.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from samizdat.search.backend import ITEM_TABLES, Matcher, Row, SqlIndex
from samizdat.search.names import QueryPlan
from samizdat.search.stemming import stem_text

SCHEMA_VERSION = 3

_SCHEMA = ITEM_TABLES + """
CREATE TABLE IF NOT EXISTS units (
    id INTEGER PRIMARY KEY, item_id TEXT NOT NULL, seq INTEGER NOT NULL, page INTEGER, start_s REAL, end_s REAL,
    kind TEXT NOT NULL, year INTEGER, public INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS unit_texts (id INTEGER PRIMARY KEY, text TEXT NOT NULL, stems TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS units_item ON units(item_id, seq);
CREATE VIRTUAL TABLE IF NOT EXISTS units_fts USING fts5(
    stems, content='unit_texts', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS unit_texts_ai AFTER INSERT ON unit_texts BEGIN
    INSERT INTO units_fts(rowid, stems) VALUES (new.id, new.stems);
END;
CREATE TRIGGER IF NOT EXISTS unit_texts_ad AFTER DELETE ON unit_texts BEGIN
    INSERT INTO units_fts(units_fts, rowid, stems) VALUES ('delete', old.id, old.stems);
END;
"""


class SqliteIndex(SqlIndex):
    """The search index in one SQLite file (WAL, so the portal reads while a pass writes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        # WAL with NORMAL sync: a commit may be lost on power failure but never corrupts; the index is
        # rebuilt from the bags, and each item's commit no longer waits for an fsync.
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._lock, self._db:
            self._migrate()

    def _migrate(self) -> None:
        """Create the schema; an older index (texts inside `units`, FTS over raw text) is converted in place."""
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(units)")}
        if "text" in columns:
            for old in ("units_ai", "units_ad"):
                self._db.execute(f"DROP TRIGGER IF EXISTS {old}")
            self._db.execute("DROP TABLE IF EXISTS units_fts")
            self._db.execute("DROP INDEX IF EXISTS units_item")
            self._db.execute("ALTER TABLE units RENAME TO units_old")
        self._db.executescript(_SCHEMA)
        if "text" in columns:
            self._db.execute(
                "INSERT INTO units(id, item_id, seq, page, start_s, end_s, kind, year, public) "
                "SELECT o.rowid, o.item_id, o.seq, o.page, o.start_s, o.end_s, i.kind, i.year, i.access = 'open' "
                "FROM units_old o JOIN items i ON i.id = o.item_id"
            )
            rows = self._db.execute("SELECT rowid, text FROM units_old").fetchall()
            self._db.executemany("INSERT INTO unit_texts(id, text, stems) VALUES (?,?,?)",
                                 [(r, t, stem_text(t)) for r, t in rows])
            self._db.execute("DROP TABLE units_old")
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._db:
            yield self._db

    def _new_unit_ids(self, tx: Any, count: int) -> list[int]:
        # Called after the item's DELETEs, so this transaction already holds SQLite's write lock.
        start = int(tx.execute("SELECT coalesce(max(id), 0) FROM units").fetchone()[0]) + 1
        return list(range(start, start + count))

    def _match(self, plan: QueryPlan) -> Matcher:
        # Every stem quoted: FTS5 operators (NEAR, OR, *, :) in the user's words stay words.
        expression = " AND ".join(
            "(" + " OR ".join("(" + " AND ".join(_quoted(s) for s in alternative) + ")" for alternative in group) + ")"
            for group in plan.groups
        )
        return Matcher(
            from_sql="units_fts f JOIN units u ON u.id = f.rowid",
            from_params=[], where=["f.stems MATCH ?"], where_params=[expression],
            score="-f.rank", order="f.rank",
        )

    def optimize(self) -> None:
        """Merge FTS5 segments and refresh planner statistics (after a bulk load)."""
        with self._transaction() as db:
            db.execute("INSERT INTO units_fts(units_fts) VALUES ('optimize')")
            db.execute("ANALYZE")


def _quoted(stem: str) -> str:
    """An FTS5 string literal: the stem as a plain term, whatever characters it holds."""
    return '"' + stem.replace('"', '""') + '"'
