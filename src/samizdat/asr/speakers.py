"""Who speaks when: speaker embeddings over the speech VAD found, clustered, names from the metadata.

Offline only: resemblyzer's voice encoder (its 17 MB weights ship inside the wheel, Apache-2.0; the
only speaker model found on any registry that needs no download) gives a 256-d embedding for each
stretch of speech between short pauses. The transcriber feeds it window by window, so a long tape
keeps only the embeddings (1 KB each, a few MB for 120 minutes of speech), never the audio. At the
end the embeddings are clustered (scikit-learn k-means on unit vectors, a fixed seed: deterministic),
the number of speakers taken from the metadata when the archivist gave it, else estimated
(`estimate_count`). Each word gets the speaker of the stretch it overlaps most; a segment whose
words change speaker is split there.

Names: the archivist's `interviewee` (or `creator`) for the speaker who talks most, `interviewer`
for the others (an interview's narrator talks most); without names, "Speaker 1", "Speaker 2" in the
order they first speak. Two interviewees (or interviewers) get their role but "Speaker N" names: talk
time cannot say which voice is which person.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from samizdat.asr.audio_source import SAMPLE_RATE
from samizdat.asr.vad import Span, VadSettings, speech_spans
from samizdat.models import ArchivistMetadata, Segment, Speaker, Word

SAME_VOICE = 0.93
"""Two clusters whose centres are closer than this (cosine) are one voice. Measured (bench/asr,
`diarize_tune.py` and the dev half): a one-voice 4-minute espeak monologue split in two gave 0.963;
the dev interviews' two real voices 0.678-0.915 (two espeak voices can be that close); jfk.flac 0.814
but from 2 + 2 stretches, which `MIN_STRETCHES` rules out."""

MIN_STRETCHES = 3
"""A voice is believed only with at least this many stretches of speech (~a few seconds)."""

MAX_SPEAKERS = 6
_FIT_LIMIT = 4000  # embeddings used to fit the clusters (evenly spread); the rest are only assigned


@dataclass(frozen=True)
class SpeakerHints:
    """What the metadata says about the voices: names with roles, and how many there are."""

    interviewers: tuple[str, ...] = ()
    interviewees: tuple[str, ...] = ()
    count: int | None = None


def _names(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    items = value if isinstance(value, list | tuple) else re.split(r"\s*;\s*", str(value))
    return tuple(" ".join(str(v).split()) for v in items if str(v).strip())


def speaker_hints(archivist: ArchivistMetadata | None) -> SpeakerHints:
    """Interviewer(s), interviewee(s) (else the creator) and the number of speakers, from the metadata.

    The count is `speakers` when the archivist gave it (a number, or a list of names), else the number
    of interviewers plus interviewees when both are named (an interview), else unknown (estimated).
    """
    if archivist is None:
        return SpeakerHints()
    extra, dc = archivist.extra, archivist.dc
    interviewers = _names(extra.get("interviewer") or dc.get("interviewer"))
    interviewees = _names(extra.get("interviewee") or dc.get("interviewee")) or _names(dc.get("creator"))
    given = extra.get("speakers")
    count: int | None = None
    if isinstance(given, int) or (isinstance(given, str) and given.strip().isdigit()):
        count = int(given)
    elif isinstance(given, list) and given:
        count = len(given)
    elif interviewers and interviewees:
        count = len(interviewers) + len(interviewees)
    if count is not None:
        count = max(1, min(count, MAX_SPEAKERS))
    return SpeakerHints(interviewers, interviewees, count)


EMBEDDING_SIZE = 256  # resemblyzer's voice embedding
_MEL_FFT, _MEL_HOP, _MEL_BANDS = 400, 160, 40  # resemblyzer's 25 ms windows, 10 ms steps, 40 bands at 16 kHz
_PARTIAL_FRAMES = 160  # resemblyzer embeds 1.6 s at a time and averages


@lru_cache(maxsize=1)
def _mel_filters() -> np.ndarray:
    from faster_whisper.feature_extractor import FeatureExtractor  # librosa's Slaney filters, in numpy

    return np.asarray(FeatureExtractor.get_mel_filters(SAMPLE_RATE, _MEL_FFT, _MEL_BANDS), dtype=np.float32)


def mel_frames(wav: np.ndarray) -> np.ndarray:
    """Resemblyzer's log-free mel power spectrogram (frames x 40), as librosa computes it, in numpy.

    resemblyzer calls librosa, whose first call costs 200 MB of memory (measured: RSS 254 -> 454 MB) for
    the same numbers; this agrees with it to 1e-6 of the largest value (jfk.flac: 1.3e-7; embeddings' cosine
    1.000; `tests/test_asr_speakers.py` checks it).
    """
    padded = np.pad(wav.astype(np.float32), _MEL_FFT // 2)  # librosa: centred frames, zero padding
    count = 1 + (padded.size - _MEL_FFT) // _MEL_HOP
    index = np.arange(_MEL_FFT)[None, :] + _MEL_HOP * np.arange(count)[:, None]
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(_MEL_FFT) / _MEL_FFT)).astype(np.float32)  # periodic Hann
    power = np.abs(np.fft.rfft(padded[index] * window, axis=1)) ** 2
    return np.asarray(power.astype(np.float32) @ _mel_filters().T, dtype=np.float32)


def embed(encoder: Any, wav: np.ndarray) -> np.ndarray:
    """`VoiceEncoder.embed_utterance(wav)` with `mel_frames` in place of librosa (same slices, same average)."""
    import torch

    wav_slices, mel_slices = encoder.compute_partial_slices(wav.size, 1.3, 0.75)
    if wav_slices[-1].stop >= wav.size:
        wav = np.pad(wav, (0, wav_slices[-1].stop - wav.size))
    mel = mel_frames(wav)
    mels = np.array([mel[s] for s in mel_slices])
    with torch.inference_mode():
        partials = encoder(torch.from_numpy(mels)).cpu().numpy()
    raw = partials.mean(axis=0)
    return np.asarray(raw / np.linalg.norm(raw), dtype=np.float32)


_encoder_lock = threading.Lock()
_encoder: Any = None


def _voice_encoder(threads: int) -> Any:
    """Resemblyzer's encoder, loaded once per process (0.1 s, ~20 MB; torch itself ~250 MB)."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # resemblyzer imports scipy/librosa APIs that warn
                from resemblyzer import VoiceEncoder

                _encoder = VoiceEncoder("cpu", verbose=False)
        return _encoder


