"""Move a file that could not be processed aside, with an `.error.json` an archivist can read."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from samizdat.inbox import now_iso, sha256_of
from samizdat.names import safe_name


def move_preserving(src: Path, dest: Path) -> None:
    """Move a file; across file systems, copy and verify before the original is removed."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dest)
        return
    except OSError:
        pass
    shutil.copy2(src, dest)
    if sha256_of(dest) != sha256_of(src):
        dest.unlink(missing_ok=True)
        raise OSError(f"copy of {src} to {dest} did not verify; the original is kept")
    src.unlink()


def quarantine(
    quarantine_dir: Path,
    path: Path,
    stage: str,
    error: BaseException,
    hint: str,
    sidecar: Path | None = None,
    sha256: str | None = None,
) -> Path:
    """Move `path` (and its sidecar) into quarantine and write its `.error.json`; return the new path."""
    when = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = quarantine_dir / f"{when}-{safe_name(path.name)}"
    report = {
        "filename": path.name,
        "stage": stage,
        "error": str(error) or type(error).__name__,
        "error_type": type(error).__name__,
        "hint": hint,
        "sha256": sha256,
        "quarantined_at": now_iso(),
        "original": target.name,
    }
    if path.exists():
        move_preserving(path, target)
    if sidecar is not None and sidecar.exists():
        move_preserving(sidecar, target.with_name(target.name + ".yaml"))
    error_path = target.with_name(target.name + ".error.json")
    error_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target
