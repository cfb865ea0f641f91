"""Long test interviews made here: espeak-ng sentences, pauses, long silences, tape hiss, as FLAC.

Cheap to make (espeak-ng runs ~100x real time; samples stream into ffmpeg, never held whole), with
exact ground truth: `<name>.json` beside the audio lists the spoken text and the long silences.
"""

from __future__ import annotations

import json
import random
import subprocess
import tempfile
from pathlib import Path

import numpy as np

RATE = 16_000
SENTENCES = [
    "My family applied for an exit visa to Israel in the spring.",
    "The answer from the office came after many months of waiting.",
    "They told us that my father knew state secrets from his work.",
    "We lost our jobs and our friends stopped calling the apartment.",
    "On Saturdays we met near the synagogue on the hill in Moscow.",
    "People passed letters and books from hand to hand.",
    "Some of the teachers taught Hebrew at home to small groups.",
    "The police watched the building and wrote down every name.",
    "My mother kept a suitcase packed by the door for years.",
    "Visitors from abroad brought news, medicine and warm clothes.",
    "We listened to foreign radio late at night with the sound low.",
    "The trial was closed and our friends waited outside in the snow.",
    "Letters to the prisoners often came back unopened.",
    "Every refusal was a short typed note with no reason given.",
    "Students in America marched and wrote to their senators.",
    "One winter the heating failed and we wore coats inside.",
    "My brother was called to the army office again and again.",
    "A journalist came to our kitchen to record our story.",
    "We learned songs in Yiddish from our grandmother.",
    "At last a telephone call told us to come and collect the papers.",
    "We had ten days to leave and could take very little with us.",
    "At the airport the guards opened every bag and every book.",
    "When the plane took off my father began to cry.",
    "We arrived in Vienna in the evening and did not sleep at all.",
]


def _say(text: str, workdir: Path) -> np.ndarray:
    wav = workdir / "say.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "155", "-w", str(wav), text], check=True)
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(wav), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


def _hiss(rng: np.random.Generator, seconds: float) -> np.ndarray:
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    return (rng.normal(0, 0.003, n) + 0.002 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)


def make_interview(
    path: Path, minutes: float, seed: int = 1, silence_s: tuple[float, float] = (20.0, 90.0)
) -> dict[str, object]:
    """Write `path` (FLAC) and `path.json` (truth text, long silences); return the truth record.

    `silence_s`: the range of the long silences between passages of talk; (2, 5) makes a dense tape.
    """
    rng = np.random.default_rng(seed)
    order = random.Random(seed)
    target = int(minutes * 60 * RATE)
    with tempfile.TemporaryDirectory() as tmp:
        clips = [_say(text, Path(tmp)) for text in SENTENCES]
    spoken: list[str] = []
    silences: list[tuple[float, float]] = []
    written = 0
    previous = -1
    encoder = subprocess.Popen(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "-",
         "-c:a", "flac", str(path)],
        stdin=subprocess.PIPE,
    )
    assert encoder.stdin is not None

    def emit(samples: np.ndarray) -> None:
        nonlocal written
        encoder.stdin.write((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())  # type: ignore[union-attr]
        written += samples.size

    while written < target:
        for _ in range(order.randint(5, 10)):  # a passage of talk with short pauses
            index = order.choice([i for i in range(len(SENTENCES)) if i != previous])
            previous = index
            emit(clips[index] + _hiss(rng, clips[index].size / RATE))
            spoken.append(SENTENCES[index])
            emit(_hiss(rng, order.uniform(0.4, 1.2)))
        quiet = min(order.uniform(*silence_s), max(target - written, 3 * RATE) / RATE)  # tape runs, nobody speaks
        silences.append((written / RATE, written / RATE + quiet))
        emit(_hiss(rng, quiet))
    encoder.stdin.close()
    if encoder.wait() != 0:
        raise RuntimeError(f"ffmpeg failed writing {path}")
    truth = {"duration_s": written / RATE, "text": " ".join(spoken), "silences": silences, "language": "en"}
    path.with_suffix(".json").write_text(json.dumps(truth, indent=1))
    return truth


if __name__ == "__main__":
    import sys

    out = Path(sys.argv[1])
    make_interview(out, float(sys.argv[2]))
    print(out, out.stat().st_size)
