"""No client input makes the portal fail: every parameter is bounded (422 or a page saying why), never a 5xx.

Hand-picked bad inputs first (the out-of-range year that once reached the database), then a schema-driven
fuzzer (schemathesis) over `/openapi.json`, public and staff, on a small fixture collection. The fuzzer is
bounded and derandomized, so it is deterministic and makes no timing assertions.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.strategies import SearchStrategy
from schemathesis import GenerationMode

from samizdat.portal import create_app
from samizdat.search import SearchIndex, open_index
from tests.test_portal_fixtures import (
    ARTICLE,
    LETTER,
    SECRET_DOC,
    STAFF_TOKEN,
    TAPE,
    build_collection,
    started_postgres,
)

STAFF = {"X-Staff-Token": STAFF_TOKEN}
HTML = {"accept": "text/html"}
EXAMPLES = 40
"""Generated requests per operation and mode: enough to hit every bound, small enough for a loaded machine."""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[tuple[Path, SearchIndex]]:
    """The fixture collection on each backend: the values that reach PostgreSQL are not those SQLite accepts."""
    processed = tmp_path_factory.mktemp(f"processed-fuzz-{request.param}")
    server = started_postgres() if request.param == "postgres" else None
    try:
        opened = open_index(server.url if server else None, processed / "catalog.sqlite")
        build_collection(processed, opened)
        yield processed, opened
        opened.close()
    finally:
        if server is not None:
            server.stop()


@pytest.fixture(scope="module")
def app(index: tuple[Path, SearchIndex]) -> FastAPI:
    """The portal over the fixture collection; the index is passed in, so the app's lifespan never closes it."""
    processed, opened = index
    return create_app(processed, staff_token=STAFF_TOKEN, index=opened)


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize("year", ["99999999999999999999", "-99999999999999999999", "0", "10000", "-1", "1e3",
                                  "nineteen", ""])
def test_an_out_of_range_year_is_a_422_not_a_500(client: TestClient, year: str) -> None:
    response = client.get("/api/search", params={"year": year})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["query", "year"]


@pytest.mark.parametrize("params", [
    {"limit": "0"}, {"limit": "101"}, {"offset": "-1"}, {"offset": "10001"}, {"offset": "9" * 30},
    {"kind": "video"}, {"kind": "image' OR 1=1 --"}, {"language": "ru_RU"}, {"language": "r"},
    {"article": "../etc"}, {"article": "a" * 200}, {"entity": "natan sharansky"}, {"entity": "x\x00"},
    {"q": "Калик\x00"}, {"q": "x" * 501},
], ids=lambda p: "-".join(f"{k}={v[:12]!r}" for k, v in p.items()))
def test_every_query_parameter_has_bounds(client: TestClient, params: dict[str, str]) -> None:
    (name,) = params
    for headers in ({}, STAFF):
        response = client.get("/api/search", params=params, headers=headers)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["detail"][0]["loc"] == ["query", name]


def test_within_bounds_the_filters_still_work(client: TestClient) -> None:
    for params in ({"year": 1977}, {"year": 1}, {"year": 9999}, {"kind": ""}, {"language": "ru-RU"},
                   {"entity": "year-1977"}, {"article": ARTICLE}, {"limit": 100, "offset": 10_000}, {"q": "a\tb\n"}):
        assert client.get("/api/search", params=params).status_code == 200, params
    assert [h["item_id"] for h in client.get("/api/search", params={"year": 1977}).json()["hits"]] == [LETTER]


def test_browsers_get_a_page_that_says_what_was_wrong(client: TestClient) -> None:
    page = client.get("/", params={"year": "99999999999999999999", "q": "Калик"}, headers=HTML)
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "could not be understood" in page.text and "year: Input should be less than or equal to 9999" in page.text
    assert '<a href="/">Search the archive</a>' in page.text
    player = client.get(f"/items/{TAPE}", params={"t": "nan"}, headers=HTML)
    assert player.status_code == 422 and "t: " in player.text
    assert client.get(f"/items/{TAPE}", params={"t": "1e308"}, headers=HTML).status_code == 422
    assert client.get(f"/items/{TAPE}", params={"t": "3.5"}, headers=HTML).status_code == 200
    assert client.get("/", params={"offset": "-5"}).status_code == 422  # no Accept: text/html, the API's JSON
    assert client.get("/", params={"offset": "-5"}).json()["detail"][0]["loc"] == ["query", "offset"]


