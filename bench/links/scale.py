"""Article links at scale: precision and recall on a held-out half with 4 and with 136 articles; describe time.

Run: `.venv/bin/python bench/links/scale.py` (writes bench/links/scale.md and scale.json).

- Catalogues: the shipped one (the archive's 4 articles), and the same grown by the 132 distractor articles of
  `distractors.yaml` (other subjects, many naming Moscow, Israel, Gorbachev, Reagan, 1970s years), each added
  through `samizdat.catalogue.add.add_article_text` as an archivist would: entities found, new names proposed
  and used.
- Items, none written by the person who tuned here: the 17 letters and interviews of tests/resources/links
  (written by the engineer who built the linker), and passages of the four real articles in ../shared/articles
  (written by their authors), each expected to link to its own article (read in place, never copied).
- Halves: every item falls in the tuning or the held-out half by a hash of its name, fixed before any run.
  Thresholds are chosen on the tuning half at 136 articles; the held-out half is reported.
- Modes: entities only, and entities plus the articles' full texts (text similarity). Article passages are left
  out of the full-text mode: their own article's text contains them word for word.
- Timings: describe (find entities + link) per item, at both sizes, on a shared 2-core machine.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import fmean
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ARTICLES, MATERIAL, load_item  # noqa: E402

import samizdat.links as links_module  # noqa: E402
from samizdat.catalogue import Catalogue, load_catalogue  # noqa: E402
from samizdat.catalogue.add import add_article_text  # noqa: E402
from samizdat.entities import EntityMatcher, find_entities  # noqa: E402
from samizdat.links import (  # noqa: E402
    LINK_THRESHOLD,
    RELATIVE_FLOOR,
    article_similarities,
    link_articles,
    matcher_for,
)
from samizdat.models import Extraction, Page  # noqa: E402

OUT = Path(__file__).resolve().parent
DISTRACTORS = OUT / "distractors.yaml"
PASSAGES_PER_ARTICLE = 5
PASSAGE_WORDS = 140
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
FLOORS = (0.4, 0.5, 0.6, 0.7)


def half(name: str) -> str:
    """`tune` or `held-out`, by a hash of the item's name (fixed before any run)."""
    return "tune" if hashlib.sha256(name.encode()).digest()[0] % 2 == 0 else "held-out"


def grown_catalogue(folder: Path) -> tuple[Catalogue, float]:
    """The shipped catalogue plus every distractor, added through the archivist's path; seconds per addition."""
    distractors = yaml.safe_load(DISTRACTORS.read_text(encoding="utf-8"))["articles"]
    started = time.perf_counter()
    for entry in distractors:
        add_article_text(folder, entry["text"], article_id=entry["id"], title=entry["title"])
    seconds = (time.perf_counter() - started) / len(distractors)
    return load_catalogue(folder), seconds


def written_items() -> list[dict[str, Any]]:
    """The letters and interviews, with the articles expected."""
    expected = yaml.safe_load((MATERIAL / "expected.yaml").read_text(encoding="utf-8"))
    return [{"name": name, "extraction": load_item(MATERIAL / name), "expected": set(want.get("articles") or []),
             "source": "written"} for name, want in expected.items()]


