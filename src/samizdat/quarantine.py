"""Move a file that could not be processed aside, with an `.error.json` an archivist can read.

Every move is copy, verify, then delete (or one rename on the same file system): a failure half-way (a full disk)
leaves the file where it was, never a truncated copy as the only one.
"""

from __future__ import annotations

import json
import os
import shutil
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from samizdat.errors import OperationalError
from samizdat.inbox import now_iso, sha256_of
from samizdat.names import readable_name, safe_name


class QuarantineFailed(OperationalError):
    """The file could not be moved into quarantine; it is still in the inbox."""


def move_preserving(src: Path, dest: Path) -> None:
    """Move a file; across file systems, copy and verify before the original is removed.

    On failure the destination is removed and the source is untouched.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(src, dest)
        return
    except OSError:
        pass
    try:
        shutil.copy2(src, dest, follow_symlinks=False)
        if sha256_of(dest) != sha256_of(src):
            raise OSError(f"the copy of {src} to {dest} did not verify")
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
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
    """Move `path` (and its sidecar) into quarantine with its `.error.json`; return the new path.

    Raises `QuarantineFailed` when the move cannot be made: the file is then still in the inbox.
    """
    name = readable_name(path.name)
    when = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = quarantine_dir / f"{when}-{safe_name(name)}"
    report = {
        "filename": name,
        "stage": stage,
        "error": str(error) or type(error).__name__,
        "error_type": type(error).__name__,
        "hint": hint,
        "sha256": sha256,
        "quarantined_at": now_iso(),
        "original": target.name,
    }
    error_path = target.with_name(target.name + ".error.json")
    try:
        quarantine_dir.mkdir(parents=True, exist_ok=True)
        error_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if path.exists():
            move_preserving(path, target)
    except OSError as failure:
        error_path.unlink(missing_ok=True)
        raise QuarantineFailed(
            f"{name} could not be moved into quarantine ({failure}); it is still in the inbox",
            "Free space on the disk that holds processed/ (or make it writable), then run the pass again.",
        ) from failure
    if sidecar is not None and sidecar.exists() and not sidecar.is_symlink():
        with suppress(OSError):  # the sidecar stays beside where its file was; the report names the file
            move_preserving(sidecar, target.with_name(target.name + ".yaml"))
    return target
