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


def whisper_normalise(text: str, language: str) -> list[str]:
    """Words after openai-whisper's own normaliser, as the issue asks WER to be scored.

    English: spelling and numbers ("nineteen seventy two" = "1972"); other languages: the basic one.
    """
    from whisper.normalizers import BasicTextNormalizer, EnglishTextNormalizer

    normaliser = EnglishTextNormalizer() if language == "en" else BasicTextNormalizer()
    return normaliser(text.replace("ё", "е").replace("Ё", "Е")).split()


def wer(reference: str, hypothesis: str, language: str | None = None) -> float:
    """(substitutions + deletions + insertions) / reference words, on normalised words.

    With `language`, both sides go through Whisper's normaliser (`whisper_normalise`); without, the
    simpler `normalise` above (the earlier rows of results.md were scored so).
    """
    if language:
        ref, hyp = whisper_normalise(reference, language), whisper_normalise(hypothesis, language)
    else:
        ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)


def _catalogue_spellings(language: str) -> list[tuple[str, list[str]]]:
    """(entity id, normalised spellings) for every authority entity, in the language's script."""
    from samizdat.asr.vocabulary import _in_script, script_of
    from samizdat.catalogue import load_catalogue

    script = script_of(language)
    result = []
    for entity in load_catalogue().entities.values():
        spellings = [" ".join(normalise(n)) for n in entity.names if _in_script(n, script)]
        spellings = sorted({s for s in spellings if s}, key=len, reverse=True)
        if spellings:
            result.append((entity.id, spellings))
    return result


def _stems(words: list[str], language: str) -> list[str]:
    """Russian names inflect (Щаранским, Нудель): compare Russian words by their first five letters."""
    return [w[:5] if language == "ru" and len(w) > 5 else w for w in words]


def name_mentions(text: str, language: str) -> dict[str, int]:
    """How often each catalogued entity is named in `text` (any listed spelling, whole words, longest first)."""
    words = _stems(normalise(text), language)
    taken = [False] * len(words)
    counts: dict[str, int] = {}
    for entity_id, spellings in _catalogue_spellings(language):
        for spelling in spellings:
            target = _stems(spelling.split(), language)
            size = len(target)
            for i in range(len(words) - size + 1):
                if words[i : i + size] == target and not any(taken[i : i + size]):
                    taken[i : i + size] = [True] * size
                    counts[entity_id] = counts.get(entity_id, 0) + 1
    return counts


def name_recall(reference: str, hypothesis: str, language: str) -> tuple[int, int]:
    """(catalogued names of the reference also in the hypothesis, catalogued names in the reference), by count."""
    wanted = name_mentions(reference, language)
    found = name_mentions(hypothesis, language)
    return sum(min(n, found.get(k, 0)) for k, n in wanted.items()), sum(wanted.values())


def diarization_error(truth_turns: list[dict[str, object]], segments: list[dict[str, object]]) -> float:
    """pyannote.metrics' diarization error rate (collar 0.25 s, overlap scored), words' times as the hypothesis."""
    import warnings

    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    reference, hypothesis = Annotation(), Annotation()
    for index, turn in enumerate(truth_turns):
        reference[Segment(float(turn["start"]), float(turn["end"])), index] = str(turn["speaker"])  # type: ignore[arg-type]
    for index, segment in enumerate(segments):
        start, end = float(segment["start"]), float(segment["end"])  # type: ignore[arg-type]
        if end > start:
            hypothesis[Segment(start, end), index] = str(segment.get("speaker"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(DiarizationErrorRate(collar=0.25)(reference, hypothesis))
