"""The guard against invented phrases whose words last 0 s, measured on kept decodings (no decoding again).

A segment is a candidate when at least half of its words last under 0.01 s (`guards.ZERO_WORD_S`); the rule drops
a candidate whose least probable word is under a bar. This script lists every candidate in the kept decodings of
`speakers_run.py` (~/.cache/samizdat-bench/outputs/), says whether the truth has it (real speech) or not
(invented), counts what each bar would drop, and scores WER and name recall with `guards.is_invented` applied to
the kept segments ("after") against the kept segments as they are ("before"). Kept segments are the transcript
after speakers were named (a segment may have been split by speaker): the rule itself runs before, in
`clean_segments`.

Invented or real, by the truth: the segment's words (Whisper's normaliser) against the words of the truth turns that
overlap it in time (3 s either side: a real phrase can be timed a few seconds off); real when more than half of its
words are there ("Thank you." after "Did you ever write to Ida Nudel in exile?" shares "you" and is invented). Each
candidate is printed with its turns so the verdict can be read by hand as well.

Run: `python bench/asr/invented_guard.py --half dev [--prefixes samizdat,window-now]`
(writes nothing; `--out NAME` writes bench/asr/NAME.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from interviews import CACHE  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402
from scoring import name_recall, whisper_normalise  # noqa: E402

from samizdat.asr.guards import INVENTED_PROBABILITY, ZERO_WORD_S, is_invented  # noqa: E402
from samizdat.models import Segment, Word  # noqa: E402

OUTPUTS = Path.home() / ".cache" / "samizdat-bench" / "outputs"
BARS = (0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1.01)
MARGIN_S = 3.0


@dataclass(frozen=True)
class Candidate:
    """A segment half or more of whose words last under 0.01 s."""

    decoding: str
    start: float
    end: float
    text: str
    zero_share: float
    least_probability: float
    found_share: float  # of its words, the share the overlapping truth turns say
    turns: str

    @property
    def invented(self) -> bool:
        return self.found_share <= 0.5


def zero_share(segment: dict[str, Any]) -> float:
    words = segment.get("words") or []
    return sum(w["end"] - w["start"] < ZERO_WORD_S for w in words) / len(words) if words else 0.0


def least_probability(segment: dict[str, Any]) -> float:
    return min((w["probability"] for w in segment.get("words") or []), default=1.0)


def dropped(segment: dict[str, Any]) -> bool:
    """`guards.is_invented` itself, on a kept segment."""
    words = [Word(w["start"], w["end"], w["word"], w["probability"]) for w in segment.get("words") or []]
    return is_invented(Segment(segment["start"], segment["end"], segment["text"], words=words))


def _truth(audio: str) -> dict[str, Any] | None:
    path = CACHE / (audio.rsplit(".", 1)[0] + ".json")
    return json.loads(path.read_text()) if path.exists() else None


def candidates(decoding: str, result: dict[str, Any], truth: dict[str, Any]) -> list[Candidate]:
    language = truth["language"]
    found = []
    for segment in result["segments"]:
        share = zero_share(segment)
        if share < 0.5:
            continue
        near = [t for t in truth["turns"]
                if t["start"] - MARGIN_S < segment["end"] and segment["start"] < t["end"] + MARGIN_S]
        said = set(w for t in near for w in whisper_normalise(t["text"], language))
        words = whisper_normalise(segment["text"], language)
        found.append(Candidate(
            decoding, segment["start"], segment["end"], segment["text"].strip(), share, least_probability(segment),
            sum(w in said for w in words) / max(len(words), 1),
            " | ".join(f"{t['start']:.1f}-{t['end']:.1f} {t['text'][-60:]}" for t in near),
        ))
    return found


@dataclass
class Score:
    errors: int = 0
    words: int = 0
    found: int = 0
    names: int = 0

    def add(self, reference: str, text: str, language: str) -> None:
        ref, hyp = whisper_normalise(reference, language), whisper_normalise(text, language)
        self.errors += Levenshtein.distance(ref, hyp)
        self.words += len(ref)
        found, names = name_recall(reference, text, language)
        self.found += found
        self.names += names

    def line(self) -> str:
        recall = f"{100 * self.found / self.names:.1f} % ({self.found}/{self.names})" if self.names else "-"
        return f"{100 * self.errors / max(self.words, 1):.2f} % ({self.errors}/{self.words}) | {recall}"


def kept(half: str, prefixes: list[str]) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(decoding, audio, result, truth) for every kept decoding of the half's interview sets by these systems."""
    found = []
    for path in sorted(OUTPUTS.glob("*--*.json")):
        system, audio = path.name[: -len(".json")].split("--", 1)
        in_half = audio.startswith(f"{half}-") or (half == "test" and audio.startswith("long-"))
        if (prefixes and system not in prefixes) or not in_half or system.startswith("name-check"):
            continue
        truth = _truth(audio)
        result = json.loads(path.read_text())
        if truth is None or not any(s.get("words") for s in result.get("segments", [])):
            continue
        found.append((path.name[: -len(".json")], audio, result, truth))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", default="dev")
    parser.add_argument("--prefixes", default="", help="systems (kept file prefixes, a,b); default: every one")
    parser.add_argument("--out", default="", help="write bench/asr/OUT.md")
    args = parser.parse_args()
    lines: list[str] = []
    material = kept(args.half, [p for p in args.prefixes.split(",") if p])
    lines.append(f"Decodings: {len(material)} ({', '.join(sorted({d.split('--')[0] for d, *_ in material}))}); "
                 f"segments {sum(len(r['segments']) for _, _, r, _ in material)}.")
    everything = [c for decoding, _, result, truth in material for c in candidates(decoding, result, truth)]
    lines += ["", "| bar | dropped | invented | real |", "|---:|---:|---:|---:|"]
    for bar in BARS:
        hit = [c for c in everything if c.least_probability < bar]
        lines.append(f"| {bar:g} | {len(hit)} | {sum(c.invented for c in hit)} | {sum(not c.invented for c in hit)} |")
    lines += ["", "| decoding | start | end | text | 0-s share | least p | truth has | turns near |",
              "|---|---:|---:|---|---:|---:|---:|---|"]
    for c in sorted(everything, key=lambda c: c.least_probability):
        lines.append(f"| {c.decoding} | {c.start:.1f} | {c.end:.1f} | {c.text} | {c.zero_share:.2f} | "
                     f"{c.least_probability:.3f} | {c.found_share:.2f} | {c.turns} |")
    lines += ["", f"Before/after `guards.is_invented` (bar {INVENTED_PROBABILITY:g}), by system and set:", "",
              "| system | set | WER before | names before | WER after | names after | segments dropped |",
              "|---|---|---:|---:|---:|---:|---:|"]
    groups: dict[tuple[str, str], tuple[Score, Score, list[int]]] = {}
    for decoding, audio, result, truth in material:
        if "text" not in truth or audio.startswith("long-"):
            continue  # the long tape's sentences repeat: not scored for accuracy
        system = decoding.split("--")[0]
        family = audio.rsplit(".", 1)[0].rsplit("-", 1)[0]
        before, after, count = groups.setdefault((system, family), (Score(), Score(), [0]))
        segments = result["segments"]
        kept_segments = [s for s in segments if not dropped(s)]
        count[0] += len(segments) - len(kept_segments)
        before.add(truth["text"], " ".join(s["text"] for s in segments), truth["language"])
        after.add(truth["text"], " ".join(s["text"] for s in kept_segments), truth["language"])
    for (system, family), (before, after, count) in sorted(groups.items()):
        lines.append(f"| {system} | {family} | {before.line()} | {after.line()} | {count[0]} |")
    print("\n".join(lines))
    if args.out:
        (HERE / f"{args.out}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
