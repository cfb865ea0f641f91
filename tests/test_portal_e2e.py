"""End to end in headless Chromium: the real sample inbox processed by the real engines, then researched.

Search a Russian word and an English name, open the letter, follow its article link, open the
interview where a word is said and watch the transcript follow playback, download the bundle and
validate it as a bag. The sample inbox is processed once for the module (OCR and Whisper for real).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from samizdat.pipeline import Pipeline
from samizdat.portal import create_app
from samizdat.samples import write_sample_inbox
from samizdat.settings import Settings
from tests.test_portal_fixtures import (
    chromium,
    current_segment,
    live_portal,
    report_line,
    screenshot_dir,
    validate_bundle,
    watched_page,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The sample inbox through the pipeline (no orchestrator); item ids by file name."""
    root = tmp_path_factory.mktemp("e2e-portal")
    settings = Settings(inbox=root / "inbox", processed=root / "processed", settle_s=0)
    write_sample_inbox(settings.inbox)
    pipeline = Pipeline(settings)
    pipeline.prepare()
    outcomes = {}
    for _ in range(2):  # a second pass, as the inbox would run it, for files deferred on a transient error
        outcomes.update({o.filename: o for o in map(pipeline.process_file, pipeline.ready_files(wait=False))})
    assert all(o.status == "published" for o in outcomes.values()), [
        (o.filename, o.status, o.stage, o.reason) for o in outcomes.values()]
    pipeline.index.close()
    return {"processed": str(settings.processed), **{name: str(o.item_id) for name, o in outcomes.items()}}


@pytest.fixture(scope="module")
def portal(processed: dict[str, str]) -> Iterator[str]:
    with live_portal(create_app(Path(processed["processed"]), staff_token="")) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def page(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium() as browser, watched_page(browser) as opened:
        yield opened
    report_line(request.config, f"portal e2e screenshots: {screenshot_dir(tmp_path_factory.getbasetemp() / 'e2e')}")


def _hit_items(page: Any) -> list[str]:
    return list(page.locator(".hit").evaluate_all("hits => hits.map(h => h.dataset.item)"))


def test_researcher_journey(portal: str, page: Any, processed: dict[str, str], tmp_path: Path,
                            tmp_path_factory: pytest.TempPathFactory) -> None:
    shots = screenshot_dir(tmp_path_factory.getbasetemp() / "e2e")
    letter, statement, interview = processed["letter-ru.png"], processed["scanned-statement.pdf"], \
        processed["interview-en.mp3"]

    # A Russian word, in another form than the letter uses (`отказников`, `отказник`).
    page.goto(portal + "/")
    page.fill("input[name=q]", "отказники")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(".hit")
    assert letter in _hit_items(page)
    assert any(m.lower().startswith("отказник") for m in page.locator(".snippet mark").all_inner_texts())
    page.screenshot(path=str(shots / "01-search-russian-word.png"), full_page=True)

    # An English name: the English statement (Shcharansky) and the Russian letter (Щаранский) both come up.
    page.fill("input[name=q]", "Sharansky")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector(f".hit[data-item='{statement}']")
    assert {letter, statement} <= set(_hit_items(page))
    page.screenshot(path=str(shots / "02-search-english-name.png"), full_page=True)

    # Open the letter, read its text, follow an article link.
    page.click(f".hit[data-item='{letter}'] a.hit-title")
    page.wait_for_selector("#page-1 mark")
    assert "Щаранск" in page.locator("#page-1 mark").first.inner_text()
    page.screenshot(path=str(shots / "03-letter.png"), full_page=True)
    article_link = page.locator(".article-link a").first
    article_href = article_link.get_attribute("href")
    article_link.click()
    page.wait_for_url(f"**{article_href}")
    linked = page.locator(".linked-items a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert f"/items/{letter}" in linked
    page.screenshot(path=str(shots / "04-article.png"), full_page=True)

    # The interview, opened at the moment a word is said; the transcript follows playback.
    page.goto(portal + "/?q=forest&kind=audio")
    page.click(f".hit[data-item='{interview}'] a.hit-title")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    # The page seeks in its `loadedmetadata` handler, which may run after readyState is seen to change: wait for
    # the seek (a loaded machine delays it), and fail when it never comes.
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function("document.getElementById('player').currentTime > 5", timeout=15_000)
    opened_at = page.evaluate("document.getElementById('player').currentTime")
    assert opened_at > 5.0, "the hit opens the player at the segment, not at the start"
    marked = page.locator(".segment.current mark").all_inner_texts()
    assert [m.lower() for m in marked] == ["forest"]
    first = current_segment(page)
    page.click("#transcript .segment >> nth=0")
    page.wait_for_function("document.getElementById('player').currentTime < 3")
    page.wait_for_function("!document.getElementById('player').paused")
    start_segment = current_segment(page)
    assert start_segment != first
    page.evaluate("document.getElementById('player').playbackRate = 2")
    page.wait_for_function(f"document.getElementById('transcript').dataset.current !== '{start_segment}'",
                           timeout=20_000)
    page.screenshot(path=str(shots / "05-interview-following.png"), full_page=True)

    # The bundle, downloaded through the page and validated as a bag.
    with page.expect_download() as download_info:
        page.click("a.bundle")
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    bag_dir = validate_bundle(saved, tmp_path / "bundle")
    assert (bag_dir / "data" / "original" / "interview-en.mp3").is_file()
    assert (bag_dir / "data" / "transcript.json").is_file()
