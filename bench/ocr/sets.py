"""The labelled page sets of the OCR benchmark, one page at a time, each with its truth and language.

- `augraphy-dev`, `augraphy-test`: `augraphy_set.py` (thresholds are set on dev; results reported on test);
- `corpus`: ../shared/corpus images and scanned PDFs (PDF pages rendered once at 300 dpi in grey, as Samizdat
  renders them, and cached);
- `holdout`: ../shared/corpus/holdout-v1 documents (regression material: nothing is tuned on it alone);
- `synthetic`: the self-generated set of `tests.support.pages` (a labelled tuning set, not an evaluation).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[1].parent / "shared" / "corpus"
HOLDOUT = CORPUS / "holdout-v1"
sys.path.insert(0, str(HERE.parents[1]))  # the repository root: tests.support holds the page maker

import augraphy_set  # noqa: E402

CACHE = augraphy_set.CACHE.parent
TESS = {"en": "eng", "ru": "rus", "fr": "fra"}

CORPUS_IMAGES = {
    "phototest.tif": "en", "phototest-rotated-R.png": "en", "eurotext.tif": "en", "8087_054.3B.tif": "en",
    "8071_093.3B.tif": "en", "typewriter.png": "en", "aleph_russian.png": "ru",
}
CORPUS_PDFS = {"linn": "en", "skew": "en", "rotated_skew": "en", "cardinal": "en", "c02-22": "en", "epson": "en",
               "2400dpi": "en", "francais": "fr"}
HOLDOUT_DOCS = ["ho_letter_en.tiff", "ho_letter_ru.png", "ho_samizdat_scan.pdf", "ho_mixed.pdf",
                "Письмо № 5 (копия).png"]


@dataclass
class BenchPage:
    """One page: where its pixels are (a PNG/TIFF path and frame), its truth and language."""

    set: str
    name: str  # file[#page]
    path: str
    frame: int
    dpi: int | None
    truth: str
    lang: str  # ISO 639-1

    @property
    def tess(self) -> str:
        return TESS[self.lang]


def _render_pdf(path: Path) -> list[tuple[str, int]]:
    """Each page rendered at 300 dpi in grey like Samizdat does (pypdfium2), cached as PNG."""
    import pypdfium2 as pdfium

    from samizdat.ocr.pdf_survey import render_scale

    out = []
    doc = pdfium.PdfDocument(str(path))
    for index in range(len(doc)):
        png = CACHE / "rendered" / f"{path.stem}-{index + 1}.png"
        if not png.exists():
            png.parent.mkdir(parents=True, exist_ok=True)
            doc[index].render(scale=render_scale(300), grayscale=True).to_pil().save(png, dpi=(300, 300))
        out.append((str(png), 300))
    doc.close()
    return out


def _image_frames(path: Path) -> list[tuple[int, int | None]]:
    from PIL import Image

    from samizdat.kinds.image import _dpi

    with Image.open(path) as image:
        frames = getattr(image, "n_frames", 1)
        result = []
        for i in range(frames):
            image.seek(i)
            result.append((i, _dpi(image)))
    return result


def _document(set_name: str, path: Path, truth: str, lang: str) -> list[BenchPage]:
    texts = truth.split("\f")
    pages = []
    if path.suffix.lower() == ".pdf":
        for i, (png, dpi) in enumerate(_render_pdf(path)):
            pages.append(BenchPage(set_name, f"{path.name}#{i + 1}", png, 0, dpi, texts[i] if i < len(texts) else "",
                                   lang))
    else:
        frames = _image_frames(path)
        for i, dpi in frames:
            where, frame = str(path), i
            if len(frames) > 1:  # one file per page, so every system gets the same single page
                where, frame = _frame_png(path, i, dpi), 0
            pages.append(BenchPage(set_name, f"{path.name}#{i + 1}", where, frame, dpi,
                                   texts[i] if i < len(texts) else "", lang))
    return pages


def _frame_png(path: Path, index: int, dpi: int | None) -> str:
    from PIL import Image

    png = CACHE / "frames" / f"{path.stem}-{index + 1}.png"
    if not png.exists():
        png.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(path) as image:
            image.seek(index)
            image.load()
            image.save(png, **({"dpi": (dpi, dpi)} if dpi else {}))
    return str(png)


def augraphy(half: str) -> list[BenchPage]:
    """The augraphy half `dev` or `test` (generated on first use)."""
    truth_file = augraphy_set.CACHE / "truth.json"
    truth = json.loads(truth_file.read_text(encoding="utf-8")) if truth_file.exists() else augraphy_set.build()
    return [BenchPage(f"augraphy-{half}", name, str(augraphy_set.CACHE / half / f"{name}.png"), 0, spec["dpi"],
                      spec["text"], spec["lang"])
            for name, spec in sorted(truth.items()) if spec["half"] == half]


def corpus() -> list[BenchPage]:
    """The shared corpus's images and scanned PDFs."""
    pages = []
    for name, lang in CORPUS_IMAGES.items():
        path = CORPUS / "images" / name
        truth = (path.parent / (name.rsplit(".", 1)[0] + ".truth.txt")).read_text(encoding="utf-8")
        pages += _document("corpus", path, truth, lang)
    for stem, lang in CORPUS_PDFS.items():
        path = CORPUS / "pdf" / "scanned" / f"{stem}.pdf"
        pages += _document("corpus", path, (path.parent / f"{stem}.truth.txt").read_text(encoding="utf-8"), lang)
    return pages


def holdout() -> list[BenchPage]:
    """holdout-v1's documents, page by page, with the language its truth gives."""
    truth = json.loads((HOLDOUT / "truth.json").read_text(encoding="utf-8"))
    pages = []
    for name in HOLDOUT_DOCS:
        pages += _document("holdout", HOLDOUT / "inbox" / name, truth[name]["text"], truth[name]["lang"])
    return pages


def synthetic() -> list[BenchPage]:
    """The self-generated degraded set (a tuning set: its generator is the one the old pipeline was tuned on)."""
    from tests.support.pages import DEGRADED_SET, LETTER_EN, LETTER_RU, degrade, typescript_page

    pages = []
    folder = CACHE / "synthetic"
    folder.mkdir(parents=True, exist_ok=True)
    for lang, lines in (("en", LETTER_EN), ("ru", LETTER_RU)):
        clean = None
        for seed, how in enumerate(DEGRADED_SET):
            path = folder / f"{lang}-{how.name}.png"
            if not path.exists():
                clean = clean or typescript_page(lines)
                degrade(clean, how, seed=seed).save(path, dpi=(how.dpi, how.dpi))
            pages.append(BenchPage("synthetic", path.name, str(path), 0, how.dpi, "\n".join(lines), lang))
    return pages


SETS = {
    "augraphy-dev": lambda: augraphy("dev"),
    "augraphy-test": lambda: augraphy("test"),
    "corpus": corpus,
    "holdout": holdout,
    "synthetic": synthetic,
}


def load(name: str) -> list[BenchPage]:
    """One set by name (see SETS)."""
    return SETS[name]()


def open_page(page: BenchPage):  # type: ignore[no-untyped-def]
    """The page's pixels (PIL image, loaded)."""
    from PIL import Image

    with Image.open(page.path) as image:
        image.seek(page.frame)
        image.load()
        return image.copy()
