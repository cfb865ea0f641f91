"""A vocabulary prompt per stretch of speech, from what a first decoding of that stretch seems to say.

The generic prompt (`asr.vocabulary`) holds the item's metadata and then the catalogue's terms ranked by how
many articles name them; 120 tokens hold a fraction of the catalogue, so the same top-ranked terms reach every
stretch whatever is said in it. Here the words of a first decoding (with the generic prompt) are compared with
every spelling of the catalogue by letters and sound, at a bar far below the corrector's (a false hint costs one
prompt term, not a wrong word): the terms they come close to go first in this stretch's prompt, after the item's
metadata, and the rest of the budget is filled as before. The stretch is decoded again only when that prompt
carries a term the generic one does not.

Which of the two decodings is kept is decided without a reference: the one with the higher mean token
log-probability (the decoder's own `avg_logprob`, weighted by the segments' words), `choose`. Dev half: always the
second gave more names (86 % against 84 %) but a higher WER (12.2 % against 11.7 %) and one wrong rewrite more.

The guards stay: the prompt is used only over speech VAD found, the speech a prompted decoder skipped is heard again
without it (`Transcriber._fill_gaps`, after each decoding), `is_echo` looks for every prompt used, and the name check
scores a piece's candidates with the prompt its kept decoding read. Russian gets no prompt, so no second one either.

Test half, run once with the settings from the dev half (31.2 min of English, 469 catalogued names;
bench/asr/window-prompt-test.md): WER 33.9 % -> 31.8 %, names 45 % -> 55 % (plain faster-whisper base 38.3 % /
21 %), for nearly twice the decoding (CPU RTF 0.128 -> 0.247, diarization off): almost every 120 s piece holds some
word near a catalogue term, so almost every piece is decoded twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from samizdat.asr.correction import NameCorrector, spellings
from samizdat.asr.vocabulary import Prompt, TokenCounter, build_prompt, short_forms
from samizdat.models import Segment, Word

HEARING_THRESHOLD = 0.60
"""Least letter/sound score (`correction._similarity`) of a run of first-pass words against a catalogue spelling for
the spelling's term to go into the stretch's prompt. Dev half (13.2 min, 158 catalogued names; the generic prompt alone:
12.0 % WER, 81 % names, CPU RTF 0.102; bench/asr/window-prompt-dev.md): 0.50 11.6 % / 82 %, 0.60 11.7 % / 84 %,
0.70 11.5 % / 80 %; 0.60 and 0.50 re-decode 99 % of the speech (CPU RTF 0.180 and 0.198), 0.70 59 % (0.153)."""


def _never_ordinary(word: str) -> bool:
    """Any heard word may hint at a name here, "refugee" at "refusenik" included: a hint is not a rewrite."""
    return False


@dataclass
class WindowPrompter:
    """Builds a stretch's own prompt for one script: item terms, terms the first pass came close to, the rest."""

    generic: Prompt
    item_terms: Sequence[str]
    archive_terms: Sequence[str]
    term_of: dict[str, str]
    """A spelling's letters-and-spaces text -> the term the prompt writes for its entity."""
    count_tokens: TokenCounter
    budget: int
    corrector: NameCorrector

    @classmethod
    def build(
        cls,
        generic: Prompt,
        item_terms: Sequence[str],
        archive_terms: Sequence[str],
        script: str,
        count_tokens: TokenCounter,
        budget: int,
        threshold: float | None = None,
        catalogue: Any = None,
    ) -> WindowPrompter:
        """The prompter for one file and script; `threshold` defaults to `HEARING_THRESHOLD`."""
        term_of = short_forms(script, catalogue)
        for term in item_terms:
            term_of.setdefault(term, term)
        vocabulary = spellings(list(item_terms) + list(term_of), _never_ordinary)
        corrector = NameCorrector(
            vocabulary, _never_ordinary, threshold=HEARING_THRESHOLD if threshold is None else threshold
        )
        return cls(generic, item_terms, archive_terms, term_of, count_tokens, budget, corrector)

    def heard_terms(self, segments: Sequence[Segment]) -> list[str]:
        """Prompt terms of the spellings the segments' words come close to, closest first (none heard exactly)."""
        best: dict[str, float] = {}
        for segment in segments:
            words: list[Word] = segment.words
            for match in self.corrector.candidates(words):
                term = self.term_of.get(match.spelling.text, match.spelling.text)
                if match.score > best.get(term, 0.0):
                    best[term] = match.score
        return sorted(best, key=lambda t: (-best[t], t))

    def focused(self, segments: Sequence[Segment]) -> Prompt | None:
        """The stretch's own prompt, or None when it would carry no term the generic prompt lacks."""
        heard = self.heard_terms(segments)
        if not heard:
            return None
        prompt = build_prompt(self.item_terms, [*heard, *self.archive_terms], self.count_tokens, self.budget)
        if set(prompt.terms) <= set(self.generic.terms):
            return None
        return prompt


def mean_logprob(segments: Sequence[Segment]) -> float:
    """The decoder's mean token log-probability over `segments`, each weighted by its words (one at least)."""
    total = weight = 0.0
    for segment in segments:
        if segment.avg_logprob is None:
            continue
        size = max(len(segment.words), 1)
        total += segment.avg_logprob * size
        weight += size
    return total / weight if weight else float("-inf")


def choose(first: list[Segment], second: list[Segment]) -> bool:
    """True when the second decoding is kept: its mean log-probability is at least the first's."""
    return bool(second) and mean_logprob(second) >= mean_logprob(first)
