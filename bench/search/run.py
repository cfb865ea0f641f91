"""Search latency on a generated 100k-page index, SQLite FTS5 and PostgreSQL: p50/p95/p99 per kind of query.

The index is synthetic but shaped like the archive: items of 1-20 pages (or transcript segments) of
Russian and English text whose words follow a Zipf law: function words first, then the words of the
project's own texts (sample letters, link fixtures, article summaries) in the middle ranks, then a
long tail of generated Russian- and English-looking words, with authority names sprinkled in; facets
(kind, language, year, articles, entities) and 3% restricted items as in a real collection. Queries go
through the same `SqlIndex` methods the portal calls: `search()` (hits and snippets) and `results()`
(hits, totals and facet counts).

    .venv/bin/python bench/search/run.py [--pages 100000] [--repeats 5] [--backends sqlite,postgres]

Writes bench/search/results.json and results.md. Timings are wall-clock on a shared machine.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from samizdat import samples_text
from samizdat.catalogue import load_catalogue
from samizdat.record import ItemRecord
from samizdat.search import IndexedItem, SearchIndex, SearchQuery, Unit, open_index
from tests.support.postgres import LocalPostgres

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
SEED = 20261121


_FUNCTION_WORDS = (
    "и в не на я он с что а по это она этот к но они мы как из у который то за свой весь год от так о для ты же "
    "все тот мочь вы человек такой его сказать только или еще бы себя один уже до время если сам когда другой вот "
    "говорить наш мой знать стать при чтобы дело жизнь кто первый очень два день ее новый рука даже во со раз где "
    "там под можно ну какой после их работа без самый потом надо хотеть ли слово идти большой должен место иметь "
    "the of and to a in is it you that he was for on are with as his they be at one have this from or had by not "
    "but what some we can out other were all there when up use your how said an each she which do their time if "
    "will way about many then them would like so these her long make thing see him two has look more day could go "
    "come did number no most people my over know than call first who may down side been now find any new work part "
    "take get place made live where after back little only man year came show every good me give our under name"
)


def vocabulary(rng: random.Random, tail: int = 60_000) -> list[str]:
    """Words by descending frequency, shaped like running text rather than like our short, name-dense texts.

    The head is function words (as in any Russian or English text); the project's own words (names,
    `refusenik`, `письма`) are shuffled into the middle ranks, so each lands on a few percent of pages
    instead of on a third of them; generated words make the long tail.
    """
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests" / "resources" / "links").glob("*.txt"))]
    texts += [str(v) for v in vars(samples_text).values() if isinstance(v, str)]
    catalogue = yaml.safe_load((ROOT / "src" / "samizdat" / "catalogue" / "articles.yaml").read_text(encoding="utf-8"))
    texts += [a.get("summary", "") + " " + a.get("title", "") for a in catalogue["articles"]]
    counts: dict[str, int] = {}
    for text in texts:
        for word in WORD.findall(text):
            counts[word.lower()] = counts.get(word.lower(), 0) + 1
    words = list(dict.fromkeys(_FUNCTION_WORDS.split()))
    russian = [w for w in words if not w.isascii()]
    english = [w for w in words if w.isascii()]
    function_words = [w for pair in itertools.zip_longest(russian, english) for w in pair if w]  # both languages
    known = [w for w in sorted(counts, key=lambda w: -counts[w]) if w not in set(function_words)]
    rng.shuffle(known)
    ru_syllables = ["ка", "ли", "но", "ра", "ве", "ст", "пр", "ло", "ми", "за", "до", "бе", "ту", "ше", "ря", "гу"]
    ru_endings = ["", "а", "у", "ом", "ов", "ами", "ей", "ия", "ий", "ого", "ыми", "ость", "ение", "ать"]
    en_syllables = ["ka", "lor", "min", "tra", "ver", "sto", "pel", "dan", "rik", "mon", "sel", "gur", "ben"]
    en_endings = ["", "s", "ed", "ing", "er", "ers", "ion", "ly"]
    rare: set[str] = set()
    while len(rare) < tail:
        if rng.random() < 0.5:
            rare.add("".join(rng.choices(ru_syllables, k=rng.randint(2, 4))) + rng.choice(ru_endings))
        else:
            rare.add("".join(rng.choices(en_syllables, k=rng.randint(2, 3))) + rng.choice(en_endings))
    return function_words + known + sorted(rare - set(known) - set(function_words))


class PageWriter:
    """Pages of Zipf-distributed words with a few names mixed in."""

    def __init__(self, words: list[str], names: list[str], rng: random.Random) -> None:
        self.words, self.names, self.rng = words, names, rng
        weights = [1.0 / (rank + 10) ** 1.05 for rank in range(len(words))]
        total = sum(weights)
        self.cumulative = list(_accumulate([w / total for w in weights]))

    def page(self, length: int) -> str:
        words = self.rng.choices(self.words, cum_weights=self.cumulative, k=length)
        for _ in range(self.rng.randint(0, 3)):
            words.insert(self.rng.randrange(len(words) + 1), self.rng.choice(self.names))
        return " ".join(words)


def _accumulate(values: list[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def generate_items(pages: int, rng: random.Random) -> Iterator[IndexedItem]:
    """Items until `pages` pages or segments exist."""
    catalogue = load_catalogue()
    articles = [a.id for a in catalogue.articles]
    entities = [(e.id, e.label, list(e.names)) for e in catalogue.entities.values()]
    writer = PageWriter(vocabulary(rng), [n for _, _, names in entities for n in names], rng)
    made, n = 0, 0
    while made < pages:
        kind = rng.choices(["image", "pdf", "audio"], [5, 3, 2])[0]
        count = min(pages - made, rng.randint(20, 60) if kind == "audio" else rng.randint(1, 20))
        length = (lambda: rng.randint(12, 40)) if kind == "audio" else (lambda: rng.randint(120, 320))
        texts = [writer.page(length()) for _ in range(count)]
        units = ([Unit(seq=i, text=t, start_s=i * 8.0, end_s=i * 8.0 + 8) for i, t in enumerate(texts)]
                 if kind == "audio" else [Unit(seq=i, text=t, page=i + 1) for i, t in enumerate(texts)])
        named = rng.sample(entities, rng.randint(0, 5))
        yield IndexedItem(
            id=f"{n:012x}", kind=kind, title=f"Generated item {n}", filename=f"item-{n}.{kind}",
            access="restricted" if rng.random() < 0.03 else "open",
            languages=rng.choice([["ru"], ["en"], ["ru", "en"]]), year=rng.randint(1965, 1995),
            articles=rng.sample(articles, rng.randint(0, 2)), entities=[(e_id, label) for e_id, label, _ in named],
            metadata=ItemRecord(id=f"{n:012x}"), units=units)
        made += count
        n += 1


QUERIES: dict[str, list[dict[str, Any]]] = {
    "name (all spellings)": [{"text": t} for t in ["Sharansky", "Щаранский", "Nudel", "Горбачёв", "Begun",
                                                    "Slepak", "Jackson-Vanik", "Brezhnev"]],
    "russian word form": [{"text": t} for t in ["отказников", "письма", "выезд", "разрешения", "семьи", "Израиля",
                                                 "эмиграции", "родственников"]],
    "english word": [{"text": t} for t in ["refusenik", "emigration", "letters", "prisoners", "visa", "appeal",
                                            "arrested", "synagogue"]],
    "two words": [{"text": t} for t in ["Moscow refusenik", "Щаранский арестован", "exit visa", "Nudel Sharansky",
                                         "письмо Израиль", "hunger strike"]],
    "rare word": [{"text": t} for t in ["Ленинградское", "hijacking", "Babyn", "Politburo", "samizdat",
                                         "Хельсинки"]],
    "word + facet": [{"text": "Sharansky", "kind": "audio"}, {"text": "письма", "language": "ru"},
                     {"text": "refusenik", "year": 1977},
                     {"text": "emigration", "article": "gorbachev-opened-the-gates"},
                     {"text": "Moscow", "entity": "ida-nudel"}],
}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def timed(fn: Callable[[], Any], repeats: int, cpu: list[float]) -> list[float]:
    """Wall-clock milliseconds per call, `repeats` times; this process's CPU milliseconds appended to `cpu`."""
    out = []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        out.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return out


