"""Speaker clustering alone (no speech recognition) on the interview sets: quick to rerun while tuning.

Run: `python bench/asr/diarize_tune.py dev` (or `test`, file stems, or paths to other recordings).
For each: the diarization error rate of the labelled stretches against the timed turns (when there
are turns), with the number of speakers given and estimated; the cosine between the two centres of
a split in two (`speakers.SAME_VOICE` was read from these: dev interviews, the corpus' jfk.flac and a
one-voice espeak monologue made with generate.py), and the silhouette per k.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
warnings.filterwarnings("ignore")

from interviews import CACHE  # noqa: E402
from scoring import diarization_error  # noqa: E402

from samizdat.asr.audio_source import probe, stream_blocks  # noqa: E402
from samizdat.asr.speakers import Diarizer, cluster  # noqa: E402
from samizdat.asr.vad import speech_spans  # noqa: E402
from samizdat.asr.windowing import windows  # noqa: E402


def embed(path: Path, chunk_s: float) -> Diarizer:
    diarizer = Diarizer(threads=2, max_chunk_s=chunk_s)
    for window in windows(stream_blocks(path, probe(path)), 600.0, speech_spans):
        diarizer.add(window.audio, window.spans, window.offset_s)
    return diarizer


def timeline_segments(spans: list[tuple[float, float]], labels: np.ndarray) -> list[dict[str, object]]:
    return [{"start": a, "end": b, "speaker": int(lab)} for (a, b), lab in zip(spans, labels, strict=True)]


def silhouettes(points: np.ndarray) -> list[float]:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    unit = points / np.linalg.norm(points, axis=1, keepdims=True)
    return [round(float(silhouette_score(unit, KMeans(k, n_init=10, random_state=0).fit(unit).labels_,
                                          metric="cosine")), 3) for k in range(2, 6)]


def centre_cosine(points: np.ndarray) -> float:
    from sklearn.cluster import KMeans

    unit = points / np.linalg.norm(points, axis=1, keepdims=True)
    centres = KMeans(2, n_init=10, random_state=0).fit(unit).cluster_centers_
    centres = centres / np.linalg.norm(centres, axis=1, keepdims=True)
    return round(float(centres[0] @ centres[1]), 3)


def main() -> None:
    which = sys.argv[1:] or ["dev"]
    files = sorted(p for p in CACHE.iterdir() if p.suffix != ".json" and any(p.stem.startswith(w) for w in which))
    files += [Path(w) for w in which if Path(w).is_file()]
    chunk = float(__import__("os").environ.get("CHUNK", "4.0"))
    for path in files:
        diarizer = embed(path, chunk)
        truth_path = path.with_suffix(".json")
        truth = json.loads(truth_path.read_text()) if truth_path.exists() and path.parent == CACHE else None
        estimated = cluster(diarizer.embeddings, None)
        row: dict[str, object] = {"file": path.name, "stretches": len(diarizer.spans),
                                  "estimated": int(estimated.max()) + 1 if estimated.size else 0}
        if truth:
            given = cluster(diarizer.embeddings, len(truth["speakers"]))
            row["speakers"] = len(truth["speakers"])
            row["der_given"] = round(diarization_error(truth["turns"], timeline_segments(diarizer.spans, given)), 3)
            row["der_estimated"] = round(
                diarization_error(truth["turns"], timeline_segments(diarizer.spans, estimated)), 3
            )
        if len(diarizer.spans) >= 6:
            row["centre_cosine_k2"] = centre_cosine(diarizer.embeddings)
            row["silhouette_k2_k5"] = silhouettes(diarizer.embeddings)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
