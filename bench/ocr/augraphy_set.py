"""A degraded typescript set the page decisions were never tuned on: pages aged by augraphy, seeded.

64 pages (32 English, 32 Russian), four monospace and four serif fonts, 150/200/300 dpi, each page aged by
one of eight augraphy recipes (low ink, bleed-through, cast shadow, lighting gradient, folds, photocopy
noise, dirty rollers, faint ink + JPEG), some skewed and some upside down. Pages alternate between a
development half (`dev`: thresholds are set here) and a test half (`test`: results are reported here only),
so both halves cover every recipe, font and resolution.

Text: English from the archive's own articles (`../shared/articles`, real prose); Russian from Faker's
ru_RU word list (real words in random sentences). Generated once and cached outside the repository:
`~/.cache/samizdat-bench/augraphy-v1/{dev,test}/*.png` plus `truth.json` (pages are ~15 s each with
augraphy on a loaded 2-core machine). Needs `pip install -e ".[bench]"` (augraphy, faker) and the fonts from
`scripts/install.sh --test` (fonts-freefont-ttf, fonts-liberation, fonts-paratype, fonts-dejavu-core).

Run: `python bench/ocr/augraphy_set.py [--workers 1]`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import textwrap
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARTICLES = HERE.parents[1].parent / "shared" / "articles"
CACHE = Path(os.environ.get("SAMIZDAT_BENCH_CACHE", Path.home() / ".cache" / "samizdat-bench")) / "augraphy-v1"
PAGES = 64

_FONTS = "/usr/share/fonts/truetype"
FONTS = {  # name -> (file, monospace)
    "FreeMono": (f"{_FONTS}/freefont/FreeMono.ttf", True),  # a Courier-like typewriter face
    "LiberationMono": (f"{_FONTS}/liberation/LiberationMono-Regular.ttf", True),
    "DejaVuSansMono": (f"{_FONTS}/dejavu/DejaVuSansMono.ttf", True),
    "PTMono": (f"{_FONTS}/paratype/PTM55F.ttf", True),
    "FreeSerif": (f"{_FONTS}/freefont/FreeSerif.ttf", False),
    "LiberationSerif": (f"{_FONTS}/liberation/LiberationSerif-Regular.ttf", False),
    "DejaVuSerif": (f"{_FONTS}/dejavu/DejaVuSerif.ttf", False),
    "PTSerif": (f"{_FONTS}/paratype/PTF55F.ttf", False),
}
RECIPES = ["low-ink", "bleed-through", "shadow", "lighting", "folds", "photocopy", "dirty-rollers", "faint-jpeg"]
DPIS = [150, 200, 300]


@dataclass
class Spec:
    """One page to make: which text, font, resolution, ageing and turn."""

    name: str
    half: str
    lang: str
    font: str
    dpi: int
    recipe: str
    skew: float
    upside_down: bool
    seed: int


def specs() -> list[Spec]:
    """The 64 pages, deterministic."""
    rng = random.Random(1124)
    out = []
    fonts = list(FONTS)
    for i in range(PAGES):
        lang = "en" if i % 2 == 0 else "ru"
        font = fonts[(i // 2) % len(fonts)]
        recipe = RECIPES[(i // 2 + i // 16) % len(RECIPES)]
        dpi = DPIS[i % 3]
        skew = round(rng.uniform(-2.5, 2.5), 1) if i % 4 == 1 else 0.0
        upside_down = i % 11 == 5
        half = "dev" if (i // 2) % 2 == 0 else "test"
        out.append(Spec(f"{i:02d}-{lang}-{font}-{dpi}-{recipe}", half, lang, font, dpi, recipe, skew, upside_down, i))
    return out


def _english_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted(ARTICLES.glob("*.txt")):
        for para in path.read_text(encoding="utf-8").split("\n"):
            para = " ".join(para.split())
            if len(para) > 80:
                paragraphs.append(para)
    return paragraphs


def page_text(spec: Spec, lines: int = 24, width: int = 62) -> str:
    """The page's text: wrapped lines of prose, a fresh stretch per page."""
    rng = random.Random(spec.seed)
    if spec.lang == "en":
        paragraphs = _english_paragraphs()
        start = rng.randrange(len(paragraphs))
        chosen = paragraphs[start:] + paragraphs[:start]
    else:
        from faker import Faker

        fake = Faker("ru_RU")
        fake.seed_instance(spec.seed)
        chosen = [fake.text(max_nb_chars=600).replace("\n", " ") for _ in range(8)]
    out: list[str] = []
    for para in chosen:
        out += textwrap.wrap(para, width) + [""]
        if len(out) >= lines:
            break
    return "\n".join(line for line in out[:lines]).strip()


