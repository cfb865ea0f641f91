"""A small published collection for the portal and access tests: real BagIt bags, bundles and an index.

Built directly (no OCR, no Whisper) so the portal tests run in seconds: two open items (a Russian
letter, an English interview) and two restricted ones that must never reach the public.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bagit
import pytest

from samizdat.search import SearchIndex, item_from_bag
from tests.page_fixtures import page_files

LETTER, TAPE, SECRET_DOC, SECRET_TAPE = "a0a0a0a0a001", "a0a0a0a0a002", "b1b1b1b1b003", "b1b1b1b1b004"
ARTICLE = "gorbachev-opened-the-gates"
SECRET_ARTICLE = "ajhs-american-soviet-jewry-movement"
SECRET_TITLE = "Closed testimony of Zelig Mirkin"
STAFF_TOKEN = "s3cret-staff-token"

SEGMENTS = [
    {"start": 0.5, "end": 3.0, "text": "When did you first apply to emigrate to Israel?"},
    {"start": 3.0, "end": 6.0, "text": "In 1974, after my friend Sharansky was refused."},
    {"start": 6.0, "end": 9.0, "text": "The letters kept coming from Moscow."},
]


def _metadata(item_id: str, kind: str, filename: str, title: str, access: str, language: str, date: str,
              articles: list[dict[str, Any]], entities: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": item_id, "kind": kind, "access": access,
        "source": {"filename": filename, "sha256": item_id * 5, "bytes": 0, "media_type": "", "received_at": ""},
        "dc": {"title": title, "creator": "Test archive", "date": date, "language": [language],
               "type": "Sound" if kind == "audio" else "Text", "relation": [a["id"] for a in articles]},
        "content": {}, "entities": entities, "articles": articles, "engines": {}, "archivist": {},
    }


def _review_page(page: int, metadata: dict[str, Any]) -> dict[str, Any]:
    """The metadata with one page flagged for review, as OCR flags it (DESIGN.md §9 `content.review_pages`)."""
    return {**metadata, "content": {"pages": 2, "review_pages": [{"page": page, "reason": "low-quality",
                                                                  "score": 0.41}]}}


def _entity(entity_id: str, label: str, text: str, **where: Any) -> dict[str, Any]:
    return {"id": entity_id, "label": label, "type": "person", "count": 1,
            "mentions": [{"text": text, "char_start": 0, "char_end": len(text), **where}]}


def _bag(processed: Path, metadata: dict[str, Any], original: bytes, pages: list[str] | None = None,
         segments: list[dict[str, Any]] | None = None, page_images: bool = False) -> Path:
    """Write a valid bag into processed/items/<id> and its zip into processed/bundles/<id>.zip."""
    item_id = metadata["id"]
    bag_dir = processed / "items" / item_id
    (bag_dir / "original").mkdir(parents=True)
    for relative, content in (page_files(pages or []) if page_images else {}).items():
        (bag_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (bag_dir / relative).write_bytes(content)
    (bag_dir / "original" / metadata["source"]["filename"]).write_bytes(original)
    (bag_dir / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")
    if segments is not None:
        (bag_dir / "transcript.json").write_text(json.dumps({"segments": segments}), encoding="utf-8")
        (bag_dir / "text.txt").write_text("\n".join(s["text"] for s in segments), encoding="utf-8")
    else:
        (bag_dir / "text.txt").write_text("\f".join(pages or []), encoding="utf-8")
    bagit.make_bag(str(bag_dir), checksums=["sha256"], processes=1)
    (processed / "bundles").mkdir(parents=True, exist_ok=True)
    shutil.make_archive(str(processed / "bundles" / item_id), "zip", root_dir=processed / "items", base_dir=item_id)
    return bag_dir


def build_collection(processed: Path, index: SearchIndex, audio: bytes = b"ID3 not really audio") -> None:
    """Four items (two open, two restricted) as bags, bundles and index rows."""
    sharansky = ("natan-sharansky", "Natan Sharansky")
    bags = [
        _bag(processed, _review_page(2, _metadata(
            LETTER, "image", "letter.png", "Письмо Калика", "open", "ru", "1977-03",
            [{"id": ARTICLE, "title": "Gorbachev", "score": 0.71, "evidence": ["natan-sharansky", "ida-nudel"],
              "passage": "…арестован Натан Щаранский…"}],
            [_entity(*sharansky, "Щаранский", page=2), _entity("ida-nudel", "Ida Nudel", "Ида Нудель", page=2)])),
            b"\x89PNG fake", pages=["Москва, 1977. Письмо Калика о выезде в Израиль.",
                                    "Вчера арестован Натан Щаранский. Ида Нудель помогает семьям."],
            page_images=True),
        _bag(processed, _metadata(
            TAPE, "audio", "tape.mp3", "Interview about Sharansky", "open", "en", "1998-05-10", [],
            [_entity(*sharansky, "Sharansky", start_s=3.0)]), audio, segments=SEGMENTS),
        _bag(processed, _metadata(
            SECRET_DOC, "pdf", "secret.pdf", SECRET_TITLE, "restricted", "ru", "1988",
            [{"id": SECRET_ARTICLE, "title": "AJHS", "score": 0.9, "evidence": ["zelig-mirkin"], "passage": ""},
             {"id": ARTICLE, "title": "Gorbachev", "score": 0.5, "evidence": ["natan-sharansky"], "passage": ""}],
            [_entity("zelig-mirkin", "Zelig Mirkin", "Миркин", page=1), _entity(*sharansky, "Щаранский", page=1)]),
            b"%PDF-1.4 secret", pages=["Секретное свидетельство: Калик, Щаранский и Миркин. Refusenik letters."],
            page_images=True),
        _bag(processed, _metadata(
            SECRET_TAPE, "audio", "secret.mp3", "Closed interview", "restricted", "en", "1990", [],
            [_entity("zelig-mirkin", "Zelig Mirkin", "Mirkin", start_s=1.0)]), audio,
            segments=[{"start": 1.0, "end": 4.0, "text": "Mirkin told me about the letters and Sharansky."}]),
    ]
    for bag_dir in bags:
        index.upsert(item_from_bag(bag_dir))


def test_the_collection_builds_valid_bags(tmp_path: Path) -> None:
    from samizdat.search import open_index

    index = open_index(None, tmp_path / "catalog.sqlite")
    build_collection(tmp_path, index)
    assert index.item_ids() == sorted([LETTER, TAPE, SECRET_DOC, SECRET_TAPE])
    for item_id in index.item_ids():
        bagit.Bag(str(tmp_path / "items" / item_id)).validate(processes=1)
        assert (tmp_path / "bundles" / f"{item_id}.zip").stat().st_size > 0


# --- browser tests: a live portal and Debian's headless Chromium ---------------------------------------------------

CHROMIUM = Path(os.environ.get("SAMIZDAT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
                 "--disable-dev-shm-usage"]


def skip_or_fail(message: str) -> None:
    """Skip when the browser is missing here; fail in CI (SAMIZDAT_REQUIRE_BROWSER=1)."""
    if os.environ.get("SAMIZDAT_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def started_postgres(max_connections: int = 30) -> Any:
    """A throwaway local PostgreSQL, started; skipped without the Debian binaries (failed in CI)."""
    from samizdat.search.local_postgres import LocalPostgres, PostgresUnavailableError, find_pg_bin

    if find_pg_bin() is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql"
        if os.environ.get("SAMIZDAT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    server = LocalPostgres(max_connections=max_connections)
    try:
        server.start()
    except PostgresUnavailableError as error:
        server.stop()
        pytest.fail(str(error))
    return server


@contextmanager
def watched_page(browser: Any) -> Iterator[Any]:
    """A fresh browser page that fails the test if the portal's JavaScript throws."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (no browser download: executable_path)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed: pip install -e .[test]")
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} not found: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def live_portal(app: Any) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the portal did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def tone_mp3(path: Path, seconds: float = 12.0) -> bytes:
    """A real MP3 (a quiet tone) made by ffmpeg, so the player has something to play."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.skip("ffmpeg is not installed")
    subprocess.run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}",
                    "-ac", "1", "-ar", "22050", "-b:a", "32k", str(path)], check=True, timeout=60)
    return path.read_bytes()


def screenshot_dir(base: Path) -> Path:
    """Where screenshots go: SAMIZDAT_SCREENSHOT_DIR, else a `screenshots` folder under pytest's temp dir."""
    folder = Path(os.environ.get("SAMIZDAT_SCREENSHOT_DIR") or base / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def report_line(config: pytest.Config, line: str) -> None:
    """A line in pytest's terminal output (not captured), e.g. where the screenshots are."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(line)


def current_segment(page: Any) -> str:
    """The id of the transcript segment the player marks as current ('' when none)."""
    return str(page.evaluate("document.getElementById('transcript').dataset.current || ''"))


def validate_bundle(zip_path: Path, into: Path) -> Path:
    """Unzip a downloaded bundle and validate it as a BagIt bag (every checksum); return the bag folder."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(into)
    (bag_dir,) = [p for p in into.iterdir() if p.is_dir()]
    bagit.Bag(str(bag_dir)).validate(processes=1)
    return bag_dir
