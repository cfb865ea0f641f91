"""Build each item's BagIt bag off to the side, validate it, then publish it with one rename.

Nothing half-built is ever visible under `processed/items/`: a crash leaves only a folder in `.staging/`,
which the next pass removes.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bagit

from samizdat import __version__
from samizdat.errors import TransientError
from samizdat.inbox import sha256_of
from samizdat.models import Source
from samizdat.names import safe_name

STALE_STAGING_S = 6 * 3600


def stage_dir(staging_root: Path) -> Path:
    """A fresh private folder under `.staging/` for one bag."""
    staging_root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="bag-", dir=staging_root))


def write_payload(payload: Path, source: Source, files: dict[str, bytes]) -> None:
    """Lay out `data/` before bagging: the original byte for byte, its sidecar, and every derived file."""
    original_dir = payload / "original"
    original_dir.mkdir(parents=True)
    original = original_dir / safe_name(source.filename)
    shutil.copy2(source.path, original)
    if sha256_of(original) != source.sha256:
        raise TransientError(f"{source.filename} changed while it was being processed; it will be retried")
    if source.sidecar is not None and source.sidecar.exists():
        shutil.copy2(source.sidecar, original_dir / safe_name(source.sidecar.name))
    for relative, content in files.items():
        target = payload / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def bag_info(source: Source, title: str) -> dict[str, str]:
    """BagIt `bag-info.txt` fields."""
    return {
        "Source-Organization": "Samizdat digitization pipeline",
        "External-Identifier": source.item_id,
        "External-Description": title,
        "Bag-Software-Agent": f"samizdat {__version__} (bagit-python {bagit.VERSION})",
        "Bagging-Date": datetime.now(UTC).date().isoformat(),
    }


def make_valid_bag(payload: Path, info: dict[str, str]) -> bagit.Bag:
    """Turn the payload folder into a bag with sha256 manifests and check it, every file."""
    bag = bagit.make_bag(str(payload), bag_info=info, checksums=["sha256"], processes=1)
    bag.validate(processes=1)
    return bag


# Text compresses well; scans, PDFs and audio are compressed already and deflating them again only costs time.
_DEFLATED_SUFFIXES = frozenset({".txt", ".json", ".xml", ".hocr", ".vtt", ".srt", ".csv", ".yaml", ".yml"})


def zip_bag(bag_dir: Path, zip_path: Path, root_name: str) -> None:
    """Zip a bag so the archive unpacks into one `<id>/` folder."""
    with zipfile.ZipFile(zip_path, "w", compresslevel=6) as archive:
        for path in sorted(bag_dir.rglob("*")):
            if path.is_file():
                method = zipfile.ZIP_DEFLATED if path.suffix.lower() in _DEFLATED_SUFFIXES else zipfile.ZIP_STORED
                archive.write(path, f"{root_name}/{path.relative_to(bag_dir).as_posix()}", compress_type=method)


def publish(staging: Path, bag_dir: Path, items_dir: Path, bundles_dir: Path, item_id: str, replace: bool) -> Path:
    """Zip, then rename the bag into `items/<id>` and the zip into `bundles/` (same file system: atomic).

    Without `replace` an existing bag is never touched (the rename fails); with it, the old bag is moved
    into staging first and removed only once the new one is in place.
    """
    items_dir.mkdir(parents=True, exist_ok=True)
    bundles_dir.mkdir(parents=True, exist_ok=True)
    zip_tmp = staging / f"{item_id}.zip"
    zip_bag(bag_dir, zip_tmp, item_id)
    final = items_dir / item_id
    if replace and final.exists():
        os.rename(final, staging / f"old-{item_id}")
    os.rename(bag_dir, final)
    os.replace(zip_tmp, bundles_dir / f"{item_id}.zip")
    return final


def package_item(
    staging_root: Path,
    items_dir: Path,
    bundles_dir: Path,
    source: Source,
    title: str,
    files: dict[str, bytes],
    replace: bool = False,
) -> Path:
    """Build, validate and publish one item's bag; return its published folder."""
    staging = stage_dir(staging_root)
    try:
        payload = staging / source.item_id
        write_payload(payload, source, files)
        make_valid_bag(payload, bag_info(source, title))
        return publish(staging, payload, items_dir, bundles_dir, source.item_id, replace)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def read_metadata(bag_dir: Path) -> dict[str, Any]:
    """The `metadata.json` of a published bag."""
    result: dict[str, Any] = json.loads((bag_dir / "data" / "metadata.json").read_text(encoding="utf-8"))
    return result


def update_metadata(
    staging_root: Path, items_dir: Path, bundles_dir: Path, item_id: str, metadata: dict[str, Any]
) -> None:
    """Rewrite a published bag's metadata.json: rebuild the bag beside it, validate, swap it in, re-zip."""
    staging = stage_dir(staging_root)
    try:
        work = staging / item_id
        shutil.copytree(items_dir / item_id, work)
        (work / "data" / "metadata.json").write_text(metadata_json(metadata), encoding="utf-8")
        bag = bagit.Bag(str(work))
        bag.save(manifests=True)
        bag.validate(processes=1)
        old = staging / f"old-{item_id}"
        os.rename(items_dir / item_id, old)
        os.rename(work, items_dir / item_id)
        zip_tmp = staging / f"{item_id}.zip"
        zip_bag(items_dir / item_id, zip_tmp, item_id)
        os.replace(zip_tmp, bundles_dir / f"{item_id}.zip")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def metadata_json(metadata: dict[str, Any]) -> str:
    """Serialise metadata.json the same way everywhere."""
    return json.dumps(metadata, ensure_ascii=False, indent=2) + "\n"


def sweep_staging(staging_root: Path, older_than_s: float = STALE_STAGING_S) -> int:
    """Remove staging folders left by crashed runs; return how many were removed."""
    if not staging_root.exists():
        return 0
    removed = 0
    for child in staging_root.iterdir():
        if time.time() - child.stat().st_mtime > older_than_s:
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
    return removed


def ensure_bundle(items_dir: Path, bundles_dir: Path, staging_root: Path, item_id: str) -> None:
    """Re-make a bag's zip if a crash came between publishing the bag and its zip."""
    if (bundles_dir / f"{item_id}.zip").exists():
        return
    staging = stage_dir(staging_root)
    try:
        zip_tmp = staging / f"{item_id}.zip"
        zip_bag(items_dir / item_id, zip_tmp, item_id)
        bundles_dir.mkdir(parents=True, exist_ok=True)
        os.replace(zip_tmp, bundles_dir / f"{item_id}.zip")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
