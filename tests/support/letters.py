"""A typed one-line letter as a 300 dpi image: the smallest real page Tesseract reads, for tests and benches."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def write_letter(path: Path, words: str = "Let my people go") -> None:
    """Write `words` in 48-point type on a 1500×300 white page at `path` (format from its suffix)."""
    image = Image.new("L", (1500, 300), 255)
    ImageDraw.Draw(image).text((40, 120), words, font=ImageFont.truetype(FONT, 48), fill=0)
    image.save(path, dpi=(300, 300))
