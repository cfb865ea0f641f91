"""Hand the pages the C heap holds free back to the system, between the stages of a long transcription.

A long tape's peak memory grew with its length although nothing the transcriber keeps grows that fast
(bench/asr/speakers-long-memory-probe.md, the first 60 minutes of the 120-minute bench tape, window by window:
glibc's bytes in use stayed at 191-194 MiB while its bytes free but kept grew from 156 to 223 MiB, and RSS at the
end of each window from 727 to 801 MiB). CTranslate2's, ONNX Runtime's and torch's working buffers are freed after
each call, but glibc keeps freed chunks in its heaps, which shrink only from the top. `malloc_trim(0)` gives every
whole free page of every arena back (`madvise(MADV_DONTNEED)`); what is in use is not touched, so results cannot
change. Called after each piece and each window, RSS at each window's end stayed at 630-636 MiB over those 60 minutes;
its 114 calls took 1.2 s of a 606 s run. Elsewhere than glibc there is nothing to call.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        function = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):  # not glibc (musl, macOS): no such call
        return None
    function.argtypes = [ctypes.c_size_t]
    function.restype = ctypes.c_int
    return function


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system; True when some were given back."""
    function = _malloc_trim()
    return function is not None and function(0) == 1
