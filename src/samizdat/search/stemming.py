"""Word stems for Russian and English, the same for indexed text and for queries on every backend.

FTS5 has no Russian stemmer and PostgreSQL's differs from any Python one, so the index stores a
stemmed shadow of each unit (Snowball, chosen per word by its script) and both backends match
stems against stems: `Калика` and `Калик` meet at `калик`, `letters` and `letter` at `letter`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import snowballstemmer

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_RUSSIAN = snowballstemmer.stemmer("russian")
_ENGLISH = snowballstemmer.stemmer("english")


def tokens(text: str) -> Iterator[re.Match[str]]:
    """Runs of letters and digits (no underscores or punctuation), with their offsets."""
    return _TOKEN.finditer(text)


def fold(word: str) -> str:
    """Lower case, accents dropped (`é`→`e`), `ё`→`е`: what two spellings of one word share."""
    lowered = word.lower().replace("ё", "е")
    decomposed = unicodedata.normalize("NFD", lowered)
    # Keep the combining breve of `й`: dropping it would merge `й` into `и`.
    kept = "".join(c for c in decomposed if not unicodedata.combining(c) or c == "\u0306")
    return unicodedata.normalize("NFC", kept)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The stem of one word: Russian Snowball for Cyrillic, English Snowball otherwise."""
    folded = fold(word)
    if folded.isdigit():
        return folded
    stemmer = _RUSSIAN if _CYRILLIC.search(folded) else _ENGLISH
    return str(stemmer.stemWord(folded))


def stem_text(text: str) -> str:
    """The stemmed shadow of a text: its words' stems, space-separated, in order."""
    return " ".join(stem(m.group()) for m in tokens(text))


def query_stems(text: str) -> list[str]:
    """Distinct stems of a query's words, in order; operators and punctuation never survive."""
    seen: dict[str, None] = {}
    for match in tokens(text):
        seen.setdefault(stem(match.group()), None)
    return list(seen)
