"""The name correction's threshold, measured on the dev half: WER, name recall and wrong rewrites per threshold.

Run after `speakers_run.py --half dev` (which keeps each decoding, before correction, under
~/.cache/samizdat-bench/outputs/): `python bench/asr/correction_tune.py` writes bench/asr/correction-dev.md.
No decoding here: the corrector runs again over the kept words at each threshold.
A rewrite is counted wrong when what it wrote is not in the reference text of that interview.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from interviews import CACHE, PLANS  # noqa: E402
from scoring import name_recall, whisper_normalise  # noqa: E402
from speakers_run import OUTPUTS  # noqa: E402

from samizdat.asr.correction import correct_transcript  # noqa: E402
from samizdat.models import ArchivistMetadata, Segment, Transcript, Word  # noqa: E402

THRESHOLDS = (0.60, 0.65, 0.70, 0.75, 0.78, 0.80, 0.82, 0.85, 0.90, 1.01)


def _transcript(result: dict[str, Any]) -> Transcript:
    segments = [
        Segment(s["start"], s["end"], s["text"], "en",
                [Word(w["start"], w["end"], w["word"], w["probability"]) for w in s.get("words", [])])
        for s in result.get("heard_segments", result["segments"])
    ]
    return Transcript(segments, "en", 1.0, float(result["duration_s"]))


def _errors(reference: str, hypothesis: str) -> tuple[int, int]:
    from rapidfuzz.distance import Levenshtein

    ref, hyp = whisper_normalise(reference, "en"), whisper_normalise(hypothesis, "en")
    return Levenshtein.distance(ref, hyp), len(ref)


def main() -> None:
    rows: dict[float, dict[str, int]] = {t: {"errors": 0, "words": 0, "found": 0, "names": 0, "rewrites": 0,
                                             "wrong": 0} for t in THRESHOLDS}
    wrong_examples: dict[float, list[str]] = {t: [] for t in THRESHOLDS}
    files = []
    for plan in [p for p in PLANS if p.half == "dev" and p.language == "en"]:
        kept = OUTPUTS / f"samizdat--{plan.name}.{plan.codec}.json"
        if not kept.exists():
            continue
        files.append(plan.name)
        truth = json.loads((CACHE / f"{plan.name}.json").read_text())
        meta = truth["metadata"]
        metadata = ArchivistMetadata(
            dc={"title": meta["title"], "language": [meta["language"]]},
            extra={"interviewer": meta["interviewer"], "interviewee": meta["interviewee"]},
        )
        heard = _transcript(json.loads(kept.read_text()))
        reference = " ".join(whisper_normalise(truth["text"], "en"))
        for threshold in THRESHOLDS:
            fixed = correct_transcript(heard, metadata, threshold=threshold)
            text = " ".join(s.text for s in fixed.segments)
            errors, words = _errors(truth["text"], text)
            found, names = name_recall(truth["text"], text, "en")
            row = rows[threshold]
            row["errors"] += errors
            row["words"] += words
            row["found"] += found
            row["names"] += names
            row["rewrites"] += len(fixed.corrections)
            for c in fixed.corrections:
                if " ".join(whisper_normalise(c.written, "en")) not in reference:
                    row["wrong"] += 1
                    wrong_examples[threshold].append(f"{c.heard!r} -> {c.written!r} ({c.score})")
    lines = [
        "# Name correction: threshold on the dev half",
        "",
        f"Written by `bench/asr/correction_tune.py` from the kept dev decodings of {', '.join(files)} "
        "(samizdat, before correction). A rewrite is wrong when what it wrote is not in the interview's "
        "reference. Threshold 1.01 = no correction.",
        "",
        "| threshold | WER | name recall | rewrites | wrong rewrites |",
        "|---:|---:|---:|---:|---:|",
    ]
    for threshold, row in rows.items():
        lines.append(
            f"| {threshold:.2f} | {100 * row['errors'] / max(row['words'], 1):.1f}% | "
            f"{100 * row['found'] / max(row['names'], 1):.0f}% ({row['found']}/{row['names']}) | "
            f"{row['rewrites']} | {row['wrong']} |"
        )
    lines += ["", "Wrong rewrites at each threshold:", ""]
    for threshold, examples in wrong_examples.items():
        if examples:
            lines.append(f"- {threshold:.2f}: " + "; ".join(examples))
    (HERE / "correction-dev.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
