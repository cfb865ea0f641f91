"""The vocabulary prompt: the item's metadata first, the authority list within the budget, no echo in silence."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from samizdat.asr.transcriber import TranscribeOptions, Transcriber
from samizdat.asr.vocabulary import (
    Prompt,
    build_prompt,
    catalogue_terms,
    is_echo,
    metadata_terms,
)
from samizdat.models import ArchivistMetadata, Segment, Word
from samizdat.settings import Settings

RATE = 16_000
SAID = "My family waited many years for permission to leave."


def _count(text: str) -> int:
    """A stand-in tokenizer: one token per 4 characters, one for a common short word."""
    return max(1, len(text.strip(", ")) // 4)


def test_metadata_terms_take_people_title_subjects_and_places_in_order() -> None:
    archivist = ArchivistMetadata(
        dc={"title": "Leaving Riga", "creator": "Lena Feldman", "subject": ["refuseniks", "OVIR"], "coverage": "Riga"},
        extra={"interviewer": "Ruth Adler", "interviewee": "Lena Feldman"},
    )
    assert metadata_terms(archivist) == [
        "Lena Feldman", "Ruth Adler", "Lena Feldman", "Leaving Riga", "refuseniks", "OVIR", "Riga",
    ]
    assert metadata_terms(None) == []


def test_prompt_puts_item_terms_first_and_stays_within_the_budget() -> None:
    archive = catalogue_terms("latin")
    prompt = build_prompt(["Ruth Adler", "Lena Feldman"], archive, _count, budget=40)
    assert prompt.terms[:2] == ("Ruth Adler", "Lena Feldman")
    assert sum(_count(", " + t) for t in prompt.terms) <= 40
    assert len(prompt.terms) > 3 and prompt.text.startswith("Ruth Adler, Lena Feldman, ")
    wide = build_prompt(["Ruth Adler"], archive, _count, budget=400)
    assert len(wide.terms) > len(prompt.terms)


def test_catalogue_terms_follow_the_transcript_script() -> None:
    latin, cyrillic = catalogue_terms("latin"), catalogue_terms("cyrillic")
    assert "Sharansky" in latin and "refusenik" in latin and "Jackson-Vanik amendment" in latin
    assert "Щаранский" in cyrillic and "отказник" in cyrillic
    assert not any(any("а" <= c <= "я" for c in t.lower()) for t in latin)
    assert "Begun" not in latin  # ambiguous spellings (also an ordinary word) never go in alone


def test_words_the_model_knows_are_left_out_of_the_archive_part() -> None:
    one_token_words = {" Moscow", " Cold", " War", " Israel"}

    def count(text: str) -> int:
        return 1 if text in one_token_words else 3

    prompt = build_prompt([], ["Moscow", "Cold War", "Sharansky", "Israel"], count, budget=50)
    assert prompt.terms == ("Sharansky",)
    kept = build_prompt(["Moscow"], [], count, budget=50)  # the item's own terms always go in
    assert kept.terms == ("Moscow",)


def test_echo_is_a_recital_of_prompt_terms_in_order() -> None:
    prompt = Prompt("Sharansky, Nudel, refusenik, aliyah.", ("Sharansky", "Nudel", "refusenik", "aliyah"))
    assert is_echo("Sharansky, Nudel, refusenik.", prompt)
    assert is_echo("nudel refusenik aliyah", prompt)
    assert not is_echo("I met Sharansky and Nudel when I was a refusenik.", prompt)
    assert not is_echo("Nudel, Sharansky, refusenik.", prompt)  # not the prompt's order
    assert not is_echo("", prompt)


@pytest.fixture(scope="module")
def speech_then_silence(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, float]:
    """A spoken sentence, then 45 s of tape hiss and hum; returns the file and where the silence begins."""
    if shutil.which("espeak-ng") is None or shutil.which("ffmpeg") is None:
        pytest.skip("espeak-ng and ffmpeg are needed")
    folder = tmp_path_factory.mktemp("silence")
    said = folder / "said.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-w", str(said), SAID],
        check=True,
    )
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(said), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"],
        check=True,
        capture_output=True,
    ).stdout
    speech = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768
    rng = np.random.default_rng(5)
    seconds = 45.0
    t = np.arange(int(seconds * RATE)) / RATE
    hiss = (rng.normal(0, 0.004, t.size) + 0.003 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
    path = folder / "tape.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(np.concatenate([speech, hiss]), -1, 1) * 32767).astype("<i2").tobytes())
    return path, speech.size / RATE


@pytest.mark.slow
@pytest.mark.parametrize("vad", [True, False], ids=["vad", "no-vad"])
def test_catalogue_prompt_never_appears_in_a_silent_stretch(speech_then_silence: tuple[Path, float], vad: bool) -> None:
    """With VAD (the default) silence never reaches the decoder; with VAD off, no prompt is used at all.

    The name correction runs too (on by default, with VAD): it writes no name into the silence either.
    """
    path, silence_from = speech_then_silence
    settings = Settings()
    transcriber = Transcriber.from_settings(settings.asr, settings.model_dir)
    transcriber.options = TranscribeOptions.from_options(settings.asr.model_copy(update={"vad": vad}))
    archivist = ArchivistMetadata(dc={"title": "Leaving Moscow"}, extra={"interviewee": "Lena Feldman"})

    transcript = transcriber.transcribe_file(path, ["en"], metadata=archivist)

    heard_in_silence = [w.word for s in transcript.segments for w in s.words if w.start > silence_from + 1.0]
    assert heard_in_silence == [], heard_in_silence
    said = set(SAID.casefold().strip(".").split())
    words = [w.strip(".,!?").casefold() for s in transcript.segments for w in s.text.split()]
    assert "permission" in words
    invented = [w for w in words if w not in said]  # anything else came from the prompt or from nowhere
    assert invented == [], invented
    assert [c for c in transcript.corrections if c.end > silence_from] == []


class _SkippingEngine:
    """Opens late when prompted (as Whisper base sometimes does), hears everything without a prompt."""

    name = "skipping 1.0"

    def __init__(self) -> None:
        self.calls: list[tuple[float, str]] = []

    def detect_language(self, audio: np.ndarray) -> list[tuple[str, float]]:
        return [("en", 1.0)]

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def transcribe(self, audio: np.ndarray, language: str, prompt: str = "") -> list[Segment]:
        seconds = audio.size / RATE
        self.calls.append((seconds, prompt))
        if prompt:
            late = [Word(10.0, 11.0, "late", 0.9), Word(11.0, 12.0, "words", 0.9)]
            return [Segment(10.0, 12.0, "late words", "en", late)]
        return [Segment(0.0, seconds, "head words", "en", [Word(0.5, 1.0, "head", 0.9), Word(1.0, 1.5, "words", 0.9)])]


def test_speech_the_prompted_decoder_skipped_is_heard_again_without_the_prompt() -> None:
    engine = _SkippingEngine()
    transcriber = Transcriber(engine, TranscribeOptions(diarize=False))
    speech = np.zeros(15 * RATE, dtype=np.float32)
    heard = engine.transcribe(speech, "en", "Sharansky, Nudel.")

    filled = transcriber._fill_gaps(speech, heard, "en")

    assert [s.text for s in filled] == ["head words", "late words"]
    assert engine.calls[-1] == (10.0, "")  # the 10 s before the late start, without the prompt; the 3 s tail is a pause
    assert filled[0].words[0].start == 0.5
