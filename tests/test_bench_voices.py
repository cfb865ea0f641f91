"""The interview generator's Flite/Festival voices (bench/asr/voices.py): the sets' format, one voice a person.

Made with the real synthesisers (Debian's flite and festival; skipped where they are missing).
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "asr"


def test_a_flite_interview_keeps_the_format_and_never_gives_one_person_two_speakers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not all(shutil.which(tool) for tool in ("flite", "text2wave", "ffmpeg")):
        pytest.skip("flite, festival (text2wave) and ffmpeg are needed (scripts/install.sh --test)")
    monkeypatch.syspath_prepend(str(BENCH))  # the bench's modules (run, scoring, ...) only for this test
    from interviews import ANSWERS_EN, QUESTIONS_EN, VOICE_PLANS, make
    from voices import person
    pool = ("flite:slt", "festival:cmu_us_slt_arctic_hts", "flite:rms")  # slt twice: one of them must go
    seed = next(s for s in range(100) if _shuffled(pool, s)[-1] == "flite:rms")  # the draw puts both slt first
    plan = dataclasses.replace(VOICE_PLANS[0], name="tiny", minutes=0.25, codec="flac", pool=pool, seed=seed)
    audio = make(plan, tmp_path)
    truth = json.loads(audio.with_suffix(".json").read_text())
    assert set(truth) == {"language", "half", "duration_s", "speakers", "metadata", "turns", "text"}
    speakers = truth["speakers"]
    assert len({person(s["voice"]) for s in speakers}) == 2
    rms = next(s for s in speakers if s["voice"] == "flite:rms")
    assert rms["pitch"] == 100  # Flite cannot move rms's pitch: the truth says so
    test_half = set(QUESTIONS_EN[1::2]) | set(ANSWERS_EN[1::2])
    assert truth["half"] == "test"
    assert all(sentence in test_half for turn in truth["turns"] for sentence in _sentences(turn["text"], test_half))
    assert truth["turns"][-1]["end"] <= truth["duration_s"]


def _shuffled(pool: tuple[str, ...], seed: int) -> list[str]:
    """The voices in the order `make` draws them (its first use of the plan's seed)."""
    order = list(pool)
    random.Random(seed).shuffle(order)
    return order


def _sentences(text: str, known: set[str]) -> list[str]:
    """The known sentences a turn is made of, in order (a turn joins one to three of them)."""
    found, rest = [], text
    while rest:
        match = next((s for s in known if rest.startswith(s)), rest)
        found.append(match)
        rest = rest[len(match):].lstrip()
    return found
