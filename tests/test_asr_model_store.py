"""The Whisper base model is assembled from its two PyPI halves once, verified, and reused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from samizdat.asr import model_store
from samizdat.asr.model_store import BASE_MODEL_BYTES, BASE_MODEL_SHA256, ensure_model
from samizdat.errors import EngineError
from samizdat.settings import AsrOptions


@pytest.mark.slow
def test_base_model_is_assembled_verified_and_reused(tmp_path: Path) -> None:
    folder = ensure_model(AsrOptions(), tmp_path)

    assert folder == tmp_path / "whisper-base-ct2"
    assert {p.name for p in folder.iterdir()} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    model_bin = folder / "model.bin"
    assert model_bin.stat().st_size == BASE_MODEL_BYTES
    assert hashlib.sha256(model_bin.read_bytes()).hexdigest() == BASE_MODEL_SHA256
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temp build folder left behind"

    built_at = model_bin.stat().st_mtime_ns
    assert ensure_model(AsrOptions(), tmp_path) == folder
    assert model_bin.stat().st_mtime_ns == built_at, "second call rebuilt the model"


def test_a_model_folder_in_options_is_used_as_is(tmp_path: Path) -> None:
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.json"):
        (tmp_path / name).write_text("x")
    assert ensure_model(AsrOptions(model=str(tmp_path)), tmp_path / "cache") == tmp_path
    assert not (tmp_path / "cache").exists()


def test_a_folder_without_tokenizer_is_refused_instead_of_reaching_the_hub(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_text("x")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(EngineError, match="tokenizer.json"):
        ensure_model(AsrOptions(model=str(tmp_path)), tmp_path / "cache")


def test_unknown_model_name_says_what_is_installed(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="only the base model"):
        ensure_model(AsrOptions(model="large-v3"), tmp_path)


def test_corrupt_halves_are_refused_and_nothing_is_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = {}
    for package, names in {
        model_store._PART1: ("config.json", "tokenizer.json", "vocabulary.txt", "model.bin.part1"),
        model_store._PART2: ("model.bin.part2",),
    }.items():
        data = tmp_path / package / "data"
        data.mkdir(parents=True)
        for name in names:
            (data / name).write_bytes(b"not a model")
        fake[package] = data
    monkeypatch.setattr(model_store, "_package_data", lambda package: fake[package])
    cache = tmp_path / "cache"

    with pytest.raises(EngineError, match="corrupt"):
        ensure_model(AsrOptions(), cache)
    assert list(cache.iterdir()) == []


def test_offline_is_forced(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    for name in ("model.bin", "config.json", "tokenizer.json"):
        (tmp_path / name).write_text("x")
    ensure_model(AsrOptions(model=str(tmp_path)), tmp_path)
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