TURN_VAD = VadSettings(threshold=0.5, min_silence_ms=250, speech_pad_ms=60, max_speech_s=30.0)
"""Finer than the transcriber's VAD (2 s pauses): speakers hand over in pauses of a few hundred ms, so
stretches cut at 250 ms pauses mostly hold one voice each. Embedding each stretch whole (rather than every
1.6 s of speech on its own) halved the error on the dev interviews (bench/asr/diarize_tune.py)."""


@dataclass
class Diarizer:
    """Collects one speaker embedding per stretch of speech, window by window; then says who speaks when.

    A stretch is speech between pauses of 250 ms or more (`TURN_VAD`), cut into equal parts of at most
    `max_chunk_s` so that a change of speaker without a pause still falls between parts.
    """

    threads: int = 2
    max_chunk_s: float = 4.0
    min_chunk_s: float = 0.5
    spans: list[tuple[float, float]] = field(default_factory=list)
    _rows: np.ndarray = field(default_factory=lambda: np.zeros((0, EMBEDDING_SIZE), dtype=np.float32))
    """One row per stretch in one block (grown by doubling), not an array per stretch: 120 minutes of speech are
    ~3,600 stretches, and 3,600 small arrays kept for the whole tape sit between the heap's freed buffers."""

    @property
    def times(self) -> list[float]:
        """The middle of each embedded stretch, seconds on the file's clock."""
        return [(a + b) / 2 for a, b in self.spans]

    def add(self, audio: np.ndarray, spans: list[Span], offset_s: float) -> None:
        """Embed the speech in `spans` of `audio` (16 kHz), whose first sample is at `offset_s` in the file.

        The encoder runs on one torch thread: its LSTM is small, and two threads on a loaded 2-core
        machine spent 11x the CPU time and 11x the wall time waiting for each other (dev interview,
        60 s of speech: 3.3 CPU-s and 11.6 s with 2 threads, 0.29 CPU-s and 1.0 s with 1; the
        embeddings are identical).
        """
        import torch

        encoder = _voice_encoder(self.threads)
        previous = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            self._add(encoder, audio, spans, offset_s)
        finally:
            torch.set_num_threads(previous)

    def _add(self, encoder: Any, audio: np.ndarray, spans: list[Span], offset_s: float) -> None:
        from resemblyzer.audio import normalize_volume

        for coarse in spans:
            for fine in speech_spans(audio[coarse.start : coarse.end], TURN_VAD):
                length = fine.samples / SAMPLE_RATE
                parts = max(1, int(np.ceil(length / self.max_chunk_s)))
                edges = np.linspace(fine.start, fine.end, parts + 1).astype(int)
                for a, b in zip(edges[:-1], edges[1:], strict=True):
                    if (b - a) < self.min_chunk_s * SAMPLE_RATE:
                        continue
                    wav = audio[coarse.start + a : coarse.start + b].astype(np.float32)
                    embedding = embed(encoder, normalize_volume(wav, -30, increase_only=False))
                    origin = offset_s + coarse.start / SAMPLE_RATE
                    self.spans.append((round(origin + a / SAMPLE_RATE, 3), round(origin + b / SAMPLE_RATE, 3)))
                    self._keep(embedding)

    def _keep(self, embedding: np.ndarray) -> None:
        """Store `embedding` as the row of the stretch just added to `spans`."""
        count = len(self.spans)
        if count > self._rows.shape[0]:
            grown = np.zeros((max(64, 2 * self._rows.shape[0]), EMBEDDING_SIZE), dtype=np.float32)
            grown[: count - 1] = self._rows[: count - 1]
            self._rows = grown
        self._rows[count - 1] = embedding

    @property
    def embeddings(self) -> np.ndarray:
        """One unit embedding per stretch (float32, `EMBEDDING_SIZE` wide), in the order of `spans`."""
        return self._rows[: len(self.spans)]

    def labels(self, count: int | None) -> np.ndarray:
        """A cluster number per stretch (0..k-1), `count` clusters when given, else estimated."""
        return cluster(self.embeddings, count)

    def timeline(self, count: int | None) -> Timeline:
        """Who speaks when, as labelled stretches."""
        return Timeline(np.asarray(self.spans, dtype=float).reshape(-1, 2), self.labels(count))


