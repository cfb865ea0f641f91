"""The embedded SQLite FTS5 index: Cyrillic, snippets, facets, restricted items."""

from __future__ import annotations

from pathlib import Path

from samizdat.record import ItemRecord
from samizdat.search import IndexedItem, SearchQuery, SqliteIndex, Unit


def _item(item_id: str, texts: list[str], access: str = "open", kind: str = "pdf", lang: str = "ru") -> IndexedItem:
    return IndexedItem(
        id=item_id, kind=kind, title=f"Item {item_id}", filename=f"{item_id}.pdf", access=access,
        languages=[lang], year=1977, articles=["two-hundred-years-together"],
        entities=[("natan-sharansky", "Sharansky")],
        metadata=ItemRecord(id=item_id), units=[Unit(seq=i, text=t, page=i + 1) for i, t in enumerate(texts)],
    )


def test_cyrillic_query_finds_the_page_with_a_snippet(tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "catalog.sqlite")
    index.upsert(_item("a1", ["Первая страница.", "Открытое письмо о выезде в Израиль, Москва 1977."]))
    hits = index.search(SearchQuery("ВЫЕЗДЕ израиль"))
    assert [(h.item_id, h.page) for h in hits] == [("a1", 2)]
    assert "[выезде]" in hits[0].marked().lower()


def test_upsert_replaces_and_remove_forgets(tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "catalog.sqlite")
    index.upsert(_item("a1", ["old words"]))
    index.upsert(_item("a1", ["new words"]))
    assert index.search(SearchQuery("old")) == []
    assert len(index.search(SearchQuery("new"))) == 1
    index.remove("a1")
    assert index.search(SearchQuery("new")) == []


def test_restricted_items_only_for_staff(tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "catalog.sqlite")
    index.upsert(_item("open1", ["refusenik testimony"]))
    index.upsert(_item("secret", ["refusenik testimony"], access="restricted"))
    assert {h.item_id for h in index.search(SearchQuery("refusenik"))} == {"open1"}
    assert {h.item_id for h in index.search(SearchQuery("refusenik", staff=True))} == {"open1", "secret"}
    assert index.articles_view() == {"two-hundred-years-together": [("open1", "Item open1")]}


def test_facet_filters(tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "catalog.sqlite")
    index.upsert(_item("doc", ["Jackson-Vanik amendment"], kind="pdf", lang="en"))
    index.upsert(_item("tape", ["Jackson-Vanik amendment"], kind="audio", lang="ru"))
    assert [h.item_id for h in index.search(SearchQuery("jackson", kind="audio"))] == ["tape"]
    assert [h.item_id for h in index.search(SearchQuery("jackson", language="en"))] == ["doc"]
    assert index.search(SearchQuery("jackson", article="no-such-article")) == []
    assert index.search(SearchQuery('"; DROP TABLE items; --')) == []


_V1_SCHEMA = """
CREATE TABLE items (id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, filename TEXT NOT NULL,
    access TEXT NOT NULL, year INTEGER, metadata TEXT NOT NULL);
CREATE TABLE item_languages (item_id TEXT NOT NULL, language TEXT NOT NULL);
CREATE TABLE item_articles (item_id TEXT NOT NULL, article_id TEXT NOT NULL);
CREATE TABLE item_entities (item_id TEXT NOT NULL, entity_id TEXT NOT NULL, label TEXT NOT NULL);
CREATE TABLE units (rowid INTEGER PRIMARY KEY, item_id TEXT NOT NULL, seq INTEGER NOT NULL,
    page INTEGER, start_s REAL, end_s REAL, text TEXT NOT NULL);
CREATE INDEX units_item ON units(item_id);
CREATE VIRTUAL TABLE units_fts USING fts5(text, content='units', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER units_ai AFTER INSERT ON units BEGIN
    INSERT INTO units_fts(rowid, text) VALUES (new.rowid, new.text);
END;
INSERT INTO items VALUES ('old1', 'image', 'Old letter', 'old.png', 'open', 1977, '{}');
INSERT INTO items VALUES ('old2', 'image', 'Old secret', 'old2.png', 'restricted', 1977, '{}');
INSERT INTO units(item_id, seq, page, text) VALUES ('old1', 0, 1, 'Письмо Калика о выезде');
INSERT INTO units(item_id, seq, page, text) VALUES ('old2', 0, 1, 'Калик секретно');
"""


def test_an_index_from_the_first_schema_is_converted_in_place(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "catalog.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(_V1_SCHEMA)
    index = SqliteIndex(path)
    assert [(h.item_id, h.marked()) for h in index.search(SearchQuery("Калик"))] == [
        ("old1", "Письмо [Калика] о выезде")]
    assert {h.item_id for h in index.search(SearchQuery("Калик", staff=True))} == {"old1", "old2"}
    index.upsert(_item("new1", ["Калик again"]))
    assert len(index.search(SearchQuery("Калик"))) == 2
    index.close()
    assert SqliteIndex(path).item_ids() == ["new1", "old1", "old2"]  # reopening converts nothing twice
