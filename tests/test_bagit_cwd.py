"""bagit-python changes the working directory while it writes a bag: Samizdat's folders never depend on it."""

from __future__ import annotations

import os
from pathlib import Path

import bagit
import pytest

from samizdat import package
from samizdat.settings import Settings


def test_settings_folders_are_absolute_whatever_the_working_directory_becomes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(inbox=Path("inbox"), processed=Path("processed"))
    assert settings.inbox == tmp_path / "inbox" and settings.processed == tmp_path / "processed"
    assert settings.inbox.is_absolute() and settings.model_dir.is_absolute()


def test_a_bag_is_written_under_the_lock_from_an_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[bool, str]] = []
    real_make_bag = bagit.make_bag

    def make_bag(path: str, **kwargs: object) -> bagit.Bag:
        seen.append((package._BAGIT_CHDIR.locked(), path))
        return real_make_bag(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bagit, "make_bag", make_bag)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "payload").mkdir()
    (tmp_path / "payload" / "text.txt").write_text("Let my people go", encoding="utf-8")
    package.make_valid_bag(Path("payload"), {"External-Identifier": "x"})
    assert seen == [(True, str(tmp_path / "payload"))]
    assert Path(os.getcwd()) == tmp_path and (tmp_path / "payload" / "data" / "text.txt").exists()
