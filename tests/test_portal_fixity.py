"""The portal never serves a damaged file: downloads are checked against the bag's manifest first (503 if not).

503, not 4xx: the request was fine, the archive's copy is not. Not 410 either: "gone for good" is wrong for a
file that is restored from a backup, and 410 may be cached; 503 with Retry-After says "not now, try later".
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from samizdat.portal import create_app
from samizdat.search import open_index
from tests.test_fixity import flip_byte, flip_in_member
from tests.test_portal_fixtures import LETTER, SECRET_DOC, STAFF_TOKEN, TAPE, build_collection

STAFF = {"X-Staff-Token": STAFF_TOKEN}


@pytest.fixture
def processed(tmp_path: Path) -> Path:
    index = open_index(None, tmp_path / "catalog.sqlite")
    build_collection(tmp_path, index)
    index.close()
    return tmp_path


@pytest.fixture
def client(processed: Path) -> Iterator[TestClient]:
    with TestClient(create_app(processed, staff_token=STAFF_TOKEN)) as test_client:
        yield test_client


def test_a_flipped_byte_in_a_bag_file_is_withheld_with_503_and_logged(
    client: TestClient, processed: Path, caplog: pytest.LogCaptureFixture
) -> None:
    route = f"/items/{LETTER}/files/original/letter.png"
    assert client.get(route).content == b"\x89PNG fake"
    flip_byte(processed / "items" / LETTER / "data" / "original" / "letter.png", 3)
    with caplog.at_level(logging.ERROR, logger="samizdat.portal"):
        response = client.get(route)
    assert response.status_code == 503 and response.headers["retry-after"] == "3600"
    assert "failed its integrity check" in response.json()["detail"]
    assert "PNG" not in response.text  # not a byte of the damaged file
    assert any(f"items/{LETTER}/data/original/letter.png is damaged: sha256 expected=" in r.getMessage()
               and "samizdat reprocess" in r.getMessage() for r in caplog.records), caplog.text
    page = client.get(route, headers={"accept": "text/html"})
    assert page.status_code == 503 and "cannot be served right now" in page.text
    assert client.get(f"/items/{LETTER}/files/text.txt").status_code == 200  # the rest of the item is intact
    assert client.get(f"/items/{LETTER}").status_code == 200


def test_a_damaged_bundle_is_withheld(client: TestClient, processed: Path) -> None:
    flip_in_member(processed / "bundles" / f"{LETTER}.zip", f"{LETTER}/data/text.txt")
    response = client.get(f"/items/{LETTER}/bundle.zip")
    assert response.status_code == 503 and response.headers["content-type"] == "application/json"
    assert client.get(f"/items/{TAPE}/bundle.zip").status_code == 200


def test_a_file_the_manifest_does_not_know_is_withheld(client: TestClient, processed: Path) -> None:
    (processed / "items" / LETTER / "data" / "planted.txt").write_text("not bagged")
    assert client.get(f"/items/{LETTER}/files/planted.txt").status_code == 503


def test_a_restored_file_is_served_again_and_files_are_hashed_once(client: TestClient, processed: Path) -> None:
    original = processed / "items" / TAPE / "data" / "original" / "tape.mp3"
    route = f"/items/{TAPE}/files/original/tape.mp3"
    fixity = client.app.state.portal.fixity  # type: ignore[attr-defined]
    for _ in range(3):
        assert client.get(route).status_code == 200
        assert client.get(route, headers={"Range": "bytes=0-2"}).status_code == 206
    assert fixity.hashed == 1
    good = original.read_bytes()
    flip_byte(original, 0)
    assert client.get(route).status_code == 503
    damaged = original.stat()
    original.write_bytes(good)
    os.utime(original, ns=(damaged.st_atime_ns, damaged.st_mtime_ns + 1_000_000_000))  # restored a second later
    assert client.get(route).status_code == 200


def test_a_damaged_restricted_item_stays_invisible_to_the_public(client: TestClient, processed: Path) -> None:
    flip_byte(processed / "items" / SECRET_DOC / "data" / "original" / "secret.pdf", 0)
    flip_in_member(processed / "bundles" / f"{SECRET_DOC}.zip", f"{SECRET_DOC}/data/text.txt")
    for route in (f"/items/{SECRET_DOC}/files/original/secret.pdf", f"/items/{SECRET_DOC}/bundle.zip"):
        assert client.get(route).status_code == 404, route  # the public learns nothing, not even "damaged"
        assert client.get(route, headers=STAFF).status_code == 503, route
