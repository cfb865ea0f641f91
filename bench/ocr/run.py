"""OCR benchmark (not a timed test): per page and per set, plain Tesseract, Tesseract + Sauvola, OCRmyPDF, Samizdat.

For every page: CER of each system; Samizdat's score, readings tried and review flag. For every set: mean CER,
pages where Samizdat is more than 1 CER point worse than plain Tesseract, pages flagged, and pages/min of
each system measured side by side in the same run (each system in turn over the whole set, one Tesseract
process per core), plus the score's rank correlation with CER from the candidate tables (`candidates.py`).

Sets (`sets.py`): `augraphy-test` (report here; thresholds were set on `augraphy-dev`), `corpus`, `holdout`;
`augraphy-dev` and `synthetic` are tuning sets. Every system gets the same page image (PDF pages rendered once at
300 dpi, TIFF frames split) and the same language (the item's).

OCRmyPDF runs from its own venv: `python3 -m venv bench/ocr/.venv && bench/ocr/.venv/bin/pip install ocrmypdf`
(not committed); without it that column is left out. It gets `--deskew --rotate-pages`, and `--clean` where
unpaper is installed.

Run: `python bench/ocr/run.py [SET ...] [--systems plain sauvola samizdat ocrmypdf]` -> results.md, results.json.
The born-digital PDF benchmark of the first round is `legacy_run.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sets  # noqa: E402
from scoring import cer  # noqa: E402

CORES = len(os.sched_getaffinity(0))
OCRMYPDF = HERE / ".venv" / "bin" / "ocrmypdf"
TIMEOUT = 300
DEFAULT_SETS = ["augraphy-test", "corpus", "holdout"]


def _env() -> dict[str, str]:
    return dict(os.environ, OMP_THREAD_LIMIT="1")


def run_tesseract(pages: list[sets.BenchPage], config: list[str]) -> dict[str, dict[str, Any]]:
    """Tesseract CLI on each page, one process per core."""

    def one(page: sets.BenchPage) -> tuple[str, dict[str, Any]]:
        args = ["tesseract", page.path, "stdout", "-l", page.tess, *config]
        if page.dpi:
            args += ["--dpi", str(page.dpi)]
        try:
            # its own session, as Samizdat starts Tesseract (ocr/tesseract.py): with the kernel's autogroup
            # scheduling a session is a scheduling group, so on a loaded machine both must get the same share
            done = subprocess.run(args, capture_output=True, env=_env(), timeout=TIMEOUT, start_new_session=True)
            return page.name, {"text": done.stdout.decode("utf-8", "replace")}
        except subprocess.TimeoutExpired:
            return page.name, {"text": ""}

    with ThreadPoolExecutor(CORES) as pool:
        return dict(pool.map(one, pages))


def run_ocrmypdf(pages: list[sets.BenchPage], workdir: Path) -> dict[str, dict[str, Any]]:
    """OCRmyPDF per page image, one page per core."""
    clean = ["--clean"] if shutil.which("unpaper") else []

    def one(page: sets.BenchPage) -> tuple[str, dict[str, Any]]:
        stem = workdir / page.name.replace("/", "_").replace("#", "-")
        source = _flat_png(page, stem)
        sidecar = stem.with_suffix(".txt")
        args = [str(OCRMYPDF), "--deskew", *clean, "--rotate-pages", "-l", page.tess, "--jobs", "1",
                "--output-type", "pdf", "--optimize", "0", "--sidecar", str(sidecar), "--quiet",
                "--image-dpi", str(page.dpi or 300), source, str(stem.with_suffix(".pdf"))]
        try:
            done = subprocess.run(args, capture_output=True, env=_env(), timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            return page.name, {"text": ""}
        if done.returncode != 0:
            print(f"ocrmypdf failed on {page.name}: {done.stderr.decode()[-300:]}", file=sys.stderr)
            return page.name, {"text": ""}
        return page.name, {"text": sidecar.read_text(encoding="utf-8")}

    with ThreadPoolExecutor(CORES) as pool:
        return dict(pool.map(one, pages))


def _flat_png(page: sets.BenchPage, stem: Path) -> str:
    """OCRmyPDF refuses alpha channels and multi-frame files: a flat single-page copy (a courtesy, not timed apart)."""
    from PIL import Image

    with Image.open(page.path) as image:
        if page.frame == 0 and image.mode in ("1", "L", "RGB") and getattr(image, "n_frames", 1) == 1:
            return page.path
    image = sets.open_page(page)
    if image.mode not in ("1", "L", "RGB"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, (255, 255, 255))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    out = stem.with_suffix(".png")
    image.save(out, dpi=(page.dpi or 300, page.dpi or 300))
    return str(out)


def run_samizdat(pages: list[sets.BenchPage]) -> dict[str, dict[str, Any]]:
    """Samizdat's page reader (`ocr_page_safely`) through its shared page pool, one slot per core."""
    from samizdat.ocr.page import PageImage, ocr_page_safely
    from samizdat.ocr.pool import map_pages
    from samizdat.settings import OcrOptions

    options = OcrOptions(workers=CORES)

    def one(page: sets.BenchPage) -> dict[str, Any]:
        started = time.perf_counter()
        result = ocr_page_safely(PageImage(1, sets.open_page(page), page.dpi), page.tess, options).page
        return {"text": result.text, "score": result.score, "review": result.review, "readings": result.readings,
                "languages": result.languages, "notes": result.notes, "seconds": time.perf_counter() - started}

    return {page.name: out for page, out in zip(pages, map_pages(one, pages, workers=CORES), strict=True)}


