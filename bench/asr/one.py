"""One transcription in its own process, so the parent can read this process's peak memory.

Run by `run.py`: `python bench/asr/one.py SYSTEM AUDIO [LANGUAGE] [MODEL]`; prints one JSON line.
`SAMIZDAT_BENCH_METADATA`: a JSON file `{"dc": {...}, "extra": {...}}` handed to Samizdat as the item's
archivist metadata (vocabulary, speakers' number and names); `SAMIZDAT_ASR__*` settings apply as usual.
Systems: samizdat-faster-whisper, samizdat-openai-whisper (Samizdat's windowed transcriber),
plain-faster-whisper, plain-openai-whisper (the libraries on the whole file, beam 5, their defaults).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from dataclasses import asdict
from pathlib import Path

from samizdat.settings import Settings


def cpu_seconds() -> float:
    """User + system CPU time of this process so far, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """The process's own high-water RSS (VmHWM) in MB.

    Not ru_maxrss: after fork/exec that starts at the parent's size, so every child would look at
    least as big as the benchmark driver.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    system, audio = sys.argv[1], Path(sys.argv[2])
    language = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "-" else None
    model = sys.argv[4] if len(sys.argv) > 4 else "base"
    settings = Settings()
    threads = settings.asr.threads
    started = time.perf_counter()
    cpu_loaded = 0.0
    segments: list[dict[str, object]]
    extra: dict[str, object] = {}
    if system.startswith("samizdat-"):
        from samizdat.asr.correction import correct_transcript
        from samizdat.asr.transcriber import Transcriber
        from samizdat.models import Transcript

        options = settings.asr.model_copy(update={"engine": system.removeprefix("samizdat-"), "model": model})
        transcriber = Transcriber.from_settings(options, settings.model_dir)
        name = transcriber.engine.name
        loaded = time.perf_counter()
        cpu_loaded = cpu_seconds()
        metadata = None
        if os.environ.get("SAMIZDAT_BENCH_METADATA"):  # the archivist's record, as a sidecar would give it
            from samizdat.models import ArchivistMetadata

            record = json.loads(Path(os.environ["SAMIZDAT_BENCH_METADATA"]).read_text())
            metadata = ArchivistMetadata(dc=record.get("dc", {}), extra=record.get("extra", {}))
        # The transcriber's last step, the name correction, is run here by hand, so one decoding gives both
        # texts: what the decoder heard (scored as "<system>-uncorrected") and what Samizdat writes.
        heard, check = transcriber.hear_file(audio, [language] if language else [], metadata=metadata)
        correct = transcriber.options.correct_names and transcriber.options.vad
        transcript = correct_transcript(heard, metadata, check=check) if correct else heard
        if check is not None:
            extra["name_check"] = {"scored_s": check.scored_s, "cpu_s": check.cpu_s, "candidates": len(check.gains)}

        def rows(transcript: Transcript) -> list[dict[str, object]]:
            return [
                {"start": s.start, "end": s.end, "text": s.text, "speaker": transcript.speaker_name(s.speaker),
                 "words": [{"start": w.start, "end": w.end, "word": w.word, "probability": w.probability}
                           for w in s.words]}
                for s in transcript.segments
            ]

        segments = rows(transcript)
        extra["heard_segments"] = rows(heard)
        extra["corrections"] = [asdict(c) for c in transcript.corrections]
        detected = transcript.language
    elif system == "plain-faster-whisper":
        import faster_whisper

        from samizdat.asr.model_store import ensure_model

        whisper_model = faster_whisper.WhisperModel(
            str(ensure_model(settings.asr, settings.model_dir)), device="cpu", compute_type="int8", cpu_threads=threads
        )
        name = f"faster-whisper {faster_whisper.__version__} base int8 (plain)"
        loaded = time.perf_counter()
        cpu_loaded = cpu_seconds()
        pieces, info = whisper_model.transcribe(str(audio), language=language, beam_size=5)
        segments = [{"start": s.start, "end": s.end, "text": s.text.strip()} for s in pieces]
        detected = info.language
    elif system == "plain-openai-whisper":
        import torch
        import whisper

        torch.set_num_threads(threads)
        openai_model = whisper.load_model(model, device="cpu")
        name = f"openai-whisper {whisper.__version__} {Path(model).stem} fp32 (plain)"
        loaded = time.perf_counter()
        cpu_loaded = cpu_seconds()
        # condition_on_previous_text off: the scripted test model only follows its script without a prompt.
        result = whisper.transcribe(
            openai_model, str(audio), language=language, beam_size=5, best_of=5, fp16=False,
            condition_on_previous_text=False,
        )
        segments = [{"start": s["start"], "end": s["end"], "text": str(s["text"]).strip()} for s in result["segments"]]
        detected = result["language"]
    else:
        raise SystemExit(f"unknown system {system}")
    done = time.perf_counter()
    cpu_transcribe = cpu_seconds() - cpu_loaded
    from samizdat.asr.audio_source import probe

    print(
        json.dumps(
            {
                "engine": name,
                "load_s": loaded - started,
                "transcribe_s": done - loaded,
                "cpu_transcribe_s": cpu_transcribe,
                "language": detected,
                "segments": segments,
                "threads": threads,
                "duration_s": probe(audio).duration_s,
                "peak_rss_mb": peak_rss_mb(),
                "omp_thread_limit": os.environ.get("OMP_THREAD_LIMIT"),
                **extra,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
