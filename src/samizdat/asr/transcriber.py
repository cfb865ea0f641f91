"""Transcribe a recording of any length: stream-decode, cut into windows at pauses, VAD, transcribe.

Memory depends on the window length, not on the tape length: a 120-minute interview holds at most one
window (10 minutes by default, 38 MB of samples) plus the model. Times of segments and words are put
back on the file's clock; the language is taken from the archivist's metadata when it names one,
otherwise detected per window (so a change of language between parts of an interview is kept on the
segments).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from samizdat.asr.audio_source import SAMPLE_RATE, probe, stream_blocks
from samizdat.asr.engine import AsrEngine, create_engine
from samizdat.asr.guards import clean_segments
from samizdat.asr.languages import LanguagePolicy
from samizdat.asr.vad import Span, VadSettings, everything, speech_spans
from samizdat.asr.windowing import Window, windows
from samizdat.models import Segment, Transcript, Word
from samizdat.settings import AsrOptions

ProgressFn = Callable[[float, float, str], None]


@dataclass
class TranscribeOptions:
    """How the transcriber cuts the audio; the engine's own options live in `AsrOptions`."""

    window_s: float = 600.0
    vad: bool = True
    vad_settings: VadSettings | None = None
    piece_s: float = 120.0
    """Speech handed to the engine per call. Whisper's feature extraction takes ~0.7 MB per second of
    audio it is given (measured: 423 MB for 600 s), so a speech-dense window goes in pieces, split
    between VAD spans (at pauses)."""

    @classmethod
    def from_options(cls, options: AsrOptions) -> TranscribeOptions:
        """The transcriber's share of the ASR settings (`SAMIZDAT_ASR__WINDOW_S`, `..._VAD`, ...)."""
        return cls(
            window_s=options.window_s,
            vad=options.vad,
            vad_settings=VadSettings(
                threshold=options.vad_threshold,
                min_silence_ms=options.vad_min_silence_ms,
                speech_pad_ms=options.vad_speech_pad_ms,
            ),
        )


def _no_progress(done: float, total: float, unit: str) -> None:
    """Nobody listens."""


class Transcriber:
    """Runs one engine over whole recordings, window by window."""

    def __init__(self, engine: AsrEngine, options: TranscribeOptions | None = None) -> None:
        self.engine = engine
        self.options = options or TranscribeOptions()

    @classmethod
    def from_settings(cls, options: AsrOptions, model_dir: Path) -> Transcriber:
        """The engine `options.engine` names (loaded once per process), with the windowing options."""
        return cls(create_engine(options, model_dir), TranscribeOptions.from_options(options))

    def _spans(self, audio: np.ndarray) -> list[Span]:
        return speech_spans(audio, self.options.vad_settings) if self.options.vad else everything(audio)

    def transcribe_file(
        self,
        path: Path,
        languages: Sequence[str] = (),
        progress: ProgressFn = _no_progress,
    ) -> Transcript:
        """The timed transcript of `path`; `languages` are the archivist's ISO 639-1 codes, if any."""
        info = probe(path)
        total_min = (info.duration_s or 0.0) / 60
        policy = LanguagePolicy(languages)
        segments: list[Segment] = []
        done_s = 0.0
        progress(0.0, total_min, "minutes")
        for window in windows(stream_blocks(path, info), self.options.window_s, self._spans):
            segments.extend(self._transcribe_window(window, policy))
            done_s = window.offset_s + window.duration_s
            progress(done_s / 60, max(total_min, done_s / 60), "minutes")
        language, probability = policy.overall()
        return Transcript(
            segments=clean_segments(segments),
            language=language,
            language_probability=probability,
            duration_s=round(done_s, 3),
        )

    def _transcribe_window(self, window: Window, policy: LanguagePolicy) -> list[Segment]:
        if not window.spans:
            return []
        language = policy.choose(self.engine, _opening(window, 30 * SAMPLE_RATE))
        restored: list[Segment] = []
        for spans in pieces(window.spans, int(self.options.piece_s * SAMPLE_RATE)):
            speech = np.concatenate([window.audio[s.start : s.end] for s in spans])
            clock = SpeechClock(spans, window.offset_s)
            for segment in self.engine.transcribe(speech, language):
                restored += clock.restore(segment)
            policy.record(language, speech.size / SAMPLE_RATE)
        for segment in restored:
            segment.language = segment.language or language
        return restored