def cpu_seconds() -> float:
    """CPU time of this process (all its threads) and of every child it has waited for (the Tesseract runs).

    Unlike wall time it does not depend on what else runs on the machine: with every core busy, pages/min is
    pages / (CPU seconds / cores), so the ratio of two systems' CPU seconds is their throughput ratio.
    """
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def warm_up(pages: list[sets.BenchPage]) -> None:
    """Load the Hunspell dictionaries of the set's languages, as a long-running worker has them loaded."""
    from samizdat.ocr.quality import dictionary

    for lang in sorted({p.tess for p in pages}):
        dictionary(lang)


def run_set(name: str, systems: list[str]) -> dict[str, Any]:
    """Every system over one set, in turn; texts, CER per page, wall and CPU seconds per system."""
    pages = sets.load(name)
    result: dict[str, Any] = {"pages": {p.name: {"lang": p.lang} for p in pages}, "seconds": {}, "cpu_seconds": {}}
    if "samizdat" in systems:
        warm_up(pages)
    with tempfile.TemporaryDirectory(prefix="samizdat-bench-") as tmp:
        for system in systems:
            started, cpu = time.perf_counter(), cpu_seconds()
            if system == "plain":
                out = run_tesseract(pages, [])
            elif system == "sauvola":
                out = run_tesseract(pages, ["-c", "thresholding_method=2"])
            elif system == "ocrmypdf":
                out = run_ocrmypdf(pages, Path(tmp))
            else:
                out = run_samizdat(pages)
            result["seconds"][system] = time.perf_counter() - started
            result["cpu_seconds"][system] = cpu_seconds() - cpu
            for page in pages:
                row = out[page.name]
                entry = result["pages"][page.name]
                entry[f"cer_{system}"] = round(100 * cer(page.truth, row["text"]), 2)
                if system == "samizdat":
                    entry.update({k: row[k] for k in ("score", "review", "readings", "languages", "seconds")})
                    entry["kept"] = next((n[6:].split(" (")[0] for n in row["notes"] if n.startswith("kept: ")),
                                         "plain")
            print(f"{name}: {system} {result['seconds'][system]:.1f} s", file=sys.stderr)
    return result


def summarise(name: str, result: dict[str, Any], systems: list[str]) -> dict[str, Any]:
    """Per-set figures."""
    rows = list(result["pages"].values())
    count = len(rows)
    summary: dict[str, Any] = {"pages": count}
    for system in systems:
        summary[f"mean_cer_{system}"] = statistics.fmean(r[f"cer_{system}"] for r in rows)
        summary[f"pages_per_min_{system}"] = count / result["seconds"][system] * 60
        if "cpu_seconds" in result:
            summary[f"cpu_seconds_{system}"] = result["cpu_seconds"][system]
    if "samizdat" in systems:
        summary["worse_than_plain"] = [n for n, r in result["pages"].items()
                                       if "cer_plain" in r and r["cer_samizdat"] > r["cer_plain"] + 1]
        summary["flagged"] = {n: r["review"] for n, r in result["pages"].items() if r["review"]}
        escalated = [r for r in rows if r["readings"] > 1]
        summary["escalated_pages"] = len(escalated)
        summary["page_seconds_clean"] = sum(r["seconds"] for r in rows if r["readings"] <= 1)
        summary["page_seconds_escalated"] = sum(r["seconds"] for r in escalated)
    try:
        import analyse

        table = analyse.load(name)
        rhos = [r for r in (analyse.spearman(p) for p in table) if r is not None]
        summary["spearman_mean"] = statistics.fmean(rhos) if rhos else None
        summary["spearman_pages"] = f"{sum(r > 0 for r in rhos)}/{len(rhos)} positive"
    except (OSError, ValueError):
        summary["spearman_mean"] = None
    return summary


