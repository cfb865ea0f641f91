"""Which language to tell Whisper, window by window.

The archivist's metadata wins: one language given means every window is transcribed in it (base
Whisper mistakes robotic or accented Russian for other languages). Several given means each window
is detected among those only. None given means each window is detected freely. The interview's
language is the one that covered the most speech.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from samizdat.asr.engine import AsrEngine
from samizdat.languages import OLD_CODES


def whisper_languages() -> frozenset[str]:
    """Every language code Whisper's multilingual models accept."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


def normalise(codes: Sequence[str]) -> list[str]:
    """ISO 639-1 codes Whisper knows, in order, without duplicates; unknown codes are dropped."""
    known = whisper_languages()
    result: list[str] = []
    for code in codes:
        value = OLD_CODES.get(str(code).strip().lower(), str(code).strip().lower())
        value = value.split("-")[0].split("_")[0]
        if value in known and value not in result:
            result.append(value)
    return result


class LanguagePolicy:
    """Chooses each window's language and remembers how much speech each covered."""

    def __init__(self, given: Sequence[str]) -> None:
        self.candidates = normalise(given)
        self._speech_s: dict[str, float] = {}
        self._probability: dict[str, float] = {}

    def choose(self, engine: AsrEngine, speech: np.ndarray) -> str:
        """The language to transcribe `speech` in."""
        if len(self.candidates) == 1:
            self._probability.setdefault(self.candidates[0], 1.0)
            return self.candidates[0]
        ranked = engine.detect_language(speech)
        if self.candidates:
            ranked = [(code, p) for code, p in ranked if code in self.candidates] or [(self.candidates[0], 0.0)]
        code, probability = ranked[0] if ranked else ("en", 0.0)
        self._probability[code] = max(self._probability.get(code, 0.0), probability)
        return code

    def record(self, language: str, speech_s: float) -> None:
        """`speech_s` seconds of speech were transcribed in `language`."""
        self._speech_s[language] = self._speech_s.get(language, 0.0) + speech_s

    def overall(self) -> tuple[str | None, float | None]:
        """The interview's language (most speech) and its detection probability."""
        if not self._speech_s:
            return (self.candidates[0], None) if self.candidates else (None, None)
        language = max(self._speech_s, key=lambda code: self._speech_s[code])
        return language, round(self._probability.get(language, 0.0), 4)
