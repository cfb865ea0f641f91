"""Speech synthesisers for the interview sets: the one place to add a synthesiser or a voice.

A voice is named `SYNTH:VOICE` (`flite:slt`, `festival:ked_diphone`); a name without a colon is an espeak-ng
voice (`en-us+f3`), as in the first sets. `say` turns a sentence into 16 kHz mono float samples.

Pitch and speed are each synthesiser's own:
- espeak-ng: `-p` pitch 0-99 (50 is its default) and `-s` speed in words a minute;
- Flite and Festival: pitch in per cent of the voice's own median F0 (`Voice.f0_hz`) and speed in per cent of the
  voice's own rate (100 is the voice as shipped). A voice that cannot move its pitch (`Voice.pitch` false) is
  asked for 100 %: the interview's truth records 100 for it.

The Flite and Festival voices (Debian 12: `flite` 2.2, `festival` 2.5 with `festvox-kallpc16k`, `festvox-kdlpc16k`,
`festvox-us-slt-hts`, `festvox-ru`; `festvox-rablpc16k` is not in Debian 12, no Debian package ships `.flitevox`
voices). Nobody working on Samizdat wrote or tuned them.
- `flite:awb` (Scottish English male), `flite:rms` (US male), `flite:slt` (US female): CMU Arctic clustergen
  voices; `flite:kal16` (US male, diphone). `flite:kal` is kal16 at 8 kHz and `flite:awb_time` speaks only times
  of day: not used.
- `festival:ked_diphone` (US male, diphone), `festival:cmu_us_slt_arctic_hts` (the slt speaker again, through
  an HMM synthesiser). `festival:kal_diphone` is the same speaker and diphones as `flite:kal16`: not used.
- `festival:msu_ru_nsh_clunits`: Festival's only Russian voice (male, unit selection); a second Russian speaker is
  the same voice five semitones higher (`+5st`, ffmpeg's rubberband filter after synthesis).
Every voice speaks the text (`check`: plain Whisper base, language given, on four dev-half answers as shipped):
awb 7.8 %, rms 9.4 %, slt 6.2 %, kal16 17.2 %, ked_diphone 17.2 %, slt HTS 9.4 %, Russian 19.5 %, shifted 22.0 %
(espeak-ng's `ru` on the same sentences: 73.2 %). None was dropped for intelligibility.
What moves: Flite's `duration_stretch` moves every voice's speed; its `int_f0_target_mean` moves awb, slt and
kal16 (rms keeps its pitch). Festival's `Duration_Stretch` and `int_lr_params` move the diphone voices;
the HTS voice takes a speed (`-r`) but ignored the half-tone shift (`-fm`); the Russian unit-selection voice
takes neither. (Each checked by synthesising one sentence and reading its median F0 with librosa's pyin and
its length.)
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16_000


@dataclass(frozen=True)
class Voice:
    """A Flite or Festival voice and what it lets the generator move."""

    synth: str  # flite | festival
    name: str
    language: str
    f0_hz: float  # its median F0 as shipped (librosa pyin, 60-400 Hz, on the sentence about Natan Sharansky)
    pitch: bool  # the synthesiser moves its pitch
    speed: bool  # the synthesiser moves its rate
    semitones: float = 0.0  # a shift after synthesis (ffmpeg's rubberband, formants moved too): a second speaker
    person: str = ""  # the recorded speaker, where two voices share one ("" : the voice's own name)


VOICES = {
    f"{v.synth}:{v.name}": v
    for v in [
        Voice("flite", "awb", "en", 124.0, pitch=True, speed=True),
        Voice("flite", "rms", "en", 102.0, pitch=False, speed=True),
        Voice("flite", "slt", "en", 169.0, pitch=True, speed=True, person="slt"),
        Voice("flite", "kal16", "en", 84.0, pitch=True, speed=True),
        Voice("festival", "ked_diphone", "en", 99.0, pitch=True, speed=True),
        Voice("festival", "cmu_us_slt_arctic_hts", "en", 171.0, pitch=False, speed=True, person="slt"),
        Voice("festival", "msu_ru_nsh_clunits", "ru", 147.0, pitch=False, speed=False),
    ]
}
VOICES["festival:msu_ru_nsh_clunits+5st"] = Voice(
    "festival", "msu_ru_nsh_clunits", "ru", 147.0 * 2 ** (5 / 12), pitch=False, speed=False, semitones=5.0
)


def person(voice: str) -> str:
    """Who was recorded for `voice`: one interview never gives two of its speakers the same person."""
    known = VOICES.get(voice)
    return (known.person or voice) if known else voice


def effective(voice: str, pitch: int, speed: int) -> tuple[int, int]:
    """The pitch and speed `voice` will really get: 100 (its own) where its synthesiser cannot move them."""
    known = VOICES.get(voice)
    if known is None:  # espeak-ng moves both
        return pitch, speed
    return (pitch if known.pitch else 100), (speed if known.speed else 100)


def _to_samples(wav: Path, semitones: float = 0.0) -> np.ndarray:
    shift = ["-af", f"rubberband=pitch={2 ** (semitones / 12):.4f}"] if semitones else []
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(wav), *shift, "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


def _flite(voice: Voice, text: str, pitch: int, speed: int, wav: Path) -> None:
    command = ["flite", "-voice", voice.name, "--setf", f"duration_stretch={100 / speed:.3f}"]
    if voice.pitch:
        command += ["--setf", f"int_f0_target_mean={voice.f0_hz * pitch / 100:.1f}"]
    subprocess.run([*command, "-t", text, "-o", str(wav)], check=True, capture_output=True)


def _festival(voice: Voice, text: str, pitch: int, speed: int, wav: Path) -> None:
    setup = [f"(voice_{voice.name})"]
    if voice.name.endswith("_hts"):
        setup.append(f"(set! hts_engine_params (append hts_engine_params (list '(\"-r\" {speed / 100:.3f}))))")
    elif voice.speed:
        setup.append(f"(Parameter.set 'Duration_Stretch {1.1 * 100 / speed:.3f})")  # 1.1: the diphone voices' own
    if voice.pitch:  # the diphone voices' own int_lr_params, with the target mean moved
        setup.append(
            f"(set! int_lr_params '((target_f0_mean {voice.f0_hz * pitch / 100:.1f}) (target_f0_std 14)"
            " (model_f0_mean 170) (model_f0_std 34)))"
        )
    source = wav.with_suffix(".txt")
    source.write_text(text + "\n", encoding="utf-8")
    command = ["text2wave"]
    for expression in setup:
        command += ["-eval", expression]
    subprocess.run([*command, str(source), "-o", str(wav)], check=True, capture_output=True)


def say(text: str, voice: str, pitch: int, speed: int, workdir: Path) -> np.ndarray:
    """`text` spoken by `voice` (see the module's docstring for the units of pitch and speed), 16 kHz mono."""
    wav = workdir / "say.wav"
    if ":" not in voice:
        subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(wav), text],
                       check=True)
        return _to_samples(wav)
    known = VOICES[voice]
    {"flite": _flite, "festival": _festival}[known.synth](known, text, pitch, speed, wav)
    return _to_samples(wav, known.semitones)


