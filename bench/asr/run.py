"""Speech benchmark: WER, real-time factor and peak memory, Samizdat vs the plain libraries.

Run: `.venv/bin/python bench/asr/run.py` (writes bench/asr/results.md and results.json).
Options: `--long 30,120` (minutes of generated interview; `--long ""` for none), `--no-plain-long`
(skip plain faster-whisper above 30 minutes: it transcribes the silences too, needs ~6.5 GB at 120
minutes and takes longest), `--skip-corpus`, `--append` (add to the rows in results.json).

Material: ../shared/corpus/audio (jfk.flac, jfk.mp3, test_sound_en.wav, test_sound_ru.wav with its
language from metadata), and generated interviews (bench/asr/generate.py: espeak-ng speech, pauses,
long silences, tape hiss) of 30 and 120 minutes, made once under bench/asr/generated/.
Each transcription runs in its own process; peak memory is that process's high-water RSS (VmHWM),
CPU is its user+system time (os.wait4). Timings come from a shared 2-core machine: the wall-clock real-time factor
depends on what else ran; "CPU RTF" (CPU seconds / audio seconds / threads) is what 2 idle cores
would give at best.

openai-whisper has no real weights here: its rows use the scripted 1-layer checkpoint
(`tests.support.scripted_whisper`), so they measure memory and overhead, not accuracy (WER n/a).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "audio"
GENERATED = HERE / "generated"
OUTPUTS = GENERATED / "outputs"  # each run's raw segments, kept for rescoring
sys.path.insert(0, str(HERE))

from generate import make_interview  # noqa: E402
from scoring import normalise, wer  # noqa: E402

CORPUS_CASES = [
    ("jfk.flac", None, "jfk.truth.txt"),
    ("jfk.mp3", None, "jfk.truth.txt"),
    ("test_sound_en.wav", None, "test_sound_en.truth.txt"),
    ("test_sound_ru.wav", "ru", "test_sound_ru.truth.txt"),
]
REAL = ["samizdat-faster-whisper", "plain-faster-whisper"]
SCRIPTED = ["samizdat-openai-whisper", "plain-openai-whisper"]


def measure(system: str, audio: Path, language: str | None, model: str) -> dict[str, Any]:
    """Run one transcription in a child process; its JSON plus wall time, CPU time and peak RSS."""
    command = [sys.executable, str(HERE / "one.py"), system, str(audio), language or "-", model]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert child.stdout is not None and child.stderr is not None
    out = child.stdout.read()
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"{system} on {audio.name} failed:\n{err.decode()[-3000:]}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result.update(wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime)
    OUTPUTS.mkdir(parents=True, exist_ok=True)
    (OUTPUTS / f"{system}--{audio.name}.json").write_text(json.dumps(result, ensure_ascii=False))
    return result


def words_in_silences(segments: list[dict[str, Any]], silences: list[list[float]], margin: float = 1.0) -> int:
    """Words of segments that lie inside a long silence (1 s in from its edges): invented text."""
    count = 0
    for segment in segments:
        middle = (float(segment["start"]) + float(segment["end"])) / 2
        if any(a + margin <= middle <= b - margin for a, b in silences):
            count += len(normalise(str(segment["text"])))
    return count


def row(system: str, audio: Path, duration: float, result: dict[str, Any], truth: str | None,
        expected_language: str | None, silences: list[list[float]] | None) -> dict[str, Any]:
    text = " ".join(str(s["text"]) for s in result["segments"])
    threads = int(result["threads"])
    return {
        "system": system,
        "engine": result["engine"],
        "audio": audio.name,
        "duration_s": round(duration, 1),
        "language": result["language"],
        "language_given": expected_language,
        "wer": None if truth is None else round(wer(truth, text), 4),
        "load_s": round(result["load_s"], 2),
        "transcribe_s": round(result["transcribe_s"], 2),
        "rtf_wall": round(result["transcribe_s"] / duration, 4),
        "cpu_s": round(result["cpu_s"], 1),
        "cpu_transcribe_s": round(result["cpu_transcribe_s"], 1),
        "rtf_cpu": round(result["cpu_transcribe_s"] / duration / threads, 4),
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
        "words_in_silences": None if silences is None else words_in_silences(result["segments"], silences),
        "segments": len(result["segments"]),
        "threads": threads,
        "hypothesis": text if duration < 60 else text[:300],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", default="30,120", help="minutes of generated interview, comma-separated")
    parser.add_argument(
        "--no-plain-long", action="store_true", help="plain faster-whisper only up to 30 minutes (it is slow)"
    )
    parser.add_argument("--dense", default="", help="minutes of generated tape with only short pauses (2-5 s)")
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument("--append", action="store_true", help="keep the rows already in results.json")
    parser.add_argument("--systems", default="", help="only these systems, comma-separated (default: all)")
    parser.add_argument("--rescore", action="store_true", help="score the kept outputs again; run nothing")
    args = parser.parse_args()
    if args.rescore:
        rescore()
        return

    GENERATED.mkdir(exist_ok=True)
    scripted = GENERATED / "scripted-whisper.pt"
    if not scripted.exists():  # in a child: torch would make this driver (and so nothing else) big
        subprocess.run(
            [sys.executable, "-c", "import sys, pathlib; from tests.support.scripted_whisper import "
             "build_scripted_checkpoint as b; b(pathlib.Path(sys.argv[1]))", str(scripted)],
            check=True, cwd=ROOT,  # tests.support is found from the repository root
        )
    rows: list[dict[str, Any]] = []
    if args.append and (HERE / "results.json").exists():
        rows = json.loads((HERE / "results.json").read_text())["rows"]
    load_before = os.getloadavg()
    only = {name.strip() for name in args.systems.split(",") if name.strip()}

    def run(system: str, audio: Path, language: str | None, truth: str | None,
            silences: list[list[float]] | None, model: str = "base") -> None:
        if only and system not in only:
            return
        print(f"{system:28s} {audio.name} ...", end=" ", flush=True)
        result = measure(system, audio, language, model)
        rows[:] = [r for r in rows if (r["system"], r["audio"]) != (system, audio.name)]  # a re-run replaces
        rows.append(row(system, audio, float(result["duration_s"]), result, truth, language, silences))
        last = rows[-1]
        print(f"WER {last['wer']} RTF {last['rtf_wall']} (CPU {last['rtf_cpu']})", end=" ")
        print(f"peak {last['peak_rss_mb']} MB", flush=True)
        write(rows, load_before)

    if not args.skip_corpus and CORPUS.is_dir():
        for name, language, truth_name in CORPUS_CASES:
            truth = (CORPUS / truth_name).read_text(encoding="utf-8")
            for system in REAL:
                run(system, CORPUS / name, language, truth, None)
    tapes = [(int(m), False) for m in args.long.split(",") if m.strip()]
    tapes += [(int(m), True) for m in args.dense.split(",") if m.strip()]
    for minutes, dense in tapes:
        audio = GENERATED / f"interview-{'dense-' if dense else ''}{minutes}min.flac"
        if not audio.exists() or not audio.with_suffix(".json").exists():
            make_interview(audio, minutes, seed=minutes, silence_s=(2.0, 5.0) if dense else (20.0, 90.0))
        truth_record = json.loads(audio.with_suffix(".json").read_text())
        for system in REAL:
            if system == "plain-faster-whisper" and (dense or (minutes > 30 and args.no_plain_long)):
                continue
            run(system, audio, "en", truth_record["text"], truth_record["silences"])
        for system in SCRIPTED if not dense else []:
            run(system, audio, "en", None, truth_record["silences"], model=str(scripted))
    write(rows, load_before)


def _tape_notes() -> list[str]:
    notes = []
    for truth in sorted(GENERATED.glob("interview-*.json")):
        record = json.loads(truth.read_text())
        quiet = sum(b - a for a, b in record["silences"]) / record["duration_s"]
        notes.append(f"{truth.stem}: {record['duration_s'] / 60:.0f} min, {100 * quiet:.0f}% long silences")
    return notes


def rescore() -> None:
    """Recompute WER and words in silences from the kept outputs (after a change to the scoring)."""
    data = json.loads((HERE / "results.json").read_text())
    truths = {name: (CORPUS / truth).read_text(encoding="utf-8") for name, _, truth in CORPUS_CASES}
    for old in data["rows"]:
        kept = OUTPUTS / f"{old['system']}--{old['audio']}.json"
        if not kept.exists():
            continue
        audio = CORPUS / old["audio"] if old["audio"] in truths else GENERATED / old["audio"]
        truth, silences = truths.get(old["audio"]), None
        if audio.parent == GENERATED:
            record = json.loads(audio.with_suffix(".json").read_text())
            truth = None if old["wer"] is None else record["text"]
            silences = record["silences"]
        result = json.loads(kept.read_text())
        result.setdefault("cpu_s", old["cpu_s"])
        duration = float(result["duration_s"])
        old.update(row(old["system"], audio, duration, result, truth, old["language_given"], silences))
    write(data["rows"], tuple(data["meta"]["load_average_at_start"]))


def write(rows: list[dict[str, Any]], load_before: tuple[float, float, float]) -> None:
    meta = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, shared with other work",
        "load_average_at_start": [round(x, 2) for x in load_before],
        "load_average_now": [round(x, 2) for x in os.getloadavg()],
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    (HERE / "results.json").write_text(json.dumps({"meta": meta, "rows": rows}, ensure_ascii=False, indent=1))
    lines = [
        "# ASR benchmark",
        "",
        f"{meta['when']}; {meta['machine']}; load average at start {meta['load_average_at_start']}, "
        f"at the end {meta['load_average_now']}. Written by `bench/asr/run.py`.",
        "",
        "RTF wall = transcription wall time / audio duration (load not included; depends on the machine's load).",
        "RTF CPU = transcription CPU seconds / audio seconds / threads: the wall RTF 2 idle cores would give.",
        "Peak = high-water RSS (VmHWM) of the process that loaded the model and transcribed.",
        "openai-whisper rows run a scripted 1-layer checkpoint (no real weights here): memory and overhead only.",
        "WER after normalising both sides (case, punctuation, hyphens, English number words as digits, ё as е).",
        "Words in silences: words of segments whose middle lies over 1 s inside a long silence of a generated tape.",
        "Generated tapes: espeak-ng English sentences in passages of 5-10 with 0.4-1.2 s pauses, then 20-90 s",
        "of tape hiss (2-5 s on the dense tape). " + "; ".join(_tape_notes()),
        "",
        "| system | audio | minutes | lang (given→found) | WER | RTF wall | RTF CPU | peak MB "
        "| words in silences | load s |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        wer_text = "n/a" if r["wer"] is None else f"{100 * r['wer']:.1f}%"
        silence = "" if r["words_in_silences"] is None else str(r["words_in_silences"])
        lines.append(
            f"| {r['system']} | {r['audio']} | {r['duration_s'] / 60:.1f} | {r['language_given'] or 'auto'}→"
            f"{r['language']} | {wer_text} | {r['rtf_wall']:.3f} | {r['rtf_cpu']:.3f} | {r['peak_rss_mb']:.0f} | "
            f"{silence} | {r['load_s']:.1f} |"
        )
    lines += ["", "Engines: " + "; ".join(sorted({f"{r['system']} = {r['engine']}" for r in rows}))]
    (HERE / "results.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
