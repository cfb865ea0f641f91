"""The best throughput any escalating reader could have on a set: an oracle against the issue's CER and speed bars.

    .venv/bin/python bench/ocr/bound.py SET COST_JSON RESULTS_JSON [--out bench/ocr/bound]

Issue 11 asks, on the augraphy test half, for a mean CER under the better of plain and Sauvola Tesseract and for at
least 0.9x plain Tesseract's pages/min. This computes the cheapest way any reader could meet the CER bar: one that
knows every page's CER (the oracle no reader has), reads every page plainly once (the floor), and adds, on the pages
it chooses, exactly the one extra reading that the bench's candidate table (`candidates.py`, the readings Samizdat
can make: Sauvola, normalised, turned, ...) says is best for it. The choice is solved exactly (a multiple-choice
knapsack over CPU in hundredths of a second): the least extra Tesseract CPU whose CER gains bring the set's mean
under the bar. The bar: the set's mean CER of plain and of Sauvola Tesseract in `run.py`'s RESULTS_JSON.

A reading's CPU: Tesseract's CPU seconds for it in `cost.py --json` where Samizdat made that reading, else the page's
plain Tesseract CPU (a guess on the cheap side for a page that reads better: more text costs more). Reported: that
least extra CPU, the ratio plain / (plain + extra) with nothing else paid, and with what every page pays besides
Tesseract in the same cost file (`PAID_BY_ANY_READER`: the ink survey the score needs, writing the page, the outputs).

Then what Samizdat's own escalation bar (`OcrOptions.escalate_below`) trades: for each bar, the pages whose plain
read scored under it keep Samizdat's reading and its CPU in the cost file (they were escalated in that run), the
others plain Tesseract's CER and the cost of a read-once page (a good read Samizdat straightened because its lines
drift is counted as read so under every bar). Replayed from the files, not re-run.
Writes OUT.md and OUT.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from samizdat.settings import OcrOptions

HERE = Path(__file__).resolve().parent
CANDIDATES = Path.home() / ".cache" / "samizdat-bench" / "candidates"
UNIT = 0.01  # CPU seconds per knapsack step
# What every reader that scores its plain read pays besides Tesseract (cost.py's steps): the ink survey the score
# needs, the score, writing the page for Tesseract, reading its hOCR, the outputs.
PAID_BY_ANY_READER = ("ink survey", "score", "page written for Tesseract", "reading plain", "ALTO",
                      "searchable PDF page")
READ_ONCE = ("Tesseract, reading plain", "other", *PAID_BY_ANY_READER)
BARS = (0.0, 0.1, 0.2, 0.4, 0.6, 0.8, 0.9)


def _choices(page: dict[str, Any], cost: dict[str, Any]) -> list[tuple[str, float, int]]:
    """(reading, CER gain in points, CPU in UNITs) for each reading that beats the plain read."""
    readings = page["candidates"]
    plain = readings["plain"]["cer"]
    out = []
    for name, reading in readings.items():
        if name == "plain" or reading["cer"] >= plain:
            continue
        seconds = cost["steps"].get(f"Tesseract, reading {name}") or cost["plain"]
        out.append((name, plain - reading["cer"], max(1, round(seconds / UNIT))))
    return out


def least_extra(pages: list[dict[str, Any]], costs: dict[str, dict[str, Any]], needed: float) -> tuple[float, list]:
    """The least extra CPU (s) whose gains (CER points summed over pages) reach `needed`, and the readings chosen."""
    best: dict[int, tuple[float, list[tuple[str, str]]]] = {0: (0.0, [])}  # CPU units -> (most gain, chosen)
    for page in pages:
        step = dict(best)
        for name, gain, units in _choices(page, costs[page["name"]]):
            for spent, (got, chosen) in best.items():
                total = spent + units
                if got + gain > step.get(total, (-1.0, []))[0]:
                    step[total] = (got + gain, [*chosen, (page["name"], name)])
        best = step
    for spent in sorted(best):
        if best[spent][0] >= needed:
            return spent * UNIT, best[spent][1]
    return float("inf"), []


def bar_sweep(pages: list[dict[str, Any]], costs: dict[str, dict[str, Any]],
              results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean CER and CPU ratio to plain if only pages whose plain read scored under each bar were escalated."""
    plain = sum(costs[p["name"]]["plain"] for p in pages)
    rows = []
    for bar in BARS:
        cer = cpu = 0.0
        escalated = 0
        for page in pages:
            name, cost = page["name"], costs[page["name"]]
            score = page["candidates"]["plain"]["score"]
            # a good read straightened because its lines drift (not the bar's doing) is read so under every bar
            drifted = score >= OcrOptions().escalate_below
            if (score < bar or drifted) and results[name]["readings"] > 1:
                escalated += 1
                cer += results[name]["cer_samizdat"]
                cpu += cost["samizdat"]
            else:
                cer += results[name]["cer_plain"]
                cpu += sum(cost["steps"].get(step, 0.0) for step in READ_ONCE)
        rows.append({"bar": bar, "escalated": escalated, "mean_cer": round(cer / len(pages), 2),
                     "ratio": round(plain / cpu, 3)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set")
    parser.add_argument("cost_json", type=Path)
    parser.add_argument("results_json", type=Path)
    parser.add_argument("--out", default=str(HERE / "bound"))
    args = parser.parse_args()
    pages = json.loads((CANDIDATES / f"{args.set}.json").read_text(encoding="utf-8"))
    costs = {row["page"]: row for row in json.loads(args.cost_json.read_text(encoding="utf-8"))[args.set]}
    n = len(pages)
    results = json.loads(args.results_json.read_text(encoding="utf-8"))[args.set]
    summary = results["summary"]
    mean = {way: summary[f"mean_cer_{way}"] for way in ("plain", "sauvola")}
    bar = min(mean.values())
    plain_cer = sum(p["candidates"]["plain"]["cer"] for p in pages) / n
    needed = (plain_cer - bar) * n + 1e-6  # strictly under the bar
    extra, chosen = least_extra(pages, costs, needed)
    plain = sum(costs[p["name"]]["plain"] for p in pages)
    besides = sum(costs[p["name"]]["steps"].get(step, 0.0) for p in pages for step in PAID_BY_ANY_READER)
    out = {"set": args.set, "pages": n, "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "mean_cer": {k: round(v, 2) for k, v in mean.items()}, "bar": round(bar, 2),
           "plain_cpu_s": round(plain, 2), "least_extra_cpu_s": round(extra, 2), "chosen": chosen,
           "besides_tesseract_cpu_s": round(besides, 2),
           "ratio_nothing_else": round(plain / (plain + extra), 3),
           "ratio_with_besides": round(plain / (plain + extra + besides), 3),
           "bars": bar_sweep(pages, costs, results["pages"])}
    Path(args.out).with_suffix(".json").write_text(json.dumps(out, indent=1), encoding="utf-8")
    lines = [f"# The best throughput an escalating reader could have on {args.set} (bench/ocr/bound.py)", "",
             f"{out['when']}; CPU seconds from {args.cost_json.name}; CER from the candidate table and "
             f"{args.results_json.name}.", "",
             f"- mean CER: plain {out['mean_cer']['plain']} %, Sauvola {out['mean_cer']['sauvola']} %: "
             f"the bar is under {out['bar']} %",
             f"- plain Tesseract: {out['plain_cpu_s']} CPU s for {n} pages",
             f"- the least extra Tesseract CPU that meets the bar, knowing every page's CER: "
             f"{out['least_extra_cpu_s']} s ({len(chosen)} pages: "
             + ", ".join(f"{page} {way}" for page, way in chosen) + ")",
             f"- ratio to plain with nothing else paid: **{out['ratio_nothing_else']}**",
             f"- with what Samizdat pays besides Tesseract on these pages ({out['besides_tesseract_cpu_s']} CPU s: "
             f"{', '.join(PAID_BY_ANY_READER)}): **{out['ratio_with_besides']}**", "",
             "Samizdat's escalation bar as a speed setting (replayed: pages under the bar keep Samizdat's reading and "
             "CPU, the others plain Tesseract's CER and a read-once page's CPU):", "",
             "| escalate below | pages escalated | mean CER | CPU ratio to plain |", "|---:|---:|---:|---:|",
             *(f"| {row['bar']} | {row['escalated']} | {row['mean_cer']} | {row['ratio']} |" for row in out["bars"])]
    Path(args.out).with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