def passage_items(catalogue: Catalogue) -> list[dict[str, Any]]:
    """Passages of about 140 words from each real article (paragraph boundaries), spread over its length."""
    items = []
    for article in catalogue.articles:
        text = (ARTICLES / (article.file or "")).read_text(encoding="utf-8")
        paragraphs = [" ".join(p.split()) for p in text.split("\n") if len(p.split()) > 3]
        chunks: list[str] = []
        current: list[str] = []
        for paragraph in paragraphs:
            current.append(paragraph)
            if sum(len(p.split()) for p in current) >= PASSAGE_WORDS:
                chunks.append(" ".join(current))
                current = []
        step = max(1, len(chunks) // PASSAGES_PER_ARTICLE)
        for number, chunk in enumerate(chunks[::step][:PASSAGES_PER_ARTICLE], 1):
            extraction = Extraction(engines={}, pages=[Page(number=1, text=chunk, method="text-layer")])
            items.append({"name": f"{article.id}#{number}", "extraction": extraction, "expected": {article.id},
                          "source": "article passage"})
    return items


def describe(item: dict[str, Any], catalogue: Catalogue, use_texts: bool, threshold: float = LINK_THRESHOLD,
             floor: float = RELATIVE_FLOOR) -> tuple[list[str], float]:
    """Entities and links for one item, and how long it took."""
    started = time.perf_counter()
    extraction = item["extraction"]
    hits = find_entities(extraction, matcher_for(catalogue))
    links = link_articles(hits, extraction.text, ARTICLES, catalogue=catalogue, threshold=threshold,
                          relative_floor=floor, use_texts=use_texts)
    return [link.id for link in links], time.perf_counter() - started


def score(items: list[dict[str, Any]], catalogue: Catalogue, use_texts: bool, threshold: float = LINK_THRESHOLD,
          floor: float = RELATIVE_FLOOR) -> dict[str, Any]:
    """Precision, recall and per-item rows over `items`."""
    matcher_for(catalogue)  # compiled once per catalogue, before any item is timed (see `speed`)
    if use_texts:
        article_similarities("", ARTICLES, catalogue)  # the articles' text index, built once per catalogue
    tp = fp = fn = 0
    rows = []
    seconds = []
    real = {"gorbachev-opened-the-gates", "best-place-for-soviet-jews", "two-hundred-years-together",
            "ajhs-american-soviet-jewry-movement"}
    to_distractors = 0
    for item in items:
        found, took = describe(item, catalogue, use_texts, threshold, floor)
        seconds.append(took)
        want = item["expected"]
        tp += len(want & set(found))
        fp += len(set(found) - want)
        fn += len(want - set(found))
        to_distractors += len(set(found) - real)
        rows.append({"item": item["name"], "source": item["source"], "expected": sorted(want), "found": found,
                     "ok": want == set(found)})
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"items": len(items), "tp": tp, "fp": fp, "fn": fn, "precision": round(precision, 3),
            "recall": round(recall, 3), "f1": round(f1, 3), "links_to_distractors": to_distractors,
            "describe_ms_mean": round(1000 * fmean(seconds), 2), "describe_ms_max": round(1000 * max(seconds), 2),
            "rows": rows}


def tune(items: list[dict[str, Any]], catalogues: list[Catalogue], modes: list[bool]) -> dict[str, Any]:
    """The (threshold, floor) with the best mean F1 over the tuning half, at both sizes and both modes."""
    grid = []
    for threshold in THRESHOLDS:
        for floor in FLOORS:
            f1s = [score([i for i in items if use_texts or i["source"] == "written"], catalogue, use_texts,
                         threshold, floor)["f1"] for catalogue in catalogues for use_texts in modes]
            grid.append({"threshold": threshold, "floor": floor, "f1": round(fmean(f1s), 4)})
    # Ties go to the values nearest those in force: a change must earn its place.
    best = max(grid, key=lambda g: (g["f1"], -abs(g["threshold"] - LINK_THRESHOLD) - abs(g["floor"] - RELATIVE_FLOOR)))
    return {"grid": grid, "best": best}


def long_document() -> Extraction:
    """100 pages of the real articles' words, every 7th long word damaged (as bench/links/run.py)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("0*.txt"))]
    words = " ".join(texts).split()
    damaged = [w[:-2] + "qz" + w[-1:] if i % 7 == 0 and len(w) > 5 else w for i, w in enumerate(words)]
    pages = []
    for number in range(1, 101):
        start = (number * 450) % max(1, len(damaged) - 450)
        pages.append(Page(number=number, text=" ".join(damaged[start : start + 450]), method="ocr"))
    return Extraction(engines={}, pages=pages)


def speed(catalogue: Catalogue, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Compile time, a 100-page document, and link_articles with retrieval and with every article scored."""
    started = time.perf_counter()
    matcher = EntityMatcher(catalogue)
    compile_s = time.perf_counter() - started
    document = long_document()
    started = time.perf_counter()
    hits = find_entities(document, matcher)
    found_s = time.perf_counter() - started
    link_articles(hits, document.text, ARTICLES, catalogue=catalogue)
    linked_s = time.perf_counter() - found_s - started
    prepared = []
    for item in items:
        hits = find_entities(item["extraction"], matcher_for(catalogue))
        prepared.append((hits, item["extraction"].text))

    def run() -> tuple[float, list[list[str]]]:
        started = time.perf_counter()
        found = [[link.id for link in link_articles(h, t, ARTICLES, catalogue=catalogue)] for h, t in prepared]
        return 1000 * (time.perf_counter() - started) / len(prepared), found

    with_retrieval, found_with = run()
    original: Callable[..., Any] = links_module._candidates
    links_module._candidates = lambda catalogue, weights, similarities: list(catalogue.articles)  # type: ignore[assignment]
    try:
        without, found_without = run()
    finally:
        links_module._candidates = original  # type: ignore[assignment]
    return {"link_ms_with_retrieval": round(with_retrieval, 2), "link_ms_scoring_every_article": round(without, 2),
            "same_links": found_with == found_without, "compile_s": round(compile_s, 3),
            "document_find_entities_s": round(found_s, 3), "document_link_s": round(linked_s, 3)}


