"""Watch the inbox and hand each dropped file to its item run as soon as it has settled.

The interval pass stays as the reconciler (it finds anything the watcher missed); both are idempotent because a
file's item run is created with the drop's key (`flows.dispatch`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from prefect.logging import get_logger
from watchfiles import Change, watch

from samizdat.inbox import is_candidate, settled
from samizdat.names import readable_name

log = get_logger("samizdat.watch")  # under Prefect's loggers: shown in `serve`'s console

RETRY_S = 2.0


class InboxWatcher:
    """Background threads: file-system changes in, `dispatch(path)` once per settled file out."""

    def __init__(self, folder: Path, settle_s: float, dispatch: Callable[[Path], object],
                 prepare: Callable[[], object] | None = None) -> None:
        self.folder = folder
        self.settle_s = settle_s
        self.dispatch = dispatch
        self.prepare = prepare  # run once before the first hand-off, in the dispatching thread
        self._stop = threading.Event()
        self._pending: dict[Path, float] = {}
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._watch, name="inbox-watch", daemon=True),
            threading.Thread(target=self._dispatch_settled, name="inbox-settle", daemon=True),
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

    def _dispatch_settled(self) -> None:
        if self.prepare is not None:
            try:
                self.prepare()
            except Exception as error:  # the first hand-off does it again and reports what is wrong
                log.warning("could not prepare the inbox hand-offs: %s", error)
        while not self._stop.wait(0.5):
            with self._lock:
                for gone in [p for p in self._pending if not p.exists()]:
                    del self._pending[gone]
                candidates = [p for p, due in self._pending.items() if due <= time.monotonic()]
            for path in settled(candidates, self.settle_s, wait=False):
                began, late = time.monotonic(), _since_settled(path, self.settle_s)
                try:
                    self.dispatch(path)
                except Exception as error:  # the server not ready yet, a file gone: try again shortly
                    log.warning("could not hand %s to its item run yet: %s", path.name, error)
                    with self._lock:
                        self._pending[path] = time.monotonic() + RETRY_S
                    continue
                with self._lock:
                    self._pending.pop(path, None)
                log.info("%s handed to its item run in %.2f s, %.2f s after it settled", readable_name(path.name),
                         time.monotonic() - began, late)


def _since_settled(path: Path, settle_s: float) -> float:
    """Seconds since the file had been unchanged for `settle_s` (how long the watcher took to see it settled)."""
    try:
        return time.time() - path.stat().st_mtime - settle_s
    except FileNotFoundError:
        return float("nan")
