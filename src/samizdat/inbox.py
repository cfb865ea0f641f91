"""Find files in the inbox that are ready, hash them, and claim each exactly once.

A claim is a file created with O_EXCL under `processed/.claims/`, named by the file's SHA-256, so two workers
(or two identical drops) never process the same bytes twice. A claim whose worker died expires after
`claim_ttl_s` and can be taken over.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from samizdat.archivist import is_metadata_file, sidecar_path
from samizdat.models import Source
from samizdat.names import name_bytes, readable_name

# Not items: files that operating systems and editors leave beside archivists' files, and downloads or saves in
# progress. Compared case-insensitively; names starting with "." (.DS_Store, .~lock.*#, ._AppleDouble) are hidden.
_SYSTEM_NAMES = frozenset({"thumbs.db", "ehthumbs.db", "desktop.ini", ".ds_store"})
_PARTIAL_PREFIXES = ("~$", ".~lock")  # Microsoft Office and LibreOffice lock files
_PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", "~")
_CHUNK = 1 << 20


def now_iso() -> str:
    """The current UTC time, ISO-8601, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def is_candidate(path: Path) -> bool:
    """True for files that are items: not sidecars, the CSV, hidden, system or partial files, nor symlinks."""
    name = path.name.casefold()
    return not (
        name.startswith(".")
        or name in _SYSTEM_NAMES
        or name.startswith(_PARTIAL_PREFIXES)
        or name.endswith(_PARTIAL_SUFFIXES)
        or is_metadata_file(path)
        or path.is_symlink()
    )


def list_candidates(inbox: Path) -> list[Path]:
    """Every candidate file in the inbox and its sub-folders, oldest first; hidden folders are skipped."""
    found: list[Path] = []
    for root, dirs, files in os.walk(inbox):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / f for f in files if is_candidate(Path(root) / f))
    return sorted(found, key=_mtime_or_zero)


def _mtime_or_zero(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def settled(paths: list[Path], settle_s: float, wait: bool) -> list[Path]:
    """The paths whose size and mtime have not changed for `settle_s`.

    With `wait`, young files are watched until they settle (a one-shot `process` should not skip a file that is
    still being copied, it should wait for it); without, they are left for the next pass.
    """
    ready: list[Path] = []
    pending: dict[Path, tuple[int, float]] = {}
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        if time.time() - stat.st_mtime >= settle_s:
            ready.append(path)
        else:
            pending[path] = (stat.st_size, stat.st_mtime)
    while wait and pending:
        time.sleep(min(settle_s, 1.0))
        for path, seen in list(pending.items()):
            try:
                stat = path.stat()
            except FileNotFoundError:
                del pending[path]
                continue
            if (stat.st_size, stat.st_mtime) != seen:
                pending[path] = (stat.st_size, stat.st_mtime)
            elif time.time() - stat.st_mtime >= settle_s:
                ready.append(path)
                del pending[path]
    return ready


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe_source(path: Path) -> Source:
    """Hash and stat a settled file."""
    return Source(
        path=path,
        filename=readable_name(path.name),
        name_bytes=name_bytes(path.name),
        sha256=sha256_of(path),
        size=path.stat().st_size,
        received_at=now_iso(),
        sidecar=sidecar_path(path),
    )


@dataclass(frozen=True)
class Claim:
    """Proof that this worker owns one SHA-256 until it releases the claim or it expires."""

    path: Path

    def release(self) -> None:
        """Give the claim up (after the item was published or quarantined)."""
        self.path.unlink(missing_ok=True)

    def renew(self) -> None:
        """Push the expiry forward, for long items."""
        os.utime(self.path)

    @contextmanager
    def kept_alive(self, every_s: float) -> Iterator[None]:
        """Renew the claim in the background while the body runs; a dead worker stops renewing, so its claim expires."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(every_s):
                with suppress(FileNotFoundError):
                    self.renew()

        thread = threading.Thread(target=beat, name=f"claim-{self.path.stem[:12]}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()


def try_claim(claims_dir: Path, sha256: str, ttl_s: float) -> Claim | None:
    """Claim `sha256` atomically; None if a live claim by someone else exists."""
    claims_dir.mkdir(parents=True, exist_ok=True)
    path = claims_dir / f"{sha256}.claim"
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            if not owner_gone(path, ttl_s):
                return None
            _take_over_expired(path)
            continue
        with os.fdopen(fd, "w") as handle:
            handle.write(owner_record())
        return Claim(path)
    return None


def claim_holder(claims_dir: Path, sha256: str, ttl_s: float) -> str | None:
    """Who last claimed these bytes: None, "live", or a token naming a dead worker's claim.

    The token is the same for every worker that looks at the same dead claim.
    """
    path = claims_dir / f"{sha256}.claim"
    try:
        if not owner_gone(path, ttl_s):
            return "live"
        return "dead-" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except FileNotFoundError:
        return None


def owner_record() -> str:
    """Who holds a claim or a lock: this host and process, and since when (read back by `owner_gone`)."""
    return json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "at": now_iso()})


def owner_gone(path: Path, ttl_s: float) -> bool:
    """Expired by age, or at once when its owner was a process on this host that is gone."""
    try:
        if time.time() - path.stat().st_mtime > ttl_s:
            return True
        owner = json.loads(path.read_text(encoding="utf-8") or "{}")
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return False
    return owner.get("host") == socket.gethostname() and not _alive(int(owner.get("pid", 0)))


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _take_over_expired(path: Path) -> None:
    """Remove an expired claim; rename first so two workers cannot both remove-and-create."""
    tomb = path.with_name(f"{path.name}.expired-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.rename(path, tomb)
    except FileNotFoundError:
        return
    tomb.unlink(missing_ok=True)


def sweep_claims(claims_dir: Path, ttl_s: float) -> int:
    """Remove claims nobody renewed for `ttl_s` (a crash between release and unclaim leaves one); return how many.

    A claim whose owner died only recently stays that long: it tells the passes that the file's run died.
    """
    if not claims_dir.is_dir():
        return 0
    removed = 0
    for path in claims_dir.glob("*.claim"):
        if _older_than(path, ttl_s):
            _take_over_expired(path)
            removed += 1
    return removed


def _older_than(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime > seconds
    except FileNotFoundError:
        return False


def iter_ready(inbox: Path, settle_s: float, wait: bool) -> Iterator[Path]:
    """Candidate files that are ready to claim, oldest first."""
    yield from settled(list_candidates(inbox), settle_s, wait)
