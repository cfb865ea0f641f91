"""The portal in headless Chromium over a small collection: search, item, article link, player, download.

Debian's Chromium through Playwright (`executable_path`); skipped without it, required in CI
(SAMIZDAT_REQUIRE_BROWSER=1). Screenshots go to SAMIZDAT_SCREENSHOT_DIR or pytest's temp dir.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from samizdat.portal import create_app
from samizdat.search import open_index
from tests.test_portal_fixtures import (
    ARTICLE,
    LETTER,
    SECRET_TITLE,
    STAFF_TOKEN,
    TAPE,
    build_collection,
    chromium,
    current_segment,
    live_portal,
    report_line,
    screenshot_dir,
    tone_mp3,
    validate_bundle,
    watched_page,
)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    processed = tmp_path_factory.mktemp("processed")
    index = open_index(None, processed / "catalog.sqlite")
    build_collection(processed, index, audio=tone_mp3(tmp_path_factory.mktemp("audio") / "tone.mp3"))
    index.close()
    with live_portal(create_app(processed, staff_token=STAFF_TOKEN)) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def shots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = screenshot_dir(tmp_path_factory.getbasetemp() / "browser-small")
    yield folder
    report_line(request.config, f"portal screenshots: {folder}")


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with watched_page(browser) as opened:
        yield opened


def test_search_russian_word_open_item_follow_article(portal: str, page: Any, shots: Path) -> None:
    page.goto(portal + "/")
    page.fill("input[name=q]", "Калик")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".hit")
    assert page.locator(".snippet mark").first.inner_text() == "Калика"
    assert page.locator(".facet[data-facet=kind] li").all_inner_texts() == ["image 1"]
    page.screenshot(path=str(shots / "01-search-russian.png"), full_page=True)
    page.click(f".hit[data-item='{LETTER}'] a.hit-title")
    page.wait_for_selector("#page-1")
    assert page.locator("#page-1 mark").first.inner_text() == "Калика"
    page.screenshot(path=str(shots / "02-item-letter.png"), full_page=True)
    page.click(f".article-link a[href='/articles/{ARTICLE}']")
    page.wait_for_selector(".linked-items")
    assert page.url.endswith(f"/articles/{ARTICLE}")
    assert page.locator(".linked-items a").all_inner_texts() == ["Письмо Калика"]
    page.screenshot(path=str(shots / "03-article.png"), full_page=True)


def test_english_name_finds_both_scripts_and_facets_narrow(portal: str, page: Any, shots: Path) -> None:
    page.goto(portal + "/?q=Sharansky")
    items = set(page.locator(".hit").evaluate_all("hits => hits.map(h => h.dataset.item)"))
    assert items == {LETTER, TAPE}
    page.click(".facet[data-facet=kind] a:text('audio')")
    page.wait_for_url("**kind=audio**")
    assert page.locator(".hit").evaluate_all("hits => hits.map(h => h.dataset.item)") == [TAPE]
    page.screenshot(path=str(shots / "04-search-english-facet.png"), full_page=True)
    assert SECRET_TITLE not in page.content()


def test_player_jumps_on_click_and_transcript_follows_playback(portal: str, page: Any, shots: Path) -> None:
    page.goto(portal + "/?q=Sharansky&kind=audio")
    page.click(".hit a.hit-title")  # the hit opens the interview at the moment the name is said
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 3.0) < 0.3")
    assert current_segment(page) == "seg-1"
    page.click("#seg-0")  # a click on a segment jumps there and plays
    page.wait_for_function("document.getElementById('transcript').dataset.current === 'seg-0'")
    assert page.evaluate("document.getElementById('player').currentTime") < 3.0
    page.evaluate("document.getElementById('player').playbackRate = 2")
    page.wait_for_function("!document.getElementById('player').paused")
    page.wait_for_function("document.getElementById('transcript').dataset.current === 'seg-1'", timeout=15_000)
    assert page.evaluate("document.getElementById('player').currentTime") >= 2.9  # the player leads by 50 ms
    assert page.locator("#seg-1").get_attribute("aria-current") == "true"
    assert page.locator(".segment.current").count() == 1
    page.screenshot(path=str(shots / "05-player-following.png"), full_page=True)


def test_download_the_bundle_and_validate_it_as_a_bag(portal: str, page: Any, tmp_path: Path) -> None:
    page.goto(f"{portal}/items/{TAPE}")
    with page.expect_download() as download_info:
        page.click("a.bundle")
    download = download_info.value
    assert download.suggested_filename == f"{TAPE}.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    bag_dir = validate_bundle(saved, tmp_path / "unzipped")
    assert (bag_dir / "data" / "original" / "tape.mp3").stat().st_size > 1000


def test_staff_cookie_shows_restricted_items_and_the_public_does_not_see_them(
    portal: str, browser: Any, page: Any
) -> None:
    page.goto(portal + "/?q=letters")
    assert SECRET_TITLE not in page.content()
    staff = browser.new_context()
    staff.add_cookies([{"name": "samizdat_staff", "value": STAFF_TOKEN, "url": portal}])
    staff_page = staff.new_page()
    staff_page.goto(portal + "/?q=letters")
    assert SECRET_TITLE in staff_page.content() and staff_page.locator(".staff-badge").count() == 1
    staff.close()
