"""Watch the inbox and emit a Prefect event once a dropped file has settled, so a pass starts within seconds.

The interval scan stays as the reconciler (it finds anything the watcher missed); both are idempotent
because a pass claims files by their SHA-256.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from prefect.events import emit_event
from watchfiles import Change, watch

from samizdat.inbox import is_candidate, settled, sha256_of

log = logging.getLogger(__name__)

FILE_SETTLED = "samizdat.inbox.file-settled"


class InboxWatcher:
    """A background thread: file-system changes in, one `samizdat.inbox.file-settled` event per new file out."""

    def __init__(self, folder: Path, settle_s: float) -> None:
        self.folder = folder
        self.settle_s = settle_s
        self._stop = threading.Event()
        self._pending: dict[Path, float] = {}
        self._announced: set[str] = set()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._watch, name="inbox-watch", daemon=True),
            threading.Thread(target=self._announce_settled, name="inbox-settle", daemon=True),
        ]

    def start(self) -> InboxWatcher:
        """Start watching."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stop watching and wait for the threads."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _watch(self) -> None:
        for changes in watch(self.folder, stop_event=self._stop, recursive=True, rust_timeout=1000):
            with self._lock:
                for change, name in changes:
                    path = Path(name)
                    if change is not Change.deleted and is_candidate(path):
                        self._pending[path] = time.monotonic()

    def _announce_settled(self) -> None:
        while not self._stop.wait(0.5):
            with self._lock:
                candidates = list(self._pending)
            for path in settled(candidates, self.settle_s, wait=False):
                with self._lock:
                    self._pending.pop(path, None)
                self._announce(path)

    def _announce(self, path: Path) -> None:
        try:
            sha256 = sha256_of(path)
        except FileNotFoundError:
            return
        if sha256 in self._announced:
            return
        self._announced.add(sha256)
        emit_event(
            FILE_SETTLED,
            resource={"prefect.resource.id": f"samizdat.file.{sha256}", "prefect.resource.name": path.name},
            payload={"path": str(path), "sha256": sha256},
        )
        log.info("announced %s (%s)", path.name, sha256[:12])
