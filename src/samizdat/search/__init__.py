"""The collection search index: one row per page or transcript segment, behind one interface.

Two backends: SQLite FTS5 (embedded default, `processed/catalog.sqlite`) and PostgreSQL full text
(for many machines), chosen by `SAMIZDAT_DATABASE_URL`; both match Snowball stems (`stemming`).
"""

from __future__ import annotations

from pathlib import Path

from samizdat.search.backend import SqlIndex
from samizdat.search.documents import IndexedItem, Unit, item_from_bag
from samizdat.search.query import MARK_END, MARK_START, FacetCount, Hit, SearchQuery, SearchResults
from samizdat.search.sqlite import SqliteIndex

SearchIndex = SqlIndex
"""The interface every backend implements: upsert, remove, search, results, articles_view, item_ids."""

__all__ = [
    "MARK_END", "MARK_START", "FacetCount", "Hit", "IndexedItem", "SearchIndex", "SearchQuery", "SearchResults",
    "SqliteIndex", "Unit", "item_from_bag", "open_index",
]

_POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def open_index(database_url: str | None, default_path: object) -> SqlIndex:
    """The configured index: SQLite at `default_path` unless `SAMIZDAT_DATABASE_URL` names another.

    `sqlite:///PATH` for another SQLite file, `postgresql://user:pass@host:port/db` for PostgreSQL.
    """
    if not database_url:
        return SqliteIndex(Path(str(default_path)))
    if database_url.startswith("sqlite:///"):
        return SqliteIndex(Path(database_url.split("///", 1)[1]))
    if database_url.startswith(_POSTGRES_SCHEMES):
        from samizdat.search.postgres import PostgresIndex

        return PostgresIndex(database_url.replace("postgresql+psycopg://", "postgresql://", 1))
    raise ValueError(
        f"unsupported SAMIZDAT_DATABASE_URL {database_url!r}; supported: sqlite:///PATH, postgresql://USER@HOST:PORT/DB"
    )
