"""One bounded pool of page workers for the whole machine, so pages of many items never oversubscribe it.

Within a process, every item submits its pages to one shared thread pool (a page's work is a
Tesseract subprocess plus NumPy/OpenCV code that releases the GIL). Across processes (several Prefect
workers on one machine) the slots are lock files: a page holds one for as long as it runs.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_size = 0


def _shared_executor(workers: int) -> ThreadPoolExecutor:
    global _executor, _executor_size
    with _lock:
        if _executor is None or _executor_size != workers:
            # A resize keeps the old pool running for work already submitted to it.
            _executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="samizdat-ocr")
            _executor_size = workers
        return _executor


def _slot_dir() -> Path:
    path = Path(os.environ.get("SAMIZDAT_OCR_SLOTS", Path(tempfile.gettempdir()) / "samizdat-ocr-slots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def machine_slot(workers: int) -> Iterator[int]:
    """Hold one of `workers` machine-wide slots (an flock on a slot file) while the block runs."""
    directory = _slot_dir()
    while True:
        for index in range(workers):
            handle = open(directory / f"slot-{index}", "a+")  # noqa: SIM115 - held across the yield
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                continue
            try:
                yield index
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
            return
        time.sleep(0.02)


def map_pages(
    work: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    on_done: Callable[[int, int], None] | None = None,
) -> list[R]:
    """Run `work` on every item in the shared pool, one machine slot each; results in input order.

    `on_done(done, total)` is called in the caller's thread after each page finishes, so progress
    callbacks never run concurrently. The first exception is re-raised once all pages have stopped.
    """
    todo = list(items)
    workers = max(1, workers)

    def slotted(item: T) -> R:
        with machine_slot(workers):
            return work(item)

    if workers == 1 or len(todo) <= 1:
        results: list[R] = []
        for item in todo:
            results.append(slotted(item))
            if on_done:
                on_done(len(results), len(todo))
        return results

    executor = _shared_executor(workers)
    futures: list[Future[R]] = [executor.submit(slotted, item) for item in todo]
    done = 0
    first_error: BaseException | None = None
    for future in as_completed(futures):
        if future.cancelled():
            continue
        error = future.exception()
        if error is not None:
            if first_error is None:
                first_error = error
                for other in futures:
                    other.cancel()
            continue
        done += 1
        if on_done and first_error is None:
            on_done(done, len(todo))
    if first_error is not None:
        raise first_error
    return [f.result() for f in futures]
