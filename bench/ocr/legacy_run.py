"""First-round OCR benchmark (superseded for OCR by run.py; kept for its born-digital PDF timing).

Its degraded set comes from `tests.support.pages`, the generator the first pipeline was tuned on: it measures
that tuning, not the reader (issue 11). Run: `.venv/bin/python bench/ocr/legacy_run.py --results DIR` (its
results.md and results.json; the default, this folder, would overwrite run.py's).
OCRmyPDF runs from its own venv, made once with
`python3 -m venv bench/ocr/.venv && bench/ocr/.venv/bin/pip install ocrmypdf` (not committed); without
it that column is left out. Material: ../shared/corpus images and scanned PDFs (read in place) and a
degraded set generated here (tests.support.pages: faint carbon copies, grain, shading, blur, skew,
200-300 dpi), English and Russian. Every system gets the same language per file (the item's metadata).
Born-digital PDFs: plain single-process pdfplumber vs Samizdat's PDF kind, pages/s.
Timings come from a shared 2-core machine: each system runs once, in turn, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
OCRMYPDF = HERE / ".venv" / "bin" / "ocrmypdf"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))  # tests.support holds the page maker

from scoring import cer  # noqa: E402

CORES = len(os.sched_getaffinity(0))
PAGE_TIMEOUT = 300

CORPUS_IMAGES = {
    "phototest.tif": "en",
    "phototest-rotated-R.png": "en",
    "eurotext.tif": "en",
    "8087_054.3B.tif": "en",
    "8071_093.3B.tif": "en",
    "typewriter.png": "en",
    "aleph_russian.png": "ru",
}
CORPUS_PDFS = {"linn": "en", "skew": "en", "rotated_skew": "en", "cardinal": "en", "c02-22": "en", "epson": "en",
               "2400dpi": "en", "francais": "fr"}
DIGITAL_PDFS = ["scotus-transcript-p1.pdf", "pdffill-demo.pdf", "issue-987-test.pdf"]
TESS = {"en": "eng", "ru": "rus", "fr": "fra"}


@dataclass
class Item:
    """One file of the benchmark, with its truth and the language its metadata would give."""

    name: str
    path: str
    truth: str
    lang: str
    group: str  # corpus-image | corpus-pdf | degraded
    pages: int


def corpus_items() -> list[Item]:
    """The corpus images and scanned PDFs, read in place."""
    items = []
    for name, lang in CORPUS_IMAGES.items():
        path = CORPUS / "images" / name
        truth = (path.parent / (name.rsplit(".", 1)[0] + ".truth.txt")).read_text(encoding="utf-8")
        items.append(Item(name, str(path), truth, lang, "corpus-image", 1))
    for stem, lang in CORPUS_PDFS.items():
        path = CORPUS / "pdf" / "scanned" / f"{stem}.pdf"
        truth = (path.parent / f"{stem}.truth.txt").read_text(encoding="utf-8")
        items.append(Item(path.name, str(path), truth, lang, "corpus-pdf", truth.count("\f") + 1))
    return items


def degraded_items(workdir: Path) -> list[Item]:
    """English and Russian typescript letters, each worn six ways (written as PNG with their dpi)."""
    from tests.support.pages import DEGRADED_SET, LETTER_EN, LETTER_RU, degrade, typescript_page

    items = []
    for lang, lines in (("en", LETTER_EN), ("ru", LETTER_RU)):
        clean = typescript_page(lines)
        for seed, how in enumerate(DEGRADED_SET):
            path = workdir / f"{lang}-{how.name}.png"
            degrade(clean, how, seed=seed).save(path, dpi=(how.dpi, how.dpi))
            items.append(Item(path.name, str(path), "\n".join(lines), lang, "degraded", 1))
    return items


# --- the systems, each run in its own process by `--worker` ---------------------------------------------


def _env() -> dict[str, str]:
    return dict(os.environ, OMP_THREAD_LIMIT="1")


def run_raw(items: list[Item], workdir: Path) -> dict[str, str]:
    """Tesseract CLI, one page per core.

    PDF pages are rasterised first, in grey at 300 dpi with the same renderer as Samizdat (PDFium), so the
    comparison is about what the pipeline adds, not the rasteriser.
    """
    import pypdfium2 as pdfium

    from samizdat.ocr.pdf_survey import render_scale

    jobs: list[tuple[str, int, str, str]] = []  # item, page, image, lang
    for item in items:
        if item.path.endswith(".pdf"):
            doc = pdfium.PdfDocument(item.path)
            for index in range(len(doc)):
                png = workdir / f"raw-{item.name}-{index}.png"
                bitmap = doc[index].render(scale=render_scale(300), grayscale=True)  # exact pixel grid
                bitmap.to_pil().save(png, dpi=(300, 300))
                jobs.append((item.name, index, str(png), item.lang))
            doc.close()
        else:
            jobs.append((item.name, 0, item.path, item.lang))

    def one(job: tuple[str, int, str, str]) -> tuple[str, int, str]:
        name, index, image, lang = job
        try:
            done = subprocess.run(["tesseract", image, "stdout", "-l", TESS[lang]], capture_output=True,
                                  env=_env(), timeout=PAGE_TIMEOUT)
            return name, index, done.stdout.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            return name, index, ""

    with ThreadPoolExecutor(CORES) as pool:
        results = list(pool.map(one, jobs))
    texts: dict[str, list[tuple[int, str]]] = {}
    for name, index, text in results:
        texts.setdefault(name, []).append((index, text))
    return {name: "\f".join(t for _, t in sorted(parts)) for name, parts in texts.items()}


def run_ocrmypdf(items: list[Item], workdir: Path) -> dict[str, str]:
    """OCRmyPDF per file (--deskew, --clean when unpaper exists, --rotate-pages), two files at a time."""
    clean = ["--clean"] if shutil.which("unpaper") else []

    def one(item: Item) -> tuple[str, str]:
        sidecar = workdir / f"omp-{item.name}.txt"
        args = [str(OCRMYPDF), "--deskew", *clean, "--rotate-pages", "-l", TESS[item.lang], "--jobs", "1",
                "--output-type", "pdf", "--optimize", "0", "--sidecar", str(sidecar), "--quiet"]
        source = item.path
        if not item.path.endswith(".pdf"):
            args += ["--image-dpi", "300"]
            source = _without_alpha(item.path, workdir)
        args += [source, str(workdir / f"omp-{item.name}.pdf")]
        done = subprocess.run(args, capture_output=True, env=_env(), timeout=PAGE_TIMEOUT * item.pages)
        if done.returncode != 0:
            print(f"ocrmypdf failed on {item.name}: {done.stderr.decode()[-400:]}", file=sys.stderr)
            return item.name, ""
        return item.name, sidecar.read_text(encoding="utf-8")

    with ThreadPoolExecutor(CORES) as pool:
        return dict(pool.map(one, items))


def _without_alpha(path: str, workdir: Path) -> str:
    """OCRmyPDF refuses images with an alpha channel: give it a flattened copy (a courtesy, not timed apart)."""
    from PIL import Image

    with Image.open(path) as image:
        if "A" not in image.getbands() and not (image.mode == "P" and "transparency" in image.info):
            return path
        flat = Image.new("RGB", image.size, (255, 255, 255))
        rgba = image.convert("RGBA")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        out = workdir / f"flat-{Path(path).stem}.png"
        flat.save(out, dpi=image.info.get("dpi", (300, 300)))
        return str(out)


def run_samizdat(items: list[Item], workdir: Path) -> dict[str, str]:
    """Samizdat's image and PDF kinds, all items at once: their pages share the one page pool."""
    from samizdat.kinds.base import ExtractRequest
    from samizdat.kinds.image import IMAGE
    from samizdat.kinds.pdf import PDF
    from samizdat.settings import Settings

    settings = Settings()

    def one(item: Item) -> tuple[str, str]:
        kind = PDF if item.path.endswith(".pdf") else IMAGE
        media = "application/pdf" if kind is PDF else "image/png"
        extraction = kind.extract(ExtractRequest(Path(item.path), media, settings, languages=[item.lang]))
        return item.name, extraction.text

    with ThreadPoolExecutor(len(items)) as pool:
        return dict(pool.map(one, items))


