"""The catalogue is the archive's folder: an article added from its text re-links what is already published.

Items are born-digital PDFs (text layer, no OCR) published by the real pipeline; the fifth article is
`resources/catalogue/slepak-balcony.txt`, written for these tests (none of the archive's four).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bagit
import pytest
from typer.testing import CliRunner

from samizdat.bag import PublishedBag
from samizdat.catalogue import (
    ARTICLES_FILE,
    AUTHORITY_FILE,
    SHIPPED_DIR,
    CatalogueError,
    archive_catalogue,
    default_catalogue_dir,
    load_catalogue,
)
from samizdat.catalogue.add import read_article_text, to_cyrillic, to_latin
from samizdat.errors import SetupError
from samizdat.package import update_bag
from samizdat.pipeline import Pipeline
from samizdat.record import ArticleRecord, ItemRecord
from samizdat.relink import BY_ARCHIVIST, bag_stretches, keep_archivist_links, relink_collection
from samizdat.search import SearchQuery, open_index
from samizdat.settings import Settings

RESOURCES = Path(__file__).resolve().parent / "resources" / "catalogue"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

SLEPAK_LETTER = [
    "Moscow, 14 June 1978",
    "Dear friends, yesterday the court sentenced Vladimir Slepak to five years of exile.",
    "Maria Slepak says she will follow him to the Chita region. Please write to them;",
    "letters from abroad are the only protection refuseniks like Slepak have.",
]
NUDEL_LETTER = [
    "Dear Ida Nudel, the women of our congregation think of you in your exile.",
    "We wrote again to the Soviet embassy asking for your exit visa.",
]
WEATHER_LETTER = ["The harvest was late this year; the rains came in September and the roads were mud."]


def _pdf(path: Path, lines: list[str]) -> Path:
    fpdf = pytest.importorskip("fpdf", reason="fpdf2 makes the born-digital PDFs")
    pdf = fpdf.FPDF(format="A4")
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def _publish(settings: Settings, name: str, lines: list[str]) -> str:
    outcome = Pipeline(settings).process_file(_pdf(settings.inbox / name, lines))
    assert outcome.status == "published", outcome
    assert outcome.item_id is not None
    return outcome.item_id


def _no_engines(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every extraction engine fail loudly; return the list of calls (there must be none)."""
    import pytesseract

    import samizdat.kinds
    import samizdat.pipeline

    calls: list[str] = []

    def refuse(name: str) -> Any:
        def called(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            raise AssertionError(f"{name} ran during a re-link")
        return called

    monkeypatch.setattr(samizdat.kinds, "handler_for", refuse("handler_for"))
    monkeypatch.setattr(samizdat.pipeline, "handler_for", refuse("handler_for"))
    monkeypatch.setattr(samizdat.pipeline.Pipeline, "extract", refuse("Pipeline.extract"))
    monkeypatch.setattr(pytesseract.pytesseract, "run_tesseract", refuse("tesseract"))
    try:
        import faster_whisper

        monkeypatch.setattr(faster_whisper, "WhisperModel", refuse("faster-whisper"))
    except ImportError:
        pass
    return calls


def test_a_fifth_article_added_through_the_cli_relinks_the_published_items(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from samizdat.cli import app
    from samizdat.portal import create_app

    slepak = _publish(settings, "slepak-letter.pdf", SLEPAK_LETTER)
    nudel = _publish(settings, "nudel-letter.pdf", NUDEL_LETTER)
    weather = _publish(settings, "weather.pdf", WEATHER_LETTER)
    folder = default_catalogue_dir(settings.processed)
    assert (folder / ARTICLES_FILE).read_bytes() == (SHIPPED_DIR / ARTICLES_FILE).read_bytes(), "made on first use"
    assert "slepak-balcony" not in _record(settings, slepak)["dc"]["relation"]
    # An archivist links the weather report to an article by hand: no re-link may drop that.
    weather_metadata = _record(settings, weather)
    by_hand = {"id": "best-place-for-soviet-jews", "title": "The Best Place", "score": 1.0, "evidence": [],
               "by": BY_ARCHIVIST, "note": "the sender's cousin left through Vienna"}
    _update(settings, weather, {**weather_metadata, "articles": [by_hand],
                                   "dc": {**weather_metadata["dc"], "relation": [by_hand["id"]]}})

    portal = TestClient(create_app(settings.processed))  # running before the article is added
    assert portal.get("/api/articles/slepak-balcony").status_code == 404

    calls = _no_engines(monkeypatch)
    monkeypatch.chdir(settings.processed.parent)
    result = CliRunner().invoke(app, [
        "articles", "add", str(RESOURCES / "slepak-balcony.txt"), "--id", "slepak-balcony",
        "--title", "The Balcony on Gorky Street", "--author", "Samizdat tests", "--date", "2026-11-28",
        "--processed", str(settings.processed),
    ])
    assert result.exit_code == 0, result.output
    assert calls == [], "no OCR or ASR (nor any extraction) during a re-link"

    catalogue = load_catalogue(folder)
    article = catalogue.article("slepak-balcony")
    assert article.proposed and {"vladimir-slepak", "maria-slepak", "moscow", "refuseniks"} <= set(article.entities)
    assert catalogue.text_path(article) == folder / "texts" / "slepak-balcony.txt"
    slepak_entity = catalogue.entities["vladimir-slepak"]
    assert slepak_entity.proposed and "Владимир Слепак" in slepak_entity.names
    assert list((folder / "history").iterdir()), "the replaced versions of the catalogue files are kept"

    linked = _record(settings, slepak)
    assert linked["articles"][0]["id"] == "slepak-balcony"
    assert "slepak-balcony" in linked["dc"]["relation"]
    assert "vladimir-slepak" in {e["id"] for e in linked["entities"]}
    bagit.Bag(str(settings.items_dir / slepak)).validate()
    assert "slepak-balcony" not in _record(settings, nudel)["dc"]["relation"]
    kept = _record(settings, weather)["articles"]
    assert kept == [by_hand], "the archivist's link survives, untouched"
    again = relink_collection(settings)
    assert again.count("unchanged") == 3, "re-linking with the same catalogue republishes nothing"

    index = open_index(settings.database_url, settings.catalog_path)
    results = index.results(SearchQuery("Slepak"))
    assert {f.value for f in results.facets["article"]} >= {"slepak-balcony"}
    assert {f.value for f in results.facets["entity"]} >= {"vladimir-slepak"}
    index.close()

    with portal as client:
        page = client.get("/articles/slepak-balcony")
        assert page.status_code == 200 and slepak in page.text and nudel not in page.text
        api = client.get("/api/articles/slepak-balcony").json()
        assert [i["id"] for i in api["items"]] == [slepak]

    listing = CliRunner().invoke(app, ["articles", "--processed", str(settings.processed)])
    assert listing.exit_code == 0 and "slepak-balcony" in listing.output and slepak in listing.output


def test_a_broken_catalogue_entry_stops_the_pass_before_any_file_moves(settings: Settings) -> None:
    from samizdat.cli import app
    from samizdat.preflight import _check_catalogue

    folder = default_catalogue_dir(settings.processed)
    archive_catalogue(settings.processed, None)  # made on first use
    articles = folder / ARTICLES_FILE
    articles.write_text(articles.read_text(encoding="utf-8").replace("- ida-nudel\n", "- ida-nudell\n", 1),
                        encoding="utf-8")
    _pdf(settings.inbox / "letter.pdf", NUDEL_LETTER)
    with pytest.raises(SetupError) as stopped:
        _check_catalogue(settings)
    message = str(stopped.value)
    assert str(articles) in message and "entry 1" in message and "gorbachev-opened-the-gates" in message
    assert "ida-nudell" in message

    command = ["process", "--inbox", str(settings.inbox), "--processed", str(settings.processed)]
    result = CliRunner().invoke(app, command, terminal_width=400)
    assert result.exit_code == 2, result.output
    assert "ida-nudell" in result.output and "entry 1" in result.output and "No file was moved" in result.output
    assert (settings.inbox / "letter.pdf").exists() and not list(settings.items_dir.glob("*"))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("articles:\n  - id: Bad Id\n    title: T\n", "entry 1: id 'Bad Id'"),
        ("articles:\n  - id: a\n    title: T\n  - id: a\n    title: U\n", "entry 2: id 'a' is used twice"),
        ("articles:\n  - id: a\n    title: T\n  - id: b\n    years: [x]\n    title: U\n", "entry 2: article 'b'"),
        ("articles:\n  - just a string\n", "entry 1: expected a mapping"),
        ("articles: [\n", "cannot read catalogue file"),
    ],
)
def test_catalogue_errors_name_the_file_and_the_entry(tmp_path: Path, text: str, fragment: str) -> None:
    (tmp_path / AUTHORITY_FILE).write_text("entities: []\n", encoding="utf-8")
    (tmp_path / ARTICLES_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        load_catalogue(tmp_path)
    assert fragment in str(error.value) and str(tmp_path / ARTICLES_FILE) in str(error.value)


def test_a_catalogue_edit_is_seen_without_restarting(tmp_path: Path) -> None:
    folder = tmp_path / "catalogue"
    first = load_catalogue(folder)
    text = (folder / ARTICLES_FILE).read_text(encoding="utf-8")
    (folder / ARTICLES_FILE).write_text(text + "\n  - id: extra-article\n    title: Extra\n", encoding="utf-8")
    second = load_catalogue(folder)
    assert len(second.articles) == len(first.articles) + 1 and second.version != first.version


def test_article_text_from_html_and_pdf(tmp_path: Path) -> None:
    html = tmp_path / "a.html"
    html.write_text("<html><head><title>T</title><script>var x = 'Slepak';</script></head>"
                    "<body><p>Vladimir&nbsp;Slepak</p><p>in Moscow</p></body></html>", encoding="utf-8")
    text = read_article_text(html)
    assert "Vladimir Slepak" in text and "in Moscow" in text and "var x" not in text
    pdf = _pdf(tmp_path / "a.pdf", ["Ida Nudel in Bendery", "Иосиф Бегун"])
    assert "Иосиф Бегун" in read_article_text(pdf)


def test_names_are_spelled_in_both_scripts() -> None:
    assert to_cyrillic("Vladimir Slepak") == "Владимир Слепак"
    assert to_cyrillic("Eduard Kuznetsov") == "Эдуард Кузнецов"
    assert to_cyrillic("Shcharansky") == "Щаранский"
    assert to_latin("Иосиф Менделевич") == "Iosif Mendelevich"


def test_archivist_links_are_kept_and_refreshed() -> None:
    previous = [{"id": "a", "score": 0.3, "evidence": [], "by": BY_ARCHIVIST, "note": "n"},
                {"id": "b", "score": 0.9, "evidence": ["x"]}]
    computed = [{"id": "a", "score": 0.8, "evidence": ["y"], "passage": "p"}, {"id": "c", "score": 0.5, "evidence": []}]
    merged = [a.as_dict() for a in keep_archivist_links(_articles(computed), _articles(previous))]
    assert merged[0] == {"id": "a", "score": 0.8, "evidence": ["y"], "passage": "p", "by": BY_ARCHIVIST, "note": "n"}
    assert [a["id"] for a in merged] == ["a", "c"], "the linker's own old link may go; the archivist's stays"
    assert [a.as_dict() for a in keep_archivist_links([], _articles(previous))] == [previous[0]]


def test_bag_text_is_read_as_pages_or_segments(tmp_path: Path) -> None:
    data = tmp_path / "document" / "data"
    data.mkdir(parents=True)
    (data / "text.txt").write_text("page one\fpage two", encoding="utf-8")
    assert bag_stretches(PublishedBag(tmp_path / "document")) == [("page one", 1, None), ("page two", 2, None)]
    data = tmp_path / "audio" / "data"
    data.mkdir(parents=True)
    (data / "text.txt").write_text("ignored", encoding="utf-8")
    segments = [{"start": 0.0, "end": 2.0, "text": " Slepak "}, {"start": 2.0, "end": 3.0, "text": " "}]
    (data / "transcript.json").write_text(json.dumps({"segments": segments}), encoding="utf-8")
    assert bag_stretches(PublishedBag(tmp_path / "audio")) == [("Slepak", None, 0.0)]


def test_the_add_article_flow_adds_pasted_text_and_relinks(settings: Settings, prefect_harness: None) -> None:
    from flows.articles import add_article_flow, relink_flow

    item = _publish(settings, "slepak-letter.pdf", SLEPAK_LETTER)
    folder = settings.processed.parent / "my-catalogue"
    result = add_article_flow(article_id="slepak-balcony", title="The Balcony on Gorky Street",
                              text=(RESOURCES / "slepak-balcony.txt").read_text(encoding="utf-8"),
                              processed=str(settings.processed), catalogue=str(folder))
    assert result["relinked"] == 1 and "vladimir-slepak" in result["proposed"]
    assert load_catalogue(folder).article("slepak-balcony").file == "texts/slepak-balcony.txt"
    assert _record(settings, item)["articles"][0]["id"] == "slepak-balcony"
    assert relink_flow(processed=str(settings.processed), catalogue=str(folder))["unchanged"] == 1


def test_a_reprocess_keeps_the_archivists_links(settings: Settings) -> None:
    item = _publish(settings, "weather.pdf", WEATHER_LETTER)
    metadata = _record(settings, item)
    by_hand = {"id": "gorbachev-opened-the-gates", "title": "Gorbachev", "score": 1.0, "evidence": [],
               "by": BY_ARCHIVIST}
    dc = {**metadata["dc"], "relation": [by_hand["id"]]}
    _update(settings, item, {**metadata, "articles": [by_hand], "dc": dc})
    pipeline = Pipeline(settings)
    outcome = pipeline.process_file(pipeline.stage_original(item), force=True)
    assert outcome.status == "reprocessed", outcome
    after = _record(settings, item)
    assert after["articles"] == [by_hand] and after["dc"]["relation"] == [by_hand["id"]]


def test_an_archivist_confirms_a_link_from_the_cli(settings: Settings) -> None:
    from samizdat.cli import app

    item = _publish(settings, "weather.pdf", WEATHER_LETTER)
    result = CliRunner().invoke(app, ["articles", "confirm", item, "two-hundred-years-together", "--note", "family",
                                      "--processed", str(settings.processed)])
    assert result.exit_code == 0, result.output
    metadata = _record(settings, item)
    assert metadata["articles"][0]["by"] == BY_ARCHIVIST and metadata["articles"][0]["note"] == "family"
    assert metadata["dc"]["relation"] == ["two-hundred-years-together"]
    assert relink_collection(settings).count("unchanged") == 1
    unknown = CliRunner().invoke(app, ["articles", "confirm", item, "no-such-article",
                                       "--processed", str(settings.processed)])
    assert unknown.exit_code == 2 and "no-such-article" in unknown.output


def test_a_russian_article_proposes_one_entry_per_person_whatever_the_case() -> None:
    from samizdat.catalogue.add import propose_entities

    text = ("Владимир Слепак подал заявление в 1970 году. Суд приговорил Владимира Слепака к ссылке. "
            "Друзья писали Слепаку. О Слепаке говорили все. Мария Слепак поехала за ним.")
    proposals = {p.id: p for p in propose_entities(text, [], set())}
    slepak = proposals["vladimir-slepak"]
    assert slepak.mentions == 4 and slepak.type == "person"
    assert slepak.names == ["Владимир Слепак", "Слепак", "Vladimir Slepak", "Slepak"]
    assert set(proposals) == {"vladimir-slepak", "mariya-slepak"}


def _record(settings: Settings, item_id: str) -> dict[str, Any]:
    """A published item's metadata.json, as written."""
    return settings.bag(item_id).record().as_dict()


def _update(settings: Settings, item_id: str, metadata: dict[str, Any]) -> None:
    """Republish a bag with this metadata.json, as an archivist's correction does."""
    update_bag(settings, item_id, ItemRecord.model_validate(metadata))


def _articles(entries: list[dict[str, Any]]) -> list[ArticleRecord]:
    return [ArticleRecord.model_validate(entry) for entry in entries]
