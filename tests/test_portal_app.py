"""The portal over a small collection (TestClient, no browser): pages, facets, API, OpenAPI, downloads."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from samizdat.portal import create_app
from samizdat.search import open_index
from tests.test_portal_fixtures import ARTICLE, LETTER, SECRET_TITLE, TAPE, build_collection


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    processed = tmp_path_factory.mktemp("processed")
    index = open_index(None, processed / "catalog.sqlite")
    build_collection(processed, index)
    index.close()
    with TestClient(create_app(processed, staff_token="")) as test_client:
        yield test_client


def _snippets(html: str) -> list[str]:
    return re.findall(r'<p class="snippet">(.*?)</p>', html, re.S)


def test_search_page_marks_a_russian_word_form_and_counts_facets(client: TestClient) -> None:
    page = client.get("/", params={"q": "Калик"})
    assert page.status_code == 200
    assert _snippets(page.text) == ["Москва, 1977. Письмо <mark>Калика</mark> о выезде в Израиль."]
    assert f'href="/items/{LETTER}?q=%D0%9A%D0%B0%D0%BB%D0%B8%D0%BA#page-1"' in page.text
    assert re.search(r'data-facet="language".*?>ru</a> <span class="count">1</span>', page.text, re.S)
    assert "Gorbachev first seemed regressive" in page.text  # article facet shows the catalogue title
    assert SECRET_TITLE not in page.text


def test_english_name_finds_the_interview_at_its_moment(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "sharansky"}).json()
    audio = [h for h in data["hits"] if h["kind"] == "audio"]
    assert [(h["item_id"], h["start_s"]) for h in audio] == [(TAPE, 3.0)]
    assert audio[0]["url"] == f"/items/{TAPE}?q=sharansky&t=3.00#seg-1"
    assert "<mark>Sharansky</mark>" in audio[0]["snippet_html"]
    assert {h["item_id"] for h in data["hits"]} == {LETTER, TAPE}
    assert {f["value"]: f["count"] for f in data["facets"]["kind"]} == {"image": 1, "audio": 1}


def test_facet_links_filter_and_browse(client: TestClient) -> None:
    filtered = client.get("/api/search", params={"q": "sharansky", "kind": "audio"}).json()
    assert {h["item_id"] for h in filtered["hits"]} == {TAPE} and filtered["filters"] == {"kind": "audio"}
    browse = client.get("/", params={"entity": "natan-sharansky"})
    assert "2 items" in browse.text and "Filters:" in browse.text
    by_year = client.get("/api/search", params={"year": 1977}).json()
    assert [h["item_id"] for h in by_year["hits"]] == [LETTER]


def test_item_page_shows_text_per_page_articles_with_evidence_and_entities(client: TestClient) -> None:
    page = client.get(f"/items/{LETTER}", params={"q": "щаранского"})
    assert page.status_code == 200
    assert 'id="page-2"' in page.text and "<mark>Щаранский</mark>" in page.text
    assert f'href="/articles/{ARTICLE}"' in page.text
    assert "Evidence: Natan Sharansky, Ida Nudel" in page.text
    assert 'href="/?entity=ida-nudel"' in page.text
    assert f'href="/items/{LETTER}/bundle.zip"' in page.text
    assert f'href="/items/{LETTER}/files/original/letter.png"' in page.text


def test_audio_item_page_has_a_player_and_a_timed_transcript(client: TestClient) -> None:
    page = client.get(f"/items/{TAPE}", params={"t": "3"})
    assert f'<audio id="player" controls preload="auto" src="/items/{TAPE}/files/original/tape.mp3" data-start="3.0"' \
        in page.text
    starts = re.findall(r'class="segment" id="seg-(\d+)" data-start="([\d.]+)" data-end="([\d.]+)"', page.text)
    assert starts == [("0", "0.5", "3.0"), ("1", "3.0", "6.0"), ("2", "6.0", "9.0")]
    assert '<script src="/static/player.js"></script>' in page.text
    assert client.get("/static/player.js").status_code == 200


def test_article_page_lists_its_visible_items(client: TestClient) -> None:
    page = client.get(f"/articles/{ARTICLE}")
    assert page.status_code == 200 and "Linked items (1)" in page.text and f'href="/items/{LETTER}"' in page.text
    assert "Evidence: Natan Sharansky, Ida Nudel" in page.text and "score 0.71" in page.text
    assert client.get("/articles/no-such-article").status_code == 404
    listing = client.get("/articles")
    assert f'href="/articles/{ARTICLE}"' in listing.text
    api = client.get(f"/api/articles/{ARTICLE}").json()
    assert [i["id"] for i in api["items"]] == [LETTER]


def test_api_item_and_openapi_schema(client: TestClient) -> None:
    item = client.get(f"/api/items/{TAPE}").json()
    assert item["kind"] == "audio" and item["segments"][1] == {"start": 3.0, "end": 6.0,
                                                              "text": "In 1974, after my friend Sharansky was refused."}
    assert item["bundle_url"] == f"/items/{TAPE}/bundle.zip"
    assert {"original/tape.mp3", "metadata.json", "transcript.json"} <= {f["path"] for f in item["files"]}
    letter = client.get(f"/api/items/{LETTER}").json()
    assert len(letter["pages"]) == 2 and letter["metadata"]["articles"][0]["id"] == ARTICLE
    schema = client.get("/openapi.json").json()
    assert {"/api/search", "/api/items/{item_id}", "/api/articles/{article_id}"} <= set(schema["paths"])
    assert "SearchOut" in schema["components"]["schemas"] and "/" not in schema["paths"]


def test_downloads_serve_the_bundle_and_single_files(client: TestClient) -> None:
    bundle = client.get(f"/items/{LETTER}/bundle.zip")
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert f"{LETTER}/bagit.txt" in names and f"{LETTER}/data/metadata.json" in names
    original = client.get(f"/items/{LETTER}/files/original/letter.png")
    assert original.status_code == 200 and original.content == b"\x89PNG fake"
    ranged = client.get(f"/items/{TAPE}/files/original/tape.mp3", headers={"Range": "bytes=0-2"})
    assert ranged.status_code == 206 and ranged.content == b"ID3"  # seeking in the player needs ranges


def test_snippets_and_titles_are_escaped() -> None:
    from samizdat.portal.render import snippet_html
    from samizdat.search import MARK_END, MARK_START

    html = str(snippet_html(f"<script>alert(1)</script> {MARK_START}Калика{MARK_END} & co"))
    assert html == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Калика</mark> &amp; co"
