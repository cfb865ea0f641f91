"""faster-whisper (CTranslate2) behind the `AsrEngine` interface: int8 on CPU, one thread per core."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from samizdat.asr.audio_source import SAMPLE_RATE
from samizdat.asr.engine import AsrEngineType, DecodeGuards, before_tail
from samizdat.asr.model_store import ensure_model, keep_offline
from samizdat.errors import EngineError, SetupError
from samizdat.models import Segment, Word
from samizdat.settings import AsrOptions


class FasterWhisperOptions(AsrOptions):
    """The ASR settings when they name faster-whisper (the default)."""

    engine: Literal["faster-whisper"] = "faster-whisper"


def safe_threads(wanted: int) -> int:
    """Threads CTranslate2 may use without breaking.

    With `OMP_THREAD_LIMIT` below `cpu_threads` (Tesseract's setting, when it leaks into this process),
    CTranslate2 int8 returns empty or garbage transcripts (measured: jfk.flac gives "" or Marathi).
    Stay within the limit.
    """
    wanted = max(1, wanted)
    limit = os.environ.get("OMP_THREAD_LIMIT", "").strip()
    return min(wanted, int(limit)) if limit.isdigit() and int(limit) > 0 else wanted


class FasterWhisperEngine:
    """A loaded faster-whisper model; safe to share within a process (calls are serialised)."""

    def __init__(self, model_path: Path, options: AsrOptions, guards: DecodeGuards | None = None) -> None:
        keep_offline()
        import faster_whisper

        self._model = faster_whisper.WhisperModel(
            str(model_path),
            device="cpu",
            compute_type=options.compute_type,
            cpu_threads=safe_threads(options.threads),
            local_files_only=True,
        )
        self._options = options
        self._guards = guards or DecodeGuards()
        self._lock = threading.Lock()
        label = "base" if model_path.name == "whisper-base-ct2" else model_path.name
        self.name = f"faster-whisper {faster_whisper.__version__} {label} {options.compute_type}"

    def detect_language(self, audio: np.ndarray) -> list[tuple[str, float]]:
        """Language probabilities for the first 30 s of `audio`, most likely first."""
        with self._lock:
            _, _, all_probs = self._model.detect_language(audio=audio, language_detection_segments=1)
        return [(code, float(prob)) for code, prob in (all_probs or [])]

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` for this model's tokenizer."""
        return len(self._model.hf_tokenizer.encode(text, add_special_tokens=False).ids)

    def score_texts(self, audio: np.ndarray, texts: Sequence[str], language: str, prompt: str = "") -> list[float]:
        """How likely the model finds each of `texts` as the words of `audio` (at most 30 s): sum of token log-probs.

        The model reads the texts as it decoded them: the prompt (as `hotwords`) before the start sequence,
        no timestamps; each text's end-of-text token is scored too, so a text that stops short pays for it.
        CTranslate2's `align` gives the probability of each text token given the audio and the tokens before it.
        """
        from faster_whisper.tokenizer import Tokenizer

        model = self._model
        tokenizer = Tokenizer(model.hf_tokenizer, True, task="transcribe", language=language)
        frames = model.feature_extractor.nb_max_frames
        with self._lock:
            features = model.feature_extractor(audio[: 30 * model.feature_extractor.sampling_rate])[:, :frames]
            used = features.shape[-1]
            features = np.pad(features, ((0, 0), (0, frames - used)))
            encoded = model.encode(features)
            start = list(tokenizer.sot_sequence) + [tokenizer.no_timestamps]
            sequences = [[*tokenizer.encode(" " + text.strip()), tokenizer.eot] for text in texts]
            # The decoder holds `max_length` (448) positions: a long stretch of fast speech leaves less room for the
            # prompt (cut from its end, as faster-whisper cuts it), and a text that alone overflows is cut short.
            room = model.max_length - len(start) - 2  # CTranslate2 adds an end-of-text token, and one more position
            sequences = [tokens[:room] for tokens in sequences]
            if prompt.strip():
                room -= max(len(tokens) for tokens in sequences) + 1
                hot = tokenizer.encode(" " + prompt.strip())[: max(0, min(model.max_length // 2 - 1, room))]
                if hot:
                    start = [tokenizer.sot_prev, *hot, *start]
            scores: list[float] = []
            for tokens in sequences:
                result = model.model.align(encoded, start, [tokens], used)[0]
                scores.append(float(np.sum(np.log(np.maximum(result.text_token_probs, 1e-12)))))
        return scores

    def transcribe(self, audio: np.ndarray, language: str, prompt: str = "") -> list[Segment]:
        """Beam search with word timestamps; VAD already ran, so faster-whisper's own filter stays off.

        The prompt goes in as `hotwords`, which faster-whisper puts before every 30 s stretch;
        `initial_prompt` would reach only the first one, since previous text is not carried over.
        """
        guards = self._guards
        with self._lock:
            pieces, _ = self._model.transcribe(
                audio,
                language=language,
                task="transcribe",
                beam_size=self._options.beam_size,
                temperature=list(guards.temperatures),
                compression_ratio_threshold=guards.compression_ratio_threshold,
                log_prob_threshold=guards.log_prob_threshold,
                no_speech_threshold=guards.no_speech_threshold,
                condition_on_previous_text=guards.condition_on_previous_text,
                word_timestamps=True,
                vad_filter=False,
                hotwords=prompt or None,
            )
            heard = (
                Segment(
                    start=float(piece.start),
                    end=float(piece.end),
                    text=piece.text.strip(),
                    language=language,
                    words=[
                        Word(float(w.start), float(w.end), w.word.strip(), float(w.probability))
                        for w in piece.words or []
                    ],
                    avg_logprob=float(piece.avg_logprob),
                    no_speech_prob=float(piece.no_speech_prob),
                )
                for piece in pieces
            )
            return list(before_tail(heard, audio.size / SAMPLE_RATE, guards.tail_s))


@lru_cache(maxsize=2)
def _cached(model_path: Path, options_json: str) -> FasterWhisperEngine:
    return FasterWhisperEngine(model_path, FasterWhisperOptions.model_validate_json(options_json))


def load_faster_whisper(options: AsrOptions, model_dir: Path) -> FasterWhisperEngine:
    """The engine for these options, loaded once per process (loading costs ~0.3 s and 150 MB)."""
    model_path = ensure_model(options, model_dir)
    return _cached(model_path, options.model_dump_json(include={"model", "compute_type", "threads", "beam_size"}))


def check_faster_whisper(options: AsrOptions, model_dir: Path) -> None:
    """The model must be there (assembled once from its PyPI halves, or the folder named)."""
    from samizdat.preflight import INSTALL_HINT

    try:
        ensure_model(options, model_dir)
    except (EngineError, OSError) as error:
        raise SetupError(f"the Whisper model is not usable: {error}",
                         f"Run `.venv/bin/samizdat setup`, or set SAMIZDAT_ASR_MODEL. {INSTALL_HINT}") from error


FASTER_WHISPER = AsrEngineType(FasterWhisperOptions, load_faster_whisper, check_faster_whisper)
