"""Which catalogue terms send a piece to its second decoding, and whether the reference says them (issue 12).

Run: `python bench/asr/window_hints_count.py [--half dev]` (prints; decodes nothing). Reads the first decodings of
`window_prompt_run.py`'s `now` variant (generic prompt, kept under ~/.cache/samizdat-bench/outputs), cuts each
interview into 120 s of file time (the transcriber's pieces are 120 s of VAD speech: close, not the same cut), and
asks `WindowPrompter` for each piece's own prompt under main's rule (any heard word may hint) and under the rule
tried in `window-0.60-known` (`window_prompt_run.known_words`). A hint is a term of the piece's own prompt that
the generic prompt lacks; it is true when the reference text of the interview names the term.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from interviews import CACHE, PLANS  # noqa: E402
from kept import interview_metadata, kept_transcript  # noqa: E402
from speakers_run import OUTPUTS  # noqa: E402
from window_prompt_run import known_words  # noqa: E402

from samizdat.asr import window_prompt  # noqa: E402
from samizdat.asr.vocabulary import PROMPT_BUDGET_TOKENS, _key, build_prompt, catalogue_terms, metadata_terms  # noqa: E402
from samizdat.asr.window_prompt import WindowPrompter  # noqa: E402
from samizdat.models import Segment  # noqa: E402

PIECE_S = 120.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", default="dev")
    args = parser.parse_args()
    from samizdat.asr.faster_whisper_engine import load_faster_whisper
    from samizdat.settings import Settings

    settings = Settings()
    count = load_faster_whisper(settings.asr, settings.model_dir).count_tokens
    archive = catalogue_terms("latin")
    original = window_prompt._never_ordinary
    for rule in ("any", "known"):
        pieces = once = 0
        seconds = again = 0.0
        true: Counter[str] = Counter()
        false: Counter[str] = Counter()
        for plan in [p for p in PLANS if p.half == args.half and p.language == "en"]:
            truth = json.loads((CACHE / f"{plan.name}.json").read_text())
            reference = _key(truth["text"])
            metadata = interview_metadata(truth)
            item = metadata_terms(metadata)
            generic = build_prompt(item, archive, count, PROMPT_BUDGET_TOKENS)
            window_prompt._never_ordinary = original if rule == "any" else known_words(metadata)  # type: ignore[assignment]
            try:
                prompter = WindowPrompter.build(generic, item, archive, "latin", count, PROMPT_BUDGET_TOKENS)
            finally:
                window_prompt._never_ordinary = original
            kept = json.loads((OUTPUTS / f"window-now--{plan.name}.{plan.codec}.json").read_text())
            heard = kept_transcript({"segments": kept["heard_segments"], "duration_s": kept["duration_s"]}).segments
            cut: dict[int, list[Segment]] = {}
            for segment in heard:
                cut.setdefault(int(segment.start // PIECE_S), []).append(segment)
            for piece in cut.values():
                pieces += 1
                length = sum(s.end - s.start for s in piece)
                seconds += length
                prompt = prompter.focused(piece)
                if prompt is None:
                    once += 1
                    continue
                again += length
                for term in prompt.terms:
                    if term not in generic.terms:
                        (true if _key(term) in reference else false)[term] += 1
        print(f"{rule}: {once} of {pieces} pieces decoded once; {100 * again / seconds:.0f} % of the segments' time "
              f"again; hints true {sum(true.values())} {dict(true.most_common())}; "
              f"false {sum(false.values())} {dict(false.most_common())}")


if __name__ == "__main__":
    main()
