"""A prompt per piece of speech (`asr.window_prompt`) against the generic prompt and cheaper alternatives.

Run: `python bench/asr/window_prompt_run.py --half dev [--variants a,b]` (writes bench/asr/window-prompt-HALF.md;
each decoding is kept under ~/.cache/samizdat-bench/outputs/window-VARIANT--FILE.json, so a rerun only scores).
The English interviews of the half, language given, the archivist's metadata as `speakers_run.py` gives it; one
process, one loaded model (faster-whisper base int8, Samizdat's settings), diarization off (it does not change the
text). Each variant is Samizdat's full transcription (VAD, prompt, skipped-speech recovery, echo guard, name
correction with the acoustic check); CPU is this process's CPU seconds for the transcription.

Variants: `now` (main: one generic prompt as `hotwords`); `initial-prompt` (the same terms as faster-whisper
`initial_prompt`: with previous text not carried over, it reaches only the first 30 s of each piece);
`condition` (`hotwords` and `condition_on_previous_text`, temperature 0 only); `no-metadata` / `no-catalogue` (the
budget all to the catalogue / all to the item's metadata); `window-T` (a piece's own prompt from its first decoding
at hearing threshold T, the decoding with the higher mean log-probability kept); `window-T-second` (the second
decoding always kept); `window-0.60-any` (`window-0.60` under a fresh name, for a paired run: any heard word
may hint) beside `window-0.60-known` (a rule tried and not kept, commit f55f927: a heard word of the Hunspell
dictionary or of the archive's own spellings hints only as the corrector would rewrite it, never alone; see
window-hints-dev.md); `pieces-120` (pieces of up to 120 s of VAD speech, faster-whisper cutting them at its own 30 s
edges: the code before `TranscribeOptions.one_window`) beside `pieces-30` (pieces cut between VAD spans to at most one
30 s window; both with `window-0.60`'s prompts, and no tail stop); `pieces-120-old` (the same as `pieces-120`, a fresh
name for a second paired run) beside `pieces-120-tail` (120 s pieces with `DecodeGuards.tail_s`: the rest of a piece is
not decoded once a segment ends within 0.8 s of its end) and `pieces-30-tail` (one-window pieces with the tail stop,
the defaults since). Variants made before `one_window` ran with 120 s pieces and no tail stop.
Plain faster-whisper base is read from its kept outputs (`speakers_run.py`, same files).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from interviews import CACHE, PLANS  # noqa: E402
from kept import Tally, interview_metadata, kept_transcript  # noqa: E402
from speakers_run import OUTPUTS  # noqa: E402

from samizdat.asr import transcriber as transcriber_module  # noqa: E402
from samizdat.asr import window_prompt  # noqa: E402
from samizdat.asr.correction import IsOrdinary, _letters, correct_transcript, ordinary_words  # noqa: E402
from samizdat.asr.transcriber import TranscribeOptions, Transcriber  # noqa: E402
from samizdat.asr.vocabulary import metadata_terms, short_forms  # noqa: E402
from samizdat.models import ArchivistMetadata  # noqa: E402


@dataclass(frozen=True)
class Variant:
    name: str
    window: bool = False
    threshold: float = window_prompt.HEARING_THRESHOLD
    always_second: bool = False
    initial_prompt: bool = False
    condition: bool = False
    metadata: bool = True
    catalogue: bool = True
    known_hints: bool = False
    one_window: bool = True
    tail: bool = True


VARIANTS = {
    v.name: v
    for v in [
        Variant("now"),
        Variant("initial-prompt", initial_prompt=True),
        Variant("condition", condition=True),
        Variant("no-metadata", metadata=False),
        Variant("no-catalogue", catalogue=False),
        Variant("window-0.60", window=True, threshold=0.60),
        Variant("window-0.60-second", window=True, threshold=0.60, always_second=True),
        Variant("window-0.50", window=True, threshold=0.50),
        Variant("window-0.70", window=True, threshold=0.70),
        Variant("window-0.60-any", window=True, threshold=0.60),
        Variant("window-0.60-known", window=True, threshold=0.60, known_hints=True),
        Variant("pieces-120", window=True, threshold=0.60, one_window=False, tail=False),
        Variant("pieces-30", window=True, threshold=0.60, tail=False),
        Variant("pieces-120-old", window=True, threshold=0.60, one_window=False, tail=False),
        Variant("pieces-120-tail", window=True, threshold=0.60, one_window=False),
        Variant("pieces-30-tail", window=True, threshold=0.60),
    ]
}


def known_words(metadata: ArchivistMetadata) -> IsOrdinary:
    """`window-0.60-known`'s test of a heard word: English Hunspell, or a word of the archive's or item's spellings."""
    dictionary = ordinary_words("en")
    terms = metadata_terms(metadata) + list(short_forms("latin"))
    archive = {_letters(word) for term in terms for word in term.split()}
    return lambda word: _letters(word) in archive or (dictionary is not None and dictionary(word))


