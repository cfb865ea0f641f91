"""A kind added from outside the library goes end to end: plain text in the inbox to a bag, the index and the portal.

Issue 19's "done when": the kind (`tests/support/text_kind.py`) and this test are the only files it takes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bagit
import pytest
from fastapi.testclient import TestClient

from samizdat.detect import detect
from samizdat.errors import BadInputError
from samizdat.kinds import register, unregister
from samizdat.portal import create_app
from samizdat.search import SearchQuery, SqliteIndex
from samizdat.settings import Settings
from tests.support.text_kind import TEXT

pytestmark = pytest.mark.slow

DIARY = (
    "Дневник отказника, март 1977 года.\n"
    "Today the letter about Natan Sharansky reached the embassy; the samovar stayed cold.\n"
    "\f"
    "Вторая страница: мы ждали ответа из ОВИРа.\n"
    "A second page, in English too, about the refusal.\n"
)


@pytest.fixture
def text_kind() -> Iterator[None]:
    register(TEXT)
    try:
        yield
    finally:
        unregister("text")


def test_plain_text_is_no_kind_until_one_is_registered(tmp_path: Path) -> None:
    path = tmp_path / "diary.txt"
    path.write_text(DIARY, encoding="utf-8")
    with pytest.raises(BadInputError, match="not a supported image, PDF or audio file"):
        detect(path)
    register(TEXT)
    try:
        assert detect(path).kind == "text" and detect(path).media_type == "text/plain"
        junk = tmp_path / "notes.docx"
        junk.write_bytes(b"PK\x03\x04" + b"\0" * 100)
        with pytest.raises(BadInputError) as caught:
            detect(junk)
        assert "image, PDF, audio or plain text file" in str(caught.value)
        assert "M4A and UTF-8 text" in str(caught.value.hint)
        with pytest.raises(ValueError, match="already registered"):
            register(TEXT)
    finally:
        unregister("text")
    with pytest.raises(BadInputError):
        detect(path)


def test_the_kinds_own_decisions_reach_the_orchestrator(text_kind: None, settings: Settings, tmp_path: Path) -> None:
    from flows.stages import engine_slots

    path = tmp_path / "diary.txt"
    path.write_text(DIARY, encoding="utf-8")
    assert engine_slots(settings, detect(path), path) == 1


def test_a_text_file_dropped_in_the_inbox_is_published_found_and_shown(
    text_kind: None, prefect_harness: None, settings: Settings
) -> None:
    from flows.inbox import process_inbox
    from flows.runtime import quiet_flow_runs

    (settings.inbox / "diary.txt").write_text(DIARY, encoding="utf-8")
    with quiet_flow_runs():
        outcomes = process_inbox(str(settings.inbox), str(settings.processed))
    (outcome,) = outcomes
    assert outcome["status"] == "published", outcome
    assert not (settings.inbox / "diary.txt").exists()

    bag = settings.items_dir / outcome["item_id"]
    bagit.Bag(str(bag)).validate()
    data = bag / "data"
    assert (data / "original" / "diary.txt").read_text(encoding="utf-8") == DIARY
    assert (data / "text.txt").read_text(encoding="utf-8") == DIARY
    metadata: dict[str, Any] = json.loads((data / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["kind"] == "text" and metadata["engines"] == {"text": "utf-8"}
    assert metadata["dc"]["type"] == "Text" and metadata["dc"]["format"] == "text/plain"
    assert metadata["content"]["pages"] == 2 and metadata["content"]["ocr_pages"] == 0
    assert metadata["processing"]["settings"]["options"] == {}
    assert "natan-sharansky" in {e["id"] for e in metadata["entities"]}

    index = SqliteIndex(settings.catalog_path)
    try:
        hits = index.search(SearchQuery("samovar", kind="text"))
        assert [(h.item_id, h.page) for h in hits] == [(outcome["item_id"], 1)]
        assert [h.page for h in index.search(SearchQuery("ОВИРа"))] == [2]
    finally:
        index.close()

    with TestClient(create_app(settings.processed, staff_token="")) as portal:
        page = portal.get(f"/items/{outcome['item_id']}", params={"q": "samovar"})
        assert page.status_code == 200
        assert 'data-kind="text"' in page.text and 'id="page-2"' in page.text
        assert "<mark>samovar</mark>" in page.text
        found = portal.get("/api/search", params={"q": "отказника", "kind": "text"})
        assert [h["item_id"] for h in found.json()["hits"]] == [outcome["item_id"]]
