"""Transcribe a recording of any length: stream-decode, cut into windows at pauses, VAD, transcribe.

Memory depends on the window length, not on the tape length: a 120-minute interview holds at most one
window (10 minutes by default, 38 MB of samples) plus the model, and the C heap's free pages go back to the system
after each piece and window (`asr.heap`), so what the engines free does not pile up over the tape. Times of
segments and words are put back on the file's clock; the language is taken from the archivist's metadata when it
names one, otherwise detected per window (so a change of language between parts of an interview is kept on the
segments).

Speech goes to the engine in pieces cut between VAD spans, each at most one 30 s Whisper window.
With the item's metadata the decoder is prompted with the archive's vocabulary (`asr.vocabulary`); a piece
whose first decoding comes close to catalogue terms the generic prompt lacks is decoded again with its own
prompt (`asr.window_prompt`), and speakers are told apart (`asr.speakers`): embeddings are taken window by
window as the speech passes, clustered once at the end. A stereo file with one microphone per channel is transcribed
channel by channel instead, each channel one speaker.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from samizdat.asr import window_prompt
from samizdat.asr.audio_source import SAMPLE_RATE, AudioInfo, independent_channels, probe, stream_blocks
from samizdat.asr.correction import NameCorrector, correct_transcript, corrector_for
from samizdat.asr.engine import AsrEngine
from samizdat.asr.guards import clean_segments
from samizdat.asr.heap import release_free_memory
from samizdat.asr.languages import LanguagePolicy
from samizdat.asr.name_check import NameCheck
from samizdat.asr.registry import create_engine
from samizdat.asr.speakers import Diarizer, label_segments, name_speakers, speaker_hints
from samizdat.asr.vad import Span, VadSettings, everything, speech_spans
from samizdat.asr.vocabulary import (
    NO_PROMPT,
    PROMPT_BUDGET_TOKENS,
    Prompt,
    build_prompt,
    catalogue_terms,
    is_echo,
    metadata_terms,
    script_of,
)
from samizdat.asr.window_prompt import WindowPrompter
from samizdat.asr.windowing import Window, windows
from samizdat.models import ArchivistMetadata, Segment, Speaker, Transcript, Word
from samizdat.settings import AsrOptions

ProgressFn = Callable[[float, float, str], None]


@dataclass
class TranscribeOptions:
    """How the transcriber cuts the audio; the engine's own options live in `AsrOptions`."""

    window_s: float = 600.0
    vad: bool = True
    vad_settings: VadSettings | None = None
    piece_s: float = 120.0
    """Most speech handed to the engine per call. Whisper's feature extraction takes ~0.7 MB per second of
    audio it is given (measured: 423 MB for 600 s), so a speech-dense window goes in pieces, split
    between VAD spans (at pauses)."""
    one_window: bool = True
    """Pieces hold at most one Whisper window of speech (`WHISPER_WINDOW_S`, and never more than `piece_s`), so the
    engine never cuts a piece at its own 30 s edges, which fall wherever they fall, mid-sentence included (the demo
    interview: "the world was watching" heard as "the world" / "Cold War Watching."). Whisper carries nothing from one
    30 s window to the next here (`DecodeGuards.condition_on_previous_text` is off; the prompt goes before every
    window), so nothing is lost between pieces. Against 120 s pieces (paired runs, `DecodeGuards.tail_s` on for the
    one-window pieces): dev half WER 11.7 % -> 11.6 %, names 133 -> 135 of 158, CPU RTF 0.192 -> 0.178
    (bench/asr/window-pieces-tail-dev.md); test half, once, WER 31.8 % -> 31.1 %, names 256 -> 272 of 469, wrong
    rewrites 4 -> 2, CPU RTF 0.213 -> 0.212 (window-pieces-test.md). Without the tail stop one-window pieces cost
    0.235 against 0.182 on dev (window-pieces-dev.md): each piece's last 0.3-0.5 s took an encoder pass of its own."""
    vocabulary: bool = True
    prompt_budget: int = PROMPT_BUDGET_TOKENS
    correct_names: bool = True
    """Misheard names rewritten from the same vocabulary after decoding (`asr.correction`)."""
    check_names: bool = True
    """Each candidate rewrite put to the model on its own audio (`asr.name_check`), where the engine can score
    texts; without it the corrector's lexical threshold alone decides."""
    window_prompts: bool = True
    """Each piece of speech decoded again with its own prompt where a first decoding came close to catalogue terms
    the generic prompt lacks (`asr.window_prompt`)."""
    diarize: bool = True
    threads: int = 2

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
            vocabulary=options.vocabulary,
            correct_names=options.vocabulary,
            check_names=options.vocabulary,
            window_prompts=options.vocabulary and options.window_prompts,
            prompt_budget=options.prompt_budget,
            diarize=options.diarize,
            threads=options.threads,
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
        metadata: ArchivistMetadata | None = None,
    ) -> Transcript:
        """The timed transcript of `path`; `languages` are the archivist's ISO 639-1 codes, if any.

        `metadata`: the archivist's record, for the vocabulary prompt and the speakers' number and names.
        """
        transcript, check = self.hear_file(path, languages, progress, metadata)
        if not (self.options.correct_names and self.options.vad):  # like the prompt: only over speech VAD found
            return transcript
        return correct_transcript(transcript, metadata, check=check)

    def hear_file(
        self,
        path: Path,
        languages: Sequence[str] = (),
        progress: ProgressFn = _no_progress,
        metadata: ArchivistMetadata | None = None,
    ) -> tuple[Transcript, NameCheck | None]:
        """The transcript before name correction, and the model's verdicts on the rewrites it could get.

        The verdicts are None where the engine cannot score texts or the check is off.
        """
        info = probe(path)
        policy = LanguagePolicy(languages)
        run = _Run(self, policy, metadata)
        hints = speaker_hints(metadata)
        if self.options.diarize and independent_channels(path, info):
            segments, done_s = [], 0.0
            for channel in (0, 1):
                part, done_s = self._pass(path, info, run, progress, channel, channel / 2, 0.5)
                segments += [_on_speaker(s, str(channel)) for s in part]
            segments.sort(key=lambda s: (s.start, s.end))
            segments = clean_segments(segments)
        else:
            diarizer = Diarizer(threads=self.options.threads) if self.options.diarize else None
            segments, done_s = self._pass(path, info, run, progress, None, 0.0, 1.0, diarizer)
            segments = clean_segments(segments)
            if diarizer is not None:
                segments = label_segments(segments, diarizer.timeline(hints.count))
        speakers: list[Speaker] = []
        if self.options.diarize:
            segments, speakers = name_speakers(segments, hints)
        segments = [s for s in segments if not any(is_echo(s.text, p) for p in run.used_prompts())]
        language, probability = policy.overall()
        transcript = Transcript(
            segments=segments,
            language=language,
            language_probability=probability,
            duration_s=round(done_s, 3),
            speakers=speakers,
        )
        return transcript, run.check

    def _pass(
        self,
        path: Path,
        info: AudioInfo,
        run: _Run,
        progress: ProgressFn,
        channel: int | None,
        share_done: float,
        share: float,
        diarizer: Diarizer | None = None,
    ) -> tuple[list[Segment], float]:
        """One pass over the file (or one channel of it): segments on the file's clock, seconds covered."""
        total_min = (info.duration_s or 0.0) / 60
        segments: list[Segment] = []
        done_s = 0.0
        if share_done == 0.0:
            progress(0.0, total_min, "minutes")
        for window in windows(stream_blocks(path, info, channel), self.options.window_s, self._spans):
            segments.extend(self._transcribe_window(window, run))
            if diarizer is not None:
                diarizer.add(window.audio, window.spans, window.offset_s)
            release_free_memory()  # the window's buffers, VAD's and the diarizer's, go back (`asr.heap`)
            done_s = window.offset_s + window.duration_s
            total = max(total_min, done_s / 60)
            progress(share_done * total + share * done_s / 60, total, "minutes")
        return segments, done_s

    def _transcribe_window(self, window: Window, run: _Run) -> list[Segment]:
        if not window.spans:
            return []
        policy = run.policy
        language = policy.choose(self.engine, _opening(window, 30 * SAMPLE_RATE))
        prompt = run.prompt(language)
        restored: list[Segment] = []
        for spans in pieces(window.spans, self._piece_samples()):
            speech = np.concatenate([window.audio[s.start : s.end] for s in spans])
            clock = SpeechClock(spans, window.offset_s)
            heard, used = self._decode(speech, language, prompt), prompt
            focused = run.focused(language, heard)
            if focused is not None:
                again = self._decode(speech, language, focused)
                run.redecoded_s += speech.size / SAMPLE_RATE
                if window_prompt.choose(heard, again):
                    heard, used = again, focused
            piece: list[Segment] = []
            for segment in heard:
                piece += clock.restore(segment)
            for segment in piece:
                segment.language = segment.language or language
            run.judge_names(piece, window, language, used)
            restored += piece
            policy.record(language, speech.size / SAMPLE_RATE)
            release_free_memory()  # the engine's buffers for this piece go back before the next (`asr.heap`)
        return restored

    def _piece_samples(self) -> int:
        """Most samples of speech in one piece (a single VAD span longer than this still goes whole)."""
        seconds = self.options.piece_s
        if self.options.one_window:
            seconds = min(seconds, WHISPER_WINDOW_S)
        return int(seconds * SAMPLE_RATE)

    def _decode(self, speech: np.ndarray, language: str, prompt: Prompt) -> list[Segment]:
        """One decoding of a piece with `prompt`, the speech a prompted decoder skipped heard again without it."""
        heard = self.engine.transcribe(speech, language, prompt.text)
        if prompt.text:
            heard = self._fill_gaps(speech, heard, language)
        return heard

    def _fill_gaps(self, speech: np.ndarray, heard: list[Segment], language: str) -> list[Segment]:
        """Speech the prompted decoder skipped, heard again without the prompt.

        With a prompt, Whisper base sometimes opens a 30 s window with a late timestamp and drops what
        came before it (a test interview: the first segment of a 75 s piece at 23.1 s, its first 23 s of
        speech gone; without the prompt it starts at 0.0; the same with `initial_prompt`). VAD left no
        pause of more than `SKIP_GAP_S` in `speech`, so a longer stretch without words was skipped.
        """
        ends = [0.0] + [s.end for s in heard]
        starts = [s.start for s in heard] + [speech.size / SAMPLE_RATE]
        filled: list[Segment] = list(heard)
        for gap_start, gap_end in zip(ends, starts, strict=True):
            if gap_end - gap_start < SKIP_GAP_S:
                continue
            first, last = int(gap_start * SAMPLE_RATE), int(gap_end * SAMPLE_RATE)
            for segment in self.engine.transcribe(speech[first:last], language, ""):
                filled.append(_shifted(segment, gap_start))
        return sorted(filled, key=lambda s: s.start)


