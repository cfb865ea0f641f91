"""What page images cost at packaging time, and how much they add to each bag and its zip.

    .venv/bin/python bench/pipeline/derivatives.py [--out bench/pipeline] [--no-corpus]

Processes the sample inbox (plus a sideways letter) and, where it is there, the scans and PDFs of ../shared/corpus
through the library pipeline (no orchestrator), then, for each published document bag:

- render: `samizdat.derivatives.page_images` on the bag's own searchable.pdf (the median of 3 runs), per page;
- packaging: what `package_item` does with the images besides rendering them (the median of 3), per page:
  writing them, hashing them for the manifest and again to validate, storing them in the zip;
- size: the bag's payload and its zip with and without `data/pages/*.jpg`, the growth per page.

Writes derivatives.md and derivatives.json beside this file (or under --out).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

os.environ["SAMIZDAT_SETTLE_S"] = "0"

from PIL import Image  # noqa: E402

from samizdat.derivatives import page_images  # noqa: E402
from samizdat.pipeline import Pipeline  # noqa: E402
from samizdat.samples import write_sample_inbox  # noqa: E402
from samizdat.settings import Settings  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
CORPUS_FILES = ["images/typewriter.png", "images/phototest.tif", "images/phototest-rotated-R.png",
                "images/eurotext.tif", "images/aleph_russian.png", "images/8087_054.3B.tif",
                "pdf/scanned/c02-22.pdf", "pdf/scanned/skew.pdf", "pdf/scanned/rotated_skew.pdf",
                "pdf/scanned/linn.pdf", "pdf/digital/scotus-transcript-p1.pdf"]
RUNS = 5


def fill_inbox(inbox: Path, corpus: bool) -> None:
    """The samples (no audio), a sideways letter and, if present, the corpus scans and PDFs."""
    write_sample_inbox(inbox)
    (inbox / "interview-en.mp3").unlink()
    with Image.open(inbox / "letter-ru.png") as letter:
        letter.rotate(90, expand=True).save(inbox / "sideways-letter.png")
    if corpus and CORPUS.is_dir():
        for relative in CORPUS_FILES:
            if (CORPUS / relative).is_file():
                shutil.copyfile(CORPUS / relative, inbox / f"corpus-{Path(relative).name}")


def median_time(run: Any) -> float:
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        run()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def zip_size(bag: Path, leave_out: set[str]) -> int:
    """The size of the bag zipped as `package.zip_bag` does, without some payload files."""
    from samizdat.package import _DEFLATED_SUFFIXES

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "bag.zip"
        with zipfile.ZipFile(target, "w", compresslevel=6) as archive:
            for path in sorted(bag.rglob("*")):
                relative = path.relative_to(bag).as_posix()
                if path.is_file() and relative not in leave_out:
                    method = zipfile.ZIP_DEFLATED if path.suffix.lower() in _DEFLATED_SUFFIXES else zipfile.ZIP_STORED
                    archive.write(path, relative, compress_type=method)
        return target.stat().st_size


def added_packaging(derived: dict[str, bytes], work: Path) -> None:
    """What `package_item` does with the page images besides rendering them.

    Write them into the payload, hash them for the manifest (bagit's make_bag) and again to validate, store them
    in the zip.
    """
    shutil.rmtree(work, ignore_errors=True)
    payload = work / "data"
    for relative, content in derived.items():
        target = payload / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    for _ in range(2):
        for relative in derived:
            hashlib.sha256((payload / relative).read_bytes()).hexdigest()
    with zipfile.ZipFile(work / "bag.zip", "w") as archive:
        for relative in derived:
            archive.write(payload / relative, relative, compress_type=zipfile.ZIP_STORED)


def measure_bag(bag: Path, work: Path, extract_s: float) -> dict[str, Any] | None:
    data = bag / "data"
    images = sorted((data / "pages").glob("*.jpg")) if (data / "pages").is_dir() else []
    if not images:
        return None
    metadata = json.loads((data / "metadata.json").read_text(encoding="utf-8"))
    pages = len([p for p in images if not p.name.endswith(".thumb.jpg")])
    original = next((data / "original").iterdir())
    files = {p.relative_to(data).as_posix(): p.read_bytes() for p in data.rglob("*")
             if p.is_file() and not p.is_relative_to(data / "original")}
    derived = {k: v for k, v in files.items() if k.startswith("pages/") and k.endswith(".jpg")}
    without = {k: v for k, v in files.items() if k not in derived}
    render_s = median_time(lambda: page_images(without, original, metadata["source"]["media_type"]))
    packaging_s = median_time(lambda: added_packaging(derived, work))
    payload_bytes = sum(p.stat().st_size for p in data.rglob("*") if p.is_file())
    image_bytes = sum(len(v) for v in derived.values())
    leave_out = {f"data/{k}" for k in derived}
    zip_with, zip_without = zip_size(bag, set()), zip_size(bag, leave_out)
    return {
        "file": metadata["source"]["filename"], "kind": metadata["kind"], "pages": pages,
        "original_bytes": original.stat().st_size,
        "extract_s_per_page": round(extract_s / pages, 3),
        "render_s_per_page": round(render_s / pages, 3),
        "render_share_of_extract_pct": round(100 * render_s / extract_s, 1) if extract_s else None,
        "packaging_s_per_page": round(packaging_s / pages, 4),
        "web_bytes_per_page": round(sum(len(v) for k, v in derived.items() if not k.endswith(".thumb.jpg")) / pages),
        "thumb_bytes_per_page": round(sum(len(v) for k, v in derived.items() if k.endswith(".thumb.jpg")) / pages),
        "bag_growth_pct": round(100 * image_bytes / (payload_bytes - image_bytes), 1),
        "zip_growth_bytes_per_page": round((zip_with - zip_without) / pages),
        "zip_growth_pct": round(100 * (zip_with - zip_without) / zip_without, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--no-corpus", action="store_true", help="only the sample inbox")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="samizdat-bench-pages-"))
    try:
        settings = Settings(inbox=root / "inbox", processed=root / "processed", settle_s=0)
        fill_inbox(settings.inbox, not args.no_corpus)
        pipeline = Pipeline(settings)
        pipeline.prepare()
        outcomes = [pipeline.process_file(f) for f in pipeline.ready_files(wait=False)]
        pipeline.index.close()
        rows = [row for o in outcomes if o.status == "published" and o.item_id
                for row in [measure_bag(settings.items_dir / o.item_id, root / "work",
                                        o.stage_seconds.get("extract", 0.0))] if row]
        skipped = [f"{o.filename}: {o.status} {o.reason or ''}" for o in outcomes if o.status != "published"]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    write_results(args.out, rows, skipped)


def write_results(out: Path, rows: list[dict[str, Any]], skipped: list[str]) -> None:
    pages = sum(r["pages"] for r in rows)

    def weighted(key: str) -> float:
        return sum(r[key] * r["pages"] for r in rows) / pages if pages else 0.0

    summary = {"pages": pages, "extract_s_per_page": round(weighted("extract_s_per_page"), 3),
               "render_s_per_page": round(weighted("render_s_per_page"), 3),
               "packaging_s_per_page": round(weighted("packaging_s_per_page"), 4),
               "render_share_of_extract_pct": round(100 * weighted("render_s_per_page")
                                                    / max(weighted("extract_s_per_page"), 1e-9), 1),
               "web_bytes_per_page": round(weighted("web_bytes_per_page")),
               "thumb_bytes_per_page": round(weighted("thumb_bytes_per_page")),
               "zip_growth_bytes_per_page": round(weighted("zip_growth_bytes_per_page"))}
    (out / "derivatives.json").write_text(json.dumps({"summary": summary, "items": rows, "skipped": skipped},
                                                     indent=2) + "\n", encoding="utf-8")
    lines = ["# Page images: packaging cost and bag growth", "",
             f"Machine: {os.cpu_count()} cores, shared with other work while measured (load average "
             f"{os.getloadavg()[0]:.1f}: the OCR times are inflated and noisy). Web image "
             "1600 px on the long side (JPEG q82), thumbnail 200 px (q75), grey pages stored grey. "
             f"Medians of {RUNS} runs.", "",
             "| file | kind | pages | extract s/page | render s/page | render / extract | packaging s/page "
             "| web KB/page | thumb KB/page | bag growth | zip growth KB/page | zip growth |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        share = "" if r["render_share_of_extract_pct"] is None else f"{r['render_share_of_extract_pct']}%"
        lines.append(f"| {r['file']} | {r['kind']} | {r['pages']} | {r['extract_s_per_page']} | "
                     f"{r['render_s_per_page']} | {share} | "
                     f"{r['packaging_s_per_page']} | {r['web_bytes_per_page'] / 1024:.0f} | "
                     f"{r['thumb_bytes_per_page'] / 1024:.1f} | {r['bag_growth_pct']}% | "
                     f"{r['zip_growth_bytes_per_page'] / 1024:.0f} | {r['zip_growth_pct']}% |")
    lines += ["", f"- Over {pages} pages: rendering **{summary['render_s_per_page']} s/page** (extraction, OCR "
              f"included, took {summary['extract_s_per_page']} s/page: "
              f"{summary['render_share_of_extract_pct']}%), plus "
              f"{summary['packaging_s_per_page']} s/page to write, hash, validate and zip the images; "
              f"**{summary['web_bytes_per_page'] / 1024:.0f} KB + {summary['thumb_bytes_per_page'] / 1024:.1f} KB "
              f"per page** in the bag, {summary['zip_growth_bytes_per_page'] / 1024:.0f} KB per page in the zip.",
              "- Render is pdfium drawing searchable.pdf's page (the OCR image under its invisible text) at the "
              "web size, then two JPEG encodes.",
              "- Bag growth is against the bag's payload without the images (original, searchable.pdf, hOCR, ALTO, "
              "text): small against 300 dpi colour or grey scans, large against small bilevel (G4) TIFFs and "
              "born-digital PDFs, whose pages are a few KB as vectors and ~100-400 KB as JPEG.", ""]
    if skipped:
        lines += ["Not measured:", *[f"- {s}" for s in skipped], ""]
    (out / "derivatives.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
