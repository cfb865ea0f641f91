"""Re-running costs little; a settings change or `reprocess` redoes an item from its original, replacing the bag."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import bagit
import pytest
from PIL import Image, ImageDraw, ImageFont

from samizdat.inbox import try_claim
from samizdat.pipeline import Pipeline
from samizdat.settings import Settings

pytestmark = pytest.mark.slow


def _letter(path: Path, text: str = "Exit visa refused again") -> None:
    image = Image.new("L", (1300, 400), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 48)
    ImageDraw.Draw(image).text((40, 150), text, font=font, fill=0)
    image.save(path, dpi=(300, 300))


def _metadata(settings: Settings, item_id: str) -> dict:
    return json.loads((settings.items_dir / item_id / "data" / "metadata.json").read_text(encoding="utf-8"))


def test_unchanged_file_and_settings_are_not_processed_again(settings: Settings, tmp_path: Path) -> None:
    _letter(tmp_path / "letter.png")
    shutil.copy(tmp_path / "letter.png", settings.inbox / "letter.png")
    first = Pipeline(settings).process_file(settings.inbox / "letter.png")
    assert first.status == "published" and "extract" in first.stage_seconds

    shutil.copy(tmp_path / "letter.png", settings.inbox / "letter.png")
    again = Pipeline(settings).process_file(settings.inbox / "letter.png")
    assert again.status == "duplicate" and "extract" not in again.stage_seconds
    assert not (settings.inbox / "letter.png").exists()


def test_a_settings_change_is_a_new_cache_key(settings: Settings, tmp_path: Path) -> None:
    _letter(tmp_path / "letter.png")
    shutil.copy(tmp_path / "letter.png", settings.inbox / "letter.png")
    item_id = Pipeline(settings).process_file(settings.inbox / "letter.png").item_id
    assert item_id is not None
    before = _metadata(settings, item_id)

    english_only = settings.model_copy(update={"ocr": settings.ocr.model_copy(update={"langs": "eng"})})
    shutil.copy(tmp_path / "letter.png", settings.inbox / "letter-rescan.png")
    outcome = Pipeline(english_only).process_file(settings.inbox / "letter-rescan.png")
    assert outcome.status == "reprocessed" and "extract" in outcome.stage_seconds
    after = _metadata(settings, item_id)
    assert after["processing"]["key"] != before["processing"]["key"]
    assert after["engines"]["ocr"].endswith("eng")
    assert after["source"]["received_at"] == before["source"]["received_at"]
    assert [r["filename"] for r in after["also_received_as"]] == ["letter-rescan.png"]
    bagit.Bag(str(settings.items_dir / item_id)).validate()
    assert list(settings.staging_dir.iterdir()) == [], "the old bag is gone once the new one is in place"


def test_reprocess_redoes_an_item_from_its_bag_keeping_csv_metadata(settings: Settings) -> None:
    _letter(settings.inbox / "appeal.png", "Appeal for Ida Nudel")
    (settings.inbox / "metadata.csv").write_text("filename,title,date\nappeal.png,Appeal for Nudel,1978-03\n")
    pipeline = Pipeline(settings)
    item_id = pipeline.process_file(settings.inbox / "appeal.png").item_id
    assert item_id is not None
    staged = pipeline.stage_original(item_id)
    outcome = pipeline.process_file(staged, force=True)
    assert outcome.status == "reprocessed", outcome
    metadata = _metadata(settings, item_id)
    assert metadata["dc"]["title"] == "Appeal for Nudel" and metadata["dc"]["date"] == "1978-03"
    assert metadata["also_received_as"] == []
    assert "Nudel" in (settings.items_dir / item_id / "data" / "text.txt").read_text()


def test_claim_is_renewed_while_work_goes_on(tmp_path: Path) -> None:
    claim = try_claim(tmp_path, "aa" * 32, ttl_s=60)
    assert claim is not None
    past = time.time() - 50
    os.utime(claim.path, (past, past))
    with claim.kept_alive(every_s=0.1):
        time.sleep(0.5)
    assert time.time() - claim.path.stat().st_mtime < 5