@contextmanager
def applied(variant: Variant, engine: Any, metadata: ArchivistMetadata) -> Iterator[None]:
    """The variant's changes to the engine and the transcriber module, undone afterwards."""
    model = engine._model
    original = model.transcribe
    saved = (transcriber_module.metadata_terms, transcriber_module.catalogue_terms, window_prompt.choose,
             window_prompt.HEARING_THRESHOLD, window_prompt._never_ordinary)

    def transcribe(audio: Any, **kwargs: Any) -> Any:
        if variant.initial_prompt:
            kwargs["initial_prompt"] = kwargs.pop("hotwords", None)
        if variant.condition:
            kwargs["condition_on_previous_text"] = True
        return original(audio, **kwargs)

    model.transcribe = transcribe
    guards = engine._guards
    if not variant.tail:
        engine._guards = replace(guards, tail_s=0.0)
    if not variant.metadata:
        transcriber_module.metadata_terms = lambda archivist: []
    if not variant.catalogue:
        transcriber_module.catalogue_terms = lambda script, catalogue=None: []
    if variant.always_second:
        window_prompt.choose = lambda first, second: bool(second)
    window_prompt.HEARING_THRESHOLD = variant.threshold
    if variant.known_hints:
        window_prompt._never_ordinary = known_words(metadata)  # type: ignore[assignment]
    try:
        yield
    finally:
        del model.transcribe
        engine._guards = guards
        (transcriber_module.metadata_terms, transcriber_module.catalogue_terms, window_prompt.choose,
         window_prompt.HEARING_THRESHOLD, window_prompt._never_ordinary) = saved


def rows(segments: Any) -> list[dict[str, Any]]:
    return [{"start": s.start, "end": s.end, "text": s.text,
             "words": [{"start": w.start, "end": w.end, "word": w.word, "probability": w.probability}
                       for w in s.words]} for s in segments]


