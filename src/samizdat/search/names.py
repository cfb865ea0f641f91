"""Names across scripts: a query naming a person or place also finds its other spellings.

The catalogue's authority list gives every spelling of each entity (Sharansky, Shcharansky,
Щаранский); stemming alone cannot join Latin and Cyrillic, so a query word (or run of words)
that is one of those names becomes "any of its spellings". `Sharansky` then finds a Russian
letter that says `Щаранского`, and `Нудель` an English page that says `Nudel`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from samizdat.search.stemming import query_stems

Alternative = tuple[str, ...]
"""Stems that must all occur in a unit (one spelling of a name, or one plain word)."""


@dataclass(frozen=True)
class QueryPlan:
    """What a unit must hold: every group, each through any one of its alternatives."""

    groups: tuple[tuple[Alternative, ...], ...]

    @property
    def stems(self) -> list[str]:
        """Every stem any alternative names: the words a snippet marks."""
        seen: dict[str, None] = {}
        for group in self.groups:
            for alternative in group:
                for stem in alternative:
                    seen.setdefault(stem, None)
        return list(seen)


class NameVariants:
    """Spellings of the same entity, by their stems; built from lists of names, one list per entity."""

    def __init__(self, entities: Iterable[Iterable[str]]) -> None:
        self._alternatives: dict[Alternative, set[Alternative]] = defaultdict(set)
        for names in entities:
            spellings = {tuple(query_stems(name)) for name in names}
            spellings.discard(())
            for spelling in spellings:
                self._alternatives[spelling] |= spellings
        self._longest = max((len(s) for s in self._alternatives), default=0)

    def plan(self, stems: list[str]) -> QueryPlan:
        """Group the query's stems: runs that spell a known name (longest first) become their alternatives."""
        groups: list[tuple[Alternative, ...]] = []
        i = 0
        while i < len(stems):
            for size in range(min(self._longest, len(stems) - i), 0, -1):
                run = tuple(stems[i:i + size])
                if run in self._alternatives:
                    groups.append(_minimal(self._alternatives[run]))
                    i += size
                    break
            else:
                groups.append(((stems[i],),))
                i += 1
        return QueryPlan(tuple(groups))


def _minimal(alternatives: set[Alternative]) -> tuple[Alternative, ...]:
    """Drop spellings that contain a shorter one (`natan sharansky` adds nothing to `sharansky`)."""
    ordered = sorted(alternatives, key=lambda a: (len(a), a))
    kept: list[Alternative] = []
    for alternative in ordered:
        if not any(set(k) <= set(alternative) for k in kept):
            kept.append(alternative)
    return tuple(kept)


def plain_plan(stems: list[str]) -> QueryPlan:
    """Every stem on its own: no name expansion."""
    return QueryPlan(tuple(((s,),) for s in stems))


@cache
def catalogue_names() -> NameVariants:
    """Name variants from the project's catalogue; names marked ambiguous (also ordinary words) are left out."""
    from samizdat.catalogue import load_catalogue

    entities = load_catalogue().entities.values()
    return NameVariants([n for n in e.names if n not in e.ambiguous] for e in entities)
