"""The same file with the same settings gives the same transcript, however loaded the machine is.

On a loaded machine `test_asr_long_audio` once read "London-Gradin-April" for "Leningrad in April":
Whisper's temperature fallback sampled, and CTranslate2's sampler cannot be re-seeded per call. Decoding
now stays at temperature 0 (see `DecodeGuards`); this runs the real engine beside CPU hogs and with
another thread count, and wants the same words at the same times each time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from samizdat.asr.engine import DecodeGuards
from samizdat.asr.transcriber import Transcriber
from samizdat.models import ArchivistMetadata, Transcript
from samizdat.settings import Settings

RATE = 16_000
SENTENCES = [
    "The first letter arrived from Leningrad in April.",
    "Nobody answered the telephone for many weeks.",
    "Finally the whole family reached Jerusalem together.",
]


@pytest.fixture(scope="module")
def tape(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sentences of test_asr_long_audio with 8 s of hiss between them."""
    if shutil.which("espeak-ng") is None or shutil.which("ffmpeg") is None:
        pytest.skip("espeak-ng and ffmpeg are needed to make the tape")
    folder = tmp_path_factory.mktemp("determinism")
    rng = np.random.default_rng(3)
    pieces = []
    for sentence in SENTENCES:
        wav = folder / "say.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(wav), sentence], check=True)
        raw = subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-i", str(wav), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"],
            check=True,
            capture_output=True,
        ).stdout
        speech = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768
        pieces += [speech + rng.normal(0, 0.003, speech.size).astype(np.float32),
                   rng.normal(0, 0.003, 8 * RATE).astype(np.float32)]
    path = folder / "tape.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(np.concatenate(pieces), -1, 1) * 32767).astype("<i2").tobytes())
    return path


@contextmanager
def cpu_hogs(count: int) -> Iterator[list[int]]:
    """`count` processes spinning on the CPU for as long as the block runs; they are ended by their ids."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield [hog.pid for hog in hogs]
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def _fingerprint(transcript: Transcript) -> list[tuple[object, ...]]:
    return [
        (s.start, s.end, s.text, s.speaker, tuple((w.start, w.end, w.word, round(w.probability, 4)) for w in s.words))
        for s in transcript.segments
    ]


@pytest.mark.slow
def test_same_transcript_idle_beside_cpu_hogs_and_with_other_thread_counts(tape: Path) -> None:
    settings = Settings()
    archivist = ArchivistMetadata(dc={"language": ["en"]}, extra={"interviewee": "Lena Feldman"})

    def run(threads: int) -> Transcript:
        options = settings.asr.model_copy(update={"threads": threads})
        return Transcriber.from_settings(options, settings.model_dir).transcribe_file(tape, ["en"], metadata=archivist)

    quiet = run(2)
    with cpu_hogs(2 * (os.cpu_count() or 1)):
        loaded = run(2)
        one_thread = run(1)

    assert DecodeGuards().temperatures == (0.0,)  # no sampling: the fallback is what made runs differ
    assert "leningrad in april" in quiet.text.casefold()
    assert _fingerprint(loaded) == _fingerprint(quiet)
    assert _fingerprint(one_thread) == _fingerprint(quiet)
