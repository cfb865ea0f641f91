"""Packaging never publishes half a bag: a failure quarantines, a crash leaves the original in the inbox."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from samizdat import package
from samizdat.pipeline import Pipeline
from samizdat.settings import Settings

pytestmark = pytest.mark.slow


def _letter(path: Path) -> None:
    image = Image.new("L", (1200, 400), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 48)
    ImageDraw.Draw(image).text((40, 150), "Exit visa refused again", font=font, fill=0)
    image.save(path, dpi=(300, 300))


def test_failure_while_packaging_quarantines_and_publishes_nothing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _letter(settings.inbox / "letter.png")

    def broken(*args: object) -> None:
        raise ValueError("a bug in zipping")

    monkeypatch.setattr(package, "zip_bag", broken)
    pipeline = Pipeline(settings)
    pipeline.prepare()
    outcome = pipeline.process_file(settings.inbox / "letter.png")
    assert outcome.status == "quarantined" and outcome.stage == "package"
    assert list(settings.items_dir.iterdir()) == []
    assert list(settings.bundles_dir.iterdir()) == []
    assert list(settings.staging_dir.iterdir()) == []
    [error] = settings.quarantine_dir.glob("*.error.json")
    assert json.loads(error.read_text())["stage"] == "package"


def test_full_disk_while_packaging_stops_and_keeps_the_file_in_the_inbox(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _letter(settings.inbox / "letter.png")

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(package, "zip_bag", disk_full)
    pipeline = Pipeline(settings)
    pipeline.prepare()
    outcome = pipeline.process_file(settings.inbox / "letter.png")
    assert outcome.status == "stopped" and "No space left" in (outcome.reason or "")
    assert (settings.inbox / "letter.png").exists(), "a full disk is not a bad file: it stays in the inbox"
    assert list(settings.quarantine_dir.iterdir()) == []
    assert list(settings.items_dir.iterdir()) == []


def _crash_in_packaging(settings: Settings) -> None:
    def die(*args: object) -> None:
        os._exit(17)  # a killed worker: no exception handling, no cleanup

    package.zip_bag = die  # type: ignore[assignment]
    pipeline = Pipeline(settings)
    pipeline.prepare()
    pipeline.process_file(settings.inbox / "letter.png")


def test_crash_mid_packaging_leaves_no_bag_and_the_original_in_place(settings: Settings) -> None:
    _letter(settings.inbox / "letter.png")
    child = multiprocessing.get_context("fork").Process(target=_crash_in_packaging, args=(settings,))
    child.start()
    child.join(120)
    assert child.exitcode == 17
    assert (settings.inbox / "letter.png").exists(), "the original is never removed before its bag is published"
    assert list(settings.items_dir.iterdir()) == []
    assert list(settings.bundles_dir.iterdir()) == []

    outcome = Pipeline(settings).process_file(settings.inbox / "letter.png")  # the dead worker's claim expires at once
    assert outcome.status == "published"
    assert not (settings.inbox / "letter.png").exists()