def render(spec: Spec, text: str):  # type: ignore[no-untyped-def]
    """A clean A4 page at the spec's dpi: 11 pt type, 1-inch margins, grey ink on faint pages."""
    from PIL import Image, ImageDraw, ImageFont

    dpi = spec.dpi
    w, h = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONTS[spec.font][0], size=round(11 / 72 * dpi))
    ink = 90 if spec.recipe == "faint-jpeg" else 20
    y = dpi
    line_h = round(11 / 72 * dpi * 1.45)
    for line in text.split("\n"):
        draw.text((dpi, y), line, fill=ink, font=font)
        y += line_h
    return page


def _pipeline(recipe: str, seed: int):  # type: ignore[no-untyped-def]
    import augraphy as A

    ink: list = []
    paper: list = []
    post: list = []
    if recipe == "low-ink":
        ink = [A.LowInkRandomLines(count_range=(20, 60), use_consistent_lines=False), A.InkBleed()]
        post = [A.SubtleNoise(subtle_range=20)]
    elif recipe == "bleed-through":
        ink = [A.BleedThrough(intensity_range=(0.2, 0.5), alpha=0.25)]
        post = [A.Brightness(brightness_range=(0.7, 0.85))]
    elif recipe == "shadow":
        post = [A.ShadowCast(shadow_opacity_range=(0.5, 0.85), shadow_blur_kernel_range=(101, 201))]
    elif recipe == "lighting":
        post = [A.LightingGradient(max_brightness=255, min_brightness=60, mode="gaussian")]
    elif recipe == "folds":
        post = [A.Folding(fold_count=3, gradient_width=(0.1, 0.2), gradient_height=(0.01, 0.03)),
                A.NoiseTexturize(sigma_range=(3, 8))]
    elif recipe == "photocopy":
        post = [A.BadPhotoCopy(noise_value=(40, 120), noise_sparsity=(0.3, 0.6)), A.DirtyDrum()]
    elif recipe == "dirty-rollers":
        post = [A.DirtyRollers(line_width_range=(6, 12)), A.SubtleNoise(subtle_range=15)]
    elif recipe == "faint-jpeg":
        ink = [A.InkBleed(intensity_range=(0.3, 0.5))]
        post = [A.NoiseTexturize(sigma_range=(4, 9)), A.Jpeg(quality_range=(15, 35))]
    return A.AugraphyPipeline(ink_phase=ink, paper_phase=paper, post_phase=post, random_seed=seed)


def make(spec: Spec, folder: Path) -> tuple[str, str]:
    """Render, age, turn and save one page; returns its name and truth."""
    import numpy as np
    from PIL import Image

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    folder.mkdir(parents=True, exist_ok=True)
    os.chdir(folder)  # some augraphy steps write an `augraphy_cache/` folder into the working directory
    text = page_text(spec)
    path = folder / spec.half / f"{spec.name}.png"
    if path.exists():
        return spec.name, text
    clean = np.asarray(render(spec, text))
    aged = _pipeline(spec.recipe, spec.seed)(clean)
    if aged.ndim == 3:
        aged = aged[..., 0] if aged.shape[2] == 1 else np.asarray(Image.fromarray(aged).convert("L"))
    image = Image.fromarray(aged.astype(np.uint8), "L")
    if spec.skew:
        image = image.rotate(spec.skew, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=235)
    if spec.upside_down:
        image = image.rotate(180)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    image.save(tmp, dpi=(spec.dpi, spec.dpi))
    tmp.rename(path)
    return spec.name, text


def build(folder: Path = CACHE, workers: int = 1) -> dict[str, dict[str, object]]:
    """Make every missing page and write `truth.json` (name -> spec, text); returns it."""
    folder = folder.resolve()
    all_specs = specs()
    with ProcessPoolExecutor(workers) as pool:
        texts = dict(pool.map(make, all_specs, [folder] * len(all_specs)))
    truth = {s.name: {**asdict(s), "text": texts[s.name]} for s in all_specs}
    (folder / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return truth


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=CACHE)
    args = parser.parse_args()
    build(args.out, args.workers)
    print(f"{PAGES} pages in {args.out}")