@pytest.mark.parametrize("route", [
    "/api/items/" + "a" * 65, "/api/items/-abc", "/api/articles/.x", "/api/articles/%00", "/items/" + "a" * 65,
    "/articles/-x", "/items/_x/bundle.zip", f"/items/{LETTER}/files/%00", "/items/" + "a" * 65 + "/files/text.txt",
    f"/items/{LETTER}/files/" + "a" * 256, f"/items/{LETTER}/files/original/" + "я" * 200,  # too long for a name
])
def test_a_malformed_id_or_path_in_the_url_is_the_one_404(client: TestClient, route: str) -> None:
    for headers in ({}, STAFF):
        assert client.get(route, headers=headers).status_code == 404, route
    absent = "/api/items/ffffffffffff" if route.startswith("/api/") else "/items/ffffffffffff"
    assert client.get(route, headers=HTML).text == client.get(absent, headers=HTML).text  # the page, or the JSON
    assert client.get(route).json() == {"detail": "Not found"}


def test_the_schema_declares_the_bounds(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    search = {p["name"]: p["schema"] for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    year = next(s for s in search["year"]["anyOf"] if s.get("type") == "integer")
    assert (year["minimum"], year["maximum"]) == (1, 9999)
    assert "pattern" in next(s for s in search["kind"]["anyOf"] if s.get("type") == "string")
    item = schema["paths"]["/api/items/{item_id}"]["get"]["parameters"][0]
    assert item["schema"]["pattern"].startswith("^[A-Za-z0-9]")
    files = schema["paths"]["/items/{item_id}/files/{path}"]["get"]
    assert {"404", "503"} <= set(files["responses"])


# --- the fuzzer ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def operations(app: FastAPI) -> list[schemathesis.APIOperation]:
    """Every operation of the app's own `/openapi.json`."""
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    # Each result is Ok(operation) or Err(invalid schema); `.ok()` on an Err fails the test, as it should.
    return [result.ok() for result in loaded.get_all_operations()]  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
def test_no_generated_request_gets_a_server_error(operations: list[schemathesis.APIOperation],
                                                  mode: GenerationMode, client: TestClient) -> None:
    """Valid (positive) and invalid (negative) requests to every operation, public and staff: never a 5xx.

    The HTML pages are not in the schema; each search, item and article request is also sent to its page.
    """
    assert {op.label for op in operations} >= {
        "GET /api/search", "GET /api/items/{item_id}", "GET /api/articles/{article_id}",
        "GET /items/{item_id}/bundle.zip", "GET /items/{item_id}/files/{path}"}
    for operation in operations:
        _fuzz(operation.as_strategy(mode), client)


@pytest.mark.parametrize("item_id", [LETTER, SECRET_DOC], ids=["open", "restricted"])
def test_generated_requests_about_a_real_item_never_fail(operations: list[schemathesis.APIOperation],
                                                         item_id: str, client: TestClient) -> None:
    """Random ids rarely name an item: here the id is a real one, so file paths and pages are fuzzed for real."""
    for operation in operations:
        pins = {"item_id": item_id, **({"article_id": ARTICLE} if item_id == LETTER else {})}
        pinned = {k: v for k, v in pins.items() if k in operation.path_parameters}
        if pinned:
            _fuzz(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=pinned), client)


def _fuzz(strategy: SearchStrategy[schemathesis.Case], client: TestClient) -> None:
    """Send `EXAMPLES` generated requests, each as the public and as staff, and to its HTML page; never a 5xx."""

    @given(case=strategy)
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def never_a_server_error(case: schemathesis.Case) -> None:
        for headers in ({}, STAFF):
            response = case.call(headers=headers)
            where = f"{case.method} {case.formatted_path} query={case.query} staff={bool(headers)}"
            assert response.status_code < 500, f"{where} -> {response.status_code}: {response.text[:300]}"
            if not headers and SECRET_DOC in case.formatted_path:
                assert response.status_code == 404, where  # a restricted item stays invisible
            page = _page_of(case.formatted_path)
            if page is not None:
                answer = client.get(page, params=case.query, headers={**headers, **HTML})
                assert answer.status_code < 500, f"page {page} {where} -> {answer.status_code}"
                if not headers and SECRET_DOC in page:
                    assert answer.status_code == 404, f"page {page} {where}"

    never_a_server_error()


def _page_of(api_path: str) -> str | None:
    """The HTML page showing what an API path returns: `/api/search` is `/`, `/api/items/x` is `/items/x`."""
    if api_path == "/api/search":
        return "/"
    return api_path.removeprefix("/api") if api_path.startswith(("/api/items/", "/api/articles/")) else None
