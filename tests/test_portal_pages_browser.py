"""The scan beside its text, in headless Chromium, with the viewer (OpenSeadragon) fed from the IIIF manifest.

Search words marked on the image, words linked both ways, thumbnails, review flags.

The first tests use the fixture collection (drawn pages, fast); the last runs the real pipeline on a Russian
letter, a two-page TIFF and a sideways scan (OCR for real, marked slow). Screenshots go to
SAMIZDAT_SCREENSHOT_DIR (e.g. tests/artifacts/pages) or pytest's temp dir.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from samizdat.portal import create_app
from samizdat.portal.app import VIEWER_DIR
from samizdat.search import open_index
from tests.page_fixtures import word_boxes
from tests.test_portal_fixtures import (
    LETTER,
    SECRET_DOC,
    SECRET_TITLE,
    STAFF_TOKEN,
    build_collection,
    chromium,
    live_portal,
    report_line,
    screenshot_dir,
    skip_or_fail,
    watched_page,
)

LOADED = "#reader[data-loaded='{n}']"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not VIEWER_DIR.is_dir():
        skip_or_fail("OpenSeadragon is not installed: scripts/install.sh runs npm ci in src/samizdat/portal/viewer")
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def shots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = screenshot_dir(tmp_path_factory.getbasetemp() / "browser-pages")
    yield folder
    report_line(request.config, f"page reader screenshots: {folder}")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with watched_page(browser) as opened:
        yield opened


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    processed = tmp_path_factory.mktemp("processed-pages")
    index = open_index(None, processed / "catalog.sqlite")
    build_collection(processed, index)
    index.close()
    with live_portal(create_app(processed, staff_token=STAFF_TOKEN)) as base_url:
        yield base_url


def _reader(page: Any) -> dict[str, str]:
    return dict(page.evaluate("Object.assign({}, document.getElementById('reader').dataset)"))


def _show_reader(page: Any) -> None:
    """Scroll the reader into view and let OpenSeadragon blend the sharper image in, for a screenshot."""
    page.evaluate("document.getElementById('reader').scrollIntoView({block: 'start'})")
    page.wait_for_function("(r => r.dataset.sharp && r.dataset.sharp === r.dataset.current)"
                           "(document.getElementById('reader'))")
    page.wait_for_timeout(300)  # drawn on the next frames


def _overlay_centre(page: Any, selector: str) -> tuple[float, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0, selector
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_search_hit_is_marked_on_the_scan_and_words_link_both_ways(portal: str, page: Any, shots: Path) -> None:
    page.goto(portal + "/?q=Калика")
    page.click(f".hit[data-item='{LETTER}'] a.hit-title")
    page.wait_for_selector(LOADED.format(n=1))
    state = _reader(page)
    assert state["source"] == "manifest"  # the viewer read the pages from the IIIF manifest
    assert state["hits"] == "1" and page.locator("#viewer .box-hit").count() == 1
    word, (x0, y0, x1, y1) = word_boxes("Москва, 1977. Письмо Калика о выезде в Израиль.")[3]
    shown = page.locator("#viewer .box-hit").bounding_box()  # the word's box, in proportion, on the screen
    assert word == "Калика" and abs(shown["width"] / shown["height"] - (x1 - x0) / (y1 - y0)) < 0.15
    _show_reader(page)
    page.screenshot(path=str(shots / "01-hit-on-the-scan.png"))

    page.click("#page-1 .w:text('Израиль')")  # a word clicked in the text is marked on the image
    page.wait_for_selector("#viewer .box-selected")
    assert _reader(page)["selected"] == "1:7"
    x, y = _overlay_centre(page, "#viewer .box-hit")  # a word clicked on the image is found in the text
    page.mouse.click(x, y)
    page.wait_for_function("document.getElementById('reader').dataset.selected === '1:3'")
    assert page.locator("#page-1 .w.selected").inner_text() == "Калика"
    _show_reader(page)
    page.screenshot(path=str(shots / "02-word-linked.png"))


def test_thumbnails_turn_pages_and_flagged_pages_are_marked(portal: str, page: Any, shots: Path) -> None:
    page.goto(f"{portal}/items/{LETTER}")
    page.wait_for_selector(LOADED.format(n=1))
    assert page.locator(".thumb").count() == 2 and page.locator("#review-badge").is_hidden()
    assert page.locator(".thumb.review").get_attribute("data-page") == "2"
    page.click(".thumb[data-page='2']")
    page.wait_for_selector(LOADED.format(n=2))
    assert "Flagged for review: low-quality" in page.locator("#review-badge").inner_text()
    assert page.locator("#page-label").inner_text() == "Page 2 of 2"
    page.click(".viewer-bar .prev")
    page.wait_for_selector(LOADED.format(n=1))
    page.goto(f"{portal}/items/{LETTER}?q=Щаранский#page-2")  # a hit's link opens the viewer at its page
    page.wait_for_selector(LOADED.format(n=2))
    assert _reader(page)["hits"] == "1"
    page.screenshot(path=str(shots / "03-flagged-page.png"), full_page=True)


def test_without_the_viewer_installed_the_page_shows_as_a_plain_image_with_the_same_marks(portal: str,
                                                                                          page: Any) -> None:
    page.route("**/vendor/openseadragon/**", lambda route: route.abort())
    page.goto(f"{portal}/items/{LETTER}?q=Калика#page-1")
    page.wait_for_selector(LOADED.format(n=1))
    assert page.locator("#viewer.plain img").is_visible() and _reader(page)["hits"] == "1"
    x, y = _overlay_centre(page, "#viewer .box-hit")
    page.mouse.click(x, y)
    page.wait_for_function("document.getElementById('reader').dataset.selected === '1:3'")
    page.click(".thumb[data-page='2']")
    page.wait_for_selector(LOADED.format(n=2))


def test_a_iiif_viewer_pointed_at_the_manifest_shows_the_pages_and_their_text(portal: str, page: Any,
                                                                              shots: Path) -> None:
    page.goto(f"{portal}/iiif/viewer?manifest=/iiif/{LETTER}/manifest")
    page.wait_for_selector("#iiif-viewer[data-open='1'][data-annotations='1']")
    assert page.locator("#manifest-label").inner_text() == "Письмо Калика"
    assert page.locator("#iiif-viewer").get_attribute("data-canvases") == "2"
    assert page.locator("#annotations li").all_inner_texts() == ["Москва, 1977. Письмо Калика о выезде в Израиль."]
    page.locator("#osd [title='Next page']").first.click()
    page.wait_for_selector("#iiif-viewer[data-canvas='2'][data-annotations='1']")
    assert "flagged for review" in page.locator("#canvas-label").inner_text()
    page.wait_for_timeout(500)
    page.screenshot(path=str(shots / "04-iiif-viewer.png"))
    page.goto(f"{portal}/iiif/viewer?manifest=/iiif/{SECRET_DOC}/manifest")  # the public: nothing to show
    page.wait_for_selector("#iiif-viewer[data-error='404']")
    assert page.locator("#annotations li").count() == 0 and SECRET_TITLE not in page.content()


# --- the real pipeline: OCR'd letter, multi-page TIFF, sideways scan ------------------------------------------------


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Three scans through the pipeline (no orchestrator); item ids by file name."""
    from samizdat.pipeline import Pipeline
    from samizdat.samples import write_sample_inbox
    from samizdat.settings import Settings

    root = tmp_path_factory.mktemp("pages-real")
    samples = tmp_path_factory.mktemp("samples")
    write_sample_inbox(samples)
    settings = Settings(inbox=root / "inbox", processed=root / "processed", settle_s=0)
    settings.inbox.mkdir(parents=True)
    for name in ("letter-ru.png", "letter-ru.png.yaml", "appeal-en.tiff"):
        (settings.inbox / name).write_bytes((samples / name).read_bytes())
    with Image.open(samples / "letter-ru.png") as letter:  # scanned with the page on its side
        letter.rotate(90, expand=True).save(settings.inbox / "sideways.png")
    pipeline = Pipeline(settings)
    pipeline.prepare()
    outcomes = {o.filename: o for o in map(pipeline.process_file, pipeline.ready_files(wait=False))}
    pipeline.index.close()
    assert all(o.status == "published" for o in outcomes.values()), outcomes
    return {"processed": settings.processed, **{name: str(o.item_id) for name, o in outcomes.items()}}


