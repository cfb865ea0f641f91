"""Highlighted snippets, cut in Python so every backend shows the same words marked the same way.

A backend's own highlighter only knows its own tokens; ours marks each word whose stem the query
asked for, so `Калика` marks `Калик` on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re

from samizdat.search.query import MARK_END, MARK_START
from samizdat.search.stemming import stem, tokens

_SPACE = re.compile(r"\s+")
ELLIPSIS = "…"


def make_snippet(text: str, stems: list[str], words: int = 24) -> str:
    """About `words` words of `text` around the densest cluster of query stems, matches marked."""
    wanted = set(stems)
    spans = [(m.start(), m.end(), stem(m.group())) for m in tokens(text)]
    if not spans:
        return _SPACE.sub(" ", text.strip())[:200]
    matched = [i for i, (_, _, s) in enumerate(spans) if s in wanted]
    first = _best_window_start(spans, matched, words)
    last = min(len(spans), first + words) - 1
    start_char = 0 if first == 0 else spans[first][0]
    end_char = len(text) if last == len(spans) - 1 else spans[last][1]
    parts: list[str] = [ELLIPSIS] if first > 0 else []
    cursor = start_char
    for i in range(first, last + 1):
        begin, end, word_stem = spans[i]
        if word_stem in wanted:
            parts += [text[cursor:begin], MARK_START, text[begin:end], MARK_END]
            cursor = end
    parts.append(text[cursor:end_char])
    if last < len(spans) - 1:
        parts.append(ELLIPSIS)
    return _SPACE.sub(" ", "".join(parts).strip())


def _best_window_start(spans: list[tuple[int, int, str]], matched: list[int], words: int) -> int:
    """The first word of the window holding the most distinct query stems (then the most matches)."""
    if not matched:
        return 0
    best, best_key = 0, (-1, -1)
    lead = words // 4
    for m in matched:
        first = max(0, min(m - lead, len(spans) - words))
        inside = [spans[i][2] for i in matched if first <= i < first + words]
        key = (len(set(inside)), len(inside))
        if key > best_key:
            best, best_key = first, key
    return best


def mark_text(text: str, stems: list[str]) -> str:
    """The whole text with every word whose stem the query asked for marked (for a full page view)."""
    wanted = set(stems)
    if not wanted:
        return text
    parts: list[str] = []
    cursor = 0
    for match in tokens(text):
        if stem(match.group()) in wanted:
            parts += [text[cursor:match.start()], MARK_START, match.group(), MARK_END]
            cursor = match.end()
    parts.append(text[cursor:])
    return "".join(parts)