def _kmeans(points: np.ndarray, k: int) -> Any:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=10, random_state=0).fit(points)


def cluster(embeddings: np.ndarray, count: int | None) -> np.ndarray:
    """Cluster unit embeddings into `count` voices, or as many as `estimate_count` finds."""
    n = embeddings.shape[0]
    if n == 0:
        return np.zeros(0, dtype=int)
    points = embeddings / (np.linalg.norm(embeddings, axis=1, keepdims=True) + 1e-9)
    fit = points[np.linspace(0, n - 1, min(n, _FIT_LIMIT)).astype(int)] if n > _FIT_LIMIT else points
    if count is None:
        count = estimate_count(fit)
    count = max(1, min(count, fit.shape[0]))
    if count == 1:
        return np.zeros(n, dtype=int)
    centres = _kmeans(fit, count).cluster_centers_
    return np.asarray(np.argmax(points @ centres.T, axis=1), dtype=int)


def _distinct(points: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> bool:
    """Every cluster has MIN_STRETCHES stretches and no two centres are closer than SAME_VOICE."""
    if np.bincount(labels, minlength=centres.shape[0]).min() < MIN_STRETCHES:
        return False
    unit = centres / (np.linalg.norm(centres, axis=1, keepdims=True) + 1e-9)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -1.0)
    return bool(similarity.max() < SAME_VOICE)


