"""The archive's own words as a decoding prompt: the item's metadata first, then the authority list.

Whisper base hears "Sharansky" as "Cherensky" and "refusenik" as "refugee" unless it is told these
words exist. Both engines accept a short text the decoder reads before each 30 s stretch (faster-whisper
`hotwords`, openai-whisper `initial_prompt` carried to every stretch). The prompt lists, comma
separated and within a token budget:

1. the item's own metadata: interviewee, interviewer, creator, contributor, title, subjects, coverage;
2. authority entities in the item's script (Latin for English, Cyrillic for Russian), the ones more
   of the archive's articles name first; among equals ideas, laws, people, organisations, events,
   works, places. A person goes in by surname where the list has it alone ("Sharansky"): the rare
   word is what the model needs, and the budget holds twice as many. An entity whose every word is
   a single Whisper token (Moscow, Cold War) is left out: the model knows those words already.

Only Latin-script (English) transcripts are prompted: with Russian the prompt made things worse on the
real corpus clip and on the espeak interviews (see `transcriber._Run.prompt`).

A prompt can leak into the transcript ("prompt echo"), mostly over silence or noise. VAD keeps
silence away from the decoder; `is_echo` drops a segment that recites the prompt (three or more of
its terms in the prompt's order and nothing else between them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from samizdat.models import ArchivistMetadata

TokenCounter = Callable[[str], int]

PROMPT_BUDGET_TOKENS = 120
"""Tokens of prompt per 30 s stretch. The decoder's context is 448 tokens and faster-whisper caps a prompt
at 223; measured on the dev interviews (bench/asr, `--prompt-budget`): 60 tokens left half the
catalogued names misheard, 120 and 220 scored the same name recall, 220 cost 9 % more decoding time."""

MAX_TERM_TOKENS = 8
"""A catalogue term costing more is left out (long Russian organisation names cost 12-20 tokens each)."""

METADATA_KEYS = ("interviewee", "interviewer", "creator", "contributor", "title", "subject", "coverage", "names")
_TYPE_ORDER = ("concept", "law", "person", "organization", "event", "work", "place")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")
_SCRIPT_OF = {"ru": "cyrillic", "uk": "cyrillic", "be": "cyrillic", "bg": "cyrillic", "sr": "cyrillic"}


@dataclass(frozen=True)
class Prompt:
    """The text handed to the decoder and the terms it is made of, in order."""

    text: str
    terms: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.terms


NO_PROMPT = Prompt("", ())


def script_of(language: str | None) -> str:
    """"cyrillic" or "latin": which spellings of the authority list suit a transcript in `language`."""
    return _SCRIPT_OF.get(language or "", "latin")


def _in_script(text: str, script: str) -> bool:
    if script == "cyrillic":
        return bool(_CYRILLIC.search(text)) and not _LATIN.search(text)
    return bool(_LATIN.search(text)) and not _CYRILLIC.search(text)


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else re.split(r"\s*;\s*", str(value))
    # "Ruth Adler (fictional)": the note in brackets is the archivist's, not a word anyone says.
    cleaned = [" ".join(re.sub(r"\([^)]*\)", " ", str(v)).split()) for v in items]
    return [v for v in cleaned if v]


def metadata_terms(archivist: ArchivistMetadata | None) -> list[str]:
    """People, title, subjects and places the archivist gave for this item, in `METADATA_KEYS` order."""
    if archivist is None:
        return []
    terms: list[str] = []
    for key in METADATA_KEYS:
        terms += _values(archivist.extra.get(key)) + _values(archivist.dc.get(key))
    return terms


def _short_form(entity: Any, script: str) -> str | None:
    """The cheapest spelling that still carries the rare word: a person's surname when it is listed alone."""
    spellings = [n for n in entity.names if n not in entity.ambiguous and _in_script(n, script)]
    if not spellings:
        return None
    if entity.type == "person":
        single = [n for n in spellings if " " not in n and n in spellings[0].split()]
        if single:
            return single[0]
    return spellings[0]


def catalogue_terms(script: str, catalogue: Any = None) -> list[str]:
    """One spelling per authority entity in `script`, most useful first (see the module docstring)."""
    if catalogue is None:
        from samizdat.catalogue import load_catalogue

        catalogue = load_catalogue()
    ranked = sorted(
        catalogue.entities.values(),
        key=lambda e: (
            -catalogue.document_frequency.get(e.id, 0),
            _TYPE_ORDER.index(e.type) if e.type in _TYPE_ORDER else len(_TYPE_ORDER),
            e.label,
        ),
    )
    terms = [_short_form(entity, script) for entity in ranked]
    return [t for t in terms if t]


def short_forms(script: str, catalogue: Any = None) -> dict[str, str]:
    """Every spelling of an authority entity in `script` (spaces tidied) -> the term a prompt writes for the entity."""
    if catalogue is None:
        from samizdat.catalogue import load_catalogue

        catalogue = load_catalogue()
    forms: dict[str, str] = {}
    for entity in catalogue.entities.values():
        short = _short_form(entity, script)
        if short is None:
            continue
        for name in entity.names:
            if name not in entity.ambiguous and _in_script(name, script):
                forms.setdefault(" ".join(name.split()), short)
    return forms


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def known_to_model(term: str, count_tokens: TokenCounter) -> bool:
    """True when every word of `term` is one token for Whisper (a word the model knows well)."""
    return all(count_tokens(" " + word) == 1 for word in term.split())


def build_prompt(
    item_terms: Sequence[str],
    archive_terms: Iterable[str],
    count_tokens: TokenCounter,
    budget: int = PROMPT_BUDGET_TOKENS,
) -> Prompt:
    """The comma-separated prompt: item terms first (always kept if they fit), then archive terms."""
    chosen: list[str] = []
    seen: set[str] = set()
    used = 0
    for term, from_item in [(t, True) for t in item_terms] + [(t, False) for t in archive_terms]:
        key = _key(term)
        if not key or key in seen:
            continue
        if not from_item and known_to_model(term, count_tokens):
            continue
        cost = count_tokens((", " if chosen else " ") + term)
        if not from_item and cost > MAX_TERM_TOKENS:
            continue
        if used + cost > budget:
            continue
        seen.add(key)
        chosen.append(term)
        used += cost
    return Prompt(", ".join(chosen) + ("." if chosen else ""), tuple(chosen))


def is_echo(text: str, prompt: Prompt, run: int = 3) -> bool:
    """True when `text` recites `run` or more consecutive prompt terms in the prompt's order.

    Separators (commas, "and" is not one) do not count, so "Ida Nudel, Yosef Begun, Natan Sharansky"
    is an echo of a prompt that lists them in that order, while a sentence naming them is not.
    """
    if len(prompt.terms) < run:
        return False
    keys = [_key(t) for t in prompt.terms]
    spoken = _key(text)
    if not spoken:
        return False
    return any(" ".join(keys[first : first + run]) in spoken for first in range(len(keys) - run + 1))
