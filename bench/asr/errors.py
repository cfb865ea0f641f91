"""Where Samizdat's interview transcripts go wrong: names missed, rewrites, and words plain base had right.

Run after `speakers_run.py` (which keeps every decoding under ~/.cache/samizdat-bench/outputs/):
`python bench/asr/errors.py --sets voices --out speakers-voices-errors` writes bench/asr/OUT.md. No decoding.

For each English interview of the sets, the reference is aligned word by word (rapidfuzz's Levenshtein opcodes,
on `scoring.normalise` words, the name-recall normaliser) with Samizdat's text, its text before the name
correction, and plain faster-whisper base's text. Then:
- each catalogued name of the reference that Samizdat's text lacks there, with what each system wrote in its
  place, labelled: `dropped` (nothing of it in Samizdat's text: a segment cut or skipped), `correction undid it`
  (right before the correction, wrong after), `check refused` (the lexical corrector proposed the right name at
  the check's threshold but the model's check, `asr.name_check`, refused it), `misheard` (no proposal);
- every rewrite the correction made whose written name is not what the reference says there;
- stretches where plain base has every word right and Samizdat does not: what the prompt or the correction made
  worse (prompt echo, invented words, wrong rewrites).
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

from interviews import CACHE, PLANS, VOICE_PLANS  # noqa: E402
from kept import interview_metadata, kept_transcript  # noqa: E402
from scoring import _catalogue_spellings, normalise  # noqa: E402
from speakers_run import OUTPUTS  # noqa: E402


@dataclass(frozen=True)
class Aligned:
    """One system's words aligned to the reference: for each reference word, the hypothesis span [start, end)."""

    words: list[str]
    spans: list[tuple[int, int]]
    right: list[bool]  # the reference word came out as itself

    def at(self, first: int, last: int) -> str:
        """What the system wrote for reference words first..last (exclusive)."""
        start, end = self.spans[first][0], self.spans[last - 1][1]
        return " ".join(self.words[start:end])