def estimate_count(points: np.ndarray) -> int:
    """How many voices when the metadata does not say.

    One, unless a split in two gives distinct voices (see `_distinct`); then the k in 2..6 with the best
    mean silhouette among the splits whose voices are all distinct.
    """
    from sklearn.metrics import silhouette_score

    if points.shape[0] < 2 * MIN_STRETCHES:
        return 1
    best_k, best = 1, -1.0
    for k in range(2, min(MAX_SPEAKERS, points.shape[0] // MIN_STRETCHES) + 1):
        fitted = _kmeans(points, k)
        if not _distinct(points, fitted.labels_, fitted.cluster_centers_):
            if k == 2:
                return 1
            continue
        score = float(silhouette_score(points, fitted.labels_, metric="cosine"))
        if score > best:
            best_k, best = k, score
    return best_k


@dataclass
class Timeline:
    """Labelled stretches of speech (start, end in seconds), looked up by time."""

    spans: np.ndarray  # shape (n, 2)
    labels: np.ndarray

    def at(self, start: float, end: float) -> int | None:
        """The label of the stretch that overlaps [start, end] most, else of the nearest stretch."""
        if self.labels.size == 0:
            return None
        overlap = np.minimum(self.spans[:, 1], end) - np.maximum(self.spans[:, 0], start)
        best = int(np.argmax(overlap))
        if overlap[best] > 0:
            return int(self.labels[best])
        middle = (start + end) / 2
        distance = np.maximum(self.spans[:, 0] - middle, middle - self.spans[:, 1])
        return int(self.labels[int(np.argmin(distance))])


def label_segments(segments: list[Segment], timeline: Timeline) -> list[Segment]:
    """Each word and segment gets its cluster label (as "S?" placeholders); segments split at changes."""
    out: list[Segment] = []
    for segment in segments:
        if not segment.words:
            label = timeline.at(segment.start, segment.end)
            out.append(replace(segment, speaker=None if label is None else str(label)))
            continue
        labels = [timeline.at(w.start, w.end) for w in segment.words]
        labels = _smooth_words(labels)
        words = [
            replace(w, speaker=None if lab is None else str(lab)) for w, lab in zip(segment.words, labels, strict=True)
        ]
        groups: list[list[Word]] = [[words[0]]]
        for word in words[1:]:
            if word.speaker != groups[-1][-1].speaker:
                groups.append([])
            groups[-1].append(word)
        if len(groups) == 1:
            out.append(replace(segment, words=words, speaker=words[0].speaker))
        else:
            out += [
                replace(segment, start=g[0].start, end=g[-1].end, words=g, speaker=g[0].speaker,
                        text=" ".join(w.word for w in g))
                for g in groups
            ]
    return out


def _smooth_words(labels: list[int | None]) -> list[int | None]:
    """A single word whose neighbours on both sides agree with each other takes their label."""
    out = list(labels)
    for i in range(1, len(labels) - 1):
        if labels[i - 1] == labels[i + 1] != labels[i]:
            out[i] = labels[i - 1]
    return out


def name_speakers(segments: list[Segment], hints: SpeakerHints) -> tuple[list[Segment], list[Speaker]]:
    """Turn cluster labels into ids S1.. (in order of first speech) with names and roles from `hints`."""
    first: dict[str, float] = {}
    talk: dict[str, float] = {}
    for segment in segments:
        if segment.speaker is None:
            continue
        first.setdefault(segment.speaker, segment.start)
        talk[segment.speaker] = talk.get(segment.speaker, 0.0) + max(0.0, segment.end - segment.start)
    order = sorted(first, key=lambda label: first[label])
    ids = {label: f"S{index}" for index, label in enumerate(order, start=1)}
    names: dict[str, tuple[str, str | None]] = {}
    by_talk = sorted(order, key=lambda label: (-talk[label], first[label]))
    if hints.interviewees or hints.interviewers:
        people = [(n, "interviewee") for n in hints.interviewees]
        if len(order) > len(hints.interviewees) or not hints.interviewees:
            people += [(n, "interviewer") for n in hints.interviewers]
        if len(order) == 1 and not hints.interviewees:
            people = []  # one voice and only an interviewer named: do not guess
        # Two people in one role (two narrators) cannot be told apart by talk time: those voices get
        # their role and a number, not a name that may be the other person's (bench: a three-voice
        # interview had its two narrators' names swapped on 86 % of the speech).
        shared = {role for role in ("interviewee", "interviewer") if sum(r == role for _, r in people) > 1}
        for label, (name, role) in zip(by_talk, people, strict=False):
            names[label] = ("", role) if role in shared else (name, role)
    speakers = [
        Speaker(
            id=ids[label],
            name=names.get(label, ("", None))[0] or f"Speaker {index}",
            role=names.get(label, ("", None))[1],
            speech_s=round(talk[label], 1),
        )
        for index, label in enumerate(order, start=1)
    ]
    relabelled = [
        replace(
            s,
            speaker=ids.get(s.speaker) if s.speaker is not None else None,
            words=[replace(w, speaker=ids.get(w.speaker) if w.speaker is not None else None) for w in s.words],
        )
        for s in segments
    ]
    return relabelled, speakers
