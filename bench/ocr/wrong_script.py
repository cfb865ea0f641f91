"""How confident Tesseract is when it reads a page in the wrong script (Cyrillic as English, Hebrew as eng+rus).

    .venv/bin/python bench/ocr/wrong_script.py [--out bench/ocr/wrong-script]

The pages: the Russian pages of the augraphy halves, the corpus and holdout-v1, and the Russian, Ukrainian and Hebrew
pages of the language set (`language_set.py`). Reported per page: the plain read's confidence, `known` and coverage
(samizdat.ocr.quality), and whether `page._language_not_image` would take it for confident text in a language the
dictionaries lack (the pages it spares OSD and binarisation). Writes OUT.md and OUT.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import language_set  # noqa: E402
import sets  # noqa: E402

WRONG = {"ru": "eng", "uk": "eng", "he": "eng+rus", "yi": "eng+rus"}


def pages() -> list[sets.BenchPage]:
    found = [p for name in ("augraphy-dev", "augraphy-test", "corpus", "holdout") for p in sets.load(name)
             if p.lang in WRONG]
    truth = json.loads((language_set.CACHE / "truth.json").read_text(encoding="utf-8"))
    for name, spec in sorted(truth.items()):
        lang = spec.get("lang") or name.split("-")[0]
        if lang in WRONG:
            found.append(sets.BenchPage("languages", name, str(language_set.CACHE / f"{name}.png"), 0, spec.get("dpi"),
                                        spec["text"], lang))
    return found


def main() -> None:
    from samizdat.ocr import preprocess
    from samizdat.ocr.page import PageImage, _language_not_image, _Reader
    from samizdat.ocr.quality import survey_ink
    from samizdat.settings import OcrOptions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "wrong-script"))
    args = parser.parse_args()
    options = OcrOptions(workers=1)
    rows = []
    for page in pages():
        image = preprocess.to_working_mode(sets.open_page(page))
        reader = _Reader(PageImage(1, image, page.dpi), options, survey_ink(image, page.dpi), False)
        plain = reader.read("plain", image, WRONG[page.lang], geometry_kept=True, steps=[], first=True)
        assert plain is not None
        q = plain.quality
        rows.append({"set": page.set, "page": page.name, "lang": page.lang, "read_as": WRONG[page.lang],
                     "confidence": round(q.confidence, 2), "known": None if q.known is None else round(q.known, 2),
                     "coverage": round(q.coverage, 2), "language_not_image": _language_not_image(plain)})
        print(rows[-1], file=sys.stderr, flush=True)
    out = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "rows": rows}
    Path(args.out).with_suffix(".json").write_text(json.dumps(out, indent=1), encoding="utf-8")
    top = max(r["confidence"] for r in rows)
    taken = sum(r["language_not_image"] for r in rows)
    lines = ["# Plain reads in the wrong script (bench/ocr/wrong_script.py)", "", f"{out['when']}.", "",
             f"{len(rows)} pages; the highest confidence of a wrong-script read: **{top:.2f}**; taken for confident "
             f"text in an unknown language: **{taken}**.", "",
             "| set | page | language | read as | confidence | known | coverage | language, not image |",
             "|---|---|---|---|---:|---:|---:|---|"]
    lines += [f"| {r['set']} | {r['page']} | {r['lang']} | {r['read_as']} | {r['confidence']} | {r['known']} | "
              f"{r['coverage']} | {'yes' if r['language_not_image'] else ''} |" for r in rows]
    Path(args.out).with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:6]))


if __name__ == "__main__":
    main()
