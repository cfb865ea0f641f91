"""A sentence across Whisper's own 30 s edge is heard whole: pieces are cut at pauses, one window each.

The README's demo interview (`samizdat setup --samples`) holds 32.3 s of VAD speech. Handed to faster-whisper as one
piece, its 30 s window ended inside the last sentence, and "the world was watching" came out as "the world" /
"Cold War Watching." Cut between VAD spans into pieces of at most one window, the sentence is heard whole.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from samizdat.archivist import read_archivist_metadata
from samizdat.asr.audio_source import SAMPLE_RATE, probe, stream_blocks
from samizdat.asr.transcriber import WHISPER_WINDOW_S, TranscribeOptions, Transcriber
from samizdat.asr.vad import Span, speech_spans
from samizdat.samples import write_sample_inbox
from samizdat.settings import Settings

SENTENCE = "the world was watching"


@pytest.mark.slow
def test_the_demo_interviews_last_sentence_across_the_old_30_s_edge_is_heard_whole(tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None or shutil.which("ffmpeg") is None:
        pytest.skip("espeak-ng and ffmpeg are needed to make the demo interview")
    write_sample_inbox(tmp_path)
    interview = tmp_path / "interview-en.mp3"
    metadata = read_archivist_metadata(interview, tmp_path)
    settings = Settings()
    transcriber = Transcriber.from_settings(settings.asr, settings.model_dir)
    transcriber.options = TranscribeOptions.from_options(settings.asr)
    transcriber.options.diarize = False  # speakers do not change the words

    transcript = transcriber.transcribe_file(interview, ["en"], metadata=metadata)

    text = re.sub(r"[^a-z ]", "", transcript.text.casefold())
    assert SENTENCE in text, transcript.text
    # The sentence does cross the old edge: 30 s into the speech VAD finds, pauses cut out, as the engine hears it.
    audio = np.concatenate(list(stream_blocks(interview, probe(interview), None)))
    spans = speech_spans(audio)
    words = [w for s in transcript.segments for w in s.words]
    world = next(w for w in words if w.word.casefold().startswith("world"))
    watching = next(w for w in words if w.word.casefold().startswith("watching"))
    assert _heard_at(spans, world.start) < WHISPER_WINDOW_S < _heard_at(spans, watching.end)


def _heard_at(spans: list[Span], t: float) -> float:
    """Seconds of VAD speech before file time `t`: where `t` lies in the concatenated speech."""
    at = int(t * SAMPLE_RATE)
    return sum(min(span.end, at) - span.start for span in spans if span.start < at) / SAMPLE_RATE
