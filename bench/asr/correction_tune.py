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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from interviews import CACHE, PLANS  # noqa: E402
from kept import Tally, interview_metadata, kept_transcript  # noqa: E402
from speakers_run import OUTPUTS  # noqa: E402

from samizdat.asr.correction import correct_transcript  # noqa: E402

THRESHOLDS = (0.60, 0.65, 0.70, 0.75, 0.78, 0.80, 0.82, 0.85, 0.90, 1.01)


def main() -> None:
    rows = {t: Tally() for t in THRESHOLDS}
    wrong_examples: dict[float, list[str]] = {t: [] for t in THRESHOLDS}
    files = []
    for plan in [p for p in PLANS if p.half == "dev" and p.language == "en"]:
        kept = OUTPUTS / f"samizdat--{plan.name}.{plan.codec}.json"
        if not kept.exists():
            continue
        files.append(plan.name)
        truth = json.loads((CACHE / f"{plan.name}.json").read_text())
        metadata = interview_metadata(truth)
        heard = kept_transcript(json.loads(kept.read_text()))
        for threshold in THRESHOLDS:
            fixed = correct_transcript(heard, metadata, threshold=threshold)
            for c in rows[threshold].add(truth["text"], fixed):
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
        lines.append(f"| {threshold:.2f} | {row.wer:.1f}% | {row.recall} | {row.rewrites} | {row.wrong} |")
    lines += ["", "Wrong rewrites at each threshold:", ""]
    for threshold, examples in wrong_examples.items():
        if examples:
            lines.append(f"- {threshold:.2f}: " + "; ".join(examples))
    (HERE / "correction-dev.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
