"""A pass through the real `process-inbox` flow, as issues 13 and 18 asked.

Restricted names never reach Prefect, any file name works, a re-drop can restrict an item, set-up problems and a
full disk stop the pass with every file left in the inbox.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from samizdat.search import SearchQuery, open_index
from samizdat.settings import Settings
from tests.support.letters import write_letter

pytestmark = pytest.mark.slow

# Words found nowhere else in the test session's Prefect runs (the harness is shared by every test module).
SECRET_NAME = "Confidential - informant Quorndale.png"
SECRET_TITLE = "Report of informant Quorndale"
SECRET_TEXT = "Meeting with Zarbiskaya"
CP1251_NAME = "Письмо Калика.png".encode("cp1251")
KOI8_NAME = "письмо слепака.png".encode("koi8-r")




@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> dict[str, Any]:
    from flows.inbox import process_inbox
    from flows.runtime import quiet_flow_runs

    root = tmp_path_factory.mktemp("safety")
    inbox, processed = root / "inbox", root / "processed"
    inbox.mkdir()
    write_letter(inbox / SECRET_NAME, SECRET_TEXT)
    (inbox / f"{SECRET_NAME}.yaml").write_text(f"title: {SECRET_TITLE}\naccess: restricted\n", encoding="utf-8")
    write_letter(Path(os.fsdecode(bytes(inbox) + b"/" + CP1251_NAME)), "Letter from Moscow")
    write_letter(Path(os.fsdecode(bytes(inbox) + b"/" + KOI8_NAME)), "Letter from Leningrad")
    write_letter(inbox / "open-letter.png", "Let my people go")
    settings = Settings(inbox=inbox, processed=processed, settle_s=0)
    with quiet_flow_runs():
        outcomes = process_inbox(str(inbox), str(processed))
    return {"settings": settings, "outcomes": {o["filename"]: o for o in outcomes}}


def _prefect_text() -> str:
    """Everything Prefect's API shows about flow runs and artifacts, as one string."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(limit=200)
        artifacts = client.read_artifacts(limit=200)
    return json.dumps([r.model_dump(mode="json") for r in runs] + [a.model_dump(mode="json") for a in artifacts],
                      ensure_ascii=False)


def test_restricted_items_show_only_their_id_in_prefect(batch: dict[str, Any]) -> None:
    outcome = batch["outcomes"][SECRET_NAME]
    assert outcome["status"] == "published" and outcome["restricted"]
    shown = _prefect_text()
    assert f"item {outcome['item_id']}" in shown, "the restricted item's run is there, under its id"
    for secret in ("Quorndale", "informant", "Zarbiskaya"):
        assert secret not in shown
    assert "open-letter.png" in shown, "open items keep their names"


def test_file_names_that_are_not_utf8_are_published_with_their_bytes(batch: dict[str, Any]) -> None:
    for raw, readable in ((CP1251_NAME, "Письмо Калика.png"), (KOI8_NAME, "письмо слепака.png")):
        outcome = batch["outcomes"][readable]
        assert outcome["status"] == "published", outcome
        bag = batch["settings"].items_dir / outcome["item_id"]
        source = json.loads((bag / "data" / "metadata.json").read_text(encoding="utf-8"))["source"]
        assert source["filename"] == readable
        assert bytes.fromhex(source["filename_bytes"]) == raw
        assert (bag / "data" / "original" / readable).exists()
    assert list(batch["settings"].inbox.iterdir()) == []


def test_a_redrop_with_restricting_metadata_restricts_the_item(batch: dict[str, Any]) -> None:
    from flows.inbox import process_inbox
    from flows.runtime import quiet_flow_runs

    settings: Settings = batch["settings"]
    item_id = batch["outcomes"]["open-letter.png"]["item_id"]
    index = open_index(None, settings.catalog_path)
    assert index.search(SearchQuery("people")), "open and found before"
    bag = settings.items_dir / item_id
    shutil.copy2(bag / "data" / "original" / "open-letter.png", settings.inbox / "Confidential copy.png")
    (settings.inbox / "Confidential copy.png.yaml").write_text("access: restricted\n", encoding="utf-8")
    with quiet_flow_runs():
        [outcome] = process_inbox(str(settings.inbox), str(settings.processed))
    assert outcome["status"] == "duplicate"
    metadata = json.loads((bag / "data" / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["access"] == "restricted"
    assert not index.search(SearchQuery("people")), "gone from public search at once"
    assert index.search(SearchQuery("people", staff=True))
    assert "access: restricted" in (bag / "data" / "original" / "open-letter.png.yaml").read_text()
    assert list(settings.inbox.iterdir()) == []
    index.close()


def test_without_tesseract_the_pass_stops_before_any_file_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samizdat.cli import app

    inbox, processed = tmp_path / "inbox", tmp_path / "processed"
    inbox.mkdir()
    write_letter(inbox / "letter.png", "Exit visa refused")
    monkeypatch.setenv("PATH", str(Path(os.__file__).parent))  # a PATH without tesseract
    result = CliRunner().invoke(app, ["process", "--inbox", str(inbox), "--processed", str(processed)])
    assert result.exit_code != 0
    assert "tesseract" in result.output.lower() and "install" in result.output.lower()
    assert [p.name for p in inbox.iterdir()] == ["letter.png"]
    assert not (processed / "quarantine").exists() or not list((processed / "quarantine").iterdir())


def test_a_full_processed_disk_stops_the_pass_and_keeps_every_file(
    batch: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.inbox import PassStopped, process_inbox
    from flows.runtime import quiet_flow_runs
    from samizdat import package

    inbox, processed = tmp_path / "inbox", tmp_path / "processed"
    inbox.mkdir()
    for n in range(3):
        write_letter(inbox / f"letter-{n}.png", f"Letter number {n}")
    almost_full = shutil._ntuple_diskusage(10**9, 10**9 - 2**20, 2**20)  # type: ignore[attr-defined]
    monkeypatch.setattr(package.shutil, "disk_usage", lambda path: almost_full)
    with quiet_flow_runs(), pytest.raises(PassStopped) as stopped:
        process_inbox(str(inbox), str(processed))
    assert "MiB free" in str(stopped.value)
    assert sorted(p.name for p in inbox.iterdir()) == ["letter-0.png", "letter-1.png", "letter-2.png"]
    assert list((processed / "quarantine").iterdir()) == []
    assert {o.status for o in stopped.value.outcomes} == {"stopped"}, "no item got further than the full disk"
