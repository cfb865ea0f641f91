"""Audio items through the `AUDIO` input kind, with the real faster-whisper engine and base model."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from samizdat.errors import BadInputError
from samizdat.kinds.audio import AUDIO
from samizdat.kinds.base import ExtractRequest
from samizdat.models import ArchivistMetadata, Kind
from samizdat.settings import Settings

SPOKEN = "The refuseniks waited many years for permission to leave the Soviet Union."


def _words(text: str) -> list[str]:
    return "".join(c if c.isalnum() or c.isspace() else " " for c in text.casefold()).split()


@pytest.fixture(scope="module")
def settings() -> Settings:
    """Default settings: the model is assembled once into the user's cache and reused."""
    return Settings()


def _request(path: Path, settings: Settings, languages: list[str] | None = None, progress=None) -> ExtractRequest:
    request = ExtractRequest(path=path, media_type="audio/wav", settings=settings, languages=languages or [])
    if progress is not None:
        request.progress = progress
    return request


def write_wav(path: Path, samples: np.ndarray, rate: int = 16_000) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


@pytest.fixture(scope="module")
def spoken_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng)")
    path = tmp_path_factory.mktemp("speech") / "refuseniks.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), SPOKEN], check=True)
    return path


def test_audio_kind_declares_what_it_accepts() -> None:
    assert AUDIO.kind is Kind.AUDIO
    assert {"audio/wav", "audio/flac", "audio/mpeg", "audio/ogg", "audio/mp4"} <= AUDIO.media_types


@pytest.mark.slow
def test_generated_english_speech_is_transcribed_with_times_and_progress(spoken_clip: Path, settings: Settings) -> None:
    reports: list[tuple[float, float, str]] = []
    extraction = AUDIO.extract(_request(spoken_clip, settings, progress=lambda d, t, u: reports.append((d, t, u))))

    transcript = extraction.transcript
    assert transcript is not None
    assert extraction.engines["asr"].startswith("faster-whisper ")
    assert transcript.language == "en"
    heard = set(_words(transcript.text))
    expected = set(_words(SPOKEN))
    assert len(heard & expected) >= len(expected) - 2, transcript.text
    for segment in transcript.segments:
        assert 0 <= segment.start <= segment.end <= transcript.duration_s + 0.5
        assert segment.words
        assert all(segment.start - 0.5 <= w.start <= w.end <= segment.end + 0.5 for w in segment.words)
        assert all(0.0 <= w.probability <= 1.0 for w in segment.words)
    assert reports[-1][0] == pytest.approx(reports[-1][1]) and reports[-1][2] == "minutes"
    assert reports[-1][1] == pytest.approx(transcript.duration_s / 60, rel=0.05)


@pytest.mark.slow
def test_outputs_are_the_bag_files(spoken_clip: Path, settings: Settings) -> None:
    extraction = AUDIO.extract(_request(spoken_clip, settings, ["en"]))
    files = AUDIO.outputs(extraction, spoken_clip, ArchivistMetadata(extra={"interviewee": "A. Refusenik"}), "Test")
    assert set(files) == {"transcript.vtt", "transcript.srt", "transcript.json", "transcript.ohms.xml"}
    assert files["transcript.vtt"].startswith(b"WEBVTT")
    assert b"A. Refusenik" in files["transcript.ohms.xml"]


@pytest.mark.slow
def test_silence_and_hiss_give_an_empty_transcript(tmp_path: Path, settings: Settings) -> None:
    rng = np.random.default_rng(7)
    hiss = rng.normal(0, 0.003, 16_000 * 90).astype(np.float32)  # 90 s of quiet tape hiss
    path = write_wav(tmp_path / "silence.wav", hiss)

    extraction = AUDIO.extract(_request(path, settings))

    assert extraction.transcript is not None
    assert extraction.transcript.segments == []
    assert extraction.text == ""
    assert extraction.transcript.duration_s == pytest.approx(90, abs=0.1)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.wav", b""),
        ("garbage.mp3", b"this is not audio at all" * 100),
    ],
)
def test_unreadable_files_are_bad_input_with_a_hint(
    tmp_path: Path, settings: Settings, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BadInputError) as caught:
        AUDIO.extract(_request(path, settings))
    assert caught.value.hint


@pytest.mark.slow
def test_truncated_wav_is_bad_input(spoken_clip: Path, tmp_path: Path, settings: Settings) -> None:
    complete = write_wav(tmp_path / "whole.wav", np.sin(np.arange(16_000 * 5) / 5).astype(np.float32) * 0.1)
    truncated = tmp_path / "cut.wav"
    truncated.write_bytes(complete.read_bytes()[: complete.stat().st_size // 3])
    with pytest.raises(BadInputError, match="truncated") as caught:
        AUDIO.extract(_request(truncated, settings))
    assert "again" in caught.value.hint


@pytest.fixture
def audio_dir(corpus: Path) -> Path:
    """`../shared/corpus/audio`, read in place (the `corpus` fixture skips or fails when it is absent)."""
    return corpus / "audio"


@pytest.mark.corpus
@pytest.mark.slow
def test_truncated_flac_from_the_corpus_is_bad_input(audio_dir: Path, tmp_path: Path, settings: Settings) -> None:
    whole = (audio_dir / "jfk.flac").read_bytes()
    cut = tmp_path / "jfk-cut.flac"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(BadInputError, match="truncated"):
        AUDIO.extract(_request(cut, settings))


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("name", ["jfk.flac", "jfk.mp3"])
def test_jfk_is_transcribed_and_detected_as_english(audio_dir: Path, name: str, settings: Settings) -> None:
    extraction = AUDIO.extract(_request(audio_dir / name, settings))
    transcript = extraction.transcript
    assert transcript is not None
    assert transcript.language == "en"
    text = " ".join(_words(transcript.text))
    for phrase in ("my fellow americans", "ask not what your country can do for you"):
        assert phrase in text
    assert transcript.duration_s == pytest.approx(11.0, abs=0.1)


@pytest.mark.corpus
@pytest.mark.slow
def test_russian_clip_with_language_from_metadata(audio_dir: Path, settings: Settings) -> None:
    extraction = AUDIO.extract(_request(audio_dir / "test_sound_ru.wav", settings, ["ru"]))
    transcript = extraction.transcript
    assert transcript is not None
    assert transcript.language == "ru"
    assert all(s.language == "ru" for s in transcript.segments)
    heard = _words(transcript.text)
    assert "сети" in heard and "хорошо" in heard
