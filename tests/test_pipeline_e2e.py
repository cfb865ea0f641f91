"""The sample inbox through the real `process-inbox` flow and real engines, with bad files and a duplicate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import bagit
import pytest

from samizdat.samples import write_sample_inbox
from samizdat.search import SearchQuery, SqliteIndex
from samizdat.settings import Settings

pytestmark = pytest.mark.slow

CONTRACT_KEYS = {"id", "kind", "source", "dc", "access", "content", "entities", "articles", "engines", "archivist"}


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> dict[str, Any]:
    """One pass over the samples plus a duplicate, a corrupt PDF and an empty file."""
    from flows.inbox import process_inbox
    from flows.runtime import quiet_flow_runs

    root = tmp_path_factory.mktemp("e2e")
    inbox, processed = root / "inbox", root / "processed"
    samples = write_sample_inbox(inbox)
    shutil.copyfile(inbox / "letter-ru.png", inbox / "letter-ru copy (2).png")
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ngarbage")
    (inbox / "empty.tiff").touch()
    settings = Settings(inbox=inbox, processed=processed, settle_s=0)
    with quiet_flow_runs():
        outcomes = process_inbox(str(inbox), str(processed))
    return {"settings": settings, "samples": samples, "outcomes": {o["filename"]: o for o in outcomes}}


def _bag(batch: dict[str, Any], filename: str) -> Path:
    outcome = batch["outcomes"][filename]
    assert outcome["status"] == "published", outcome
    bag: Path = batch["settings"].items_dir / outcome["item_id"]
    return bag


def test_every_sample_is_a_valid_bag_with_real_text(batch: dict[str, Any]) -> None:
    for sample in batch["samples"]:
        bag_dir = _bag(batch, sample.name)
        bagit.Bag(str(bag_dir)).validate()
        data = bag_dir / "data"
        metadata = json.loads((data / "metadata.json").read_text(encoding="utf-8"))
        assert metadata.keys() >= CONTRACT_KEYS
        assert metadata["source"]["filename"] == sample.name
        assert (data / "original" / sample.name).is_file()
        assert len((data / "text.txt").read_text(encoding="utf-8").split()) >= 10, sample.name
        assert (batch["settings"].bundles_dir / f"{metadata['id']}.zip").is_file()


def test_kind_specific_outputs(batch: dict[str, Any]) -> None:
    letter = _bag(batch, "letter-ru.png") / "data"
    assert (letter / "pages" / "0001.hocr").is_file() and (letter / "searchable.pdf").is_file()
    tiff = json.loads((_bag(batch, "appeal-en.tiff") / "data" / "metadata.json").read_text(encoding="utf-8"))
    assert tiff["content"]["pages"] == 2
    interview = _bag(batch, "interview-en.mp3") / "data"
    for name in ("transcript.vtt", "transcript.srt", "transcript.json"):
        assert (interview / name).is_file()
    meta = json.loads((interview / "metadata.json").read_text(encoding="utf-8"))
    assert meta["kind"] == "audio" and meta["content"]["duration_s"] > 5


def test_russian_and_english_words_are_searchable(batch: dict[str, Any]) -> None:
    index = SqliteIndex(batch["settings"].catalog_path)
    assert any(h.kind == "image" for h in index.search(SearchQuery("письмо"))) or index.search(SearchQuery("выезд"))
    assert index.search(SearchQuery("amendment"))


def test_bad_files_are_quarantined_and_the_batch_completes(batch: dict[str, Any]) -> None:
    quarantine = batch["settings"].quarantine_dir
    for name, stage in (("broken.pdf", "extract"), ("empty.tiff", "detect")):
        outcome = batch["outcomes"][name]
        assert outcome["status"] == "quarantined" and outcome["stage"] == stage, outcome
        errors = list(quarantine.glob(f"*-{name}.error.json"))
        assert len(errors) == 1
        report = json.loads(errors[0].read_text(encoding="utf-8"))
        assert report["stage"] == stage and report["hint"]
        assert list(quarantine.glob(f"*-{name}")), "the original is kept beside its error"
    published = [o for o in batch["outcomes"].values() if o["status"] == "published"]
    assert len(published) == len(batch["samples"])
    assert not [p for p in batch["settings"].inbox.iterdir() if p.name != "metadata.csv"], "inbox fully released"


def test_identical_bytes_make_one_item(batch: dict[str, Any]) -> None:
    duplicate = batch["outcomes"]["letter-ru copy (2).png"]
    assert duplicate["status"] == "duplicate"
    assert duplicate["item_id"] == batch["outcomes"]["letter-ru.png"]["item_id"]
    bag = _bag(batch, "letter-ru.png")
    bagit.Bag(str(bag)).validate()
    metadata = json.loads((bag / "data" / "metadata.json").read_text(encoding="utf-8"))
    assert [r["filename"] for r in metadata["also_received_as"]] == ["letter-ru copy (2).png"]


def test_prefect_recorded_item_runs_named_after_files(batch: dict[str, Any]) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    with get_client(sync_client=True) as client:
        ok = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=["letter-ru.png"])))
        bad = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=["broken.pdf"])))
    assert ok and ok[-1].state is not None and ok[-1].state.is_completed()
    assert bad and bad[-1].state is not None and bad[-1].state.is_failed()
    assert "quarantined" in (bad[-1].state.message or "")


def test_rerunning_an_unchanged_file_needs_no_item_run(batch: dict[str, Any]) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    from flows.inbox import process_inbox
    from flows.runtime import quiet_flow_runs

    settings = batch["settings"]
    bag = _bag(batch, "appeal-en.tiff")
    shutil.copy2(bag / "data" / "original" / "appeal-en.tiff", settings.inbox / "appeal-en.tiff")
    with quiet_flow_runs():
        [outcome] = process_inbox(str(settings.inbox), str(settings.processed))
    assert outcome["status"] == "duplicate" and outcome["item_id"] == bag.name
    assert not (settings.inbox / "appeal-en.tiff").exists()
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=["appeal-en.tiff"])))
    assert len(runs) == 1, "only the first pass ran an item flow for it"
