"""Read the candidate tables (`candidates.py`): does the score order readings like CER, and where do thresholds go.

For each set: Spearman's rank correlation between score and CER over the readings of each page (pages
whose readings all have the same CER carry no order and are left out), and the escalation policy of
`samizdat.ocr.page` replayed offline for a range of `escalate_below` values: mean CER of the kept reading,
pages more than 1 CER point worse than the plain read, readings per page and Tesseract seconds.

Run: `python bench/ocr/analyse.py SET [SET ...]` (tables from ~/.cache/samizdat-bench/candidates/).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from candidates import OUT  # noqa: E402


def load(name: str) -> list[dict[str, Any]]:
    """One set's candidate table, scores recomputed with the score's current constants."""
    from samizdat.ocr.quality import EXPECTED_CHARS_PER_GLYPH

    table = json.loads((OUT / f"{name}.json").read_text(encoding="utf-8"))
    for page in table:
        for row in page["candidates"].values():
            quality = row["confidence"] if row["known"] is None else 0.5 * row["confidence"] + 0.5 * row["known"]
            expected = max(page["ink"]["glyphs"] * EXPECTED_CHARS_PER_GLYPH, 1.0)
            row["coverage"] = min(1.0, row["chars"] / expected)
            row["score"] = round(row["coverage"] * quality, 4) if row["chars"] else 0.0
    return table


def spearman(page: dict[str, Any]) -> float | None:
    """Rank correlation between score and -CER across one page's readings (None: no order to check)."""
    from scipy.stats import spearmanr

    rows = list(page["candidates"].values())
    cers = [r["cer"] for r in rows]
    if len(rows) < 3 or max(cers) - min(cers) < 0.5:
        return None
    rho = spearmanr([r["score"] for r in rows], [-c for c in cers]).statistic
    return None if rho != rho else float(rho)  # NaN: constant scores


def replay(
    page: dict[str, Any],
    escalate_below: float,
    margin: float | None = None,
    without: frozenset[str] = frozenset(),
    *,
    straighten_from: float | None | str = "policy",
    deskew_margin: float | None = None,
    stop_at: float | None | str = "policy",
) -> tuple[str, list[str], float]:
    """What `ocr_page` keeps for this page at that threshold: (kept, readings tried, Tesseract seconds).

    `without`: escalation steps left out (`osd`, `sauvola`, `normalised`, `deskew`), to see what each buys.
    `straighten_from`: a page whose plain read is good is read straightened too when its baselines are this
    skewed (degrees; None: never). `deskew_margin`: what a straightened reading must score over the plain read
    to replace it (others need `margin`). `stop_at`: escalation stops at the first reading scoring this much (at
    least `escalate_below`; None: `escalate_below`).
    Defaults: the policy of `samizdat.ocr.page` (its constants; `stop_at` is its `STOP_AT`).
    """
    from samizdat.ocr import page as policy
    from samizdat.settings import OcrOptions

    margin = policy.REPLACE_MARGIN if margin is None else margin
    deskew_margin = policy.DESKEW_MARGIN if deskew_margin is None else deskew_margin
    straighten_from = OcrOptions().deskew_min_degrees if straighten_from == "policy" else straighten_from
    stop_at = max(escalate_below, policy.STOP_AT) if stop_at == "policy" else stop_at
    c = {k: v for k, v in page["candidates"].items()
         if not any(step in k for step in without if step != "osd") and not ("osd" in without and "turned" in k)}
    tried = ["plain"]
    seconds = c["plain"]["seconds"]

    def good(name: str) -> bool:  # good enough to stop escalating
        return c[name]["score"] >= (escalate_below if stop_at is None else max(escalate_below, float(stop_at)))

    blank = page["ink"]["glyphs"] < 25 and c["plain"]["chars"] == 0
    if c["plain"]["score"] >= escalate_below and straighten_from is not None and "deskew" not in without:
        # By the angle alone: the tables hold no line boxes, so `preprocess.lines_drift_across` (which also asks
        # the long lines to drift half a line pitch) is not replayed. On the dev half it differs on page 45 only
        # (0.4 deg, drift 0.17 pitch: the pipeline keeps the plain read, 1.66 % instead of 0.16 %).
        if abs(c["plain"].get("skew", 0.0)) >= float(straighten_from) and "deskewed plain" in c:
            tried.append("deskewed plain")
            seconds += c["deskewed plain"]["seconds"]
    elif c["plain"]["score"] < escalate_below and not blank:
        # as samizdat.ocr.page._escalate; the table holds turned variants only, for pages OSD turns
        known = c["plain"]["known"]
        prefix = "turned " if page["turned"] else ""
        asked = "osd" not in without and c["plain"]["chars"] > 0 and (known is None or known < 0.3)
        if asked:
            seconds += page["osd_s"]
            if page["turned"] and "turned plain" in c:
                tried.append("turned plain")
                seconds += c["turned plain"]["seconds"]
        if not any(good(n) for n in tried[1:]):
            for name in (f"{prefix}sauvola", f"{prefix}normalised"):
                if name in c:
                    tried.append(name)
                    seconds += c[name]["seconds"]
                    if good(name):
                        break
            if not any(good(n) for n in tried[1:]):
                if not asked and "osd" not in without and c["plain"]["chars"] == 0:
                    seconds += page["osd_s"]
                best = max(tried, key=lambda n: c[n]["score"])
                deskewed = f"deskewed {best.split()[-1]}"
                if deskewed in c:
                    tried.append(deskewed)
                    seconds += c[deskewed]["seconds"]
    kept = max(tried, key=lambda n: c[n]["score"])  # max keeps the first on ties: plain
    if c[kept]["score"] < c["plain"]["score"] + (deskew_margin if kept.startswith("deskewed") else margin):
        kept = "plain"
    return kept, tried, seconds


