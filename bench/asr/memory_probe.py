"""Where a long tape's memory goes: RSS window by window, glibc's heap, Python's allocations, per stage.

Run: `python bench/asr/memory_probe.py AUDIO [--no-diarize] [--no-transcribe] [--trace] [--out FILE]`
(the item's metadata is the long tape's: two named speakers, English). One transcription in this process, as
`one.py` runs it (`hear_file`, then the name correction), with a thread reading /proc/self/status every 0.1 s.

Per window it prints RSS at the window's end, the highest RSS since the last window, and glibc's heap
(`mallinfo2`: bytes in use, bytes free but kept). `--no-transcribe` runs the windows, VAD and the diarizer
without decoding (the engine returns nothing); `--no-diarize` decodes without speakers. `--trace` takes
tracemalloc snapshots after the windows and at the end and prints Python's biggest holders. `--no-release` never calls
`asr.heap.release_free_memory` (the code before it). `--out` writes the
transcript (times, text, speaker of every segment and word) as JSON, to compare two runs.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"
    )]


def heap() -> dict[str, float]:
    """The C heap (MiB): `used` in malloc'd chunks, `free` kept in its arenas, `mmap` in mmapped chunks."""
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    mib = 1024 * 1024
    return {"used": info.uordblks / mib, "free": info.fordblks / mib, "mmap": info.hblkhd / mib}


def status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Sampler(threading.Thread):
    """Highest RSS seen since the last `take()`."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.high = 0.0
        self.running = True

    def run(self) -> None:
        while self.running:
            self.high = max(self.high, status("VmRSS"))
            time.sleep(0.1)

    def take(self) -> float:
        high, self.high = max(self.high, status("VmRSS")), 0.0
        return high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", type=Path)
    parser.add_argument("--no-diarize", action="store_true")
    parser.add_argument("--no-transcribe", action="store_true")
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-release", action="store_true", help="never give free heap pages back (as before)")
    args = parser.parse_args()

    from samizdat.asr import speakers as speakers_module
    from samizdat.asr.correction import correct_transcript
    from samizdat.asr.transcriber import Transcriber
    from samizdat.models import ArchivistMetadata
    from samizdat.settings import Settings

    settings = Settings()
    options = settings.asr.model_copy(update={"diarize": not args.no_diarize})
    transcriber = Transcriber.from_settings(options, settings.model_dir)
    if args.no_transcribe:
        transcriber._transcribe_window = lambda window, run: []  # type: ignore[method-assign]
    metadata = ArchivistMetadata(
        dc={"title": "Interview with Boris Kaplan", "language": ["en"]},
        extra={"interviewer": "Daniel Brooks", "interviewee": "Boris Kaplan"},
    )
    from samizdat.asr import transcriber as transcriber_module

    released = [0, 0.0]  # calls, seconds
    release = transcriber_module.release_free_memory

    def timed_release() -> bool:
        if args.no_release:
            return False
        began = time.perf_counter()
        result = release()
        released[0] += 1
        released[1] += time.perf_counter() - began
        return result

    transcriber_module.release_free_memory = timed_release
    sampler = Sampler()
    sampler.start()
    print(f"loaded: RSS {status('VmRSS'):.0f} MiB, heap {heap()}", flush=True)
    if args.trace:
        tracemalloc.start(12)
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []

    def progress(done: float, total: float, unit: str) -> None:
        row = {"minute": round(done, 1), "rss": round(status("VmRSS")), "high": round(sampler.take()),
               "hwm": round(status("VmHWM")), "anon": round(status("RssAnon")), "file": round(status("RssFile")),
               "releases": released[0], "release_ms": round(1000 * released[1]),
               **{k: round(v) for k, v in heap().items()}, "s": round(time.perf_counter() - started)}
        rows.append(row)
        print(row, flush=True)

    timeline = speakers_module.Diarizer.timeline

    def marked_timeline(self: Any, count: int | None) -> Any:
        progress(-1, 0, "windows done, before clustering")
        if args.trace:
            snapshot("after the windows")
        result = timeline(self, count)
        progress(-2, 0, "clustered")
        return result

    speakers_module.Diarizer.timeline = marked_timeline  # type: ignore[method-assign]
    heard, check = transcriber.hear_file(args.audio, ["en"], progress=progress, metadata=metadata)
    progress(-3, 0, "heard")
    transcript = correct_transcript(heard, metadata, check=check)
    progress(-4, 0, "corrected")
    if args.trace:
        snapshot("end")
    sampler.running = False
    wall = time.perf_counter() - started
    print(f"peak (VmHWM) {status('VmHWM'):.0f} MiB; wall {wall:.0f} s; segments {len(transcript.segments)}; "
          f"words {sum(len(s.words) for s in transcript.segments)}", flush=True)
    if args.out:
        args.out.write_text(json.dumps({
            "peak_mib": status("VmHWM"), "wall_s": wall, "rows": rows,
            "speakers": [[s.id, s.name, s.role, s.speech_s] for s in transcript.speakers],
            "segments": [
                [s.start, s.end, s.text, s.speaker, [[w.start, w.end, w.word, w.speaker] for w in s.words]]
                for s in transcript.segments
            ],
        }, ensure_ascii=False))


def snapshot(label: str) -> None:
    current, peak = tracemalloc.get_traced_memory()
    print(f"tracemalloc {label}: current {current / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB", flush=True)
    for stat in tracemalloc.take_snapshot().statistics("traceback")[:8]:
        print(f"  {stat.size / 2**20:7.2f} MiB {stat.count:7d} blocks", flush=True)
        for line in stat.traceback.format()[-6:]:
            print("     ", line, flush=True)


if __name__ == "__main__":
    main()
