"""IIIF in the portal and the item page's reader, over fixture bags with drawn page images and hOCR.

Presentation 3 manifests that validate, a level 0 Image API, OCR text as annotations; the reader shows page
images beside the text, ties the search words to their boxes, and flags pages for review.

Manifests and annotation pages are validated by iiif-prezi3's models, which are generated from the IIIF
Presentation 3 JSON Schema (`iiif_3_0.json`, the one the IIIF presentation validator uses): parsing them
from JSON checks every required property, type, URI and value pattern the schema states.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from iiif_prezi3 import AnnotationPage, Manifest
from PIL import Image

from samizdat.portal import create_app
from samizdat.portal.pageimages import page_text_html, word_links
from samizdat.search import open_index
from tests.page_fixtures import OCR_SCALE, THUMB, WEB, word_boxes
from tests.test_portal_fixtures import (
    LETTER,
    SECRET_DOC,
    STAFF_TOKEN,
    TAPE,
    _bag,
    _metadata,
    build_collection,
    skip_or_fail,
)

STAFF = {"X-Staff-Token": STAFF_TOKEN}
PRESENTATION = "http://iiif.io/api/presentation/3/context.json"
OLD_DOC = "c2c2c2c2c005"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    processed = tmp_path_factory.mktemp("processed-iiif")
    index = open_index(None, processed / "catalog.sqlite")
    build_collection(processed, index)
    # A bag published before page images existed: text only, no pages/*.jpg.
    _bag(processed, _metadata(OLD_DOC, "pdf", "old.pdf", "An older bag", "open", "en", "1980", [], []),
         b"%PDF-1.4 old", pages=["An appeal from 1980 about Slepak."])
    with TestClient(create_app(processed, staff_token=STAFF_TOKEN), follow_redirects=False) as test_client:
        yield test_client
    index.close()


def validate_manifest(document: dict[str, Any]) -> Manifest:
    """The manifest parsed by the schema's models: fails on anything the Presentation 3 schema forbids."""
    assert document["@context"] == PRESENTATION
    return Manifest.model_validate_json(json.dumps(document))