@pytest.fixture(scope="module")
def real_portal(processed: dict[str, Any]) -> Iterator[str]:
    with live_portal(create_app(processed["processed"], staff_token="")) as base_url:
        yield base_url


@pytest.mark.slow
def test_page_images_are_in_the_bag_its_manifests_and_its_zip(processed: dict[str, Any]) -> None:
    items = processed["processed"] / "items"
    for name, pages in (("letter-ru.png", 1), ("appeal-en.tiff", 2), ("sideways.png", 1)):
        item_id = processed[name]
        manifest = (items / item_id / "manifest-sha256.txt").read_text()
        with zipfile.ZipFile(processed["processed"] / "bundles" / f"{item_id}.zip") as bundle:
            names = set(bundle.namelist())
        for number in range(1, pages + 1):
            for suffix in ("jpg", "thumb.jpg"):
                assert f"data/pages/{number:04d}.{suffix}" in manifest, (name, number)
                assert f"{item_id}/data/pages/{number:04d}.{suffix}" in names
        assert not (items / item_id / "data" / "pages" / f"{pages + 1:04d}.jpg").exists()
    with Image.open(items / processed["sideways.png"] / "data" / "pages" / "0001.jpg") as upright:
        assert upright.height > upright.width  # the sideways scan's page image is upright, as OCR read it


@pytest.mark.slow
def test_real_scans_show_upright_with_the_searched_word_marked(real_portal: str, page: Any, shots: Path,
                                                             processed: dict[str, Any]) -> None:
    page.goto(real_portal + "/?q=отказник")
    page.click(f".hit[data-item='{processed['letter-ru.png']}'] a.hit-title")
    page.wait_for_selector(LOADED.format(n=1))
    assert int(_reader(page)["hits"]) >= 1 and page.locator("#viewer .box-hit").first.is_visible()
    _show_reader(page)
    page.screenshot(path=str(shots / "10-russian-letter-hit.png"))

    page.goto(f"{real_portal}/items/{processed['appeal-en.tiff']}?q=Slepak")
    page.wait_for_selector(LOADED.format(n=1))
    assert page.locator(".thumb").count() == 2 and _reader(page)["hits"] != "0"
    page.click(".viewer-bar .next")
    page.wait_for_selector(LOADED.format(n=2))
    _show_reader(page)
    page.screenshot(path=str(shots / "11-tiff-page-2.png"))

    page.goto(f"{real_portal}/items/{processed['sideways.png']}?q=Щаранский")
    page.wait_for_selector(LOADED.format(n=1))
    info = json.loads(page.evaluate("fetch(location.pathname.replace('/items/', '/iiif/') + '/page/1/info.json')"
                                    ".then(r => r.text())"))
    assert info["height"] > info["width"]  # upright: a portrait page
    assert int(_reader(page)["hits"]) >= 1
    _show_reader(page)
    page.screenshot(path=str(shots / "12-sideways-upright.png"))
