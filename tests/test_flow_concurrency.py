"""Extraction holds this machine's CPU slots on a shared Prefect server, and skips them on a private ephemeral API."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.stages import cpu_limit_name, engine_slots, limited_stage_runner, run_stage_as_task
from samizdat.models import Detected, Kind
from samizdat.settings import Settings

SEEN_ACTIVE: list[int] = []  # module level: Prefect copies flow parameters


def _active_slots() -> int:
    with get_client(sync_client=True) as client:
        return int(client.read_global_concurrency_limit_by_name(cpu_limit_name()).active_slots)


def _extract(path: Path, detected: Detected) -> str:
    SEEN_ACTIVE.append(_active_slots())
    return "text"


@flow(validate_parameters=False)
def _one_extraction(settings: Settings, detected: Detected, page: Path) -> str:
    claimed = SimpleNamespace(source=SimpleNamespace(path=page))  # what the extract stage is handed first
    return str(limited_stage_runner(settings)("extract", _extract, claimed, detected))


@pytest.mark.parametrize("pages", [1, 3])
def test_extraction_holds_its_engine_slots_while_it_runs(
    prefect_harness: None, settings: Settings, tmp_path: Path, pages: int
) -> None:
    SEEN_ACTIVE.clear()
    settings = settings.model_copy(update={"ocr": settings.ocr.model_copy(update={"workers": 2})})
    detected = Detected(kind=Kind.IMAGE, media_type="image/tiff")
    page = tmp_path / "letter.tiff"
    frames = [Image.new("L", (100, 100), 255) for _ in range(pages)]
    frames[0].save(page, save_all=True, append_images=frames[1:])
    assert _one_extraction(settings, detected, page) == "text"
    assert [min(pages, 2)] == [engine_slots(settings, detected, page)] == SEEN_ACTIVE, "a core per page, held"
    deadline = time.monotonic() + 10
    while _active_slots() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _active_slots() == 0, "slots were given back"


def test_a_private_ephemeral_api_needs_no_machine_limit(settings: Settings) -> None:
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert limited_stage_runner(settings) is run_stage_as_task
