"""Page pixels: working mode, skew (from Tesseract's baselines), straightening, the paper's background and its grain.

Which of these a page gets is decided in `samizdat.ocr.page` by the quality score of its readings, never by
the pixels alone: clean-up chosen from pixel measurements made a real page 6.4 % -> 44.6 % CER (issue 11).
"""

from __future__ import annotations

import math
import re

import cv2
import numpy as np
from PIL import Image

cv2.setNumThreads(1)  # one core per page: the pool runs pages side by side

_ANALYSIS_WIDTH = 1000


def to_working_mode(image: Image.Image) -> Image.Image:
    """Grey or RGB without alpha (alpha over white), bilevel kept as is.

    A colour page whose pixels are all grey becomes grey: the same pixels, and Tesseract reads a grey page for
    less CPU than its RGB copy (corpus typewriter.png, a palette PNG: 0.85 against 1.36 CPU s, the same text).
    """
    if image.mode == "1":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return _grey_if_grey(background)
    if image.mode == "L":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        top = array.max() or 1.0
        return Image.fromarray((array * (255.0 / top)).astype(np.uint8), "L")
    return _grey_if_grey(image if image.mode == "RGB" else image.convert("RGB"))


def _grey_if_grey(rgb: Image.Image) -> Image.Image:
    """An RGB page whose three channels are equal everywhere, as grey (exactly the same levels); else itself."""
    width, height = rgb.size
    strip = np.asarray(rgb.crop((0, height // 2, width, min(height, height // 2 + 8))))
    if not ((strip[..., 0] == strip[..., 1]).all() and (strip[..., 1] == strip[..., 2]).all()):
        return rgb  # a colour page: told by a strip of it, without a pass over the page
    red, green, blue = (band.tobytes() for band in rgb.split())
    return rgb.getchannel("R") if red == green == blue else rgb


def _grey(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.uint8)


def _small(grey: np.ndarray) -> tuple[np.ndarray, float]:
    scale = min(1.0, _ANALYSIS_WIDTH / grey.shape[1])
    if scale >= 1.0:
        return grey, 1.0
    size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA), scale


_LINE = re.compile(
    r"class=['\"]ocr_(?:line|textfloat|header|caption)['\"][^>]*?title=['\"]bbox (\d+) \d+ (\d+) \d+; "
    r"baseline (-?\d+(?:\.\d+)?) -?\d+(?:\.\d+)?"
)
# A skew read from Tesseract's baselines is trusted when at least this many text lines give it (one or two
# lines are a caption or a stamp) and when most of the line length agrees with their median within
# `SKEW_AGREEMENT_DEGREES` (a warped or folded page has lines bent every way: no one angle straightens it).
MIN_SKEW_LINES = 3
SKEW_AGREEMENT_DEGREES = 0.5
SKEW_AGREEING_SHARE = 0.6


def baseline_skew(hocr: str) -> float:
    """Skew in degrees (counter-clockwise positive) from the baselines of Tesseract's text lines.

    Free: Tesseract fits a baseline to every line it reads, and its hOCR keeps the slope. The median slope
    weighted by line width; 0 when too few lines give one or when they disagree (see `MIN_SKEW_LINES`).
    Unlike the projection profile used before, it sees a skew on a page with four lines of text (holdout-v1
    samizdat page 2: 1.7° from its baselines, none from its profile) and needs no pass over the pixels.
    """
    lines = sorted(
        (math.degrees(math.atan(float(slope))), int(right) - int(left)) for left, right, slope in _LINE.findall(hocr)
    )
    if len(lines) < MIN_SKEW_LINES:
        return 0.0
    total = sum(width for _, width in lines) or 1
    seen, median = 0, 0.0
    for degrees, width in lines:
        seen += width
        if seen >= total / 2:
            median = degrees
            break
    agreeing = sum(width for degrees, width in lines if abs(degrees - median) <= SKEW_AGREEMENT_DEGREES)
    if agreeing < SKEW_AGREEING_SHARE * total:
        return 0.0
    return -round(median, 2)  # hOCR's slope has the other sign: `rotate(image, baseline_skew(...))` straightens


_LINE_BOX = re.compile(
    r"class=['\"]ocr_(?:line|textfloat|header|caption)['\"][^>]*?title=['\"]bbox (\d+) (\d+) (\d+) (\d+);"
)
# When a page that already reads well is worth straightening. Tesseract fits every line's baseline itself, so a
# skew only hurts when a line's far end drifts towards the next line (the lines then come out interleaved). The
# drift of the long lines (`LONG_LINE_QUANTILE` of the line widths) over the skew, in line pitches, from the plain
# read's hOCR. Measured on every page scoring >= 0.90 with a skew >= 0.3 deg in the corpus, holdout-v1 and both
# augraphy halves (bench/ocr/results-speed2.md): the corpus pages straightening fixes drift 1.11-1.25 pitches
# (rotated_skew.pdf 21.9 -> 1.8 % CER, skew.pdf 5.2 -> 1.8 %), the augraphy dev pages 0.68-0.97 (one gains 0.4
# points, four none); under it, 0.11-0.18: corpus 8071_093 and c02-22 (straightened better by CER but never kept:
# scored lower), holdout-v1 mixed p2 (0 % either way), and augraphy dev 45 (150 dpi, 0.4 deg: 1.7 -> 0.2 %, the
# one reading this rule gives up). Half a pitch lies between: a line's end is then as near its neighbour's
# baseline as its own.
DRIFT_PITCHES = 0.5
LONG_LINE_QUANTILE = 0.9
# A "skew" beyond this is a page turned on its side (Tesseract reads such lines vertically; corpus cardinal.pdf
# p2 gives 89.9 deg, and its straightened reading is 85.6 % CER against 1.8 %): turning is OSD's job.
MAX_SKEW_DEGREES = 45.0


def line_pitch(hocr: str) -> float:
    """The median distance from each text line down to the next one beside it (half its width shared), in px."""
    boxes = sorted(((int(x0), int(y0), int(x1), int(y1)) for x0, y0, x1, y1 in _LINE_BOX.findall(hocr)),
                   key=lambda b: b[1] + b[3])
    gaps = []
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        for u0, v0, u1, v1 in boxes[i + 1 :]:
            if (v0 + v1) > (y0 + y1) and min(x1, u1) - max(x0, u0) >= 0.5 * min(x1 - x0, u1 - u0):
                gaps.append(((v0 + v1) - (y0 + y1)) / 2)
                break
    return float(np.median(gaps)) if gaps else 0.0


def lines_drift_across(hocr: str, angle: float) -> bool:
    """Whether a skew of `angle` degrees moves the long lines' ends by `DRIFT_PITCHES` line pitches or more.

    From the line boxes of a reading's hOCR: false when the page has too few lines to tell (`MIN_SKEW_LINES`) or
    the angle is a turned page (`MAX_SKEW_DEGREES`).
    """
    if abs(angle) > MAX_SKEW_DEGREES:
        return False
    widths = [int(x1) - int(x0) for x0, _, x1, _ in _LINE_BOX.findall(hocr)]
    pitch = line_pitch(hocr)
    if len(widths) < MIN_SKEW_LINES or pitch <= 0:
        return False
    long_line = float(np.quantile(widths, LONG_LINE_QUANTILE, method="lower"))
    return long_line * math.tan(math.radians(abs(angle))) >= DRIFT_PITCHES * pitch


def rotate(image: Image.Image, angle: float) -> Image.Image:
    """Turn the page by `-angle` degrees to undo a skew of `angle`, filling with white."""
    fill: int | tuple[int, int, int] = 255 if image.mode in ("L", "1") else (255, 255, 255)
    source = image.convert("L") if image.mode == "1" else image
    return source.rotate(-angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=fill)


def _background(grey: np.ndarray) -> np.ndarray:
    """The paper without the ink: a grey closing with a kernel wider than a stroke, smoothed."""
    small, scale = _small(grey)
    kernel = max(7, int(round(15 * small.shape[1] / 1000)) | 1)
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (kernel, kernel)))
    closed = cv2.medianBlur(closed, 21)
    if scale < 1.0:
        closed = cv2.resize(closed, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)
    return closed


