"""Word error rate after normalising both texts the same way (case, punctuation, ё, whitespace)."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein


def normalise(text: str) -> list[str]:
    """Lower-case words without punctuation; "ё" as "е"; hyphens and apostrophes inside words kept."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    text = re.sub(r"[’‘`]", "'", text)
    text = re.sub(r"[^\w\s'-]", " ", text)
    words = [w.strip("'-") for w in text.split()]
    return [w for w in words if w]


def wer(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, on normalised words."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)
