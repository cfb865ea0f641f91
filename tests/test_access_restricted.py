"""Restricted items never reach the public, on every route and both backends; staff see them with the token.

The public gets the same 404 for a restricted item as for one that does not exist; downloads never
leave the item's folder, whatever `..`, encoding, absolute path or symlink a request tries.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from samizdat.portal import create_app
from samizdat.search import open_index
from tests.test_portal_fixtures import (
    ARTICLE,
    LETTER,
    SECRET_ARTICLE,
    SECRET_DOC,
    SECRET_TAPE,
    SECRET_TITLE,
    STAFF_TOKEN,
    TAPE,
    build_collection,
    started_postgres,
)

SECRETS = (SECRET_DOC, SECRET_TAPE)
STAFF = {"X-Staff-Token": STAFF_TOKEN}
WRONG = {"X-Staff-Token": "guess", "Authorization": "Bearer guess", "Cookie": "samizdat_staff=guess"}


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    server = started_postgres()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    processed = tmp_path_factory.mktemp(f"processed-{request.param}")
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    index = open_index(url, processed / "catalog.sqlite")
    build_collection(processed, index)
    # A symlink planted inside an open item's payload, pointing at a restricted item's text.
    secret_text = processed / "items" / SECRET_DOC / "data" / "text.txt"
    (processed / "items" / LETTER / "data" / "leak.txt").symlink_to(secret_text)
    with TestClient(create_app(processed, url, staff_token=STAFF_TOKEN), follow_redirects=False) as test_client:
        yield test_client
    index.close()


def _item_routes(item_id: str) -> list[str]:
    return [f"/items/{item_id}", f"/items/{item_id}?t=1", f"/api/items/{item_id}", f"/items/{item_id}/bundle.zip",
            f"/items/{item_id}/files/metadata.json", f"/items/{item_id}/files/text.txt",
            f"/items/{item_id}/files/original/secret.pdf", f"/items/{item_id}/files/original/secret.mp3",
            f"/items/{item_id}/files/transcript.json", f"/items/{item_id}/files/bagit.txt",
            f"/items/{item_id}/files/pages/0001.jpg", f"/items/{item_id}/files/pages/0001.thumb.jpg",
            *_iiif_routes(item_id)]


def _iiif_routes(item_id: str) -> list[str]:
    """Every IIIF route: manifest, image service, info.json, every size, a size it lacks, annotations."""
    page = f"/iiif/{item_id}/page/1"
    return [f"/iiif/{item_id}/manifest", page, f"{page}/info.json", f"{page}/annotations",
            f"{page}/full/max/0/default.jpg", f"{page}/full/600,800/0/default.jpg", f"{page}/full/600,/0/default.jpg",
            f"{page}/full/150,200/0/default.jpg", f"{page}/full/150,/0/default.jpg",
            f"{page}/full/77,/0/default.jpg", f"{page}/0,0,10,10/max/0/default.jpg", f"{page}/full/max/90/default.jpg",
            f"/iiif/{item_id}/page/2/info.json"]


@pytest.mark.parametrize("headers", [{}, WRONG], ids=["public", "wrong-token"])
def test_the_public_gets_404_for_every_route_of_a_restricted_item(client: TestClient, headers: dict[str, str]) -> None:
    absent = client.get("/items/ffffffffffff", headers={"accept": "text/html"})
    for item_id in SECRETS:
        for route in _item_routes(item_id):
            response = client.get(route, headers={**headers, "accept": "text/html"})
            assert response.status_code == 404, route
            assert SECRET_TITLE not in response.text and "Mirkin" not in response.text
        page = client.get(f"/items/{item_id}", headers={**headers, "accept": "text/html"})
        assert page.text == absent.text  # nothing tells a restricted item from a missing one
        assert client.get(f"/api/items/{item_id}", headers=headers).json() == client.get("/api/items/ffff").json()


@pytest.mark.parametrize("headers", [{}, WRONG], ids=["public", "wrong-token"])
def test_search_facets_and_articles_hide_restricted_items_from_the_public(
    client: TestClient, headers: dict[str, str]
) -> None:
    for q in ("Калик", "Mirkin", "Миркин", "letters", "Sharansky", "секретное"):
        data = client.get("/api/search", params={"q": q}, headers=headers).json()
        assert not {h["item_id"] for h in data["hits"]} & set(SECRETS), q
        page = client.get("/", params={"q": q}, headers=headers)
        assert SECRET_TITLE not in page.text and "Closed interview" not in page.text
    data = client.get("/api/search", params={"q": "Sharansky"}, headers=headers).json()
    assert (data["total_items"], data["total_units"]) == (2, 2)
    facets = {name: {f["value"]: f["count"] for f in values} for name, values in data["facets"].items()}
    assert facets["year"] == {"1977": 1, "1998": 1} and facets["entity"]["natan-sharansky"] == 2
    assert "zelig-mirkin" not in facets["entity"] and SECRET_ARTICLE not in facets["article"]
    browse = client.get("/api/search", params={"entity": "zelig-mirkin"}, headers=headers).json()
    assert browse["hits"] == [] and browse["total_items"] == 0
    everything = client.get("/api/search", headers=headers).json()
    assert {h["item_id"] for h in everything["hits"]} == {LETTER, TAPE}
    assert [i["id"] for i in client.get(f"/api/articles/{ARTICLE}", headers=headers).json()["items"]] == [LETTER]
    assert client.get(f"/api/articles/{SECRET_ARTICLE}", headers=headers).json()["items"] == []
    article_page = client.get(f"/articles/{ARTICLE}", headers=headers).text
    assert SECRET_DOC not in article_page and SECRET_TITLE not in article_page
    assert "0 items" in client.get("/articles", headers=headers).text  # the secret article counts nothing


@pytest.mark.parametrize("how", [STAFF, {"Authorization": f"Bearer {STAFF_TOKEN}"},
                                 {"Cookie": f"samizdat_staff={STAFF_TOKEN}"}], ids=["header", "bearer", "cookie"])
def test_staff_see_restricted_items_everywhere(client: TestClient, how: dict[str, str]) -> None:
    assert client.get(f"/items/{SECRET_DOC}", headers=how).status_code == 200
    assert SECRET_TITLE in client.get(f"/items/{SECRET_DOC}", headers=how).text
    assert client.get(f"/api/items/{SECRET_TAPE}", headers=how).json()["access"] == "restricted"
    assert client.get(f"/items/{SECRET_DOC}/bundle.zip", headers=how).status_code == 200
    assert client.get(f"/items/{SECRET_DOC}/files/original/secret.pdf", headers=how).content == b"%PDF-1.4 secret"
    for route in _iiif_routes(SECRET_DOC)[:9]:  # staff reach every IIIF route of a restricted document
        assert client.get(route, headers=how).status_code in (200, 303), route
    assert client.get(f"/iiif/{SECRET_TAPE}/manifest", headers=how).json()["items"][0]["duration"] == 4.0
    data = client.get("/api/search", params={"q": "letters"}, headers=how).json()
    assert {h["item_id"] for h in data["hits"]} == {*SECRETS, TAPE}
    facets = {f["value"] for f in data["facets"]["entity"]}
    assert "zelig-mirkin" in facets
    assert len(client.get(f"/api/articles/{ARTICLE}", headers=how).json()["items"]) == 2
    response = client.get(f"/items/{SECRET_DOC}", headers=how)
    assert response.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize("path", [
    "..%2F..%2F" + SECRET_DOC + "%2Fdata%2Ftext.txt",
    "%2e%2e/%2e%2e/" + SECRET_DOC + "/data/text.txt",
    "original/..%2F..%2F..%2F" + SECRET_DOC + "%2Fdata%2Fmetadata.json",
    "..%2Fmanifest-sha256.txt",
    "..%2F..%2F..%2Fbundles%2F" + SECRET_DOC + ".zip",
    "%2Fetc%2Fpasswd",
    "..%5C..%5C" + SECRET_DOC + "%5Cdata%5Ctext.txt",
    "leak.txt",
    "original",
    "original/nope.png",
    "text.txt%00.png",
])
@pytest.mark.parametrize("headers", [{}, STAFF], ids=["public", "staff"])
def test_file_paths_never_escape_the_item_folder(client: TestClient, path: str, headers: dict[str, str]) -> None:
    response = client.get(f"/items/{LETTER}/files/{path}", headers=headers)
    assert response.status_code == 404, path
    assert "Миркин" not in response.text and "Секретное" not in response.text


@pytest.mark.parametrize("route", [
    "/items/..%2Fitems%2F" + SECRET_DOC, "/items/%2e%2e/bundle.zip", "/api/items/..%2F" + SECRET_DOC,
    f"/items/{SECRET_DOC.upper()}", f"/items/{SECRET_DOC}%20", "/items/" + "a" * 200,
    f"/items/{LETTER}/bundle.zip/../../{SECRET_DOC}/bundle.zip",
])
def test_guessed_and_malformed_item_ids_are_404(client: TestClient, route: str) -> None:
    assert client.get(route).status_code == 404


def test_open_items_stay_reachable_for_the_public(client: TestClient) -> None:
    for route in (f"/items/{LETTER}", f"/api/items/{TAPE}", f"/items/{LETTER}/bundle.zip",
                  f"/items/{TAPE}/files/original/tape.mp3", f"/items/{LETTER}/files/pages/../text.txt",
                  *[r for r in _iiif_routes(LETTER)[:9] if r != f"/iiif/{LETTER}/page/1"],
                  f"/iiif/{TAPE}/manifest"):
        assert client.get(route).status_code == 200, route


def test_staff_sign_in_sets_a_cookie_only_for_the_right_token(client: TestClient) -> None:
    wrong = client.post("/staff", content="token=guess", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert wrong.status_code == 401 and "samizdat_staff" not in wrong.headers.get("set-cookie", "")
    empty = client.post("/staff", content="", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert empty.status_code == 401
    right = client.post("/staff", content=f"token={STAFF_TOKEN}",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert right.status_code == 303 and "HttpOnly" in right.headers["set-cookie"]
    client.cookies.clear()


def test_without_a_configured_token_nobody_is_staff(tmp_path: Path) -> None:
    index = open_index(None, tmp_path / "catalog.sqlite")
    build_collection(tmp_path, index)
    with TestClient(create_app(tmp_path, staff_token="")) as no_staff:
        for how in ({"X-Staff-Token": ""}, {"Authorization": "Bearer "}, {"Cookie": "samizdat_staff="}):
            assert no_staff.get(f"/items/{SECRET_DOC}", headers=how).status_code == 404
        assert no_staff.post("/staff", content="token=",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 401
    index.close()