def test_a_letters_manifest_validates_with_a_canvas_per_page(client: TestClient) -> None:
    response = client.get(f"/iiif/{LETTER}/manifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.headers["access-control-allow-origin"] == "*"  # other IIIF viewers may read open items
    manifest = response.json()
    validate_manifest(manifest)
    assert manifest["label"] == {"ru": ["Письмо Калика"]}
    assert [c["label"]["en"][0] for c in manifest["items"]] == ["Page 1", "Page 2 (flagged for review: low-quality)"]
    canvas = manifest["items"][0]
    assert (canvas["width"], canvas["height"]) == WEB
    body = canvas["items"][0]["items"][0]["body"]
    assert body["type"] == "Image" and body["format"] == "image/jpeg"
    assert body["service"][0]["type"] == "ImageService3" and body["service"][0]["profile"] == "level0"
    assert canvas["annotations"] == [{"id": f"http://testserver/iiif/{LETTER}/page/1/annotations",
                                      "type": "AnnotationPage"}]  # a reference: no empty `items` to mislead
    assert manifest["thumbnail"][0]["width"] == THUMB[0]
    # Every URL in the manifest is served by the portal.
    for url in (body["id"], canvas["thumbnail"][0]["id"], canvas["annotations"][0]["id"],
                body["service"][0]["id"] + "/info.json", manifest["rendering"][0]["id"], manifest["homepage"][0]["id"]):
        assert client.get(url.removeprefix("http://testserver")).status_code == 200, url


def test_annotations_carry_each_pages_ocr_text_with_boxes_on_the_canvas(client: TestClient) -> None:
    page = client.get(f"/iiif/{LETTER}/page/2/annotations").json()
    AnnotationPage.model_validate_json(json.dumps(page))
    assert page["@context"] == PRESENTATION
    (line,) = page["items"]
    assert line["motivation"] == "supplementing"
    assert line["body"]["value"] == "Вчера арестован Натан Щаранский. Ида Нудель помогает семьям."
    x, y, w, h = (int(v) for v in re.fullmatch(r".*/canvas/2#xywh=(\d+),(\d+),(\d+),(\d+)", line["target"]).groups())
    first, last = word_boxes(line["body"]["value"])[0][1], word_boxes(line["body"]["value"])[-1][1]
    assert (x, y, x + w, y + h) == (first[0], first[1], last[2], last[3])  # hOCR boxes scaled back to the web image


def test_the_image_api_is_level_0_with_the_two_sizes_made_at_packaging(client: TestClient) -> None:
    info = client.get(f"/iiif/{LETTER}/page/1/info.json").json()
    assert info["@context"] == "http://iiif.io/api/image/3/context.json" and info["profile"] == "level0"
    assert info["type"] == "ImageService3" and (info["width"], info["height"]) == WEB
    assert info["sizes"] == [{"width": THUMB[0], "height": THUMB[1]}, {"width": WEB[0], "height": WEB[1]}]
    assert client.get(f"/iiif/{LETTER}/page/1").headers["location"] == f"/iiif/{LETTER}/page/1/info.json"
    base = f"/iiif/{LETTER}/page/1/full"
    for size, expected in (("max", WEB), (f"{WEB[0]},{WEB[1]}", WEB), (f"{WEB[0]},", WEB),
                           (f"{THUMB[0]},{THUMB[1]}", THUMB), (f"{THUMB[0]},", THUMB)):
        response = client.get(f"{base}/{size}/0/default.jpg")
        assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(response.content)).size == expected, size
    for unsupported in (f"/iiif/{LETTER}/page/1/0,0,10,10/max/0/default.jpg", f"{base}/77,/0/default.jpg",
                        f"{base}/max/90/default.jpg", f"{base}/max/0/gray.jpg", f"{base}/max/0/default.png",
                        f"{base}/pct:50/0/default.jpg"):
        assert client.get(unsupported).status_code == 400, unsupported
    for absent in (f"/iiif/{LETTER}/page/3/info.json", f"/iiif/{LETTER}/page/0/info.json",
                   f"/iiif/{LETTER}/page/3/full/max/0/default.jpg", f"/iiif/{TAPE}/page/1/info.json",
                   f"/iiif/{OLD_DOC}/page/1/info.json", "/iiif/ffffffffffff/manifest"):
        assert client.get(absent).status_code == 404, absent


def test_audio_gets_a_manifest_with_the_transcript_as_timed_annotations(client: TestClient) -> None:
    manifest = client.get(f"/iiif/{TAPE}/manifest").json()
    validate_manifest(manifest)
    (canvas,) = manifest["items"]
    sound = canvas["items"][0]["items"][0]["body"]
    assert sound["type"] == "Sound" and sound["id"].endswith(f"/items/{TAPE}/files/original/tape.mp3")
    assert canvas["duration"] == 9.0
    annotations = canvas["annotations"][0]["items"]
    assert [a["body"]["value"] for a in annotations][1] == "In 1974, after my friend Sharansky was refused."
    assert annotations[1]["target"].endswith("/canvas/1#t=3.00,6.00")


def test_an_older_bag_without_page_images_still_shows_its_text(client: TestClient) -> None:
    page = client.get(f"/items/{OLD_DOC}", params={"q": "Slepak"})
    assert page.status_code == 200 and 'id="reader"' not in page.text
    assert "<mark>Slepak</mark>" in page.text
    manifest = client.get(f"/iiif/{OLD_DOC}/manifest").json()
    validate_manifest(manifest)
    assert manifest["items"] == []


