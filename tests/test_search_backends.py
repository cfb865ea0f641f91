"""The same search behaviour on both backends: SQLite FTS5 and a real local PostgreSQL server.

PostgreSQL tests start Debian's server (initdb in a temp dir, loopback, free port); they skip when
its binaries are absent, and fail instead when SAMIZDAT_REQUIRE_POSTGRES=1 (CI).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from samizdat.record import ItemRecord
from samizdat.search import IndexedItem, SearchIndex, SearchQuery, Unit, open_index
from samizdat.search.stemming import query_stems, stem, stem_text
from tests.support.postgres import LocalPostgres
from tests.test_portal_fixtures import started_postgres

_databases = itertools.count()


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[LocalPostgres]:
    """One PostgreSQL server for this module; each test gets its own database on it."""
    server = started_postgres()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchIndex]:
    """An empty index on each backend, opened the way the pipeline opens it (`open_index`)."""
    if request.param == "sqlite":
        opened = open_index(None, tmp_path / "catalog.sqlite")
    else:
        server: LocalPostgres = request.getfixturevalue("postgres_server")
        opened = open_index(server.create_database(f"t{next(_databases)}"), None)
    yield opened
    opened.close()


def _item(item_id: str, texts: list[str], access: str = "open", kind: str = "pdf", lang: str = "ru",
          year: int | None = 1977, articles: tuple[str, ...] = ("two-hundred-years-together",),
          entities: tuple[tuple[str, str], ...] = (("natan-sharansky", "Natan Sharansky"),)) -> IndexedItem:
    units = ([Unit(seq=i, text=t, start_s=i * 5.0, end_s=i * 5.0 + 4) for i, t in enumerate(texts)] if kind == "audio"
             else [Unit(seq=i, text=t, page=i + 1) for i, t in enumerate(texts)])
    return IndexedItem(id=item_id, kind=kind, title=f"Item {item_id}", filename=f"{item_id}.pdf", access=access,
                       languages=[lang], year=year, articles=list(articles), entities=list(entities),
                       metadata=ItemRecord(id=item_id), units=units)


def test_stems_join_russian_and_english_word_forms() -> None:
    assert stem("Калика") == stem("Калик") == stem("калику")
    assert stem("Щаранского") == stem("Щаранский")
    assert stem("letters") == stem("letter") and stem("refuseniks") == stem("Refusenik")
    assert stem("ёлка") == stem("елка")
    assert stem_text("Jackson-Vanik, 1974!") == "jackson vanik 1974"
    assert query_stems('"; DROP NEAR(a b) OR x*') == ["drop", "near", "a", "b", "or", "x"]


def test_russian_word_form_finds_the_page_with_a_marked_snippet(index: SearchIndex) -> None:
    index.upsert(_item("a1", ["Первая страница.", "Письмо Калика о выезде в Израиль, Москва 1977."]))
    hits = index.search(SearchQuery("Калик"))
    assert [(h.item_id, h.page) for h in hits] == [("a1", 2)]
    assert "[Калика]" in hits[0].marked()
    both = index.search(SearchQuery("ВЫЕЗД израиля"))
    assert [(h.item_id, h.page) for h in both] == [("a1", 2)]
    assert "[выезде]" in both[0].marked() and "[Израиль]" in both[0].marked()


def test_english_name_and_plural_find_segments_with_times(index: SearchIndex) -> None:
    index.upsert(_item("tape", ["We waited.", "Then the letters about Sharansky came.", "Silence."], kind="audio",
                       lang="en"))
    hits = index.search(SearchQuery("letter sharansky"))
    assert [(h.item_id, h.start_s, h.end_s) for h in hits] == [("tape", 5.0, 9.0)]
    assert hits[0].marked() == "Then the [letters] about [Sharansky] came."


def test_every_word_must_match_and_ranking_prefers_denser_pages(index: SearchIndex) -> None:
    filler = " ".join(["archive"] * 30)
    index.upsert(_item("once", [f"refusenik {filler}"]))
    index.upsert(_item("often", [f"refusenik refusenik refusenik {filler}"]))
    index.upsert(_item("other", [f"emigration {filler}"]))
    assert [h.item_id for h in index.search(SearchQuery("refuseniks"))] == ["often", "once"]
    assert index.search(SearchQuery("refusenik emigration")) == []
    hits = index.search(SearchQuery("refusenik"))
    assert hits[0].score > hits[1].score


def test_upsert_replaces_and_remove_forgets(index: SearchIndex) -> None:
    index.upsert(_item("a1", ["old words"]))
    index.upsert(_item("a1", ["new words"]))
    assert index.search(SearchQuery("old")) == []
    assert len(index.search(SearchQuery("new"))) == 1
    assert index.item_ids() == ["a1"]
    index.remove("a1")
    assert index.search(SearchQuery("new")) == [] and index.item_ids() == []


def test_restricted_items_are_invisible_to_the_public_everywhere(index: SearchIndex) -> None:
    index.upsert(_item("open1", ["refusenik testimony"], year=1977))
    index.upsert(_item("secret", ["refusenik testimony"], access="restricted", year=1988, lang="en",
                       articles=("secret-article",), entities=(("ida-nudel", "Ida Nudel"),)))
    index.upsert(_item("typo", ["refusenik testimony"], access="Open "))  # not exactly 'open': hidden
    assert {h.item_id for h in index.search(SearchQuery("refusenik"))} == {"open1"}
    assert {h.item_id for h in index.search(SearchQuery("refusenik", staff=True))} == {"open1", "secret", "typo"}
    public = index.results(SearchQuery("refusenik"))
    assert (public.total_units, public.total_items) == (1, 1)
    shown = {name: {f.value for f in values} for name, values in public.facets.items()}
    assert shown == {"kind": {"pdf"}, "language": {"ru"}, "year": {"1977"},
                     "article": {"two-hundred-years-together"}, "entity": {"natan-sharansky"}}
    staff = index.results(SearchQuery("refusenik", staff=True))
    assert {f.value for f in staff.facets["year"]} == {"1977", "1988"}
    assert index.results(SearchQuery("", article="secret-article")).hits == []
    assert index.articles_view() == {"two-hundred-years-together": [("open1", "Item open1")]}
    assert "secret-article" in index.articles_view(staff=True)


def test_facet_filters_and_counts(index: SearchIndex) -> None:
    index.upsert(_item("doc", ["Jackson-Vanik amendment"], kind="pdf", lang="en", year=1974))
    index.upsert(_item("tape", ["Jackson-Vanik amendment", "again Jackson"], kind="audio", lang="ru", year=1990,
                       articles=("ajhs-american-soviet-jewry-movement",), entities=(("ida-nudel", "Ida Nudel"),)))
    assert [h.item_id for h in index.search(SearchQuery("jackson", kind="audio"))] == ["tape", "tape"]
    assert [h.item_id for h in index.search(SearchQuery("jackson", language="en"))] == ["doc"]
    assert [h.item_id for h in index.search(SearchQuery("jackson", year=1990))] == ["tape", "tape"]
    assert [h.item_id for h in index.search(SearchQuery("jackson", entity="ida-nudel"))] == ["tape", "tape"]
    assert index.search(SearchQuery("jackson", article="no-such-article")) == []
    results = index.results(SearchQuery("jackson"))
    assert (results.total_units, results.total_items) == (3, 2)
    counts = {name: {f.value: f.count for f in values} for name, values in results.facets.items()}
    assert counts["kind"] == {"pdf": 1, "audio": 1}
    assert counts["year"] == {"1974": 1, "1990": 1}
    assert counts["article"] == {"two-hundred-years-together": 1, "ajhs-american-soviet-jewry-movement": 1}
    assert counts["entity"] == {"natan-sharansky": 1, "ida-nudel": 1}
    assert {f.label for f in results.facets["entity"]} == {"Natan Sharansky", "Ida Nudel"}
    narrowed = index.results(SearchQuery("jackson", kind="audio"))
    assert {f.value: f.count for f in narrowed.facets["kind"]} == {"audio": 1}


def test_paging_and_browsing_by_facet(index: SearchIndex) -> None:
    for n in range(5):
        index.upsert(_item(f"i{n}", [f"page one of item {n} moscow", "moscow again"], articles=("gorbachev",)))
    first = index.search(SearchQuery("moscow", limit=4))
    second = index.search(SearchQuery("moscow", limit=4, offset=4))
    assert len(first) == 4 and len(second) == 4
    assert not {(h.item_id, h.page) for h in first} & {(h.item_id, h.page) for h in second}
    browse = index.results(SearchQuery("", article="gorbachev"))
    assert [(h.item_id, h.page) for h in browse.hits] == [(f"i{n}", 1) for n in range(5)]
    assert browse.total_items == 5


def test_query_syntax_is_never_interpreted(index: SearchIndex) -> None:
    index.upsert(_item("a1", ["near the table, or not"]))
    assert index.search(SearchQuery('"; DROP TABLE items; --')) == []
    assert [h.item_id for h in index.search(SearchQuery("NEAR(table) OR*"))] == ["a1"]
    assert index.search(SearchQuery("!!! ...")) == []
    assert index.item_ids() == ["a1"]


def test_a_name_finds_its_other_spellings_across_scripts(index: SearchIndex) -> None:
    index.upsert(_item("ru", ["Вчера арестован Анатолий Щаранского друг."]))
    index.upsert(_item("en", ["Ida Nudel wrote to Anatoly Shcharansky."], lang="en"))
    assert {h.item_id for h in index.search(SearchQuery("Sharansky"))} == {"ru", "en"}
    marked = {h.item_id: h.marked() for h in index.search(SearchQuery("Sharansky"))}
    assert "[Щаранского]" in marked["ru"] and "[Shcharansky]" in marked["en"]
    assert [h.item_id for h in index.search(SearchQuery("Нудель"))] == ["en"]
    assert [h.item_id for h in index.search(SearchQuery("Щаранский Нудель"))] == ["en"]  # every name must match
    index.expand_names = False
    assert index.search(SearchQuery("Sharansky")) == []
