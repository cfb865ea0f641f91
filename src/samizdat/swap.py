"""Put a new version of a published bag in place so that a crash at any moment leaves a whole bag there.

Linux swaps two folders in one step (`renameat2(RENAME_EXCHANGE)`), so `items/<id>` always names a complete
bag, old or new. Where the file system cannot (NFS, other kernels) the swap takes two renames; a journal entry in
`processed/.swaps/` written before the first rename lets `recover` put the old bag back if a crash comes between
them. The journal also says the bundle zip may be stale, so `recover` re-makes it from the bag in place.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path

from samizdat.inbox import owner_gone, owner_record

log = logging.getLogger(__name__)

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


@cache
def _renameat2() -> Callable[..., int] | None:
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths atomically; False where this system or file system cannot."""
    function = _renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(first))


class SwapJournal:
    """`processed/.swaps/`: one entry per item whose bag or bundle is being replaced."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def entry(self, item_id: str) -> Path:
        """The journal entry of one item (present while its swap is under way)."""
        return self.folder / f"{item_id}.swap"

    def retired(self, item_id: str) -> Path:
        """Where the old bag waits until the new one is in place."""
        return self.folder / f"{item_id}.old"

    def begin(self, item_id: str) -> None:
        """Record that a swap starts, and by whom: from now on a crash is repaired by `recover`."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with self.entry(item_id).open("w", encoding="utf-8") as handle:
            handle.write(owner_record())
            handle.flush()
            os.fsync(handle.fileno())

    def end(self, item_id: str) -> None:
        """The new bag and its bundle are in place: drop the old bag and the entry."""
        shutil.rmtree(self.retired(item_id), ignore_errors=True)
        self.entry(item_id).unlink(missing_ok=True)

    def abandoned(self, ttl_s: float) -> list[str]:
        """Items whose swap did not finish and whose owner is gone (dead, or silent for `ttl_s`)."""
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob("*.swap") if owner_gone(p, ttl_s))


def swap_in(new_bag: Path, final: Path, journal: SwapJournal, item_id: str, finish: Callable[[], None]) -> None:
    """Replace the bag at `final` by `new_bag`; `finish` runs with the new bag in place (it re-makes the bundle)."""
    journal.begin(item_id)
    retired = journal.retired(item_id)
    shutil.rmtree(retired, ignore_errors=True)
    if final.exists() and exchange(new_bag, final):
        os.rename(new_bag, retired)
    else:
        if final.exists():
            os.rename(final, retired)
        os.rename(new_bag, final)
    finish()
    journal.end(item_id)


def recover(journal: SwapJournal, items_dir: Path, remake_bundle: Callable[[str], None], ttl_s: float) -> list[str]:
    """Finish or undo every swap a crash interrupted; return the items repaired.

    A missing bag comes back from its retired copy; the bundle is re-made from whatever bag is in place.
    A swap whose owner still runs is left alone.
    """
    repaired = []
    for item_id in journal.abandoned(ttl_s):
        final = items_dir / item_id
        retired = journal.retired(item_id)
        if not final.exists() and retired.exists():
            os.rename(retired, final)
            log.warning("item %s: an interrupted update was undone; the previous version is back", item_id)
        if final.exists():
            remake_bundle(item_id)
        journal.end(item_id)
        repaired.append(item_id)
    return repaired