def flatten(grey: np.ndarray) -> np.ndarray:
    """The page with its background divided out: paper at 255, ink darker (uint8, the same size).

    Computed in float and truncated, as the escalation was measured with: OpenCV's rounding `cv2.divide` moves
    grey levels by one, which was enough to drop a faint carbon test page from 90+ to 88 % similarity
    (tests/test_image_kind.py::test_faint_carbon_copy_is_read) and holdout-v1 samizdat page 1 from 4.5 to 6.1 % CER.
    """
    background = np.maximum(_background(grey).astype(np.float32), 1.0)
    page = grey.astype(np.float32)
    np.divide(page, background, out=page)  # in place: the same float32 steps, no temporary pages
    np.multiply(page, 255.0, out=page)
    return np.clip(page, 0, 255, out=page).astype(np.uint8)


def grain(grey: np.ndarray) -> float:
    """Pixel noise in grey levels (robust sigma of the difference to a 3x3 median), from the page's centre."""
    h, w = grey.shape
    crop = grey[h // 4 : h - h // 4, w // 4 : w - w // 4]
    crop = crop[:1200, :1200]
    if crop.size == 0:
        return 0.0
    diff = np.abs(crop.astype(np.int16) - cv2.medianBlur(crop, 3).astype(np.int16))
    return float(1.4826 * np.median(diff) * 1.2)  # the median filter itself absorbs ~1/6 of the noise
