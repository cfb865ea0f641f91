"""The guard against invented phrases whose words last 0 s (`guards.is_invented` in `clean_segments`).

The segments are dev-half decodings as kept by the interview benchmark (bench/asr/invented-guard.md).
"""

from __future__ import annotations

from samizdat.asr.guards import clean_segments, is_invented
from samizdat.models import Segment, Word


def _segment(words: list[tuple[str, float, float, float]]) -> Segment:
    return Segment(words[0][1], words[-1][2], " ".join(w[0] for w in words),
                   words=[Word(start, end, text, p) for text, start, end, p in words])


# dev-en2-b, after a turn that ended at 76.4 s: nobody said it
INVENTED = _segment([("See", 75.764, 75.964, 0.048), ("you", 75.964, 76.384, 0.201),
                     ("next", 76.384, 76.384, 0.041), ("time.", 76.384, 76.384, 0.812)])
# dev-clear-en2-a: the turn's "and", squeezed to 0 s, heard surely
REAL_SQUEEZED = _segment([("and", 107.54, 107.54, 0.992)])
# a real segment with an unsure word but timed words (as in the test half's "Ben -Gurion")
REAL_UNSURE = _segment([("landed", 159.224, 159.504, 0.982), ("at", 159.504, 159.704, 0.871),
                        ("Ben", 159.704, 159.884, 0.026), ("-Gurion", 159.884, 160.264, 0.258)])


def test_a_segment_of_0_s_words_with_an_unsure_word_is_dropped_and_sure_or_timed_ones_are_kept() -> None:
    assert is_invented(INVENTED)
    assert not is_invented(REAL_SQUEEZED)
    assert not is_invented(REAL_UNSURE)
    assert not is_invented(Segment(0.0, 1.0, "no words"))  # an engine without word timing: nothing to judge
    kept = clean_segments([REAL_UNSURE, INVENTED, REAL_SQUEEZED])
    assert [s.text for s in kept] == ["landed at Ben -Gurion", "and"]


def test_half_the_words_at_0_s_is_enough_and_under_half_is_not() -> None:
    half = _segment([("Thank", 158.792, 158.912, 0.013), ("you.", 158.912, 158.912, 0.96)])  # dev-clear-en3-a
    under_half = _segment([("Thank", 158.792, 158.912, 0.013), ("you", 158.912, 159.0, 0.96),
                           ("all.", 159.0, 159.0, 0.9)])
    assert is_invented(half)
    assert not is_invented(under_half)
