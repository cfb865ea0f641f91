"""Unsure stretches of a transcript: which segments, joined how (DESIGN.md §9 `content.review_segments`)."""

from __future__ import annotations

from samizdat.asr.confidence import LOW_CONFIDENCE, low_confidence_segments, unsure_stretches
from samizdat.describe import content_summary, review_text
from samizdat.models import Extraction, Segment, Transcript


def _transcript(*spans: tuple[float, float, float | None]) -> Transcript:
    segments = [Segment(start, end, "words", "en", [], logprob, 0.01) for start, end, logprob in spans]
    return Transcript(segments=segments, language="en", language_probability=0.9, duration_s=4000.0)


def test_neighbouring_unsure_segments_make_one_stretch_and_a_sure_one_splits_them() -> None:
    transcript = _transcript((0.0, 2.0, -1.5), (2.4, 5.0, -1.2), (5.0, 8.0, -0.3), (8.0, 9.0, -2.0),
                             (12.0, 14.0, -1.1), (20.0, 21.0, None))
    assert low_confidence_segments(transcript) == [0, 1, 3, 4]
    assert [(s.start_s, s.end_s, s.first, s.last) for s in unsure_stretches(transcript)] == [
        (0.0, 5.0, 0, 1), (8.0, 9.0, 3, 3), (12.0, 14.0, 4, 4)]  # 9.0 → 12.0 is over the 1 s join gap


def test_a_sure_transcript_has_nothing_to_review() -> None:
    content = content_summary(Extraction(engines={}, transcript=_transcript((0.0, 2.0, -0.2), (2.0, 4.0, -0.99))), 60.0)
    assert content.review_segments == [] and review_text(content) == ""


def test_the_record_lists_the_stretches_with_listener_times() -> None:
    transcript = _transcript((61.0, 65.5, -1.3), (3725.0, 3731.0, -1.8))
    content = content_summary(Extraction(engines={}, transcript=transcript), 60.0)
    assert [(r.start_s, r.end_s, r.reason) for r in content.review_segments] == [
        (61.0, 65.5, LOW_CONFIDENCE), (3725.0, 3731.0, LOW_CONFIDENCE)]
    assert review_text(content) == "1:01-1:05 low-confidence, 1:02:05-1:02:11 low-confidence"