def digital_files(workdir: Path) -> list[Path]:
    """The corpus's born-digital PDFs plus a generated 60-page report (long documents are the common case)."""
    from tests.support.pages import LETTER_EN, PdfPageSpec, make_pdf, text_lines

    long_pdf = workdir / "report-60-pages.pdf"
    body = (LETTER_EN * 3)[:48]
    long_pdf.write_bytes(make_pdf([PdfPageSpec(texts=text_lines(body, size=10)) for _ in range(60)]))
    return [CORPUS / "pdf" / "digital" / name for name in DIGITAL_PDFS] + [long_pdf]


def run_plain_pdfplumber(files: list[Path], repeat: int) -> dict[str, Any]:
    """Single-process pdfplumber `extract_text()` per page: the baseline."""
    import pdfplumber

    per_file = {}
    for path in files:
        start = time.perf_counter()
        for _ in range(repeat):
            with pdfplumber.open(path) as pdf:
                pages = len(pdf.pages)
                for page in pdf.pages:
                    page.extract_text()
        per_file[path.name] = {"pages": pages, "seconds": (time.perf_counter() - start) / repeat}
    return per_file


def run_samizdat_digital(files: list[Path], repeat: int) -> dict[str, Any]:
    """Samizdat's PDF kind on the same files, one after another, as the pipeline feeds them."""
    from samizdat.kinds.base import ExtractRequest
    from samizdat.kinds.pdf import PDF
    from samizdat.settings import Settings

    settings = Settings()
    per_file = {}
    for path in files:
        PDF.extract(ExtractRequest(path, "application/pdf", settings))  # warm: worker processes start once
        start = time.perf_counter()
        for _ in range(repeat):
            extraction = PDF.extract(ExtractRequest(path, "application/pdf", settings))
        per_file[path.name] = {
            "pages": len(extraction.pages),
            "seconds": (time.perf_counter() - start) / repeat,
            "methods": sorted({p.method for p in extraction.pages}),
        }
    return per_file


