"""Page images and hOCR for fixture bags, drawn rather than scanned, so the portal tests need no OCR.

The hOCR is in the pixels of an "OCR image" twice the web image's size, as a 300 dpi scan is larger than its
1600 px web image: the portal must scale the boxes by the ratio of widths.
"""

from __future__ import annotations

import io
from html import escape

from PIL import Image, ImageDraw

WEB = (600, 800)
THUMB = (150, 200)
OCR_SCALE = 2
CHAR_W, LINE_H, MARGIN = 9, 30, 40


def word_boxes(text: str) -> list[tuple[str, tuple[int, int, int, int]]]:
    """Each word of `text` with its box on the web image: lines down the page, words along them."""
    boxes = []
    for row, line in enumerate(text.splitlines() or [text]):
        x, y = MARGIN, MARGIN + row * LINE_H
        for word in line.split():
            boxes.append((word, (x, y, x + CHAR_W * len(word), y + LINE_H - 8)))
            x += CHAR_W * (len(word) + 1)
    return boxes


def hocr(text: str) -> str:
    """A Tesseract-shaped hOCR page: ocr_page, one ocr_line per line, ocrx_word with bbox and x_wconf."""
    width, height = WEB[0] * OCR_SCALE, WEB[1] * OCR_SCALE
    lines = []
    for row in range(len(text.splitlines() or [text])):
        words = [(w, b) for w, b in word_boxes(text) if b[1] == MARGIN + row * LINE_H]
        if not words:
            continue
        spans = "".join(
            f"<span class='ocrx_word' title='bbox {' '.join(str(v * OCR_SCALE) for v in b)}; x_wconf 91'>"
            f"{escape(w)}</span> " for w, b in words)
        x0, y0 = words[0][1][0] * OCR_SCALE, words[0][1][1] * OCR_SCALE
        x1, y1 = words[-1][1][2] * OCR_SCALE, words[-1][1][3] * OCR_SCALE
        lines.append(f"<span class='ocr_line' title='bbox {x0} {y0} {x1} {y1}'>{spans}</span>")
    return ("<?xml version='1.0' encoding='UTF-8'?>\n<html xmlns='http://www.w3.org/1999/xhtml'><body>"
            f"<div class='ocr_page' title='bbox 0 0 {width} {height}; ppageno 0'>{''.join(lines)}</div>"
            "</body></html>")


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def page_files(texts: list[str], with_hocr: bool = True) -> dict[str, bytes]:
    """`pages/0001.jpg`, `.thumb.jpg` (and `.hocr`) per page: grey bars where the words are."""
    files: dict[str, bytes] = {}
    for number, text in enumerate(texts, start=1):
        image = Image.new("L", WEB, 235)
        draw = ImageDraw.Draw(image)
        for _, box in word_boxes(text):
            draw.rectangle(box, fill=60)
        thumb = image.resize(THUMB)
        files[f"pages/{number:04d}.jpg"] = _jpeg(image)
        files[f"pages/{number:04d}.thumb.jpg"] = _jpeg(thumb)
        if with_hocr:
            files[f"pages/{number:04d}.hocr"] = hocr(text).encode("utf-8")
    return files