def run_one(variant: Variant, engine: Any, audio: Path, truth: dict[str, Any]) -> dict[str, Any]:
    kept = OUTPUTS / f"window-{variant.name}--{audio.name}.json"
    if kept.exists():
        return dict(json.loads(kept.read_text()))
    metadata = interview_metadata(truth)
    options = TranscribeOptions(diarize=False, window_prompts=variant.window, one_window=variant.one_window)
    transcriber = Transcriber(engine, options)
    original_run = transcriber_module._Run

    class Run(original_run):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            runs.append(self)

    runs: list[Any] = []
    transcriber_module._Run = Run  # type: ignore[misc, assignment]
    try:
        with applied(variant, engine, metadata):
            wall, cpu = time.perf_counter(), time.process_time()
            heard, check = transcriber.hear_file(audio, ["en"], metadata=metadata)
            fixed = correct_transcript(heard, metadata, check=check)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        transcriber_module._Run = original_run  # type: ignore[misc]
    run = runs[-1]
    result = {
        "duration_s": heard.duration_s, "wall_s": wall, "cpu_s": cpu,
        "redecoded_s": run.redecoded_s, "focused_prompts": [p.text for p in run.focused_prompts],
        "segments": rows(fixed.segments), "heard_segments": rows(heard.segments),
        "corrections": [{"heard": c.heard, "written": c.written} for c in fixed.corrections],
    }
    OUTPUTS.mkdir(parents=True, exist_ok=True)
    kept.write_text(json.dumps(result, ensure_ascii=False))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", default="dev")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--out", default=None, help="results file name without .md (default window-prompt-HALF)")
    args = parser.parse_args()
    from samizdat.asr.faster_whisper_engine import load_faster_whisper
    from samizdat.models import Correction
    from samizdat.settings import Settings

    settings = Settings()
    engine = load_faster_whisper(settings.asr, settings.model_dir)
    plans = [p for p in PLANS if p.half == args.half and p.language == "en"]
    chosen = [VARIANTS[name] for name in args.variants.split(",")]
    lines_out: list[str] = []
    plain = Tally()
    for plan in plans:
        truth = json.loads((CACHE / f"{plan.name}.json").read_text())
        kept_plain = OUTPUTS / f"plain--{plan.name}.{plan.codec}.json"
        plain.add_text(truth["text"], " ".join(s["text"] for s in json.loads(kept_plain.read_text())["segments"]))
    table: list[str] = []
    wrong_lines: list[str] = []
    minutes = 0.0
    for variant in chosen:
        tally = Tally()
        cpu = wall = redecoded = duration = 0.0
        wrong: list[str] = []
        for plan in plans:
            audio = CACHE / f"{plan.name}.{plan.codec}"
            truth = json.loads((CACHE / f"{plan.name}.json").read_text())
            result = run_one(variant, engine, audio, truth)
            print(f"{variant.name} {plan.name}: {result['cpu_s']:.0f} CPU s", flush=True)
            fixed = kept_transcript({"segments": result["segments"], "duration_s": result["duration_s"]})
            fixed.corrections = [Correction(0.0, 0.0, c["heard"], c["written"], 0.0) for c in result["corrections"]]
            wrong += [f"{c.heard!r} -> {c.written!r}" for c in tally.add(truth["text"], fixed)]
            cpu += result["cpu_s"]
            wall += result["wall_s"]
            redecoded += result["redecoded_s"]
            duration += result["duration_s"]
        minutes = duration / 60
        table.append(f"| {variant.name} | {tally.wer:.1f}% | {tally.recall} | {tally.rewrites} ({tally.wrong}) | "
                     f"{cpu / duration:.3f} | {100 * redecoded / duration:.0f}% |")
        if wrong:
            wrong_lines.append(f"- {variant.name}: " + "; ".join(wrong))
    lines_out += [
        f"# A prompt per piece of speech: the {args.half} half",
        "",
        f"Written by `bench/asr/window_prompt_run.py --half {args.half}` "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"load {os.getloadavg()[0]:.1f} on a shared 2-core machine) from the English {args.half} interviews "
        f"{', '.join(p.name for p in plans)} ({minutes:.1f} min), language given, the interview's metadata. "
        "WER after Whisper's normaliser; name recall: catalogued names of the reference found in the transcript; "
        "rewrites (wrong): name corrections made, and those whose written text is not in the reference; RTF CPU: "
        "CPU seconds of the whole transcription (diarization off) per second of audio; re-decoded: share of the "
        "speech decoded a second time. See the script's docstring for the variants.",
        "",
        "| system | WER | name recall | rewrites (wrong) | RTF CPU | re-decoded |",
        "|---|---:|---:|---:|---:|---:|",
        f"| plain faster-whisper base (kept outputs) | {plain.wer:.1f}% | {plain.recall} | | | |",
        *table,
        "",
        "Wrong rewrites:",
        "",
        *wrong_lines,
    ]
    name = f"window-prompt-{args.half}" + ("" if len(chosen) == len(VARIANTS) or args.half != "dev" else "-part")
    name = args.out or name
    (HERE / f"{name}.md").write_text("\n".join(lines_out) + "\n")
    print("\n".join(lines_out))


if __name__ == "__main__":
    main()
