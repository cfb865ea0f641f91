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
    """Grey or RGB without alpha (alpha over white), bilevel kept as is."""
    if image.mode == "1":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("L", "RGB"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        top = array.max() or 1.0
        return Image.fromarray((array * (255.0 / top)).astype(np.uint8), "L")
    return image.convert("RGB")


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
    return np.clip(grey.astype(np.float32) / background * 255.0, 0, 255).astype(np.uint8)


def grain(grey: np.ndarray) -> float:
    """Pixel noise in grey levels (robust sigma of the difference to a 3x3 median), from the page's centre."""
    h, w = grey.shape
    crop = grey[h // 4 : h - h // 4, w // 4 : w - w // 4]
    crop = crop[:1200, :1200]
    if crop.size == 0:
        return 0.0
    diff = np.abs(crop.astype(np.int16) - cv2.medianBlur(crop, 3).astype(np.int16))
    return float(1.4826 * np.median(diff) * 1.2)  # the median filter itself absorbs ~1/6 of the noise