WHISPER_WINDOW_S = 30.0
"""What Whisper hears at once: longer audio it decodes 30 s at a time, each next window starting at the last timestamp
it wrote, so a sentence across that edge is cut wherever the 30 s fall, not at a pause."""

SKIP_GAP_S = 4.0
"""A stretch of VAD speech this long with no words in it was skipped by the decoder. VAD keeps pauses under
2 s inside speech and pads each stretch by 0.8 s, so concatenated speech holds no silence over 3.6 s."""


def _shifted(segment: Segment, offset: float) -> Segment:
    return replace(
        segment,
        start=segment.start + offset,
        end=segment.end + offset,
        words=[replace(w, start=w.start + offset, end=w.end + offset) for w in segment.words],
    )


class _Run:
    """One file's language policy and its vocabulary prompts (one per script, built when first needed)."""

    def __init__(self, transcriber: Transcriber, policy: LanguagePolicy, metadata: ArchivistMetadata | None) -> None:
        self.policy = policy
        self.prompts: dict[str, Prompt] = {}
        self._transcriber = transcriber
        self._item_terms = metadata_terms(metadata)
        self._metadata = metadata
        options = transcriber.options
        self.scorer = getattr(transcriber.engine, "score_texts", None)
        self.check = NameCheck() if self.scorer is not None and options.check_names and options.vad else None
        self._correctors: dict[str, NameCorrector | None] = {}
        self._prompters: dict[str, WindowPrompter | None] = {}
        self.focused_prompts: list[Prompt] = []
        """The pieces' own prompts, each once, in the order first used."""
        self.redecoded_s = 0.0
        """Seconds of speech decoded a second time with a piece's own prompt."""

    def used_prompts(self) -> list[Prompt]:
        """Every prompt a decoding of this file may have read (`is_echo` looks for each)."""
        return [*self.prompts.values(), *self.focused_prompts]

    def focused(self, language: str, heard: list[Segment]) -> Prompt | None:
        """The piece's own prompt from its first decoding, or None when the piece is decoded once."""
        generic = self.prompt(language)
        options = self._transcriber.options
        if generic.empty or not options.window_prompts or not heard:
            return None
        script = script_of(language)
        if script not in self._prompters:
            count = getattr(self._transcriber.engine, "count_tokens", None)
            self._prompters[script] = None if count is None else WindowPrompter.build(
                generic, self._item_terms, catalogue_terms(script), script, count, options.prompt_budget
            )
        prompter = self._prompters[script]
        prompt = None if prompter is None else prompter.focused(heard)
        if prompt is not None and prompt not in self.focused_prompts:
            self.focused_prompts.append(prompt)
        return prompt

    def judge_names(self, segments: list[Segment], window: Window, language: str, prompt: Prompt) -> None:
        """The model's verdict on each candidate name rewrite of `segments`, while the window's audio is here."""
        if self.check is None or not segments:
            return
        if language not in self._correctors:
            self._correctors[language] = corrector_for(
                language, self._metadata, threshold=self.check.threshold, ordinary_runs=self.check.ordinary_runs
            )
        corrector = self._correctors[language]
        if corrector is not None:
            self.check.judge(segments, window.audio, window.offset_s, corrector,
                             self._transcriber.engine, language, prompt.text)  # type: ignore[arg-type]

    def prompt(self, language: str) -> Prompt:
        """The vocabulary prompt for a window in `language` (empty when vocabulary is switched off)."""
        options = self._transcriber.options
        if not options.vocabulary or not options.vad:
            # Over non-speech a prompted decoder invents text: with VAD off, 45 s of tape hiss after a
            # sentence gave "Thank you." and a five-fold "the Holy Spirit" loop with the prompt, nothing
            # without it (tests/test_asr_vocabulary.py). The prompt is only for speech VAD found.
            return NO_PROMPT
        script = script_of(language)
        if script != "latin":
            # Measured with Russian: the real corpus clip went from 0 % to 50 % WER with the Cyrillic prompt
            # ("нейронные" heard as "Нью-Йоронной", after Нью-Йорк in the list), the dev espeak interview
            # from 94.8 % to 99.5 %, and the test one lost every segment but a recital of names. English
            # (Latin script) gained on every dev interview. Other scripts get no prompt until measured.
            return NO_PROMPT
        if script not in self.prompts:
            count = getattr(self._transcriber.engine, "count_tokens", None)
            if count is None:
                self.prompts[script] = NO_PROMPT
            else:
                self.prompts[script] = build_prompt(
                    self._item_terms, catalogue_terms(script), count, options.prompt_budget
                )
        return self.prompts[script]


def _on_speaker(segment: Segment, speaker: str) -> Segment:
    return replace(segment, speaker=speaker, words=[replace(w, speaker=speaker) for w in segment.words])


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
