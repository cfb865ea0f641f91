"""Tell a failure of the machine (a full disk, a read-only or vanished `processed/`) from a bad file.

A bad file is quarantined and the batch goes on; a machine failure would fail every file after it the same way, so
it stops the pass with the files left in the inbox.
"""

from __future__ import annotations

import errno
from pathlib import Path

from samizdat.errors import OperationalError

# Errors that say the disk or its mount is the problem wherever they happen.
_MACHINE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})
# Errors that say so when they are about a path under processed/ (elsewhere they can be the file's own problem).
_PROCESSED_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.ENOENT, errno.ENOTDIR})

_HINT = ("Nothing is wrong with the file: it stays in the inbox. Fix the disk that holds processed/ (free space, "
         "mount it writable), then run the pass again.")


def operational_cause(error: BaseException, processed: Path) -> OperationalError | None:
    """The machine failure behind `error` (itself or anything it was raised from), or None for a file's failure."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OperationalError):
            return current
        if isinstance(current, OSError) and _is_machine_failure(current, processed):
            return OperationalError(f"the machine failed, not the file: {current}", _HINT)
        current = current.__cause__ or current.__context__
    return None


def _is_machine_failure(error: OSError, processed: Path) -> bool:
    if error.errno in _MACHINE_ERRNOS:
        return True
    if error.errno in _PROCESSED_ERRNOS:
        return any(_under(name, processed) for name in (error.filename, error.filename2) if name)
    return False


def _under(name: object, folder: Path) -> bool:
    try:
        path = Path(str(name)).resolve()
        return path == folder.resolve() or folder.resolve() in path.parents
    except (OSError, ValueError):
        return False
