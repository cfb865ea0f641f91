"""Stems, name variants and snippets: the pieces both backends share."""

from __future__ import annotations

from samizdat.search.names import NameVariants, catalogue_names, plain_plan
from samizdat.search.query import MARK_END, MARK_START
from samizdat.search.snippets import ELLIPSIS, make_snippet, mark_text
from samizdat.search.stemming import query_stems


def _marked(text: str) -> str:
    return text.replace(MARK_START, "[").replace(MARK_END, "]")


def test_snippet_centres_on_the_densest_cluster_of_query_words() -> None:
    filler = " ".join(f"w{i}" for i in range(60))
    text = f"Калик once. {filler} Калика и Щаранский вместе. {filler}"
    snippet = _marked(make_snippet(text, query_stems("Калик Щаранский"), words=10))
    assert snippet.startswith(ELLIPSIS) and snippet.endswith(ELLIPSIS)
    assert "[Калика] и [Щаранский]" in snippet
    assert len(snippet.split()) <= 12


def test_short_text_is_whole_and_unmarked_words_stay_plain() -> None:
    assert _marked(make_snippet("Письмо  о\nвыезде.", query_stems("выезд"))) == "Письмо о [выезде]."
    assert make_snippet("", ["x"]) == ""
    assert _marked(mark_text("letters and a letter", query_stems("letter"))) == "[letters] and a [letter]"
    assert mark_text("unchanged", []) == "unchanged"


def test_names_expand_to_every_spelling_but_ordinary_words_do_not() -> None:
    variants = NameVariants([["Ida Nudel", "Nudel", "Ида Нудель", "Нудель"], ["Moscow", "Москва"]])
    plan = variants.plan(query_stems("Нуделя письмо Москвы"))
    assert plan.groups == ((("nudel",), ("нудел",)), (("письм",),), (("moscow",), ("москв",)))
    assert set(plan.stems) == {"nudel", "нудел", "письм", "moscow", "москв"}
    assert variants.plan(query_stems("Ida Nudel")).groups == ((("nudel",), ("нудел",)),)  # the longest name wins
    assert plain_plan(["a", "b"]).groups == ((("a",),), (("b",),))


def test_catalogue_names_leave_out_ambiguous_words() -> None:
    names = catalogue_names()
    assert names.plan(query_stems("бегун")).groups == ((("бегун",),),)  # `Begun` is also "runner"
    sharansky = names.plan(query_stems("Shcharansky")).groups[0]
    assert ("щаранск",) in sharansky and ("sharanski",) in sharansky