def summary(name: str, thresholds: list[float]) -> str:
    """Markdown: rank correlation, and the policy at each threshold."""
    table = load(name)
    rhos = [r for r in (spearman(p) for p in table) if r is not None]
    plain = [p["candidates"]["plain"]["cer"] for p in table]
    sauvola = [p["candidates"].get("sauvola", p["candidates"].get("turned sauvola", {})).get("cer", 100.0)
               for p in table]
    oracle = [min(r["cer"] for r in p["candidates"].values()) for p in table]
    lines = [f"### {name}: {len(table)} pages", "",
             f"Score vs CER, Spearman per page over its readings: mean {statistics.fmean(rhos):.2f}, "
             f"median {statistics.median(rhos):.2f}, {sum(r > 0 for r in rhos)}/{len(rhos)} positive "
             f"({len(table) - len(rhos)} pages without a CER order)." if rhos else "No page has an order to check.",
             "", f"Plain mean CER {statistics.fmean(plain):.2f} %, Sauvola {statistics.fmean(sauvola):.2f} %, "
             f"best reading per page (oracle) {statistics.fmean(oracle):.2f} %.", "",
             "| escalate_below | mean CER kept | pages >1 pt worse than plain | escalated pages | readings/page "
             "| Tesseract s |", "|---:|---:|---:|---:|---:|---:|"]
    for t in thresholds:
        kept = [replay(p, t) for p in table]
        cers = [p["candidates"][k]["cer"] for p, (k, _, _) in zip(table, kept, strict=True)]
        worse = sum(c > pl + 1 for c, pl in zip(cers, plain, strict=True))
        escalated = sum(len(tried) > 1 for _, tried, _ in kept)
        lines.append(f"| {t:.2f} | {statistics.fmean(cers):.2f} | {worse} | {escalated} | "
                     f"{statistics.fmean(len(tr) for _, tr, _ in kept):.2f} | {sum(s for _, _, s in kept):.0f} |")
    return "\n".join(lines)


def steps(name: str, escalate_below: float) -> str:
    """What each escalation step buys: the policy replayed with steps added one at a time."""
    table = load(name)
    plain = [p["candidates"]["plain"]["cer"] for p in table]
    lines = [f"What each escalation step buys on {name} (escalate_below {escalate_below}, replayed from the "
             "candidate table):", "", "| steps | mean CER | pages >1 pt worse than plain | pages improved >1 pt "
             "| Tesseract s on escalated pages |", "|---|---:|---:|---:|---:|"]
    all_steps = ["osd", "sauvola", "normalised", "deskew"]
    lines.append(f"| plain only | {statistics.fmean(plain):.2f} | 0 | 0 | 0 |")
    for upto in range(1, len(all_steps) + 1):
        without = frozenset(all_steps[upto:])
        kept = [replay(p, escalate_below, without=without) for p in table]
        cers = [p["candidates"][k]["cer"] for p, (k, _, _) in zip(table, kept, strict=True)]
        extra = sum(s - p["candidates"]["plain"]["seconds"] for p, (_, _, s) in zip(table, kept, strict=True))
        lines.append(f"| + {' + '.join(all_steps[:upto])} | {statistics.fmean(cers):.2f} | "
                     f"{sum(c > pl + 1 for c, pl in zip(cers, plain, strict=True))} | "
                     f"{sum(c < pl - 1 for c, pl in zip(cers, plain, strict=True))} | {extra:.0f} |")
    return "\n".join(lines)


def pages(name: str, escalate_below: float) -> str:
    """Per page: plain score/CER, kept reading, its score/CER, the ink survey."""
    out = ["| page | glyphs | irregular | plain score | plain CER | kept | score | CER |",
           "|---|---:|---:|---:|---:|---|---:|---:|"]
    for p in load(name):
        kept, _, _ = replay(p, escalate_below)
        c = p["candidates"]
        out.append(f"| {p['name']} | {p['ink']['glyphs']} | {p['ink']['irregular']:.2f} | {c['plain']['score']:.2f} | "
                   f"{c['plain']['cer']:.1f} | {kept} | {c[kept]['score']:.2f} | {c[kept]['cer']:.1f} |")
    return "\n".join(out)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="+")
    parser.add_argument("--pages", type=float, default=None, help="also list pages at this escalate_below")
    args = parser.parse_args()
    from samizdat.settings import OcrOptions

    for set_name in args.sets:
        print(summary(set_name, [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]))
        print()
        print(steps(set_name, OcrOptions().escalate_below))
        if args.pages is not None:
            print(pages(set_name, args.pages))
        print()
