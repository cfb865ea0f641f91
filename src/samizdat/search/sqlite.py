"""SQLite FTS5 backend: the embedded default, `processed/catalog.sqlite`.

FTS5 indexes the stem shadow of each unit (`units.stems`, external content), so BM25 ranks by
stems and Russian and English word forms meet; the text itself stays in `units.text` for snippets.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from samizdat.search.backend import Matcher, Row, SqlIndex
from samizdat.search.names import QueryPlan
from samizdat.search.stemming import stem_text

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, filename TEXT NOT NULL,
    access TEXT NOT NULL, year INTEGER, metadata TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS item_languages (item_id TEXT NOT NULL, language TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS item_articles (item_id TEXT NOT NULL, article_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS item_entities (item_id TEXT NOT NULL, entity_id TEXT NOT NULL, label TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS units (
    rowid INTEGER PRIMARY KEY, item_id TEXT NOT NULL, seq INTEGER NOT NULL,
    page INTEGER, start_s REAL, end_s REAL, text TEXT NOT NULL, stems TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS units_item ON units(item_id, seq);
CREATE INDEX IF NOT EXISTS languages_item ON item_languages(item_id);
CREATE INDEX IF NOT EXISTS articles_item ON item_articles(item_id);
CREATE INDEX IF NOT EXISTS articles_article ON item_articles(article_id);
CREATE INDEX IF NOT EXISTS entities_item ON item_entities(item_id);
CREATE VIRTUAL TABLE IF NOT EXISTS units_fts USING fts5(
    stems, content='units', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS units_ai AFTER INSERT ON units BEGIN
    INSERT INTO units_fts(rowid, stems) VALUES (new.rowid, new.stems);
END;
CREATE TRIGGER IF NOT EXISTS units_ad AFTER DELETE ON units BEGIN
    INSERT INTO units_fts(units_fts, rowid, stems) VALUES ('delete', old.rowid, old.stems);
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
        """Create the schema; a version-1 index (FTS over raw text, no stems) is converted in place."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        old_units = self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'units'").fetchone()
        if old_units and version < SCHEMA_VERSION:
            columns = {r[1] for r in self._db.execute("PRAGMA table_info(units)")}
            if "stems" not in columns:
                self._db.execute("ALTER TABLE units ADD COLUMN stems TEXT NOT NULL DEFAULT ''")
            rows = self._db.execute("SELECT rowid, text FROM units").fetchall()
            self._db.executemany("UPDATE units SET stems = ? WHERE rowid = ?", [(stem_text(t), r) for r, t in rows])
            for name in ("units_ai", "units_ad"):
                self._db.execute(f"DROP TRIGGER IF EXISTS {name}")
            self._db.execute("DROP TABLE IF EXISTS units_fts")
        self._db.executescript(_SCHEMA)
        if old_units and version < SCHEMA_VERSION:
            self._db.execute("INSERT INTO units_fts(units_fts) VALUES ('rebuild')")
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

    def _match(self, plan: QueryPlan) -> Matcher:
        # Every stem quoted: FTS5 operators (NEAR, OR, *, :) in the user's words stay words.
        expression = " AND ".join(
            "(" + " OR ".join("(" + " AND ".join(_quoted(s) for s in alternative) + ")" for alternative in group) + ")"
            for group in plan.groups
        )
        return Matcher(
            from_sql="units_fts f JOIN units u ON u.rowid = f.rowid JOIN items i ON i.id = u.item_id",
            from_params=[], where=["f.stems MATCH ?"], where_params=[expression],
            score="-f.rank", order="f.rank",
        )

    def optimize(self) -> None:
        """Merge FTS5 segments (after a bulk load): fewer b-trees to probe per query."""
        with self._transaction() as db:
            db.execute("INSERT INTO units_fts(units_fts) VALUES ('optimize')")


def _quoted(stem: str) -> str:
    """An FTS5 string literal: the stem as a plain term, whatever characters it holds."""
    return '"' + stem.replace('"', '""') + '"'
