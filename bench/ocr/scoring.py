"""Character error rate after normalising whitespace, quotes and dashes; `~` in UNLV truth is a wildcard."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

_QUOTES = str.maketrans({c: "'" for c in "‘’‚‛′`´"} | {c: '"' for c in "“”„‟«»″"})
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−"})
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """NFC, straight quotes, ASCII hyphens, ligatures split, every whitespace run one space."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("ﬁ", "fi").replace("ﬂ", "fl").replace("ﬀ", "ff").replace("ﬃ", "ffi").replace("ﬄ", "ffl")
    text = text.translate(_QUOTES).translate(_DASHES)
    return _SPACE.sub(" ", text).strip()


def cer(truth: str, hypothesis: str, *, wildcard: str | None = "~") -> float:
    """Edits per truth character; a wildcard in the truth matches any one character for free."""
    ref, hyp = normalise(truth), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    ops = Levenshtein.editops(ref, hyp)
    free = 0
    if wildcard and wildcard in ref:
        free = sum(1 for op in ops if op.tag in ("replace", "delete") and ref[op.src_pos] == wildcard)
    return (len(ops) - free) / len(ref)
