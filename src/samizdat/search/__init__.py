"""The collection search index: one row per page or transcript segment, behind one interface."""

from samizdat.search.documents import IndexedItem, Unit, item_from_bag
from samizdat.search.query import Hit, SearchQuery
from samizdat.search.sqlite import SqliteIndex

__all__ = ["Hit", "IndexedItem", "SearchQuery", "SqliteIndex", "Unit", "item_from_bag", "open_index"]


def open_index(database_url: str | None, default_path: object) -> SqliteIndex:
    """The configured index: SQLite at `default_path` unless a database URL says otherwise."""
    from pathlib import Path

    if database_url and not database_url.startswith("sqlite"):
        raise ValueError(f"unsupported SAMIZDAT_DATABASE_URL {database_url!r}; supported: sqlite:///PATH")
    path = Path(database_url.split("///", 1)[1]) if database_url else Path(str(default_path))
    return SqliteIndex(path)