def run_backend(name: str, index: SearchIndex, pages: int, repeats: int) -> dict[str, Any]:
    """Load the generated items, then time every query `repeats` times (after one warm-up)."""
    rng = random.Random(SEED)
    start = time.perf_counter()
    items = 0
    for item in generate_items(pages, rng):
        index.upsert(item)
        items += 1
        if items % 1000 == 0:
            print(f"  {name}: {items} items, {time.perf_counter() - start:.0f} s", file=sys.stderr)
    load_s = time.perf_counter() - start
    index.optimize()
    units = index.units_count()
    print(f"  {name}: {units} units in {load_s:.0f} s", file=sys.stderr)
    by_category: dict[str, Any] = {}
    all_search: list[float] = []
    all_results: list[float] = []
    all_search_cpu: list[float] = []
    all_results_cpu: list[float] = []
    for category, queries in QUERIES.items():
        search_ms: list[float] = []
        results_ms: list[float] = []
        search_cpu: list[float] = []
        results_cpu: list[float] = []
        hits = []
        for spec in queries:
            query = SearchQuery(**spec)
            index.search(query)
            index.results(query)  # warm-up
            search_ms += timed(lambda q=query: index.search(q), repeats, search_cpu)
            results_ms += timed(lambda q=query: index.results(q), repeats, results_cpu)
            hits.append(index.results(query, facets=False).total_units)
        all_search += search_ms
        all_results += results_ms
        all_search_cpu += search_cpu
        all_results_cpu += results_cpu
        by_category[category] = {"search": summary(search_ms), "results": summary(results_ms),
                                 "search_cpu": summary(search_cpu), "results_cpu": summary(results_cpu),
                                 "matching_units_median": statistics.median(hits)}
    return {"units": units, "items": items, "load_s": round(load_s, 1), "categories": by_category,
            "overall": {"search": summary(all_search), "results": summary(all_results),
                        "search_cpu": summary(all_search_cpu), "results_cpu": summary(all_results_cpu)}}


