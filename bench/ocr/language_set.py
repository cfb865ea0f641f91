"""Degraded typescript pages in the archive's other languages, for items that name no language: seeded, cached.

32 pages: Ukrainian, German, French and Hebrew (6 each) and English and Russian controls (4 each), aged by the
augraphy recipes of `augraphy_set.py` (one recipe per page, in turn), 150-300 dpi, fonts that have the script's
letters (Hebrew: FreeSerif, FreeMono, DejaVu Sans; drawn right to left). Nothing in the page reader was tuned on
this set's first run: its thresholds come from the augraphy dev half (English and Russian) and one page per
language. Pages alternate between a dev half (`dev`: the rule added after that run was chosen there) and a test
half (`test`).

Text from Faker's word lists (`uk_UA`, `de_DE`, `fr_FR`, `ru_RU`: real words in random sentences; `he_IL`: Faker's
Hebrew "lorem ipsum", Hebrew letters in made-up words, so no dictionary knows them) and, for English, the archive's
articles as in `augraphy_set.py`. Cached in `~/.cache/samizdat-bench/languages-v1/` with `truth.json`.

Run: `python bench/ocr/language_set.py` (the run script builds it on first use).
"""

from __future__ import annotations

import json
import os
import random
import textwrap
from dataclasses import asdict, dataclass
from pathlib import Path

import augraphy_set

CACHE = augraphy_set.CACHE.parent / "languages-v1"
LANGUAGES = {"uk": 6, "de": 6, "fr": 6, "he": 6, "en": 4, "ru": 4}  # ISO 639-1 -> pages
FAKER_LOCALE = {"uk": "uk_UA", "de": "de_DE", "fr": "fr_FR", "he": "he_IL", "ru": "ru_RU"}
HEBREW_FONTS = {
    "FreeSerif": "/usr/share/fonts/truetype/freefont/FreeSerif.ttf",
    "FreeMono": "/usr/share/fonts/truetype/freefont/FreeMono.ttf",
    "DejaVuSans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
}


@dataclass
class LanguagePage:
    """One page to make."""

    name: str
    half: str  # dev (rules may be chosen here) or test (reported)
    lang: str
    font: str
    font_file: str
    dpi: int
    recipe: str
    seed: int


def specs() -> list[LanguagePage]:
    """The 32 pages, deterministic."""
    out = []
    index = 0
    for lang, count in LANGUAGES.items():
        fonts = HEBREW_FONTS if lang == "he" else {k: v[0] for k, v in augraphy_set.FONTS.items()}
        for i in range(count):
            font = list(fonts)[(index + i) % len(fonts)]
            recipe = augraphy_set.RECIPES[(index + i) % len(augraphy_set.RECIPES)]
            dpi = augraphy_set.DPIS[(index + i) % len(augraphy_set.DPIS)]
            out.append(LanguagePage(f"{lang}-{i}-{font}-{dpi}-{recipe}", "dev" if i % 2 == 0 else "test", lang,
                                    font, fonts[font], dpi, recipe, 1000 + index + i))
        index += count
    return out


def page_text(page: LanguagePage, lines: int = 16, width: int = 56) -> str:
    """Wrapped lines of the page's language."""
    if page.lang == "en":
        spec = augraphy_set.Spec(page.name, "test", "en", page.font, page.dpi, page.recipe, 0.0, False, page.seed)
        return augraphy_set.page_text(spec, lines, width)
    from faker import Faker

    fake = Faker(FAKER_LOCALE[page.lang])
    fake.seed_instance(page.seed)
    random.seed(page.seed)
    out: list[str] = []
    while len(out) < lines:
        out += textwrap.wrap(fake.text(max_nb_chars=500).replace("\n", " "), width) + [""]
    return "\n".join(out[:lines]).strip()


def render(page: LanguagePage, text: str):  # type: ignore[no-untyped-def]
    """A clean A4 page: 12 pt type, 1-inch margins; Hebrew set right to left from the right margin."""
    from PIL import Image, ImageDraw, ImageFont

    dpi = page.dpi
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    # the basic layout draws glyphs in the order given: Hebrew lines are given reversed (visual order)
    font = ImageFont.truetype(page.font_file, size=round(12 / 72 * dpi), layout_engine=ImageFont.Layout.BASIC)
    ink = 90 if page.recipe == "faint-jpeg" else 20
    y, line_h = dpi, round(12 / 72 * dpi * 1.45)
    for line in text.split("\n"):
        if page.lang == "he":
            draw.text((width - dpi, y), line[::-1], fill=ink, font=font, anchor="ra")
        else:
            draw.text((dpi, y), line, fill=ink, font=font)
        y += line_h
    return image


def make(page: LanguagePage, folder: Path) -> str:
    """Render and age one page (cached); returns its truth."""
    import numpy as np
    from PIL import Image

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    folder.mkdir(parents=True, exist_ok=True)
    os.chdir(folder)  # some augraphy steps write an `augraphy_cache/` folder into the working directory
    text = page_text(page)
    path = folder / f"{page.name}.png"
    if not path.exists():
        aged = augraphy_set._pipeline(page.recipe, page.seed)(np.asarray(render(page, text)))
        if aged.ndim == 3:
            aged = aged[..., 0] if aged.shape[2] == 1 else np.asarray(Image.fromarray(aged).convert("L"))
        tmp = path.with_suffix(".tmp.png")
        Image.fromarray(aged.astype(np.uint8), "L").save(tmp, dpi=(page.dpi, page.dpi))
        tmp.rename(path)
    return text


def build(folder: Path = CACHE) -> dict[str, dict[str, object]]:
    """Make every missing page and write `truth.json` (name -> spec, text); returns it."""
    folder = folder.resolve()
    here = Path.cwd()
    try:
        truth = {p.name: {**asdict(p), "text": make(p, folder)} for p in specs()}
    finally:
        os.chdir(here)
    (folder / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth


if __name__ == "__main__":
    print(f"{len(build())} pages in {CACHE}")
