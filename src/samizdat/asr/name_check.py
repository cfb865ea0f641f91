"""The model's own hearing as the judge of a name rewrite.

The name corrector (`asr.correction`) proposes rewrites from spelling and sound alone; below its
lexical threshold it proposes wrong ones too ("Alidmander Learner" -> "Alexander Voronel"). Here each
proposal is put to Whisper itself: the segment's text as decoded and the same text with the name in
place are both scored on that segment's audio (the sum of the token log-probabilities CTranslate2's
`align` gives, with the vocabulary prompt read first, as when it was decoded). A candidate the corrector
alone would not make (below `TRUSTED`, down to `CANDIDATE_THRESHOLD`) is rewritten only when the text with
the name loses no more than `MARGIN` in log-probability against the text heard: the decoder chose the text
heard, so a right name seldom wins outright, but a wrong one is far less likely.

Measured (bench/asr/name-check-dev.md, name-check-test.md; kept decodings, so the same decoding before and
after): dev half names 78 % -> 81 %, no wrong rewrite; test half 43 % -> 45 %, WER 34.3 % -> 33.9 %, one
wrong rewrite more ("prison of Mount Zion" -> "Prisoner of Zion", the reference says "Prisoners of Zion"),
for 1.7 CPU seconds per minute of tape.

This runs window by window while the audio is in memory (`NameCheck.judge`); the verdicts are kept by
the words' times and the name, and the corrector asks for them at the end (`NameCheck.accept`), after
speakers are labelled and echoes dropped. A candidate nobody judged is refused.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from samizdat.asr.audio_source import SAMPLE_RATE
from samizdat.asr.correction import MATCH_THRESHOLD, NameCorrector, NameMatch, rewritten
from samizdat.models import Segment, Word

CANDIDATE_THRESHOLD = 0.60
"""Least lexical score (`correction._similarity`) of a candidate put to the model. Dev half (5 interviews, 158
catalogued names, bench/asr/name-check-dev.md), with `MARGIN` -3 and `TRUSTED` 0.75: 0.55 made a wrong rewrite
("Melanand" -> "Poland"), 0.60 none and the same name recall (81 %; the corrector alone 78 %), 0.65 80 %."""

MARGIN = -3.0
"""Least gain in log-probability (natural log, the whole stretch's text) of the text with the name over the text
heard. Negative: the decoder chose the text heard, so the model nearly always finds it a little more likely;
what the check refuses is a name it finds far less likely. Dev half at 0.60: margin 0 or more let no rewrite below
`TRUSTED` through, -1 two, -2 four, -3 and -4 five, all right (81 % names); at 0.55, -3 let one wrong one through."""

ORDINARY_RUNS = False
"""Runs of ordinary words ("Sam is not" -> "samizdat") are not proposed. Dev half: with them, at best 82 % names
(0.65, -3) but one margin step either way made wrong rewrites ("refuse and if" -> "refuseniks", "the
demonstrations" -> "United Nations"), and they are most of the candidates (the check's cost)."""

TRUSTED = MATCH_THRESHOLD
"""Candidates scoring this by letters and sound are rewritten without asking the model: the corrector's own threshold,
which made no wrong rewrite on the dev half; with the check deciding those too, name recall fell (0.60, -3: 80 %
instead of 81 %), since a right rewrite can lower the likelihood of a stretch the model decoded otherwise."""

PAD_S = 0.3
"""Audio taken either side of a segment's words: word timings from cross-attention are ±0.2 s or so."""

MAX_CLIP_S = 30.0
"""Whisper hears at most 30 s at once."""


class TextScorer(Protocol):
    """An engine that can say how likely texts are as the words of a stretch of audio."""

    def score_texts(self, audio: np.ndarray, texts: Sequence[str], language: str, prompt: str = "") -> list[float]:
        ...


Key = tuple[float, float, str]


def _key(words: list[Word], match: NameMatch) -> Key:
    return (round(words[match.first].start, 3), round(words[match.last - 1].end, 3), match.spelling.text)


def _text(words: list[Word]) -> str:
    return " ".join(w.word for w in words)


@dataclass
class NameCheck:
    """Verdicts of the model on candidate rewrites, gathered window by window."""

    threshold: float = CANDIDATE_THRESHOLD
    margin: float = MARGIN
    ordinary_runs: bool = ORDINARY_RUNS
    trusted: float = TRUSTED
    gains: dict[Key, float] = field(default_factory=dict)
    """Log-probability of the text with the name minus that of the text heard, per candidate."""
    scored_s: float = 0.0
    """Seconds of audio the model scored."""
    cpu_s: float = 0.0
    """CPU seconds the check took (the process's, while judging)."""

    def judge(
        self,
        segments: Sequence[Segment],
        audio: np.ndarray,
        offset_s: float,
        corrector: NameCorrector,
        scorer: TextScorer,
        language: str,
        prompt: str = "",
    ) -> None:
        """Score every candidate of `segments` (file clock) on `audio`, which starts at `offset_s` in the file.

        Consecutive segments are heard together, up to `MAX_CLIP_S` at a time (one pass of the encoder for
        all of them, as when they were decoded); each candidate is scored as that whole stretch's text with
        the name in place, against the stretch's text as heard.
        """
        started = time.process_time()
        for group in _stretches([s for s in segments if s.words]):
            heard = [s.words for s in group]
            texts = [" ".join(_text(w) for w in heard)]
            keys: list[Key] = []
            for index, words in enumerate(heard):
                for match in corrector.proposals(words):
                    if match.score >= self.trusted:
                        continue
                    key = _key(words, match)
                    if key in self.gains or key in keys:
                        continue
                    keys.append(key)
                    texts.append(" ".join(
                        _text(rewritten(w, match) if i == index else w) for i, w in enumerate(heard)
                    ))
            if not keys:
                continue
            first = max(0, int((heard[0][0].start - offset_s - PAD_S) * SAMPLE_RATE))
            last = min(audio.size, int((heard[-1][-1].end - offset_s + PAD_S) * SAMPLE_RATE))
            if last <= first:
                continue
            scores = scorer.score_texts(audio[first:last], texts, language, prompt)
            self.scored_s += (last - first) / SAMPLE_RATE
            for key, score in zip(keys, scores[1:], strict=True):
                self.gains[key] = score - scores[0]
        self.cpu_s += time.process_time() - started

    def accept(self, words: list[Word], match: NameMatch) -> bool:
        """Whether the model heard the name here (a candidate it never judged is refused).

        A candidate at or above `trusted` (the lexical threshold that alone made no wrong rewrite on the dev
        half) is made without asking.
        """
        if match.score >= self.trusted:
            return True
        gain = self.gains.get(_key(words, match))
        return gain is not None and gain >= self.margin


def _stretches(segments: list[Segment]) -> list[list[Segment]]:
    """Consecutive segments grouped so that each group's words, padded, fit in `MAX_CLIP_S`."""
    groups: list[list[Segment]] = []
    for segment in segments:
        if groups and segment.words[-1].end - groups[-1][0].words[0].start + 2 * PAD_S <= MAX_CLIP_S:
            groups[-1].append(segment)
        else:
            groups.append([segment])
    return groups
