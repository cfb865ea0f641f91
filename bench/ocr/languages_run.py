"""Pages in other languages, in items that name none: is each read in its own language.

On `language_set.py`'s 32 degraded pages (Ukrainian, German, French, Hebrew; English and Russian controls) each
system reads every page as an item without archivist languages would be read:
- plain Tesseract with the default languages (`eng+rus`, what such an item gets);
- plain Tesseract told the page's language (what an archivist who filled in the language would get);
- Samizdat with the default languages (`ocr_page`, so OSD's script, the sibling languages and the floor apply).
Per page and per language: CER, the language Samizdat read the page in, its readings and review flag, and the CPU
seconds of each system (this process and the Tesseract runs it waited for; independent of the machine's load).

Run: `python bench/ocr/languages_run.py [--out bench/ocr/languages]` -> languages.md and languages.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import language_set  # noqa: E402
from run import _env  # noqa: E402
from scoring import cer  # noqa: E402

TESS = {"en": "eng", "ru": "rus", "uk": "ukr", "de": "deu", "fr": "fra", "he": "heb"}


def _cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def plain(path: str, langs: str, dpi: int) -> str:
    args = ["tesseract", path, "stdout", "-l", langs, "--dpi", str(dpi)]
    return subprocess.run(args, capture_output=True, env=_env(), check=True).stdout.decode("utf-8", "replace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(HERE / "languages"))
    args = parser.parse_args()
    from PIL import Image

    from samizdat.ocr.page import PageImage, ocr_page
    from samizdat.ocr.quality import load_dictionaries
    from samizdat.settings import OcrOptions

    options = OcrOptions(workers=1)
    default = options.langs
    load_dictionaries("+".join(TESS.values()))  # loaded once per process in the pipeline too, not per page
    truth_file = language_set.CACHE / "truth.json"
    truth = json.loads(truth_file.read_text(encoding="utf-8")) if truth_file.exists() else language_set.build()
    pages: dict[str, dict[str, Any]] = {}
    for name, spec in truth.items():
        path, dpi, lang = str(language_set.CACHE / f"{name}.png"), spec["dpi"], spec["lang"]
        row: dict[str, Any] = {"lang": lang, "half": spec["half"]}
        for system, langs in (("plain default", default), ("plain told", TESS[lang])):
            start = _cpu()
            row[f"cer {system}"] = 100 * cer(spec["text"], plain(path, langs, dpi))
            row[f"cpu {system}"] = _cpu() - start
        start = _cpu()
        with Image.open(path) as image:
            image.load()
            result = ocr_page(PageImage(1, image, dpi), default, options).page
        row["cpu samizdat"] = _cpu() - start
        row.update({"cer samizdat": 100 * cer(spec["text"], result.text), "read as": result.languages,
                    "readings": result.readings, "review": result.review})
        pages[name] = row
        print(name, {k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    Path(args.out + ".json").write_text(json.dumps(pages, ensure_ascii=False, indent=1), encoding="utf-8")
    Path(args.out + ".md").write_text(report(pages, default), encoding="utf-8")
    print(Path(args.out + ".md").read_text(encoding="utf-8"))


def report(pages: dict[str, dict[str, Any]], default: str) -> str:
    by_lang: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(pages.values(), key=lambda r: r["half"]):
        by_lang[f"{row['half']} {row['lang']}"].append(row)
    lines = [
        "# Pages in other languages, in items that name none",
        "",
        f"Written by `bench/ocr/languages_run.py` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}), on "
        f"`language_set.py`'s pages. After the first run (`languages-first.md`) two changes were made on what its "
        "dev half showed: a last reading in another script for a page about to be flagged, and the sibling "
        "languages' dictionary bar (`SIBLING_KNOWN_BELOW`); report the test half. Every system reads the page as "
        "an item without "
        f"archivist languages: plain Tesseract with the default `{default}`, plain Tesseract told the page's "
        "language, Samizdat with the default. CER in % (mean per language); CPU seconds summed.",
        "",
        "| half, language | pages | CER plain default | CER plain told | CER Samizdat | read in its language | "
        "flagged | readings | CPU s plain default | CPU s Samizdat |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for lang, rows in by_lang.items():
        n = len(rows)
        right = sum(TESS[rows[0]["lang"]] in (r["read as"] or "").split("+") for r in rows)
        lines.append(
            f"| {lang} | {n} | {sum(r['cer plain default'] for r in rows) / n:.2f} | "
            f"{sum(r['cer plain told'] for r in rows) / n:.2f} | {sum(r['cer samizdat'] for r in rows) / n:.2f} | "
            f"{right}/{n} | {sum(bool(r['review']) for r in rows)} | {sum(r['readings'] for r in rows)} | "
            f"{sum(r['cpu plain default'] for r in rows):.1f} | {sum(r['cpu samizdat'] for r in rows):.1f} |")
    lines += ["", "| page | half | CER plain default | CER plain told | CER Samizdat | read as | readings | flag |",
              "|---|---|---:|---:|---:|---|---:|---|"]
    for name, r in pages.items():
        lines.append(f"| {name} | {r['half']} | {r['cer plain default']:.1f} | {r['cer plain told']:.1f} | "
                     f"{r['cer samizdat']:.1f} | {r['read as']} | {r['readings']} | {r['review'] or ''} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
