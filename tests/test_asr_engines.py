"""Both Whisper engines through the one `AsrEngine` interface and the same `Transcriber`.

openai-whisper's weights cannot be downloaded here, so its tests build a small checkpoint whose
decoder is scripted to say "Hello world" (`tests.support.scripted_whisper`); the real
`whisper.load_model` and `whisper.transcribe` (beam search, timestamp rules, word timing) run on it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from samizdat.asr.faster_whisper_engine import FasterWhisperOptions
from samizdat.asr.openai_whisper_engine import OpenAiWhisperOptions
from samizdat.asr.registry import ENGINE_NAMES, create_engine, engine_options
from samizdat.asr.transcriber import TranscribeOptions, Transcriber
from samizdat.errors import EngineError, SetupError
from samizdat.models import Segment, Word
from samizdat.settings import AsrOptions, Settings
from tests.support.scripted_whisper import SCRIPTED_TEXT, build_scripted_checkpoint

SPOKEN = "Please let my people go."


@pytest.fixture(scope="module")
def scripted_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("whisper", reason="openai-whisper is optional; install it to test its engine")
    return build_scripted_checkpoint(tmp_path_factory.mktemp("openai-whisper") / "scripted.pt")


@pytest.fixture(scope="module")
def spoken_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng)")
    path = tmp_path_factory.mktemp("speech") / "let-my-people-go.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(path), SPOKEN], check=True)
    return path


def _options(engine: str, checkpoint: Path) -> AsrOptions:
    return AsrOptions(engine=engine, model=str(checkpoint) if engine == "openai-whisper" else "base")


@pytest.mark.slow
@pytest.mark.parametrize("engine_name", ENGINE_NAMES)
def test_both_engines_give_the_same_types_through_one_interface(
    engine_name: str, scripted_checkpoint: Path, spoken_clip: Path
) -> None:
    engine = create_engine(_options(engine_name, scripted_checkpoint), Settings().model_dir)
    assert engine.name.startswith(engine_name + " ")

    assert engine.count_tokens(" Sharansky") > 1  # both can size a vocabulary prompt
    # The scripted checkpoint follows its script by token position: a prompt before it would shift it.
    options = TranscribeOptions(vocabulary=engine_name != "openai-whisper")
    transcript = Transcriber(engine, options).transcribe_file(spoken_clip)

    assert transcript.language == "en"
    assert transcript.segments
    for segment in transcript.segments:
        assert type(segment) is Segment and segment.language == "en"
        assert 0.0 <= segment.start <= segment.end <= transcript.duration_s + 0.5
        assert segment.words and all(type(w) is Word for w in segment.words)
        assert [w.start for w in segment.words] == sorted(w.start for w in segment.words)
    heard = transcript.text.casefold()
    if engine_name == "openai-whisper":
        assert transcript.text == SCRIPTED_TEXT
        assert [w.word for w in transcript.segments[0].words] == ["Hello", "world"]
    else:
        assert "people" in heard and "go" in heard


@pytest.mark.slow
def test_openai_whisper_detects_language_through_the_interface(scripted_checkpoint: Path, spoken_clip: Path) -> None:
    import numpy as np

    engine = create_engine(_options("openai-whisper", scripted_checkpoint), Path("unused"))
    ranked = engine.detect_language(np.zeros(16_000, dtype=np.float32))
    assert ranked[0][0] == "en"
    assert sum(p for _, p in ranked) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.slow
def test_openai_whisper_model_by_name_comes_from_its_cache(scripted_checkpoint: Path, tmp_path: Path) -> None:
    shutil.copyfile(scripted_checkpoint, tmp_path / "base.pt")  # stands in for the official base.pt
    engine = create_engine(AsrOptions(engine="openai-whisper", model="base", openai_model_dir=tmp_path), tmp_path)
    assert engine.name.startswith("openai-whisper ") and " base " in engine.name


def test_openai_whisper_model_missing_from_cache_is_never_downloaded(tmp_path: Path) -> None:
    pytest.importorskip("whisper")
    with pytest.raises(EngineError, match="cannot be downloaded"):
        create_engine(AsrOptions(engine="openai-whisper", model="small", openai_model_dir=tmp_path), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_openai_whisper_missing_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "whisper", None)  # import whisper -> ImportError
    with pytest.raises(ImportError, match="pip install --no-deps openai-whisper"):
        create_engine(AsrOptions(engine="openai-whisper", model=str(tmp_path / "x.pt")), tmp_path)


def test_unknown_engine_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match="faster-whisper, openai-whisper") as stopped:
        create_engine(AsrOptions(engine="whisper.cpp"), tmp_path)
    assert "SAMIZDAT_ASR_ENGINE" in stopped.value.hint


def test_the_options_type_chooses_the_engine() -> None:
    assert ENGINE_NAMES == ("faster-whisper", "openai-whisper")
    named = engine_options(AsrOptions(engine="openai-whisper", model="/models/base.pt", beam_size=3))
    assert type(named) is OpenAiWhisperOptions and (named.model, named.beam_size) == ("/models/base.pt", 3)
    assert type(engine_options(AsrOptions())) is FasterWhisperOptions
    typed = FasterWhisperOptions(model="tiny")
    assert engine_options(typed) is typed


def test_an_options_type_builds_its_own_engine(tmp_path: Path) -> None:
    pytest.importorskip("whisper")
    with pytest.raises(EngineError, match="cannot be downloaded"):  # openai-whisper's own loader, not faster-whisper's
        create_engine(OpenAiWhisperOptions(model="small", openai_model_dir=tmp_path), tmp_path)


def test_engine_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMIZDAT_ASR_ENGINE", "openai-whisper")
    monkeypatch.setenv("SAMIZDAT_ASR_MODEL", "/models/base.pt")
    settings = Settings()
    assert (settings.asr.engine, settings.asr.model) == ("openai-whisper", "/models/base.pt")


def test_an_unknown_engine_is_a_set_up_error_before_any_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from samizdat.preflight import check_setup

    monkeypatch.setenv("SAMIZDAT_ASR_ENGINE", "whisper.cpp")
    with pytest.raises(SetupError, match="known engines: faster-whisper, openai-whisper"):
        check_setup(Settings(inbox=tmp_path / "inbox", processed=tmp_path / "processed"))
