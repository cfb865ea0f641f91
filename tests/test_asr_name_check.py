"""The acoustic check of name rewrites: a rewrite is made only where the model hears the name."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from samizdat.asr.audio_source import SAMPLE_RATE
from samizdat.asr.correction import correct_transcript, corrector_for
from samizdat.asr.name_check import NameCheck
from samizdat.models import ArchivistMetadata, Segment, Transcript, Word

METADATA = ArchivistMetadata(dc={"title": "Leaving Moscow"}, extra={"interviewee": "Lena Feldman"})


def _said(text: str, start: float) -> Segment:
    words = [
        Word(round(start + 0.5 * i, 3), round(start + 0.5 * i + 0.4, 3), w, 0.9) for i, w in enumerate(text.split())
    ]
    return Segment(words[0].start, words[-1].end, text, "en", words)


class _ScriptedScorer:
    """Stands in for Whisper: a text scores one point per word it shares with what was 'really said'."""

    def __init__(self, said: str) -> None:
        self.said = {w.strip(".,?!") for w in said.casefold().split()}
        self.calls: list[tuple[float, int]] = []

    def score_texts(self, audio: np.ndarray, texts: Sequence[str], language: str, prompt: str = "") -> list[float]:
        self.calls.append((audio.size / SAMPLE_RATE, len(texts)))
        return [float(sum(w.strip(".,?!").casefold() in self.said for w in t.split())) for t in texts]


def _check(heard: list[Segment], really_said: str, margin: float = 0.5) -> tuple[NameCheck, _ScriptedScorer]:
    check = NameCheck(margin=margin, ordinary_runs=True, trusted=1.01)  # every candidate asked
    corrector = corrector_for("en", METADATA, threshold=check.threshold, ordinary_runs=check.ordinary_runs)
    assert corrector is not None
    scorer = _ScriptedScorer(really_said)
    audio = np.zeros(int((heard[-1].end + 2) * SAMPLE_RATE), dtype=np.float32)
    check.judge(heard, audio, 0.0, corrector, scorer, "en", "Sharansky, samizdat.")
    return check, scorer


def test_a_rewrite_is_made_only_where_the_model_prefers_the_name() -> None:
    heard = [_said("How did you meet Natan Sharan's key?", 0.0), _said("How did Sam is not reach you?", 40.0)]
    check, scorer = _check(heard, "how did you meet natan sharansky? how did samizdat reach you?")

    fixed = correct_transcript(Transcript(heard, "en", 1.0, 45.0), METADATA, check=check)

    assert fixed.segments[0].text == "How did you meet Natan Sharansky?"
    assert fixed.segments[1].text == "How did samizdat reach you?"  # ordinary words, heard as the name
    assert [(c.heard, c.written) for c in fixed.corrections] == [("Natan Sharan's key?", "Natan Sharansky?"),
                                                                  ("Sam is not", "samizdat")]
    # the words keep their times: the rewrite spans exactly the heard run
    assert (fixed.corrections[1].start, fixed.corrections[1].end) == (41.0, 42.4)
    assert fixed.segments[1].words[2].start == 41.0 and fixed.segments[1].words[-1].end == heard[1].words[-1].end
    assert len(scorer.calls) == 2  # the two segments are 40 s apart: two stretches, one encoder pass each


def test_the_name_is_refused_where_the_model_hears_the_ordinary_words() -> None:
    heard = [_said("How did Sam is not reach you?", 0.0)]
    check, _ = _check(heard, "how did sam is not reach you?")  # Sam really was not there

    fixed = correct_transcript(Transcript(heard, "en", 1.0, 5.0), METADATA, check=check)

    assert fixed.segments[0].text == "How did Sam is not reach you?"
    assert fixed.corrections == []
    assert check.gains and all(gain < check.margin for gain in check.gains.values())


def test_a_candidate_the_model_never_judged_is_refused_unless_its_spelling_alone_is_trusted() -> None:
    heard = [_said("How did you meet Natan Sharan's key?", 0.0), _said(HEARD, 10.0)]

    fixed = correct_transcript(Transcript(heard, "en", 1.0, 15.0), METADATA, check=NameCheck())

    # "Natan Sharansky" scores 0.98 by letters and sound (the corrector alone writes it); "Politburo" 0.69 is refused
    assert [(c.heard, c.written) for c in fixed.corrections] == [("Natan Sharan's key?", "Natan Sharansky?")]


def test_silence_gets_no_name_and_costs_nothing() -> None:
    check = NameCheck()
    corrector = corrector_for("en", METADATA, threshold=check.threshold, ordinary_runs=True)
    assert corrector is not None
    scorer = _ScriptedScorer("samizdat")
    check.judge([Segment(0.0, 30.0, "", "en", [])], np.zeros(30 * SAMPLE_RATE, dtype=np.float32),
                0.0, corrector, scorer, "en")
    assert scorer.calls == [] and check.gains == {}


def test_a_single_ordinary_word_is_never_proposed() -> None:
    corrector = corrector_for("en", METADATA, threshold=0.5, ordinary_runs=True)
    assert corrector is not None
    for word in ("began", "refugee", "learner", "noodle"):
        assert corrector.proposals(_said(word, 0.0).words) == [], word
    assert all(m.last - m.first >= 2 for m in corrector.proposals(_said("We began again.", 0.0).words))


def _espeak(text: str, folder: Path) -> np.ndarray:
    wav = folder / "said.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), text], check=True)
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(wav), "-f", "s16le", "-ac", "1", "-ar", str(SAMPLE_RATE), "-"],
        check=True, capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


NUDEL = "Did you ever write to Ida Nudel in exile?"
SLEPAK = "Did you ever write to Vladimir Slepak in exile?"


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, np.ndarray]:
    """espeak-ng saying the same question with two different names, as 16 kHz float samples."""
    if shutil.which("espeak-ng") is None or shutil.which("ffmpeg") is None:
        pytest.skip("espeak-ng and ffmpeg are needed")
    return {text: _espeak(text, Path(tmp_path_factory.mktemp("name"))) for text in (NUDEL, SLEPAK)}


@pytest.mark.slow
def test_whisper_base_prefers_the_name_that_was_said(spoken: dict[str, np.ndarray]) -> None:
    """The same two texts, scored on two recordings: each recording's own name wins, so the audio decides."""
    from samizdat.asr.faster_whisper_engine import load_faster_whisper
    from samizdat.settings import Settings

    settings = Settings()
    engine = load_faster_whisper(settings.asr, settings.model_dir)
    prompt = "Ida Nudel, Slepak, Sharansky."
    texts = [NUDEL, SLEPAK, "Did you ever write to Ida noodle in exile?"]

    on_nudel = engine.score_texts(spoken[NUDEL], texts, "en", prompt)
    on_slepak = engine.score_texts(spoken[SLEPAK], texts, "en", prompt)

    assert on_nudel[0] > on_nudel[1] and on_nudel[0] > on_nudel[2]
    assert on_slepak[1] > on_slepak[0]
    assert engine.score_texts(spoken[NUDEL], texts[:1], "en", prompt) == on_nudel[:1]  # the same every time
    # a stretch of fast speech with a long prompt overflowed the decoder's 448 positions (the 120-minute tape)
    crowded = engine.score_texts(spoken[NUDEL], [NUDEL * 40], "en", prompt * 30)
    assert len(crowded) == 1 and crowded[0] < on_nudel[0]