def _opening(window: Window, samples: int) -> np.ndarray:
    """The first `samples` of speech in the window (what language detection listens to)."""
    taken: list[np.ndarray] = []
    size = 0
    for span in window.spans:
        if size >= samples:
            break
        part = window.audio[span.start : min(span.end, span.start + samples - size)]
        taken.append(part)
        size += part.size
    return np.concatenate(taken)


def pieces(spans: list[Span], limit: int) -> list[list[Span]]:
    """Consecutive spans grouped so each group holds at most `limit` samples (a longer span stays whole)."""
    groups: list[list[Span]] = []
    size = 0
    for span in spans:
        if groups and size + span.samples <= limit:
            groups[-1].append(span)
            size += span.samples
        else:
            groups.append([span])
            size = span.samples
    return groups


class SpeechClock:
    """Maps times in concatenated speech back to times in the file (VAD cut the pauses out)."""

    def __init__(self, spans: list[Span], offset_s: float) -> None:
        self._starts: list[float] = []  # where each span begins in the concatenation, seconds
        self._origins: list[float] = []  # where it begins in the file, seconds
        self._ends: list[float] = []
        position = 0
        for span in spans:
            self._starts.append(position / SAMPLE_RATE)
            self._origins.append(offset_s + span.start / SAMPLE_RATE)
            position += span.samples
            self._ends.append(position / SAMPLE_RATE)

    def time(self, t: float, is_end: bool = False) -> float:
        """File time of concatenated-speech time `t`; an end exactly on a seam stays in the earlier span."""
        index = bisect.bisect_left(self._ends, t) if is_end else bisect.bisect_right(self._ends, t)
        index = min(index, len(self._starts) - 1)
        local = min(t - self._starts[index], self._ends[index] - self._starts[index])
        return round(self._origins[index] + max(local, 0.0), 3)

    def _index(self, t: float) -> int:
        return min(bisect.bisect_right(self._ends, t), len(self._starts) - 1)

    def _span_end(self, t: float) -> float:
        """File time where the span holding concatenated time `t` ends."""
        index = self._index(t)
        return round(self._origins[index] + self._ends[index] - self._starts[index], 3)

    def word(self, word: Word) -> Word:
        """A word on the file's clock; it ends in the span it starts in (VAD never cuts inside a word)."""
        start = self.time(word.start)
        end = min(self.time(word.end, is_end=True), self._span_end(word.start))
        return Word(start, max(start, end), word.word, word.probability)

    def restore(self, segment: Segment, split_gap_s: float = 2.0) -> list[Segment]:
        """The segment on the file's clock, split where its words straddle a cut-out pause.

        Whisper hears the concatenated speech, so one of its segments may run across a pause VAD
        removed; on the file's clock that would be one cue lasting through a long silence.
        """
        words = [self.word(w) for w in segment.words]
        if not words:
            start = self.time(segment.start)
            end = min(self.time(segment.end, is_end=True), self._span_end(segment.start))
            return [replace(segment, start=start, end=max(start, end), words=[])]
        groups: list[list[Word]] = [[words[0]]]
        for previous, current in zip(words, words[1:], strict=False):
            if current.start - previous.end >= split_gap_s:
                groups.append([])
            groups[-1].append(current)
        if len(groups) == 1:
            return [replace(segment, start=words[0].start, end=words[-1].end, words=words)]
        return [
            replace(segment, start=g[0].start, end=g[-1].end, words=g, text=" ".join(w.word for w in g))
            for g in groups
        ]
