"""Long audio in windows cut at pauses, times put back on the file's clock, guards against loops."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from samizdat.asr.audio_source import SAMPLE_RATE
from samizdat.asr.guards import clean_segments, compression_ratio
from samizdat.asr.languages import LanguagePolicy, normalise
from samizdat.asr.transcriber import SpeechClock, TranscribeOptions, Transcriber
from samizdat.asr.vad import Span
from samizdat.asr.windowing import choose_cut, windows
from samizdat.models import Segment, Word

S = SAMPLE_RATE


def test_cut_falls_in_the_middle_of_the_latest_pause_in_the_second_half() -> None:
    spans = [Span(0, 100 * S), Span(200 * S, 400 * S), Span(420 * S, 600 * S - S // 2)]
    assert choose_cut(spans, 600 * S, 600 * S) == 410 * S


def test_cut_uses_a_long_trailing_pause_and_ignores_a_short_one() -> None:
    assert choose_cut([Span(0, 500 * S)], 600 * S, 600 * S) == 550 * S
    assert choose_cut([Span(0, 100 * S), Span(110 * S, 599 * S + S // 2)], 600 * S, 600 * S) == 600 * S


def test_pure_silence_is_one_window() -> None:
    assert choose_cut([], 600 * S, 600 * S) == 600 * S


def _speech_every_minute(audio: np.ndarray) -> list[Span]:
    """A fake VAD: audio above 0.5 is speech."""
    loud = np.flatnonzero(np.abs(audio) > 0.5)
    if loud.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(loud) > 1)
    starts = np.concatenate([[loud[0]], loud[breaks + 1]])
    ends = np.concatenate([loud[breaks] + 1, [loud[-1] + 1]])
    return [Span(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def _blocks(audio: np.ndarray, size: int) -> list[np.ndarray]:
    return [audio[i : i + size] for i in range(0, audio.size, size)]


def test_windows_cover_the_stream_exactly_without_overlap_and_never_cut_speech() -> None:
    rate_scale = 100  # 100 samples per "second" keeps the test small
    audio = np.zeros(3600 * rate_scale, dtype=np.float32)
    talks = [(t * rate_scale, (t + 40) * rate_scale) for t in range(5, 3600, 60)]  # 40 s talk per minute
    for a, b in talks:
        audio[a:b] = 1.0
    seen = []
    position = 0
    for window in windows(_blocks(audio, 30 * rate_scale), 600 * rate_scale / S, _speech_every_minute):
        assert window.offset_s * S == position
        assert window.audio.size <= (600 + 30) * rate_scale
        position += window.audio.size
        for span in window.spans:
            seen.append((int(window.offset_s * S) + span.start, int(window.offset_s * S) + span.end))
    assert position == audio.size
    assert seen == talks


def test_pieces_keep_spans_whole_and_in_order() -> None:
    from samizdat.asr.transcriber import pieces

    spans = [Span(0, 50), Span(60, 100), Span(120, 130), Span(140, 300), Span(310, 320)]
    assert pieces(spans, 100) == [[Span(0, 50), Span(60, 100), Span(120, 130)], [Span(140, 300)], [Span(310, 320)]]


@pytest.mark.parametrize("piece_s", [120.0, 20.0])
def test_pieces_are_cut_between_spans_and_fit_one_whisper_window(piece_s: float) -> None:
    from samizdat.asr.transcriber import WHISPER_WINDOW_S, pieces

    rng = np.random.default_rng(3)
    spans, position = [], 0
    for _ in range(200):  # VAD-like spans: 0.5 to 31.6 s (30 s cap plus 2 x 0.8 s pad), pauses of 2 to 10 s
        position += int(rng.uniform(2, 10) * S)
        length = int(rng.uniform(0.5, 31.6) * S)
        spans.append(Span(position, position + length))
        position += length
    limit = Transcriber(ScriptedEngine(), TranscribeOptions(piece_s=piece_s))._piece_samples()
    assert limit == int(min(piece_s, WHISPER_WINDOW_S) * S)

    groups = pieces(spans, limit)

    assert [span for group in groups for span in group] == spans  # whole spans, in order, each once
    for group in groups:
        assert len(group) == 1 or sum(span.samples for span in group) <= limit
    assert any(len(group) > 1 for group in groups) and any(group[0].samples > limit for group in groups)
    old = Transcriber(ScriptedEngine(), TranscribeOptions(one_window=False))._piece_samples()
    assert max(sum(span.samples for span in group) for group in pieces(spans, old)) > WHISPER_WINDOW_S * S


def test_speech_clock_restores_file_times_across_cut_out_pauses() -> None:
    clock = SpeechClock([Span(2 * S, 4 * S), Span(10 * S, 13 * S)], offset_s=600.0)
    assert clock.time(0.0) == 602.0
    assert clock.time(1.5) == 603.5
    assert clock.time(2.0, is_end=True) == 604.0
    assert clock.time(2.0) == 610.0
    assert clock.time(4.0) == 612.0
    (moved,) = clock.restore(Segment(1.0, 1.9, "a b", words=[Word(1.0, 1.5, "a", 0.9), Word(1.5, 1.9, "b", 0.8)]))
    assert (moved.start, moved.end, moved.text) == (603.0, 603.9, "a b")
    assert [(w.start, w.end) for w in moved.words] == [(603.0, 603.5), (603.5, 603.9)]


def test_a_segment_across_a_cut_out_pause_is_split_and_no_word_ends_after_the_pause() -> None:
    clock = SpeechClock([Span(2 * S, 4 * S), Span(60 * S, 63 * S)], offset_s=0.0)
    words = [Word(1.0, 1.5, "so", 0.9), Word(1.5, 2.04, "long.", 0.9), Word(2.1, 2.5, "Then", 0.9)]
    parts = clock.restore(Segment(1.0, 2.5, "So long. Then", words=words))
    assert [(p.start, p.end, p.text) for p in parts] == [(3.0, 4.0, "so long."), (60.1, 60.5, "Then")]


class ScriptedEngine:
    """A fake engine: one segment per call, naming how much speech it was given."""

    name = "scripted 1.0"

    def __init__(self) -> None:
        self.calls: list[tuple[float, str]] = []

    def detect_language(self, audio: np.ndarray) -> list[tuple[str, float]]:
        return [("ru", 0.7), ("en", 0.2), ("uk", 0.1)]

    def transcribe(self, audio: np.ndarray, language: str, prompt: str = "") -> list[Segment]:
        self.calls.append((audio.size / S, language))
        seconds = audio.size / S
        return [Segment(0.0, seconds, f"speech {len(self.calls)}", words=[Word(0.0, seconds, "speech", 0.9)])]


@pytest.mark.parametrize(("one_window", "calls", "longest"), [(True, (25, 25), 30), (False, (7, 9), 120)])
def test_transcriber_windows_a_long_file_and_reports_minutes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, one_window: bool, calls: tuple[int, int], longest: float
) -> None:
    import samizdat.asr.transcriber as transcriber_module
    from samizdat.asr.audio_source import AudioInfo

    total_s = 25 * 60
    audio = np.zeros(total_s * S, dtype=np.float32)
    for minute in range(25):
        audio[(minute * 60 + 10) * S : (minute * 60 + 40) * S] = 1.0  # 30 s of "speech" a minute
    monkeypatch.setattr(transcriber_module, "probe", lambda path: AudioInfo(total_s, S, 1, "pcm"))
    monkeypatch.setattr(transcriber_module, "stream_blocks", lambda *args: iter(_blocks(audio, 30 * S)))
    monkeypatch.setattr(transcriber_module, "speech_spans", lambda a, settings: _speech_every_minute(a))
    engine = ScriptedEngine()
    reports: list[tuple[float, float, str]] = []

    options = TranscribeOptions(window_s=600, diarize=False, one_window=one_window)
    transcript = Transcriber(engine, options).transcribe_file(
        tmp_path / "tape.wav", progress=lambda d, t, u: reports.append((d, t, u))
    )

    # 25 minutes in windows of at most 10 minutes; their 12.5 minutes of speech (one 30 s span a minute) in pieces
    # of one Whisper window each, or without that limit in pieces of at most `piece_s` (2 minutes)
    assert calls[0] <= len(engine.calls) <= calls[1]
    assert max(seconds for seconds, _ in engine.calls) <= longest
    assert sum(seconds for seconds, _ in engine.calls) == pytest.approx(25 * 30)
    assert {language for _, language in engine.calls} == {"ru"}
    assert transcript.language == "ru" and transcript.duration_s == total_s
    assert transcript.segments[0].start == pytest.approx(10.0)
    assert transcript.segments[-1].end == pytest.approx(24 * 60 + 40)
    assert len(reports) == 1 + 3  # the start, then one report per window
    assert reports[0] == (0.0, 25.0, "minutes") and reports[-1] == (25.0, 25.0, "minutes")
    assert [d for d, _, _ in reports] == sorted(d for d, _, _ in reports)


def test_silence_never_reaches_the_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import samizdat.asr.transcriber as transcriber_module
    from samizdat.asr.audio_source import AudioInfo

    silence = np.zeros(120 * S, dtype=np.float32)
    monkeypatch.setattr(transcriber_module, "probe", lambda path: AudioInfo(120, S, 1, "pcm"))
    monkeypatch.setattr(transcriber_module, "stream_blocks", lambda *args: iter(_blocks(silence, 30 * S)))
    monkeypatch.setattr(transcriber_module, "speech_spans", lambda a, settings: _speech_every_minute(a))
    engine = ScriptedEngine()
    transcript = Transcriber(engine, TranscribeOptions(diarize=False)).transcribe_file(tmp_path / "silence.wav")
    assert engine.calls == [] and transcript.segments == [] and transcript.text == ""


def test_guards_drop_loops_unsure_silence_and_repeats() -> None:
    loop = "thank you " * 30
    segments = [
        Segment(0, 1, "Shalom."),
        Segment(1, 2, loop),
        Segment(2, 3, "Продолжение следует...", avg_logprob=-1.5, no_speech_prob=0.9),
        Segment(3, 4, "again"),
        Segment(4, 5, "Again!"),
        Segment(5, 6, "again"),
        Segment(6, 7, "again"),
        Segment(7, 8, "  "),
        Segment(8, 9, "end"),
    ]
    assert compression_ratio(loop) > 2.4
    assert [s.text for s in clean_segments(segments)] == ["Shalom.", "again", "Again!", "end"]


def test_language_codes_are_normalised_to_whisper_codes() -> None:
    assert normalise(["RU", "iw", "yi", "en-US", "xx", "ru"]) == ["ru", "he", "yi", "en"]


def test_one_metadata_language_is_forced_and_several_limit_detection() -> None:
    engine = ScriptedEngine()
    silence = np.zeros(S, dtype=np.float32)
    assert LanguagePolicy(["en"]).choose(engine, silence) == "en"
    assert LanguagePolicy(["en", "he"]).choose(engine, silence) == "en"  # ru is likelier but not allowed
    assert LanguagePolicy([]).choose(engine, silence) == "ru"


class BilingualEngine(ScriptedEngine):
    """A fake engine that hears Russian in the first window and English after it."""

    def detect_language(self, audio: np.ndarray) -> list[tuple[str, float]]:
        return [("ru", 0.9), ("en", 0.1)] if not self.calls else [("en", 0.8), ("ru", 0.2)]


def test_a_change_of_language_between_windows_is_kept_on_the_segments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import samizdat.asr.transcriber as transcriber_module
    from samizdat.asr.audio_source import AudioInfo

    audio = np.zeros(30 * 60 * S, dtype=np.float32)
    audio[60 * S : 500 * S] = 1.0  # 440 s in the first window
    audio[700 * S : 800 * S] = 1.0  # 100 s in the second
    monkeypatch.setattr(transcriber_module, "probe", lambda path: AudioInfo(1800, S, 1, "pcm"))
    monkeypatch.setattr(transcriber_module, "stream_blocks", lambda *args: iter(_blocks(audio, 30 * S)))
    monkeypatch.setattr(transcriber_module, "speech_spans", lambda a, settings: _speech_every_minute(a))

    transcript = Transcriber(BilingualEngine(), TranscribeOptions(diarize=False)).transcribe_file(tmp_path / "tape.wav")

    languages = [s.language for s in transcript.segments]
    assert languages == ["ru"] * (len(languages) - 1) + ["en"]
    assert transcript.language == "ru"  # the language of most of the speech
    assert transcript.language_probability == pytest.approx(0.9)


def test_whisper_threads_stay_within_an_openmp_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from samizdat.asr.faster_whisper_engine import safe_threads

    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    assert safe_threads(2) == 2 and safe_threads(0) == 1
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")  # CTranslate2 returns garbage with more threads than this
    assert safe_threads(2) == 1


def test_without_vad_the_audio_is_kept_whole_in_touching_spans() -> None:
    from samizdat.asr.vad import everything

    spans = everything(np.zeros(75 * S, dtype=np.float32))
    assert spans == [Span(0, 30 * S), Span(30 * S, 60 * S), Span(60 * S, 75 * S)]
    assert everything(np.zeros(0, dtype=np.float32)) == []


def test_decoding_stops_once_a_segment_reaches_the_pad_at_the_end() -> None:
    from samizdat.asr.engine import DecodeGuards, before_tail

    asked: list[float] = []

    def decoded() -> Iterator[Segment]:  # like faster-whisper's lazy segments: each is decoded when asked for
        for start, end in [(0.0, 13.4), (13.4, 27.7), (27.7, 27.9), (27.9, 28.3)]:
            asked.append(start)
            yield Segment(start, end, "words")

    kept = list(before_tail(decoded(), 28.4, DecodeGuards().tail_s))

    assert [s.end for s in kept] == [13.4, 27.7]  # 27.7 is within 0.8 s of 28.4: the rest is VAD's pad
    assert asked == [0.0, 13.4]  # the segments after it were never decoded
    assert [s.end for s in before_tail(decoded(), 28.4, 0.0)] == [13.4, 27.7, 27.9, 28.3]