class _ScriptedEngine(_ScriptedScorer):
    """Hears 'O'Beer' in whatever it is given; its scoring strongly prefers what was 'really said'."""

    name = "scripted 1.0"

    def detect_language(self, audio: np.ndarray) -> list[tuple[str, float]]:
        return [("en", 1.0)]

    def count_tokens(self, text: str) -> int:
        return max(1, len(text) // 4)

    def transcribe(self, audio: np.ndarray, language: str, prompt: str = "") -> list[Segment]:
        return [_said(HEARD, 0.1)]

    def score_texts(self, audio: np.ndarray, texts: Sequence[str], language: str, prompt: str = "") -> list[float]:
        return [10 * score for score in super().score_texts(audio, texts, language, prompt)]


HEARD = "What did the people at O'Beer tell you?"


@pytest.mark.parametrize("really_said", ["what did the politburo tell you", HEARD])
def test_the_transcriber_asks_the_model_while_it_has_the_audio(
    spoken: dict[str, np.ndarray], tmp_path: Path, really_said: str
) -> None:
    """A candidate below the trusted threshold ("O'Beer" / "Politburo", 0.69) is written only if the model hears it."""
    import wave

    from samizdat.asr.transcriber import TranscribeOptions, Transcriber

    path = tmp_path / "said.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((spoken[NUDEL] * 32767).astype("<i2").tobytes())
    engine = _ScriptedEngine(really_said)

    transcript = Transcriber(engine, TranscribeOptions(diarize=False)).transcribe_file(path, ["en"], metadata=METADATA)

    assert len(engine.calls) == 1, "the model was asked once, for the one stretch"
    if "politburo" in really_said:
        assert "Politburo" in transcript.text and "O'Beer" not in transcript.text
        assert [c.written for c in transcript.corrections] == ["Politburo"]
    else:
        assert transcript.text == HEARD and transcript.corrections == []
