"""The acoustic check of name rewrites (`asr.name_check`), tuned on the dev half: lexical threshold x margin.

Run after `speakers_run.py --half dev` (which keeps each decoding, before correction, under
~/.cache/samizdat-bench/outputs/): `python bench/asr/name_check_tune.py [--half dev]` writes
bench/asr/name-check-HALF.md. No decoding: every candidate rewrite of the kept words (at the lowest
threshold swept, runs of ordinary words included) is scored once by Whisper base on its segment's audio,
with the vocabulary prompt the decoding had, and the scores are kept (OUTPUTS/name-check--FILE.json);
then each setting is applied to the kept words. A rewrite is wrong when what it wrote is not in the
reference of that interview. `--half test` scores the test half with the settings now in the code only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from interviews import CACHE, PLANS  # noqa: E402
from kept import Tally, interview_metadata, kept_transcript  # noqa: E402
from speakers_run import OUTPUTS  # noqa: E402

from samizdat.asr import name_check  # noqa: E402
from samizdat.asr.audio_source import stream_blocks  # noqa: E402
from samizdat.asr.correction import MATCH_THRESHOLD, correct_transcript, corrector_for  # noqa: E402
from samizdat.asr.name_check import NameCheck  # noqa: E402
from samizdat.asr.vocabulary import build_prompt, catalogue_terms, metadata_terms  # noqa: E402
from samizdat.models import ArchivistMetadata, Transcript  # noqa: E402

LOWEST = 0.5
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75)
MARGINS = (-4.0, -3.0, -2.0, -1.0, 0.0, 2.0, 5.0)


def gains(
    audio: Path, heard: Transcript, metadata: ArchivistMetadata, engine: Any, sweep: bool
) -> tuple[dict[str, float], float, float, float]:
    """Every candidate's gain (kept on disk), the seconds of audio scored, wall and CPU seconds it took.

    `sweep`: every candidate down to `LOWEST`, ordinary runs too, none trusted (for the dev sweep); else only what
    the check as set in the code asks (its real cost).
    """
    kept = OUTPUTS / f"name-check{'' if sweep else '-set'}--{audio.name}.json"
    if kept.exists():
        data = json.loads(kept.read_text())
        return data["gains"], data["scored_s"], data["took_s"], data.get("cpu_s", float("nan"))
    samples = np.concatenate(list(stream_blocks(audio)))
    prompt = build_prompt(metadata_terms(metadata), catalogue_terms("latin"), engine.count_tokens)
    check = NameCheck(threshold=LOWEST, ordinary_runs=True, trusted=1.01) if sweep else NameCheck()
    corrector = corrector_for("en", metadata, threshold=check.threshold, ordinary_runs=check.ordinary_runs)
    assert corrector is not None
    started = time.perf_counter()
    check.judge(heard.segments, samples, 0.0, corrector, engine, "en", prompt.text)
    took = time.perf_counter() - started
    found = {json.dumps(list(k)): v for k, v in check.gains.items()}
    kept.write_text(json.dumps({"gains": found, "scored_s": check.scored_s, "took_s": took, "cpu_s": check.cpu_s}))
    return found, check.scored_s, took, check.cpu_s


def verdicts(heard: Transcript, metadata: ArchivistMetadata, found: dict[str, float]) -> NameCheck:
    """The check as set in the code, with the kept gains."""
    check = NameCheck()
    return _check(heard, metadata, found, ("set", check.threshold, check.margin, check.ordinary_runs), check.trusted)


def _check(heard: Transcript, metadata: ArchivistMetadata, found: dict[str, float],
           setting: tuple[str, float, float, bool], trusted: float | None = None) -> NameCheck:
    """The check as the transcriber would have made it with this setting: only its own proposals judged."""
    label, threshold, margin, ordinary = setting
    corrector = corrector_for("en", metadata, threshold=threshold, ordinary_runs=ordinary)
    assert corrector is not None
    if trusted is None:
        trusted = MATCH_THRESHOLD if label.startswith("trusted") else 1.01
    check = NameCheck(threshold, margin, ordinary, trusted=trusted)
    for segment in heard.segments:
        for match in corrector.proposals(segment.words):
            key = name_check._key(segment.words, match)
            gain = found.get(json.dumps(list(key)))
            if gain is not None:
                check.gains[key] = gain
    return check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", default="dev")
    args = parser.parse_args()
    from samizdat.asr.faster_whisper_engine import load_faster_whisper
    from samizdat.settings import Settings

    settings = Settings()
    engine = load_faster_whisper(settings.asr, settings.model_dir)
    settings_swept: list[tuple[str, float, float, bool]] = [("no correction", 1.01, 0.0, False),
                                                            ("lexical only", MATCH_THRESHOLD, 0.0, False)]
    if args.half == "dev":
        settings_swept += [(label, t, m, o) for label in ("checked", "trusted + checked") for o in (False, True)
                           for t in THRESHOLDS for m in MARGINS]
    else:
        settings_swept.append(("trusted + checked" if name_check.TRUSTED <= 1 else "checked",
                               name_check.CANDIDATE_THRESHOLD, name_check.MARGIN, name_check.ORDINARY_RUNS))
    rows = {s: Tally() for s in settings_swept}
    wrong: dict[tuple[str, float, float, bool], list[str]] = {s: [] for s in settings_swept}
    files: list[str] = []
    minutes = scored_s = took_s = cpu_s = 0.0
    plain_row = Tally()
    for plan in [p for p in PLANS if p.half == args.half and p.language == "en"]:
        kept = OUTPUTS / f"samizdat--{plan.name}.{plan.codec}.json"
        if not kept.exists():
            continue
        files.append(plan.name)
        truth = json.loads((CACHE / f"{plan.name}.json").read_text())
        metadata = interview_metadata(truth)
        result = json.loads(kept.read_text())
        heard = kept_transcript(result)
        minutes += float(result["duration_s"]) / 60
        found_gains, scored, took, cpu = gains(CACHE / f"{plan.name}.{plan.codec}", heard, metadata, engine,
                                               args.half == "dev")
        scored_s += scored
        took_s += took
        cpu_s += cpu
        plain = OUTPUTS / f"plain--{plan.name}.{plan.codec}.json"
        if plain.exists():
            plain_text = " ".join(s["text"] for s in json.loads(plain.read_text())["segments"])
            plain_row.add_text(truth["text"], plain_text)
        for setting in settings_swept:
            label, threshold, margin, ordinary = setting
            if label != "lexical only" and label != "no correction":
                fixed = correct_transcript(heard, metadata, check=_check(heard, metadata, found_gains, setting))
            else:
                fixed = correct_transcript(heard, metadata, threshold=threshold)
            for c in rows[setting].add(truth["text"], fixed):
                wrong[setting].append(f"{c.heard!r} -> {c.written!r}")
    lines = [
        f"# Acoustic check of name rewrites: the {args.half} half",
        "",
        f"Written by `bench/asr/name_check_tune.py` from the kept {args.half} decodings of {', '.join(files)} "
        f"({minutes:.1f} min; samizdat, before correction). \"checked\": candidates at the lexical threshold, "
        "each scored by Whisper base on its segment's audio with the decoding's prompt, rewritten when the text with "
        "the name gains the margin in log-probability; \"trusted + checked\": the same, but a candidate at the "
        f"lexical-only threshold ({MATCH_THRESHOLD}) is rewritten without asking; \"ordinary runs\": runs of "
        "several ordinary words may be proposed too. A rewrite is wrong when what it wrote is not in the "
        "interview's reference.",
        "",
        f"Cost ({'every candidate of the sweep' if args.half == 'dev' else 'the check as set in the code'}): "
        f"{scored_s:.0f} s of audio scored, {took_s:.1f} s wall, {cpu_s:.1f} s CPU for {minutes:.1f} min of tape "
        f"(extra RTF {took_s / max(minutes * 60, 1):.3f} wall, {cpu_s / max(minutes * 60, 1):.4f} CPU; "
        f"{time.strftime('%H:%M UTC', time.gmtime())}, a shared 2-core machine, load {os.getloadavg()[0]:.1f}).",
        "",
        "| setting | lexical threshold | margin | ordinary runs | WER | name recall | rewrites | wrong |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    if plain_row.words:
        lines.append(f"| plain faster-whisper base (kept) | | | | {plain_row.wer:.1f}% | {plain_row.recall} | | |")
    for (label, threshold, margin, ordinary), row in rows.items():
        lines.append(
            f"| {label} | {threshold:.2f} | {margin:g} | {'yes' if ordinary else 'no'} | "
            f"{row.wer:.1f}% | {row.recall} | {row.rewrites} | {row.wrong} |"
        )
    lines += ["", "Wrong rewrites:", ""]
    for (label, threshold, margin, ordinary), examples in wrong.items():
        if examples:
            lines.append(f"- {label} {threshold:.2f} / {margin:g} / {'runs' if ordinary else 'no runs'}: "
                         + "; ".join(examples))
    (HERE / f"name-check-{args.half}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
