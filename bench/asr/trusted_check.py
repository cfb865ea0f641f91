"""What the model's check of name rewrites would say about the rewrites it is not asked about (lexical ≥ `TRUSTED`).

Run after `speakers_run.py --sets voices`: `python bench/asr/trusted_check.py` prints, for each proposal of the
Flite/Festival English sets scoring at least `name_check.TRUSTED` by letters and sound, the model's gain (log-
probability of the stretch with the name minus as heard; `name_check.MARGIN` is the least it accepts). The gains are
kept under OUTPUTS/name-check--FILE.json (`name_check_tune.gains`, every candidate, none trusted). A diagnostic
for speakers-voices.md's note, on a test half: nothing is set from it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from interviews import CACHE, VOICE_PLANS  # noqa: E402
from kept import interview_metadata, kept_transcript  # noqa: E402
from name_check_tune import gains  # noqa: E402
from speakers_run import OUTPUTS  # noqa: E402

from samizdat.asr import name_check  # noqa: E402
from samizdat.asr.correction import corrector_for  # noqa: E402


def main() -> None:
    from samizdat.asr.faster_whisper_engine import load_faster_whisper
    from samizdat.settings import Settings

    settings = Settings()
    engine = load_faster_whisper(settings.asr, settings.model_dir)
    for plan in [p for p in VOICE_PLANS if p.language == "en"]:
        audio = CACHE / f"{plan.name}.{plan.codec}"
        result = json.loads((OUTPUTS / f"samizdat--{audio.name}.json").read_text())
        truth = json.loads((CACHE / f"{plan.name}.json").read_text())
        heard, metadata = kept_transcript(result), interview_metadata(truth)
        found = gains(audio, heard, metadata, engine, sweep=True)[0]
        corrector = corrector_for("en", metadata, threshold=name_check.CANDIDATE_THRESHOLD)
        assert corrector is not None
        for segment in heard.segments:
            for match in corrector.proposals(segment.words):
                if match.score < name_check.TRUSTED:
                    continue
                gain = found.get(json.dumps(list(name_check._key(segment.words, match))))
                words = " ".join(w.word for w in segment.words[match.first : match.last])
                print(f"{plan.name} {segment.words[match.first].start:6.1f} s {words!r} -> {match.spelling.text!r} "
                      f"lexical {match.score:.3f} gain {'-' if gain is None else f'{gain:.2f}'}", flush=True)


if __name__ == "__main__":
    main()
