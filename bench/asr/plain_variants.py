"""Where plain faster-whisper base loses on the Flite/Festival sets: its decoding options, and the tape's treatment.

Run: `python bench/asr/plain_variants.py` (prints WER lines; about two minutes of CPU). Diagnostics for
speakers-voices.md's note, not a tuning: nothing in Samizdat is set from them.
- Russian (`test-flite-ru2-a`): plain base as speakers_run.py runs it, then without conditioning on the previous
  text, at temperature 0 only, with faster-whisper's own VAD filter (speech pieces, as Samizdat decodes), and both
  of the first two.
- English (the four two-voice files): the same interview made again without the room echo (other noise draws),
  and without the echo at 16 kHz FLAC, under `/tmp/samizdat-plain-variants`.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from interviews import CACHE, VOICE_PLANS, Plan, make  # noqa: E402
from scoring import wer  # noqa: E402

FOLDER = Path("/tmp/samizdat-plain-variants")


def _wer(model: Any, plan: Plan, audio: Path, **options: Any) -> float:
    truth = json.loads(audio.with_suffix(".json").read_text())
    pieces, _ = model.transcribe(str(audio), language=plan.language, beam_size=5, **options)
    return wer(truth["text"], " ".join(p.text.strip() for p in pieces), plan.language)


def main() -> None:
    import faster_whisper

    from samizdat.asr.model_store import ensure_model
    from samizdat.settings import Settings

    settings = Settings()
    model = faster_whisper.WhisperModel(
        str(ensure_model(settings.asr, settings.model_dir)), device="cpu", compute_type="int8",
        cpu_threads=settings.asr.threads,
    )
    russian = next(p for p in VOICE_PLANS if p.half == "test" and p.language == "ru")
    audio = make(russian, CACHE)
    variants: list[tuple[str, dict[str, Any]]] = [
        ("as speakers_run", {}),
        ("no conditioning", {"condition_on_previous_text": False}),
        ("temperature 0", {"temperature": 0.0}),
        ("vad_filter", {"vad_filter": True}),
        ("no conditioning, temperature 0", {"condition_on_previous_text": False, "temperature": 0.0}),
    ]
    for label, options in variants:
        print(f"{russian.name} {label:32s} WER {100 * _wer(model, russian, audio, **options):5.1f} %", flush=True)
    for plan in [p for p in VOICE_PLANS if p.half == "test" and p.language == "en" and p.voices == 2]:
        for label, changed in [
            ("as made", plan),
            ("no echo", dataclasses.replace(plan, echo=False)),
            ("no echo, 16 kHz FLAC", dataclasses.replace(plan, echo=False, rate=16_000, codec="flac")),
        ]:
            folder = CACHE if changed is plan else FOLDER / label.replace(",", "").replace(" ", "-")
            audio = make(changed, folder)
            print(f"{plan.name} {label:32s} WER {100 * _wer(model, changed, audio):5.1f} %", flush=True)


if __name__ == "__main__":
    main()