def report(results: dict[str, dict[str, Any]], systems: list[str]) -> str:
    """results.md."""
    from samizdat.ocr.tesseract import tesseract_version

    lines = ["# OCR benchmark", "",
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {CORES} cores shared with other work while "
             f"measured (so absolute speeds are low; compare systems within a set: they ran in turn in the same "
             f"run), Tesseract {tesseract_version()}, one Tesseract process per core for every system. CER in % "
             "after normalising whitespace, quotes and dashes. Same page image and language for every system.", ""]
    lines += ["## Per set", "",
              "| set | pages | " + " | ".join(f"CER {s}" for s in systems) + " | Samizdat >1 pt worse than plain | "
              "flagged | escalated | " + " | ".join(f"pages/min {s}" for s in systems) + " | score~CER Spearman |",
              "|---|---:|" + "---:|" * (2 * len(systems) + 4)]
    for name, res in results.items():
        s = res["summary"]
        rho = "—" if s.get("spearman_mean") is None else f"{s['spearman_mean']:.2f} ({s['spearman_pages']})"
        lines.append(f"| {name} | {s['pages']} | " + " | ".join(f"{s[f'mean_cer_{x}']:.2f}" for x in systems)
                     + f" | {len(s.get('worse_than_plain', []))} | {len(s.get('flagged', {}))} | "
                     f"{s.get('escalated_pages', '—')} | "
                     + " | ".join(f"{s[f'pages_per_min_{x}']:.1f}" for x in systems) + f" | {rho} |")
    if all("cpu_seconds_plain" in r["summary"] for r in results.values()):
        lines += ["", "Throughput by CPU seconds (this process and the Tesseract runs it waited for; independent of "
                  "the machine's load): the ratio to plain Tesseract is the pages/min ratio on a dedicated machine "
                  "with every core busy.", "",
                  "| set | " + " | ".join(f"CPU s {x}" for x in systems) + " | "
                  + " | ".join(f"ratio {x} / plain" for x in systems if x != "plain") + " |",
                  "|---|" + "---:|" * (2 * len(systems) - 1)]
        for name, res in results.items():
            s = res["summary"]
            lines.append(f"| {name} | " + " | ".join(f"{s[f'cpu_seconds_{x}']:.1f}" for x in systems) + " | "
                         + " | ".join(f"{s['cpu_seconds_plain'] / s[f'cpu_seconds_{x}']:.2f}"
                                      for x in systems if x != "plain") + " |")
    lines += ["", "Samizdat's page time on clean pages (one read) vs escalated pages, summed per set:", ""]
    for name, res in results.items():
        s = res["summary"]
        if "page_seconds_clean" in s:
            lines.append(f"- {name}: {s['pages'] - s['escalated_pages']} one-read pages "
                         f"{s['page_seconds_clean']:.0f} s, {s['escalated_pages']} escalated pages "
                         f"{s['page_seconds_escalated']:.0f} s")
    for name, res in results.items():
        lines += ["", f"## {name}", "",
                  "| page | lang | " + " | ".join(systems) + " | kept | score | readings | flag |",
                  "|---|---|" + "---:|" * len(systems) + "---|---:|---:|---|"]
        for page, r in res["pages"].items():
            cells = " | ".join(f"{r[f'cer_{x}']:.1f}" for x in systems)
            extra = (f"{r.get('kept', '')} | {r['score']:.2f} | {r['readings']} | {r['review'] or ''}"
                     if "score" in r and r["score"] is not None else " | | | ")
            lines.append(f"| {page} | {r['lang']} | {cells} | {extra} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the sets, write results.md and results.json beside this file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", default=DEFAULT_SETS)
    parser.add_argument("--systems", nargs="+", default=["plain", "sauvola", "samizdat", "ocrmypdf"])
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args()
    systems = [s for s in args.systems if s != "ocrmypdf" or OCRMYPDF.exists()]
    os.environ["OMP_THREAD_LIMIT"] = "1"
    os.environ.setdefault("SAMIZDAT_OCR_SLOTS", tempfile.mkdtemp(prefix="bench-ocr-slots-"))  # see throughput.py
    results = {}
    for name in args.sets:
        res = run_set(name, systems)
        res["summary"] = summarise(name, res, systems)
        results[name] = res
    Path(args.out + ".json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    Path(args.out + ".md").write_text(report(results, systems), encoding="utf-8")
    print(Path(args.out + ".md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