def test_the_item_page_ties_the_search_words_to_their_boxes_and_flags_pages_for_review(client: TestClient) -> None:
    html = client.get(f"/items/{LETTER}", params={"q": "Калика"}).text
    assert 'id="reader"' in html and f'data-manifest="/iiif/{LETTER}/manifest"' in html
    assert re.search(r'<span class="w" data-b="3"><mark>Калика</mark></span>', html)
    assert 'class="thumb review"' in html and 'class="review-flag" data-reason="low-quality"' in html
    assert 'href="#page-2">p. 2</a> (low-quality)' in html and "compare it with the page image" in html
    data = json.loads(re.search(r'<script type="application/json" id="viewer-data">(.*?)</script>', html, re.S)[1])
    assert [p["n"] for p in data["pages"]] == [1, 2] and data["pages"][1]["review"]["reason"] == "low-quality"
    word, box = word_boxes("Москва, 1977. Письмо Калика о выезде в Израиль.")[3]
    assert word == "Калика" and data["pages"][0]["boxes"][3] == [box[0], box[1], box[2] - box[0], box[3] - box[1]]
    assert "/vendor/openseadragon/openseadragon.min.js" in html or "reader.js" in html
    assert OCR_SCALE != 1  # the boxes above were scaled from the hOCR's larger image


def test_text_words_are_aligned_to_hocr_words_despite_punctuation_and_small_differences() -> None:
    from samizdat.portal.pageimages import WordBox

    boxes = [WordBox(t, i, 0, 1, 1) for i, t in enumerate(["Dear", "friends,", "Vladimir", "Slepak,", "a", "radio"])]
    text = "Dear friends,\nVladimir SIepak, a radio"  # one word read differently in the text
    links = word_links(text, boxes)
    assert [links.get(m.start()) for m in re.finditer(r"\w+", text)] == [0, 1, 2, None, 4, 5]
    html = str(page_text_html("<b>Dear</b> Slepak", ["slepak"], [WordBox("<b>Dear</b>", 0, 0, 1, 1)]))
    assert "<b>" not in html and html.startswith("&lt;")  # the text is escaped
    assert html.endswith(" <mark>Slepak</mark>")  # a hit without a box is marked all the same


def test_staff_only_items_get_no_cors_header(client: TestClient) -> None:
    response = client.get(f"/iiif/{SECRET_DOC}/manifest", headers=STAFF)
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
    assert response.headers["cache-control"] == "private, no-store"
    validate_manifest(response.json())


def test_the_viewer_is_served_by_the_portal(client: TestClient) -> None:
    from samizdat.portal.app import VIEWER_DIR

    if not VIEWER_DIR.is_dir():  # required in CI, with the browser tests
        skip_or_fail("OpenSeadragon is not installed: scripts/install.sh runs npm ci in src/samizdat/portal/viewer")
    script = client.get("/vendor/openseadragon/openseadragon.min.js")
    assert script.status_code == 200 and "OpenSeadragon" in script.text
    assert client.get("/vendor/openseadragon/images/home_rest.png").status_code == 200
    assert Path(VIEWER_DIR).is_relative_to(Path(__file__).resolve().parents[1] / "src")


def test_hocr_of_another_shape_than_the_page_image_gives_no_boxes(tmp_path: Path) -> None:
    from samizdat.portal.pageimages import page_image
    from tests.page_fixtures import hocr, page_files

    data = tmp_path / "data"
    for relative, content in page_files(["Москва, 1977. Письмо"]).items():
        (data / relative).parent.mkdir(parents=True, exist_ok=True)
        (data / relative).write_bytes(content)
    page = page_image(tmp_path, 1)
    assert page is not None and len(page.words) == 3 and page.words[0].x == 40  # scaled from 80 in the hOCR
    turned = hocr("Москва, 1977. Письмо").replace(f"bbox 0 0 {WEB[0] * OCR_SCALE} {WEB[1] * OCR_SCALE}",
                                                  f"bbox 0 0 {WEB[1] * OCR_SCALE} {WEB[0] * OCR_SCALE}")
    (data / "pages" / "0001.hocr").write_text(turned, encoding="utf-8")
    page = page_image(tmp_path, 1)
    assert page is not None and page.words == [] and page.width == WEB[0]  # the image shows, unmarked
