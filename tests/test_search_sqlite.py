"""The embedded SQLite FTS5 index: Cyrillic, snippets, facets, restricted items."""

from __future__ import annotations

from pathlib import Path

from samizdat.search import IndexedItem, SearchQuery, SqliteIndex, Unit


def _item(item_id: str, texts: list[str], access: str = "open", kind: str = "pdf", lang: str = "ru") -> IndexedItem:
    return IndexedItem(
        id=item_id, kind=kind, title=f"Item {item_id}", filename=f"{item_id}.pdf", access=access,
        languages=[lang], year=1977, articles=["two-hundred-years-together"],
        entities=[("natan-sharansky", "Sharansky")],
        metadata={"id": item_id}, units=[Unit(seq=i, text=t, page=i + 1) for i, t in enumerate(texts)],
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
