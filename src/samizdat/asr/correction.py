"""Names the decoder misheard, written as the archive spells them, with the words' timings kept.

Whisper base hears names it was never taught as words it knows: "Sharansky" as "Cherensky" or
"Sharan's key", "Nudel" as "Noodle", "aliyah" as "Alia". The vocabulary prompt (`asr.vocabulary`)
prevents some of this; what is still misheard is put right here, after decoding, from the same
sources: the item's metadata (interviewee, interviewer, title, subjects, places) and the authority
list's spellings in the transcript's script.

A run of one to six heard words is compared with each spelling by sound (the Metaphone keys of
their letters, jellyfish) and by letters (rapidfuzz's Indel ratio); the mean of the two is the
match's score. A run is rewritten only when

- the score reaches `MATCH_THRESHOLD` (set on the dev half of the interview bench), and where the run
  shares words with the name, its other words match the name's other words (`RESIDUAL_THRESHOLD`);
- it is not already the spelling (case, hyphens and punctuation aside);
- it is not made only of ordinary words (the language's Hunspell dictionary): a single ordinary word
  ("began", "learner", "over", "refugee") is never turned into a name, and several ordinary words only
  into a name of several words one of which they already hold ("Ida noodle" -> "Ida Nudel", "the
  diploma attacks" -> "the diploma tax", never "refuse and if" -> "refuseniks");
- its words were decoded, never added: a correction replaces words, never writes more words than it
  replaces, and needs `MIN_HEARD_SHARE` of the name's letters among them, so silence (no words) gets no
  name and "Yom Kippur" does not become "Yom Kippur War".

Where the engine can score texts (faster-whisper), the transcriber also puts candidates below the
threshold to the model itself, on their own audio (`asr.name_check`), and makes those it hears.

Each rewrite is recorded (`Correction`: when, what was heard, what was written, the score) and kept
in transcript.json for review. Only English is corrected for now: the bench has no Russian speech
Whisper base can hear (espeak-ng Russian scores 98 % WER with or without Samizdat), so there is no
measurement to set a Cyrillic threshold on, and Russian names inflect (Щаранским), which a whole-word
rewrite would break.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from samizdat.models import ArchivistMetadata, Correction, Segment, Transcript, Word

MATCH_THRESHOLD = 0.75
"""Least score (mean of sound and letter similarity, 0-1) for a rewrite. Dev half of the interview bench (5 English
interviews, 158 catalogued names; bench/asr/correction-dev.md): 0.65 made one wrong rewrite ("use, Nik?" ->
"refusnik?"), 0.70 none; one step above that, 0.75, took name recall from 75 % to 78 % with no wrong rewrite."""

RESIDUAL_THRESHOLD = 0.5
"""When a run shares words with the name ("Alexander ..."), the least score of its other words against the name's
other words. Dev half: "Lerner" against "Voronel" scored 0.48 (a right name, not in the catalogue, that the overall
score would have rewritten); the right rewrites scored 0.54-0.90 ("in grandpa"/"Leningrad", "began"/"Begun")."""

MAX_SPAN_WORDS = 6
"""Longest run of heard words compared; a run is compared with names of at most two words fewer."""
MIN_HEARD_SHARE = 0.75
"""A run is rewritten only if it holds at least this share of the name's letters: "student struggle for" is not
"Student Struggle for Soviet Jewry" (that would write two words nobody heard)."""

MIN_LETTERS = 5
"""Spellings shorter than this (BBC, Rome, Nativ's "JDC") are not matched: their sound keys are two or three
letters and match too many ordinary words."""

PROPOSALS_PER_PLACE = 3
"""Candidates put to the model for one stretch of words (`NameCorrector.proposals`): each costs one scoring of the
stretch; on the dev half the rewrites the model accepted were each one of the three best-scoring there."""

CORRECTED_LANGUAGES = {"en": "eng"}
"""Transcript languages corrected, with the Hunspell (Tesseract-code) dictionary that says what an ordinary word is."""

IsOrdinary = Callable[[str], bool]

_EDGE = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)


def _letters(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if c.isalpha())


@dataclass(frozen=True)
class Spelling:
    """A way the archive writes a name or term, with its keys for matching."""

    text: str
    words: tuple[str, ...]
    letters: str
    sound: str
    ordinary: bool  # every word of it is an ordinary dictionary word

    @property
    def word_keys(self) -> frozenset[str]:
        return frozenset(_letters(w) for w in self.words)


def _similarity(heard: str, written: str) -> float:
    """Mean of sound-key (Metaphone, Levenshtein) and letter (Indel ratio) similarity, 0-1."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    return (Levenshtein.normalized_similarity(_sound(heard), _sound(written)) + fuzz.ratio(heard, written) / 100) / 2


def _sound(letters: str) -> str:
    import jellyfish

    return str(jellyfish.metaphone(letters))


def spellings(terms: Iterable[str], is_ordinary: IsOrdinary) -> list[Spelling]:
    """The distinct spellings worth matching (`MIN_LETTERS` letters or more), in the order given."""
    found: list[Spelling] = []
    seen: set[str] = set()
    for term in terms:
        text = " ".join(term.split())
        letters = _letters(text)
        if len(letters) < MIN_LETTERS or letters in seen:
            continue
        seen.add(letters)
        words = tuple(text.split())
        found.append(Spelling(text, words, letters, _sound(letters), all(is_ordinary(w) for w in words)))
    return found


@dataclass(frozen=True)
class NameMatch:
    """A run of heard words (`first`..`last`) that could be the catalogue's `spelling`, and how alike they are."""

    first: int
    last: int  # exclusive
    spelling: Spelling
    score: float


Accept = Callable[[list[Word], NameMatch], bool]
"""Whether a candidate rewrite of a run of these words may be made (`asr.name_check` asks the model)."""


class NameCorrector:
    """Rewrites misheard runs of words as the archive's spellings (see the module docstring)."""

    def __init__(self, vocabulary: Sequence[Spelling], is_ordinary: IsOrdinary,
                 threshold: float = MATCH_THRESHOLD, ordinary_runs: bool = False) -> None:
        self.vocabulary = list(vocabulary)
        self.is_ordinary = is_ordinary
        self.threshold = threshold
        self.ordinary_runs = ordinary_runs
        """Runs of ordinary words may become any name ("Sam is not" -> "samizdat"): only when the model's own
        hearing checks each rewrite (`asr.name_check`); a single ordinary word still never does."""
        self._sounds = [s.sound for s in self.vocabulary]

    def _candidates(self, words: list[Word], first: int, last: int) -> list[NameMatch]:
        from rapidfuzz import fuzz, process
        from rapidfuzz.distance import Levenshtein

        heard = words[first:last]
        letters = "".join(_letters(w.word) for w in heard)
        if len(letters) < MIN_LETTERS - 1:
            return []
        sound = _sound(letters)
        plain = [_letters(w.word) for w in heard]
        all_ordinary = all(self.is_ordinary(_EDGE.match(w.word).group(2)) for w in heard)  # type: ignore[union-attr]
        found: list[NameMatch] = []
        # Sound keys first (a cheap filter in C), then letters for the few that come close.
        for _, sound_score, index in process.extract(
            sound, self._sounds, scorer=Levenshtein.normalized_similarity, score_cutoff=0.5, limit=None
        ):
            spelling = self.vocabulary[index]
            # never more words than were heard ("Yom Kippur" is not "Yom Kippur War"), at most two fewer
            if not len(spelling.words) <= len(heard) <= len(spelling.words) + 2 or letters == spelling.letters:
                continue
            if len(letters) < MIN_HEARD_SHARE * len(spelling.letters):  # no word is written where none was heard
                continue
            if all_ordinary and (
                len(heard) == 1
                or (not self.ordinary_runs and (len(spelling.words) == 1 or not set(plain) & spelling.word_keys))
            ):
                continue
            score = (sound_score + fuzz.ratio(letters, spelling.letters) / 100) / 2
            if score < self.threshold:
                continue
            shared = set(plain) & spelling.word_keys
            if shared:  # "Alexander Lerner" is not "Alexander Voronel": the words not shared must match too
                rest = "".join(p for p in plain if p not in shared)
                wanted = "".join(_letters(w) for w in spelling.words if _letters(w) not in shared)
                if rest and wanted and _similarity(rest, wanted) < RESIDUAL_THRESHOLD:
                    continue
            found.append(NameMatch(first, last, spelling, score))
        return found

    def candidates(self, words: list[Word]) -> list[NameMatch]:
        """Every rewrite of a run of `words` that passes the rules, overlapping, in no useful order."""
        found: list[NameMatch] = []
        for first in range(len(words)):
            for last in range(first + 1, min(first + MAX_SPAN_WORDS, len(words)) + 1):
                found += self._candidates(words, first, last)
        return found

    def proposals(self, words: list[Word]) -> list[NameMatch]:
        """The candidates worth checking, best first.

        None over a name already spelt right; of the runs that overlap one another, only the best-scoring for each
        name ("Sharan's key" and "Natan Sharan's key" both read "Natan Sharansky": the better is put to the model),
        and at most `PROPOSALS_PER_PLACE` in all.
        """
        spans = self._exact(words)
        kept: list[NameMatch] = []
        for match in sorted(self.candidates(words), key=lambda m: (-m.score, -(m.last - m.first), m.first)):
            if any(match.first < end and start < match.last for start, end in spans):
                continue
            rivals = [k for k in kept if match.first < k.last and k.first < match.last]
            if len(rivals) >= PROPOSALS_PER_PLACE or any(k.spelling == match.spelling for k in rivals):
                continue
            kept.append(match)
        return kept

    def _exact(self, words: list[Word]) -> list[tuple[int, int]]:
        """Runs of `words` that already spell a name (letters alike)."""
        letters = [_letters(w.word) for w in words]
        known = {s.letters for s in self.vocabulary}
        return [
            (first, last) for first in range(len(words))
            for last in range(first + 1, min(first + MAX_SPAN_WORDS, len(words)) + 1)
            if "".join(letters[first:last]) in known
        ]

    def matches(self, words: list[Word], accept: Accept | None = None) -> list[NameMatch]:
        """The best non-overlapping rewrites of `words`, in order; `accept` may refuse a candidate first."""
        candidates = [m for m in self.candidates(words) if accept is None or accept(words, m)]
        # A run that already spells a name (letters alike, "Six -Day War") is right: nothing around it is
        # rewritten into the name, which would drop the neighbour ("The Six -Day War" -> "Six-Day War").
        exact = self._exact(words)
        chosen: list[NameMatch] = []
        taken = [False] * len(words)
        for start, end in exact:
            taken[start:end] = [True] * (end - start)
        for match in sorted(candidates, key=lambda m: (-m.score, -(m.last - m.first), m.first)):
            if any(taken[match.first : match.last]):
                continue
            taken[match.first : match.last] = [True] * (match.last - match.first)
            chosen.append(match)
        return sorted(chosen, key=lambda m: m.first)

    def correct(self, segment: Segment, accept: Accept | None = None) -> tuple[Segment, list[Correction]]:
        """`segment` with its misheard runs rewritten, and what was rewritten."""
        found = self.matches(segment.words, accept)
        if not found:
            return segment, []
        words: list[Word] = []
        corrections: list[Correction] = []
        position = 0
        for match in found:
            words += segment.words[position : match.first]
            heard = segment.words[match.first : match.last]
            written = _written(heard, match.spelling)
            words += written
            corrections.append(Correction(
                start=heard[0].start,
                end=heard[-1].end,
                heard=" ".join(w.word for w in heard),
                written=" ".join(w.word for w in written),
                score=round(match.score, 3),
                speaker=segment.speaker,
            ))
            position = match.last
        words += segment.words[position:]
        return replace(segment, words=words, text=" ".join(w.word for w in words)), corrections


def rewritten(words: list[Word], match: NameMatch) -> list[Word]:
    """`words` with the match's run replaced by the name."""
    return [*words[: match.first], *_written(words[match.first : match.last], match.spelling), *words[match.last :]]


def _written(heard: list[Word], spelling: Spelling) -> list[Word]:
    """The spelling's words in the heard words' time, keeping the punctuation around the run.

    Word for word when the counts agree; otherwise the run's time shared by letters.
    """
    lead = _EDGE.match(heard[0].word).group(1)  # type: ignore[union-attr]
    trail = _EDGE.match(heard[-1].word).group(3)  # type: ignore[union-attr]
    texts = list(spelling.words)
    texts[0] = lead + texts[0]
    texts[-1] = texts[-1] + trail
    probability = min(w.probability for w in heard)
    speaker = heard[0].speaker
    if len(texts) == len(heard):
        return [Word(h.start, h.end, t, probability, speaker) for h, t in zip(heard, texts, strict=True)]
    start, end = heard[0].start, heard[-1].end
    sizes = [max(len(_letters(t)), 1) for t in texts]
    total = sum(sizes)
    out: list[Word] = []
    clock = start
    for text, size in zip(texts, sizes, strict=True):
        after = clock + (end - start) * size / total
        out.append(Word(round(clock, 3), round(after, 3), text, probability, speaker))
        clock = after
    return out


def ordinary_words(language: str) -> IsOrdinary | None:
    """Whether a word is in the language's Hunspell dictionary; None when the language is not corrected."""
    lang = CORRECTED_LANGUAGES.get(language)
    if lang is None:
        return None
    from samizdat.ocr.quality import has_dictionary, known_word

    if not has_dictionary(lang):
        return None
    return lambda word: bool(word) and known_word(word, lang)


def archive_spellings(script: str, catalogue: Any = None) -> list[str]:
    """Every spelling of every authority entity in `script`, less those the list marks ambiguous ("Begun")."""
    from samizdat.asr.vocabulary import _in_script

    if catalogue is None:
        from samizdat.catalogue import load_catalogue

        catalogue = load_catalogue()
    return [
        name for entity in catalogue.entities.values() for name in entity.names
        if name not in entity.ambiguous and _in_script(name, script)
    ]


def corrector_for(
    language: str,
    metadata: ArchivistMetadata | None,
    catalogue: Any = None,
    threshold: float = MATCH_THRESHOLD,
    ordinary_runs: bool = False,
) -> NameCorrector | None:
    """The corrector for segments in `language` (the item's terms and the catalogue's), None if not corrected."""
    from samizdat.asr.vocabulary import metadata_terms, script_of

    is_ordinary = ordinary_words(language)
    if is_ordinary is None:
        return None
    return NameCorrector(
        spellings(metadata_terms(metadata) + archive_spellings(script_of(language), catalogue), is_ordinary),
        is_ordinary,
        threshold,
        ordinary_runs,
    )


class Checker(Protocol):
    """What the corrector needs from an acoustic check (`asr.name_check.NameCheck`)."""

    threshold: float
    ordinary_runs: bool

    def accept(self, words: list[Word], match: NameMatch) -> bool: ...


def correct_transcript(
    transcript: Transcript,
    metadata: ArchivistMetadata | None,
    catalogue: Any = None,
    threshold: float = MATCH_THRESHOLD,
    check: Checker | None = None,
) -> Transcript:
    """The transcript with misheard names rewritten (English segments), the rewrites in `corrections`.

    With `check` (the model's hearing of each candidate, gathered while the audio was at hand) the
    candidates come at the check's lower lexical threshold and a rewrite is made only where it accepts.
    """
    correctors: dict[str, NameCorrector | None] = {}
    segments: list[Segment] = []
    corrections: list[Correction] = []
    for segment in transcript.segments:
        language = segment.language or transcript.language or ""
        if language not in correctors:
            correctors[language] = (
                corrector_for(language, metadata, catalogue, threshold) if check is None
                else corrector_for(language, metadata, catalogue, check.threshold, check.ordinary_runs)
            )
        corrector = correctors[language]
        if corrector is None:
            segments.append(segment)
            continue
        fixed, made = corrector.correct(segment, None if check is None else check.accept)
        segments.append(fixed)
        corrections += made
    if not corrections:
        return transcript
    return replace(transcript, segments=segments, corrections=transcript.corrections + corrections)
