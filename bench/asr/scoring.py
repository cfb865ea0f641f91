"""Word error rate after normalising both texts the same way (case, punctuation, ё, whitespace)."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein

_SMALL = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
]
_TENS = {"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90"}
_NUMBERS = {word: str(value) for value, word in enumerate(_SMALL)} | _TENS


def normalise(text: str) -> list[str]:
    """Lower-case words, punctuation and hyphens gone; "ё" as "е"; English number words as digits ("ten" = "10")."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    text = re.sub(r"[’‘`]", "'", text)
    text = re.sub(r"[^\w\s']", " ", text)  # hyphens too: "short-type" is two words, as in "short typed"
    words = [w.strip("'") for w in text.split()]
    return [_NUMBERS.get(w, w) for w in words if w]


def wer(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, on normalised words."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)