def summary(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max in ms."""
    return {"p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2),
            "p99": round(percentile(values, 99), 2), "max": round(max(values), 2), "n": len(values)}


def write_report(report: dict[str, Any]) -> None:
    """results.json and results.md beside this file."""
    (HERE / "results.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = [
        "# Search latency (bench/search/run.py)",
        "",
        f"{report['when']}, {report['machine']}; {report['pages']} generated pages/segments, "
        f"{report['repeats']} timed runs per query after one warm-up. Shared machine: other work was running.",
        "",
        "`search` = hits with snippets (what the CLI prints); `results` = hits + totals + facet counts "
        "(what the portal's search page and /api/search do). Milliseconds.",
        "",
        "CPU = this process's CPU time per query: on SQLite that is the whole query (embedded), on PostgreSQL "
        "only the client's share (snippets, decoding); it shows what the query costs without the other work "
        "running on this machine.",
        "",
        "| backend | query kind | matching units (median) | search p50 | search p95 | search CPU p95 "
        "| results p50 | results p95 | results CPU p95 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for backend, data in report["backends"].items():
        if "error" in data:
            lines.append(f"| {backend} | not run: {data['error']} | | | | | | | |")
            continue
        for category, row in data["categories"].items():
            lines.append(f"| {backend} | {category} | {row['matching_units_median']:.0f} | {row['search']['p50']} | "
                         f"{row['search']['p95']} | {row['search_cpu']['p95']} | {row['results']['p50']} | "
                         f"{row['results']['p95']} | {row['results_cpu']['p95']} |")
        overall = data["overall"]
        lines.append(f"| **{backend}** | **all queries** | | **{overall['search']['p50']}** | "
                     f"**{overall['search']['p95']}** | **{overall['search_cpu']['p95']}** | "
                     f"**{overall['results']['p50']}** | **{overall['results']['p95']}** | "
                     f"**{overall['results_cpu']['p95']}** |")
    lines += ["", "| backend | units | items | load (s) |", "| --- | ---: | ---: | ---: |"]
    for backend, data in report["backends"].items():
        if "error" not in data:
            lines.append(f"| {backend} | {data['units']} | {data['items']} | {data['load_s']} |")
    lines += [
        "",
        f"Load average (1 min) on this 2-core machine: {report.get('load_before', '?')} before, "
        f"{report.get('load_after', '?')} after: wall-clock times include waiting for the CPU.",
        "",
        "Goal: p95 <= 20 ms on SQLite for search. Cost grows with the number of matching units: BM25 "
        "(ts_rank) is computed for every match before the best 20 are kept, about 1 µs per match on SQLite; "
        "`results` adds one pass that groups the matches by item for the totals and facet counts.",
        "",
    ]
    (HERE / "results.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    """Parse arguments, run each backend on its own generated index, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    report: dict[str, Any] = {"when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                              "machine": f"{platform.machine()}, {platform.python_version()}",
                              "pages": args.pages, "repeats": args.repeats, "backends": {}}
    report["load_before"] = round(os.getloadavg()[0], 2)
    for backend in args.backends.split(","):
        print(f"{backend}: building", file=sys.stderr)
        if backend == "sqlite":
            with tempfile.TemporaryDirectory(prefix="samizdat-bench-") as folder:
                index = open_index(None, Path(folder) / "catalog.sqlite")
                report["backends"][backend] = run_backend(backend, index, args.pages, args.repeats)
                index.close()
        elif backend == "postgres":
            try:
                with LocalPostgres() as url:
                    index = open_index(url, None)
                    report["backends"][backend] = run_backend(backend, index, args.pages, args.repeats)
                    index.close()
            except RuntimeError as error:
                report["backends"][backend] = {"error": str(error)}
        report["load_after"] = round(os.getloadavg()[0], 2)
        write_report(report)
    print((HERE / "results.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
