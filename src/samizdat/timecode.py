"""Times in a recording as a listener reads them."""

from __future__ import annotations


def clock(seconds: float | None) -> str:
    """`m:ss` (or `h:mm:ss`) for a time in seconds; "" for none."""
    if seconds is None:
        return ""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