def align(reference: list[str], hypothesis: list[str]) -> Aligned:
    from rapidfuzz.distance import Levenshtein

    spans: list[tuple[int, int]] = [(0, 0)] * len(reference)
    right = [False] * len(reference)
    for op in Levenshtein.opcodes(reference, hypothesis):
        tag, r0, r1, h0, h1 = op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end
        for offset, index in enumerate(range(r0, r1)):
            if tag == "equal":
                spans[index] = (h0 + offset, h0 + offset + 1)
                right[index] = True
            elif tag == "replace":  # spread the hypothesis words over the replaced reference words
                size = r1 - r0
                spans[index] = (h0 + (h1 - h0) * offset // size, h0 + (h1 - h0) * (offset + 1) // size)
            else:  # delete
                spans[index] = (h0, h0)
    return Aligned(hypothesis, spans, right)


def name_places(reference: list[str]) -> list[tuple[int, int, str, list[str]]]:
    """Every catalogued name in the reference words, as `scoring.name_mentions` counts them.

    Each as (first, last, the spelling said, all the entity's spellings).
    """
    taken = [False] * len(reference)
    found = []
    for _, spellings in _catalogue_spellings("en"):
        for spelling in spellings:
            target = spelling.split()
            for i in range(len(reference) - len(target) + 1):
                if reference[i : i + len(target)] == target and not any(taken[i : i + len(target)]):
                    taken[i : i + len(target)] = [True] * len(target)
                    found.append((i, i + len(target), spelling, spellings))
    return sorted(found)


def _has(text: str, spellings: list[str]) -> bool:
    """Whether `text` (normalised words) holds one of `spellings` as whole words (name recall counts it so)."""
    padded = f" {text} "
    return any(f" {s} " in padded for s in spellings)


def refused(result: dict[str, Any], truth: dict[str, Any]) -> list[tuple[float, str, str]]:
    """(time, heard, name) of each proposal at the check's threshold that the correction did not make."""
    from samizdat.asr import name_check
    from samizdat.asr.correction import corrector_for

    heard = kept_transcript(result)
    corrector = corrector_for("en", interview_metadata(truth), threshold=name_check.CANDIDATE_THRESHOLD)
    assert corrector is not None
    made = {(round(c["start"], 2), " ".join(normalise(c["written"]))) for c in result.get("corrections", [])}
    found = []
    for segment in heard.segments:
        for match in corrector.proposals(segment.words):
            words = segment.words[match.first : match.last]
            if (round(words[0].start, 2), " ".join(normalise(match.spelling.text))) not in made:
                found.append((words[0].start, " ".join(w.word for w in words), match.spelling.text))
    return found


def _text(result: dict[str, Any], key: str = "segments") -> list[str]:
    return normalise(" ".join(s["text"] for s in result[key]))


@dataclass
class Where:
    """Reference words Samizdat got wrong, and how many of them lie in catalogued names."""

    words: int = 0
    wrong: int = 0
    name_words: int = 0
    wrong_in_names: int = 0

    def line(self) -> str:
        return (f"Reference words Samizdat got wrong: {self.wrong} of {self.words}; in catalogued names "
                f"{self.wrong_in_names} of {self.name_words} name words, elsewhere {self.wrong - self.wrong_in_names}.")


def report(plan_name: str, codec: str, where: Where) -> list[str]:
    truth = json.loads((CACHE / f"{plan_name}.json").read_text())
    audio = f"{plan_name}.{codec}"
    samizdat = json.loads((OUTPUTS / f"samizdat--{audio}.json").read_text())
    plain = json.loads((OUTPUTS / f"plain--{audio}.json").read_text())
    reference = normalise(truth["text"])
    systems = {
        "samizdat": align(reference, _text(samizdat)),
        "uncorrected": align(reference, _text(samizdat, "heard_segments")),
        "plain": align(reference, _text(plain)),
    }
    said = " ".join(reference)
    proposals = refused(samizdat, truth)
    lines = [f"### {audio} ({', '.join(s['voice'] for s in truth['speakers'])})", ""]
    here = Where(len(reference), systems["samizdat"].right.count(False))
    for first, last, _, _ in name_places(reference):
        here.name_words += last - first
        here.wrong_in_names += systems["samizdat"].right[first:last].count(False)
    for key in ("words", "wrong", "name_words", "wrong_in_names"):
        setattr(where, key, getattr(where, key) + getattr(here, key))
    lines += [here.line(), ""]
    missed = []
    for first, last, spelling, spellings in name_places(reference):
        wrote = {name: aligned.at(first, last) for name, aligned in systems.items()}
        if all(systems["samizdat"].right[first:last]) or _has(wrote["samizdat"], spellings):
            continue
        if not wrote["samizdat"]:
            kind = "dropped"
        elif all(systems["uncorrected"].right[first:last]) or _has(wrote["uncorrected"], spellings):
            kind = "correction undid it"
        elif any(" ".join(normalise(name)) == spelling and set(normalise(heard)) & set(wrote["uncorrected"].split())
                 for _, heard, name in proposals):
            kind = "check refused"
        else:
            kind = "misheard"
        missed.append(f"| {spelling} | {kind} | {wrote['samizdat']} | {wrote['uncorrected']} | {wrote['plain']} |")
    lines += [f"Names missed: {len(missed)} of {len(name_places(reference))}.", "",
              "| name | why | samizdat | before correction | plain |", "|---|---|---|---|---|", *missed, ""]
    wrong = [c for c in samizdat.get("corrections", []) if " ".join(normalise(c["written"])) not in said]
    lines += [f"Rewrites: {len(samizdat.get('corrections', []))}, wrong (the name is not in the reference): "
              + (", ".join(f"{c['heard']!r} → {c['written']!r} at {c['start']:.1f} s" for c in wrong) or "none"), ""]
    if proposals:
        lines += ["Proposals the check refused: " + ", ".join(
            f"{h!r} → {n!r} at {t:.1f} s{' (a name the reference holds)' if ' '.join(normalise(n)) in said else ''}"
            for t, h, n in proposals), ""]
    worse = []
    run: list[int] = []
    right_s, right_p = systems["samizdat"].right, systems["plain"].right
    for index in range(len(reference) + 1):
        if index < len(reference) and right_p[index] and not right_s[index]:
            run.append(index)
            continue
        if run:
            first, last = run[0], run[-1] + 1
            worse.append(f"| {' '.join(reference[first:last])} | {systems['samizdat'].at(first, last)} "
                         f"| {systems['uncorrected'].at(first, last)} |")
            run = []
    only_plain = sum(p and not s for p, s in zip(right_p, right_s, strict=True))
    only_samizdat = sum(s and not p for p, s in zip(right_p, right_s, strict=True))
    lines += [f"Words plain had right and Samizdat not: {only_plain} (Samizdat right, plain not: {only_samizdat}).", "",
              "| reference | samizdat | before correction |", "|---|---|---|", *worse, ""]
    lines += ["Runs of 3+ words Samizdat wrote where the reference has none (prompt echo, invented words): "
              + (", ".join(repr(run) for run in inserted(reference, _text(samizdat))) or "none"), ""]
    return lines


def inserted(reference: list[str], hypothesis: list[str], least: int = 3) -> list[str]:
    """Runs of at least `least` hypothesis words that stand for no reference word."""
    from rapidfuzz.distance import Levenshtein

    return [" ".join(hypothesis[op.dest_start : op.dest_end]) for op in Levenshtein.opcodes(reference, hypothesis)
            if op.tag == "insert" and op.dest_end - op.dest_start >= least]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="voices", help="espeak | voices")
    parser.add_argument("--half", default="test")
    parser.add_argument("--out", default="speakers-voices-errors")
    args = parser.parse_args()
    plans = [p for p in (VOICE_PLANS if args.sets == "voices" else PLANS)
             if p.half == args.half and p.language == "en"
             and (OUTPUTS / f"samizdat--{p.name}.{p.codec}.json").exists()
             and (OUTPUTS / f"plain--{p.name}.{p.codec}.json").exists()]
    lines = ["# Samizdat's errors on the interview sets, file by file", "",
             "Written by `bench/asr/errors.py` from the kept decodings of `speakers_run.py` (its docstring says how "
             "each error is labelled). Words as the name-recall normaliser writes them (lower case, numbers as "
             "digits).", ""]
    where = Where()
    for plan in plans:
        lines += report(plan.name, plan.codec, where)
    lines[4:4] = ["All files: " + where.line(), ""]
    (HERE / f"{args.out}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