# --- the parent: one process per system, memory sampled over its whole process tree ---------------------


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(stat[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo += children.get(current, [])
    return total


def run_worker(system: str, manifest: Path, out: Path) -> dict[str, Any]:
    """Run one system in a child process; return its texts, wall time and peak memory."""
    proc = subprocess.Popen([sys.executable, __file__, "--worker", system, "--manifest", str(manifest),
                             "--out", str(out)])
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{system} failed")
    result: dict[str, Any] = json.loads(out.read_text())
    result["peak_mb"] = peak / 2**20
    return result


def worker_main(system: str, manifest: Path, out: Path) -> None:
    """Child process: run the system over the manifest, write texts and wall time."""
    spec = json.loads(manifest.read_text())
    workdir = Path(spec["workdir"])
    start = time.perf_counter()
    if system in ("raw", "ocrmypdf", "samizdat"):
        items = [Item(**i) for i in spec["items"]]
        runner = {"raw": run_raw, "ocrmypdf": run_ocrmypdf, "samizdat": run_samizdat}[system]
        result: dict[str, Any] = {"texts": {}, "group_seconds": {}}
        for group, members in _groups(items).items():
            started = time.perf_counter()
            result["texts"].update(runner(members, workdir))
            result["group_seconds"][group] = time.perf_counter() - started
    else:
        files = [Path(p) for p in spec["digital"]]
        runner2 = {"pdfplumber": run_plain_pdfplumber, "samizdat-digital": run_samizdat_digital}[system]
        result = {"files": runner2(files, spec["repeat"])}
    result["seconds"] = time.perf_counter() - start
    out.write_text(json.dumps(result))


def _groups(items: list[Item]) -> dict[str, list[Item]]:
    """Timed apart: the corpus scans (clean-ish) and the degraded set (where raw Tesseract struggles)."""
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault("degraded" if item.group == "degraded" else "corpus", []).append(item)
    return groups


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def report(items: list[Item], ocr: dict[str, dict[str, Any]], digital: dict[str, dict[str, Any]]) -> tuple[str, dict]:
    """The Markdown table and the JSON document."""
    systems = list(ocr)
    rows = []
    for item in items:
        row: dict[str, Any] = {"file": item.name, "group": item.group, "lang": item.lang, "pages": item.pages}
        for system in systems:
            text = ocr[system]["texts"].get(item.name)
            row[f"cer_{system}"] = None if text is None else cer(item.truth, text)
        rows.append(row)
    pages = sum(i.pages for i in items)
    summary = {}
    for system in systems:
        group_cer = {}
        for group in ("corpus-image", "corpus-pdf", "degraded"):
            values = [r[f"cer_{system}"] for r in rows if r["group"] == group and r[f"cer_{system}"] is not None]
            group_cer[group] = sum(values) / len(values) if values else None
        throughput = {}
        for group, members in _groups(items).items():
            seconds = ocr[system]["group_seconds"][group]
            throughput[group] = {"pages": sum(i.pages for i in members), "seconds": seconds,
                                 "pages_per_min": sum(i.pages for i in members) / seconds * 60}
        summary[system] = {
            "pages": pages,
            "seconds": ocr[system]["seconds"],
            "pages_per_min": pages / ocr[system]["seconds"] * 60,
            "throughput": throughput,
            "peak_mb": ocr[system]["peak_mb"],
            "mean_cer": group_cer,
        }
    dig = {}
    for system, result in digital.items():
        files = result["files"]
        total_pages = sum(f["pages"] for f in files.values())
        total_seconds = sum(f["seconds"] for f in files.values())
        dig[system] = {"files": files, "pages_per_s": total_pages / total_seconds, "peak_mb": result["peak_mb"]}

    lines = ["# OCR benchmark", "",
             f"Machine: {CORES} cores (shared with other work while measured), Tesseract "
             f"{_tesseract_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
             "Each system ran once, in turn, in the same run. CER after normalising whitespace, quotes and "
             "dashes; `~` in UNLV truth is a wildcard. Same language per file for every system.", "",
             "## CER per file", "",
             "| file | group | lang | pages | " + " | ".join(systems) + " |",
             "|---|---|---|---:|" + "---:|" * len(systems)]
    for row in rows:
        cells = [_fmt(row[f"cer_{s}"] * 100 if row[f"cer_{s}"] is not None else None, 1) for s in systems]
        lines.append(f"| {row['file']} | {row['group']} | {row['lang']} | {row['pages']} | " + " | ".join(cells) + " |")
    lines += ["", "CER in %.", "", "## Summary", "",
              "| system | mean CER corpus images | mean CER corpus PDFs | mean CER degraded | corpus pages/min | "
              "degraded pages/min | all pages | all seconds | peak memory MB |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for system, s in summary.items():
        c = s["mean_cer"]
        t = s["throughput"]
        cells = [_fmt(None if c[g] is None else c[g] * 100, 1) for g in ("corpus-image", "corpus-pdf", "degraded")]
        speed = [_fmt(t[g]["pages_per_min"], 1) if g in t else "—" for g in ("corpus", "degraded")]
        lines.append(f"| {system} | " + " | ".join(cells + speed) + f" | {s['pages']} | {s['seconds']:.1f} | "
                     f"{s['peak_mb']:.0f} |")
    if dig:
        lines += ["", "## Born-digital PDFs (text layer, no OCR)", "",
                  "| system | " + " | ".join(f"{n} s/doc" for n in next(iter(dig.values()))["files"]) +
                  " | pages/s overall | peak memory MB |",
                  "|---|" + "---:|" * (len(next(iter(dig.values()))["files"]) + 2)]
        for system, d in dig.items():
            cells = " | ".join(f"{f['seconds']:.3f}" for f in d["files"].values())
            lines.append(f"| {system} | {cells} | {d['pages_per_s']:.1f} | {d['peak_mb']:.0f} |")
    document = {"rows": rows, "summary": summary, "digital": dig, "cores": CORES}
    return "\n".join(lines) + "\n", document


def _tesseract_version() -> str:
    out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout
    return out.split()[1] if out else "?"


def main() -> None:
    """Parse arguments; as the parent, run every system and write results.md and results.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker")
    parser.add_argument("--manifest", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--systems", default="raw,ocrmypdf,samizdat")
    parser.add_argument("--only", help="comma-separated file names, for a quick look")
    parser.add_argument("--repeat", type=int, default=5, help="born-digital repetitions")
    parser.add_argument("--results", type=Path, default=HERE)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.worker, args.manifest, args.out)
        return
    if not CORPUS.exists():
        raise SystemExit(f"{CORPUS} is absent: the benchmark reads ../shared/corpus in place")
    with tempfile.TemporaryDirectory(prefix="samizdat-bench-ocr-") as tmp:
        workdir = Path(tmp)
        items = corpus_items() + degraded_items(workdir)
        if args.only:
            items = [i for i in items if i.name in args.only.split(",")]
        digital = [str(p) for p in digital_files(workdir)]
        manifest = workdir / "manifest.json"
        manifest.write_text(json.dumps({"workdir": tmp, "items": [asdict(i) for i in items], "digital": digital,
                                        "repeat": args.repeat}))
        systems = [s for s in args.systems.split(",") if s]
        if "ocrmypdf" in systems and not OCRMYPDF.exists():
            print("OCRmyPDF venv absent (bench/ocr/.venv): its column is left out", file=sys.stderr)
            systems.remove("ocrmypdf")
        ocr = {}
        for system in systems:
            print(f"running {system} ...", file=sys.stderr, flush=True)
            ocr[system] = run_worker(system, manifest, workdir / f"{system}.json")
        dig = {}
        for system in ("pdfplumber", "samizdat-digital"):
            print(f"running {system} ...", file=sys.stderr, flush=True)
            dig[system] = run_worker(system, manifest, workdir / f"{system}.json")
        markdown, document = report(items, ocr, dig)
    (args.results / "results.md").write_text(markdown, encoding="utf-8")
    (args.results / "results.json").write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    print(markdown)


if __name__ == "__main__":
    main()