def main() -> int:
    if not ARTICLES.exists():
        print(f"{ARTICLES} is absent: the benchmark needs ../shared/articles", file=sys.stderr)
        return 2
    shipped = load_catalogue()
    with tempfile.TemporaryDirectory() as tmp:
        grown, add_seconds = grown_catalogue(Path(tmp) / "catalogue")
        proposed = sum(1 for e in grown.entities.values() if e.proposed)
        items = written_items() + passage_items(shipped)
        for item in items:
            item["half"] = half(item["name"])
        tuning = [i for i in items if i["half"] == "tune"]
        held_out = [i for i in items if i["half"] == "held-out"]
        chosen = tune(tuning, [shipped, grown], [False, True])
        threshold, floor = chosen["best"]["threshold"], chosen["best"]["floor"]
        results: dict[str, Any] = {
            "note": "Timings on a shared 2-core machine.",
            "catalogues": {"4": len(shipped.articles), "grown": len(grown.articles)},
            "authority": {"4": len(shipped.entities), "grown": len(grown.entities), "proposed": proposed},
            "add_seconds_per_article": round(add_seconds, 3),
            "halves": {h: sorted(i["name"] for i in items if i["half"] == h) for h in ("tune", "held-out")},
            "tuning": chosen,
            "in_force": {"threshold": LINK_THRESHOLD, "floor": RELATIVE_FLOOR},
            "runs": [],
        }
        for label, catalogue in (("4 articles", shipped), (f"{len(grown.articles)} articles", grown)):
            for use_texts in (False, True):
                subset = [i for i in held_out if not use_texts or i["source"] == "written"]
                run = score(subset, catalogue, use_texts, threshold, floor)
                run.update({"catalogue": label, "mode": "entities + full texts" if use_texts else "entities only",
                            "half": "held-out"})
                results["runs"].append(run)
                tuned = score([i for i in tuning if not use_texts or i["source"] == "written"], catalogue,
                              use_texts, threshold, floor)
                tuned.update({"catalogue": label, "mode": run["mode"], "half": "tune"})
                results["runs"].append(tuned)
        results["speed"] = {"4 articles": speed(shipped, items), f"{len(grown.articles)} articles": speed(grown, items)}
    (OUT / "scale.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (OUT / "scale.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0


HISTORY = """## How the settings were chosen (read before trusting the numbers)

The items were written by others (the letters and interviews by the engineer who built the linker, the
passages by the articles' authors); the distractors and this benchmark by the engineer who tuned here.
The first run, with the linker as it was (specificity ((n - df + 1) / n)^2, threshold 0.25, floor 0.5),
printed both halves: on the held-out half, entities only, precision fell from 0.950 at 4 articles to
0.786 at 136 (every false link was one of the four real articles linked to a passage of another: among
136 articles, entities the four share looked rare). The held-out numbers were seen then, so this half is
not pristine for that one change. The change (specificity bounded by 1/df) was then chosen on the tuning
half only, among four variants (none, 1/df, 1/sqrt(df), df^-1.5 at floors 0.5-0.7: mean F1 0.750, 0.906,
0.886, 0.911 at floor 0.5; 1/df because it changes the 4-article scores least), and the threshold by the
grid below (tuning half only): 0.35, in force since. The run that chose 0.35 printed the held-out half
too; nothing was changed after it but making its choice the value in force."""


def markdown(results: dict[str, Any]) -> str:
    """The report."""
    best = results["tuning"]["best"]
    lines = [
        "# Article links at scale: held-out precision and recall, 4 vs "
        f"{results['catalogues']['grown']} articles", "",
        f"Written by `bench/links/scale.py`. {results['note']}", "",
        f"Catalogues: the archive's {results['catalogues']['4']} articles ({results['authority']['4']} authority "
        f"entries), and the same grown to {results['catalogues']['grown']} articles by the distractors of "
        f"`distractors.yaml`, each added through `samizdat.catalogue.add` "
        f"({results['add_seconds_per_article']} s an article), which proposed {results['authority']['proposed']} "
        f"new authority entries (used as proposed, unchecked): {results['authority']['grown']} entries in all.", "",
        f"Halves (by a hash of the name, fixed first): {len(results['halves']['tune'])} items to tune on, "
        f"{len(results['halves']['held-out'])} held out.", "",
        f"Thresholds chosen on the tuning half (both sizes, both modes, mean F1 {best['f1']}): "
        f"link threshold {best['threshold']}, relative floor {best['floor']} "
        f"(in force in `samizdat.links`: {results['in_force']['threshold']}, {results['in_force']['floor']}).", "",
        *HISTORY.splitlines(), "",
        "| half | catalogue | mode | items | precision | recall | TP | FP | FN | links to distractors | "
        "describe ms/item (mean, max) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in sorted(results["runs"], key=lambda r: (r["half"] != "held-out", r["mode"], r["catalogue"])):
        lines.append(f"| {run['half']} | {run['catalogue']} | {run['mode']} | {run['items']} | "
                     f"**{run['precision']:.3f}** | **{run['recall']:.3f}** | {run['tp']} | {run['fp']} | "
                     f"{run['fn']} | {run['links_to_distractors']} | "
                     f"{run['describe_ms_mean']}, {run['describe_ms_max']} |")
    lines += ["", "## Held-out items that went wrong", ""]
    for run in results["runs"]:
        if run["half"] != "held-out":
            continue
        wrong = [r for r in run["rows"] if not r["ok"]]
        lines.append(f"- {run['catalogue']}, {run['mode']}: " + ("; ".join(
            f"{r['item']} expected {', '.join(r['expected']) or '—'}, found {', '.join(r['found']) or '—'}"
            for r in wrong) or "none"))
    lines += ["", "## Speed", "",
              "Per item above: find entities + link; the matcher and the articles' text index are built beforehand",
              "(once per catalogue version, in a long-running worker).",
              "Here: compiling the matcher; a 100-page document (45,000 words, every 7th long word damaged); and",
              "link_articles alone per item, with the retrieval step and scoring every article (same links?).", "",
              "| catalogue | compile matcher s | 100 pages: find entities s | 100 pages: link s | "
              "link ms/item, retrieval | link ms/item, every article | same links |",
              "| --- | --- | --- | --- | --- | --- | --- |"]
    for label, s in results["speed"].items():
        lines.append(f"| {label} | {s['compile_s']} | {s['document_find_entities_s']} | {s['document_link_s']} | "
                     f"{s['link_ms_with_retrieval']} | {s['link_ms_scoring_every_article']} | "
                     f"{'yes' if s['same_links'] else 'NO'} |")
    lines += ["", "## Tuning grid (mean F1 on the tuning half, both sizes, both modes)", "",
              "| threshold | " + " | ".join(f"floor {f}" for f in FLOORS) + " |",
              "| --- | " + " | ".join("---" for _ in FLOORS) + " |"]
    grid = {(g["threshold"], g["floor"]): g["f1"] for g in results["tuning"]["grid"]}
    for threshold in THRESHOLDS:
        lines.append(f"| {threshold} | " + " | ".join(f"{grid[(threshold, f)]:.3f}" for f in FLOORS) + " |")
    lines += ["", "Halves: tune = " + ", ".join(results["halves"]["tune"]),
              "", "held-out = " + ", ".join(results["halves"]["held-out"]), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
