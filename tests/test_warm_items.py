"""What `serve`'s item runs find loaded when they start: dictionaries, catalogue, the watcher's first hand-off."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import hunspell
import pytest

from flows.watch import InboxWatcher
from samizdat import catalogue
from samizdat.models import Status
from samizdat.ocr import quality
from samizdat.pipeline import Pipeline
from samizdat.settings import Settings
from tests.support.letters import write_letter

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _refuse(what: str) -> Any:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"{what} was loaded again")

    return refuse


@pytest.mark.slow
def test_after_warm_up_an_item_loads_no_dictionary_and_parses_no_catalogue(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quality, "_dictionaries", {})
    quality._known.cache_clear()  # words earlier tests looked up would not ask a dictionary
    Pipeline(settings).warm_up()
    assert {"eng", "rus"} <= set(quality._dictionaries), "the default OCR languages' dictionaries"

    monkeypatch.setattr(hunspell, "Hunspell", _refuse("a Hunspell dictionary"))
    monkeypatch.setattr(catalogue, "_build", _refuse("the catalogue"))
    letter = settings.inbox / "letter.png"
    write_letter(letter, "Letter from Leningrad about the typewriter")
    with Pipeline(settings) as pipeline:
        outcome = pipeline.process_file(letter)
    assert outcome.status is Status.PUBLISHED, outcome.reason


def _import_warm_items(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "import flows.warm_items; from samizdat.ocr import quality; print(sorted(quality._dictionaries))"
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, **environment}, capture_output=True,
                          text=True, timeout=600, cwd=PROJECT_ROOT)


@pytest.mark.slow
def test_importing_warm_items_warms_up_with_the_settings_of_the_environment(tmp_path: Path) -> None:
    done = _import_warm_items({"SAMIZDAT_PROCESSED": str(tmp_path / "processed"), "SAMIZDAT_OCR__LANGS": "eng"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['eng']"
    assert (tmp_path / "catalogue" / catalogue.AUTHORITY_FILE).exists(), "the archive's catalogue, made and read"


@pytest.mark.slow
def test_a_warm_up_that_fails_never_stops_the_fork_server(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the catalogue folder should be")
    done = _import_warm_items({"SAMIZDAT_PROCESSED": str(tmp_path / "processed"), "SAMIZDAT_OCR__LANGS": "heb",
                               "SAMIZDAT_CATALOGUE_DIR": str(blocked / "catalogue")})
    assert done.returncode == 0, done.stderr
    assert "item runs start without a warm-up" in done.stderr


def _watch(tmp_path: Path, prepare: Any) -> list[str]:
    calls: list[str] = []
    handed = threading.Event()

    def dispatch(path: Path) -> None:
        calls.append(path.name)
        handed.set()

    def prepared() -> None:
        calls.append("prepare")
        prepare()

    watcher = InboxWatcher(tmp_path, 0.0, dispatch, prepare=prepared).start()
    try:
        write_letter(tmp_path / "drop.png")
        deadline = time.monotonic() + 120
        while not handed.wait(1.0) and time.monotonic() < deadline:
            os.utime(tmp_path / "drop.png")  # a change the watch sees, however late it started
        assert handed.is_set(), "the settled file was never handed off"
    finally:
        watcher.stop()
    return calls


def test_the_watcher_prepares_once_before_its_first_hand_off(tmp_path: Path) -> None:
    assert _watch(tmp_path, lambda: None) == ["prepare", "drop.png"]


def test_a_failed_preparation_does_not_stop_the_hand_offs(tmp_path: Path) -> None:
    def fail() -> None:
        raise RuntimeError("the server is not up yet")

    assert _watch(tmp_path, fail) == ["prepare", "drop.png"]