def check(voices: list[str], sentences: int = 4) -> dict[str, float]:
    """Plain Whisper base's WER (language given) on each voice saying the first dev-half answers, as shipped.

    A listen-free check that a voice speaks the text: the dev half's sentences only (the test half is never
    synthesised for it). Run: `python bench/asr/voices.py [VOICE ...]`.
    """
    import tempfile

    import faster_whisper
    from interviews import ANSWERS_EN, ANSWERS_RU
    from scoring import wer

    from samizdat.asr.model_store import ensure_model
    from samizdat.settings import Settings

    settings = Settings()
    model = faster_whisper.WhisperModel(
        str(ensure_model(settings.asr, settings.model_dir)), device="cpu", compute_type="int8",
        cpu_threads=settings.asr.threads,
    )
    scores = {}
    for name in voices:
        language = VOICES[name].language if ":" in name else ("ru" if name.startswith("ru") else "en")
        answers = (ANSWERS_EN if language == "en" else ANSWERS_RU)[0::2][:sentences]
        text = " ".join(answers)
        with tempfile.TemporaryDirectory() as tmp:
            audio = say(text, name, 50 if ":" not in name else 100, 160 if ":" not in name else 100, Path(tmp))
        pieces, _ = model.transcribe(audio, language=language, beam_size=5)
        heard = " ".join(p.text.strip() for p in pieces)
        scores[name] = wer(text, heard, language)
        print(f"{name:36s} {audio.size / RATE:5.1f} s  WER {100 * scores[name]:5.1f} %  {heard[:150]}", flush=True)
    return scores


if __name__ == "__main__":
    import sys

    check(sys.argv[1:] or list(VOICES))
