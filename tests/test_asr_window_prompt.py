"""A prompt per piece of speech: catalogue terms a first decoding half-heard go into that piece's own prompt."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from samizdat.asr.audio_source import SAMPLE_RATE
from samizdat.asr.transcriber import TranscribeOptions, Transcriber
from samizdat.asr.vocabulary import build_prompt, catalogue_terms, metadata_terms
from samizdat.asr.window_prompt import WindowPrompter, choose
from samizdat.models import ArchivistMetadata, Segment, Word

METADATA = ArchivistMetadata(dc={"title": "Leaving Moscow"}, extra={"interviewee": "Lena Feldman"})
HALF_HEARD = "Did you ever write to Ida noodle in exile?"
ORDINARY = "Yes. We went home after that, and it was cold."


def _count(text: str) -> int:
    """Stands in for Whisper's tokenizer: a token per three letters and one more (no word is 'known' to it)."""
    return len(text.strip()) // 3 + 1


def _said(text: str, start: float = 0.0, logprob: float = -0.5) -> Segment:
    words = [Word(round(start + 0.5 * i, 3), round(start + 0.5 * i + 0.4, 3), w, 0.9)
             for i, w in enumerate(text.split())]
    return Segment(words[0].start, words[-1].end, text, "en", words, avg_logprob=logprob)


@pytest.fixture(scope="module")
def prompter() -> WindowPrompter:
    item = metadata_terms(METADATA)
    archive = catalogue_terms("latin")
    generic = build_prompt(item, archive, _count)
    return WindowPrompter.build(generic, item, archive, "latin", _count, 120)


def test_a_half_heard_name_the_generic_prompt_lacks_goes_first_after_the_metadata(prompter: WindowPrompter) -> None:
    assert "Nudel" not in prompter.generic.terms  # the 120-token budget did not reach it

    focused = prompter.focused([_said(HALF_HEARD)])

    assert focused is not None
    assert focused.terms[:3] == ("Lena Feldman", "Leaving Moscow", "Nudel")
    assert sum(_count((", " if i else " ") + t) for i, t in enumerate(focused.terms)) <= 120


def test_a_piece_with_no_such_word_gets_no_prompt_of_its_own(prompter: WindowPrompter) -> None:
    assert prompter.heard_terms([_said(ORDINARY)]) == []
    assert prompter.focused([_said(ORDINARY)]) is None


def test_the_decoding_the_decoder_is_surer_of_is_kept() -> None:
    first, better = [_said(HALF_HEARD, logprob=-0.6)], [_said(HALF_HEARD, logprob=-0.3)]
    worse = [_said(HALF_HEARD, logprob=-0.9)]
    assert choose(first, better)
    assert not choose(first, worse)
    assert not choose(first, [])


class _HearsWithThePrompt:
    """Hears the name right only when its prompt carries it, and is surer then."""

    name = "prompted 1.0"

    def __init__(self, said: str) -> None:
        self.said = said
        self.prompts: list[str] = []

    def detect_language(self, audio: np.ndarray) -> list[tuple[str, float]]:
        return [("en", 1.0)]

    def count_tokens(self, text: str) -> int:
        return _count(text)

    def transcribe(self, audio: np.ndarray, language: str, prompt: str = "") -> list[Segment]:
        self.prompts.append(prompt)
        if "Nudel" in prompt:
            return [_said(self.said.replace("noodle", "Nudel"), 0.1, -0.2)]
        return [_said(self.said, 0.1, -0.7)]


def _tone_file(folder: Path) -> Path:
    """Five seconds that VAD takes for speech (a voiced, wavering tone)."""
    t = np.arange(5 * SAMPLE_RATE) / SAMPLE_RATE
    pitch = 140 + 30 * np.sin(2 * np.pi * 3 * t)
    voice = 0.3 * np.sin(2 * np.pi * pitch * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
    path = folder / "piece.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((voice * 32767).astype("<i2").tobytes())
    return path


@pytest.mark.parametrize("said", [HALF_HEARD, ORDINARY])
def test_a_piece_is_decoded_again_only_when_its_own_prompt_differs(tmp_path: Path, said: str) -> None:
    engine = _HearsWithThePrompt(said)
    transcriber = Transcriber(engine, TranscribeOptions(diarize=False, check_names=False))

    transcript = transcriber.transcribe_file(_tone_file(tmp_path), ["en"], metadata=METADATA)

    if said == HALF_HEARD:
        assert len(engine.prompts) == 2, engine.prompts
        assert "Nudel" not in engine.prompts[0] and "Nudel" in engine.prompts[1]
        assert "Ida Nudel" in transcript.text
    else:
        assert len(engine.prompts) == 1, engine.prompts
        assert transcript.text == ORDINARY


def test_window_prompts_off_decode_once(tmp_path: Path) -> None:
    engine = _HearsWithThePrompt(HALF_HEARD)
    transcriber = Transcriber(engine, TranscribeOptions(diarize=False, check_names=False, window_prompts=False))

    transcriber.transcribe_file(_tone_file(tmp_path), ["en"], metadata=METADATA)

    assert len(engine.prompts) == 1


class _EchoesItsSecondPrompt(_HearsWithThePrompt):
    """Recites the piece's own prompt when it gets one (what a prompted decoder does over noise)."""

    def transcribe(self, audio: np.ndarray, language: str, prompt: str = "") -> list[Segment]:
        self.prompts.append(prompt)
        if "Nudel" in prompt:
            return [_said(prompt.removesuffix("."), 0.1, -0.1)]
        return [_said(self.said, 0.1, -0.7)]


def test_an_echo_of_a_pieces_own_prompt_is_dropped(tmp_path: Path) -> None:
    engine = _EchoesItsSecondPrompt(HALF_HEARD)
    transcriber = Transcriber(engine, TranscribeOptions(diarize=False, check_names=False))

    transcript = transcriber.transcribe_file(_tone_file(tmp_path), ["en"], metadata=METADATA)

    assert len(engine.prompts) == 2 and engine.prompts[0] != engine.prompts[1]
    assert transcript.segments == []


def test_the_settings_switch_window_prompts() -> None:
    from samizdat.settings import AsrOptions

    assert TranscribeOptions.from_options(AsrOptions()).window_prompts
    assert not TranscribeOptions.from_options(AsrOptions(window_prompts=False)).window_prompts
    assert not TranscribeOptions.from_options(AsrOptions(vocabulary=False)).window_prompts  # no prompt at all


def test_russian_gets_no_prompt_and_no_second_decoding(tmp_path: Path) -> None:
    engine = _HearsWithThePrompt(HALF_HEARD)
    transcriber = Transcriber(engine, TranscribeOptions(diarize=False, check_names=False))

    transcriber.transcribe_file(_tone_file(tmp_path), ["ru"], metadata=METADATA)

    assert engine.prompts == [""]
