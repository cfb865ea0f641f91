"""SQLite FTS5 backend: the embedded default, `processed/catalog.sqlite`."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from pathlib import Path

from samizdat.search.documents import IndexedItem
from samizdat.search.query import Hit, SearchQuery

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
    page INTEGER, start_s REAL, end_s REAL, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS units_item ON units(item_id);
CREATE INDEX IF NOT EXISTS languages_item ON item_languages(item_id);
CREATE INDEX IF NOT EXISTS articles_item ON item_articles(item_id);
CREATE INDEX IF NOT EXISTS articles_article ON item_articles(article_id);
CREATE INDEX IF NOT EXISTS entities_item ON item_entities(item_id);
CREATE VIRTUAL TABLE IF NOT EXISTS units_fts USING fts5(
    text, content='units', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS units_ai AFTER INSERT ON units BEGIN
    INSERT INTO units_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER IF NOT EXISTS units_ad AFTER DELETE ON units BEGIN
    INSERT INTO units_fts(units_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
"""


class SqliteIndex:
    """The search index in one SQLite file (WAL, so the portal reads while a pass writes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def upsert(self, item: IndexedItem) -> None:
        """Replace everything the index holds for this item, in one transaction."""
        with self._db:
            self._delete(item.id)
            self._db.execute(
                "INSERT INTO items(id, kind, title, filename, access, year, metadata) VALUES (?,?,?,?,?,?,?)",
                (item.id, item.kind, item.title, item.filename, item.access, item.year,
                 json.dumps(item.metadata, ensure_ascii=False)),
            )
            self._db.executemany("INSERT INTO item_languages VALUES (?,?)", [(item.id, x) for x in item.languages])
            self._db.executemany("INSERT INTO item_articles VALUES (?,?)", [(item.id, a) for a in item.articles])
            self._db.executemany("INSERT INTO item_entities VALUES (?,?,?)", [(item.id, *e) for e in item.entities])
            self._db.executemany(
                "INSERT INTO units(item_id, seq, page, start_s, end_s, text) VALUES (?,?,?,?,?,?)",
                [(item.id, u.seq, u.page, u.start_s, u.end_s, u.text) for u in item.units],
            )

    def remove(self, item_id: str) -> None:
        """Drop an item from the index."""
        with self._db:
            self._delete(item_id)

    def _delete(self, item_id: str) -> None:
        for table, column in (("units", "item_id"), ("item_languages", "item_id"), ("item_articles", "item_id"),
                              ("item_entities", "item_id"), ("items", "id")):
            self._db.execute(f"DELETE FROM {table} WHERE {column} = ?", (item_id,))

    def search(self, query: SearchQuery) -> list[Hit]:
        """Pages and segments matching every query word, best first (BM25), with highlighted snippets."""
        terms = query.terms
        if not terms:
            return []
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)
        where, params = ["units_fts MATCH ?"], [match]
        if not query.staff:
            where.append("i.access = 'open'")
        if query.kind:
            where.append("i.kind = ?")
            params.append(query.kind)
        if query.year:
            where.append("i.year = ?")
            params.append(str(query.year))
        if query.language:
            where.append("EXISTS (SELECT 1 FROM item_languages l WHERE l.item_id = i.id AND l.language = ?)")
            params.append(query.language)
        if query.article:
            where.append("EXISTS (SELECT 1 FROM item_articles a WHERE a.item_id = i.id AND a.article_id = ?)")
            params.append(query.article)
        sql = f"""
            SELECT u.item_id, i.title, i.kind, snippet(units_fts, 0, char(2), char(3), '…', 12), bm25(units_fts),
                   u.page, u.start_s
            FROM units_fts JOIN units u ON u.rowid = units_fts.rowid JOIN items i ON i.id = u.item_id
            WHERE {' AND '.join(where)} ORDER BY bm25(units_fts) LIMIT ?"""
        rows = self._db.execute(sql, (*params, query.limit)).fetchall()
        return [Hit(item_id=r[0], title=r[1], kind=r[2], snippet=r[3], score=-r[4], page=r[5], start_s=r[6])
                for r in rows]

    def articles_view(self, staff: bool = False) -> dict[str, list[tuple[str, str]]]:
        """Per article id, the (item id, title) pairs linked to it."""
        access = "" if staff else "AND i.access = 'open'"
        rows = self._db.execute(
            f"SELECT a.article_id, i.id, i.title FROM item_articles a JOIN items i ON i.id = a.item_id {access} "
            "ORDER BY a.article_id, i.title"
        ).fetchall()
        view: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for article_id, item_id, title in rows:
            view[article_id].append((item_id, title))
        return dict(view)

    def item_ids(self) -> list[str]:
        """Every indexed item id."""
        return [r[0] for r in self._db.execute("SELECT id FROM items ORDER BY id")]
