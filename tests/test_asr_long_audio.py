"""A tape longer than a window, with long hissing silences, through the real engine.

Windows are shortened to 60 s so that a 2-minute tape is cut several times: every sentence must be
heard once, at its place on the file's clock, and nothing may be "heard" in the silences.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from samizdat.asr.transcriber import TranscribeOptions, Transcriber
from samizdat.settings import Settings

RATE = 16_000
SENTENCES = [
    "The first letter arrived from Leningrad in April.",
    "Nobody answered the telephone for many weeks.",
    "Finally the whole family reached Jerusalem together.",
]
SILENCE_S = 40.0


def _espeak(text: str, folder: Path) -> np.ndarray:
    wav = folder / "say.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), text], check=True)
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(wav), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


@pytest.fixture(scope="module")
def tape(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[float, float]], list[float]]:
    """The tape, its silences (start, end) and the time each sentence starts."""
    if shutil.which("espeak-ng") is None or shutil.which("ffmpeg") is None:
        pytest.skip("espeak-ng and ffmpeg are needed to make the test tape")
    folder = tmp_path_factory.mktemp("tape")
    rng = np.random.default_rng(3)
    pieces: list[np.ndarray] = []
    silences: list[tuple[float, float]] = []
    starts: list[float] = []
    position = 0
    for index, sentence in enumerate(SENTENCES):
        if index:
            silences.append((position / RATE, position / RATE + SILENCE_S))
            pieces.append(rng.normal(0, 0.003, int(SILENCE_S * RATE)).astype(np.float32))
            position += int(SILENCE_S * RATE)
        speech = _espeak(sentence, folder)
        starts.append(position / RATE)
        pieces.append(speech + rng.normal(0, 0.003, speech.size).astype(np.float32))
        position += speech.size
    path = folder / "tape.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(np.concatenate(pieces), -1, 1) * 32767).astype("<i2").tobytes())
    return path, silences, starts


@pytest.mark.slow
def test_windowed_transcript_hears_each_sentence_once_in_place_and_nothing_in_silence(
    tape: tuple[Path, list[tuple[float, float]], list[float]],
) -> None:
    path, silences, starts = tape
    settings = Settings()
    options = TranscribeOptions.from_options(settings.asr.model_copy(update={"window_s": 60.0}))
    transcriber = Transcriber.from_settings(settings.asr, settings.model_dir)
    transcriber.options = options
    reports: list[float] = []

    transcript = transcriber.transcribe_file(path, ["en"], lambda done, total, unit: reports.append(done))

    assert len(reports) >= 3  # start + at least two windows
    assert transcript.duration_s == pytest.approx(starts[-1] + 4, abs=4)
    text = transcript.text.casefold()
    for word in ("leningrad", "april", "telephone", "weeks", "jerusalem", "family"):
        assert text.count(word) == 1, transcript.text
    for segment in transcript.segments:
        middle = (segment.start + segment.end) / 2
        assert not any(a + 1 <= middle <= b - 1 for a, b in silences), f"text in a silence: {segment}"
    keys = ("first", "telephone", "jerusalem")
    firsts = [next(s for s in transcript.segments if key in s.text.casefold()) for key in keys]
    for segment, start in zip(firsts, starts, strict=True):
        assert segment.start == pytest.approx(start, abs=2.0)
