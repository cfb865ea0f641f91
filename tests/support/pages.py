"""Pages and PDFs made on the spot, with known text: for tests and the benchmark's degraded set.

Test support, not library: the benchmark (`bench/ocr`) imports it from here too, and nothing may be
copied from ../shared. The README's sample inbox draws its own pages (`samizdat.samples`).
Degradations imitate the archive's carbon copies and photocopies: faint grey ink, uneven light, grain,
blur, a skewed sheet, 200-300 dpi.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")

LETTER_EN = [
    "Moscow, 14 March 1978",
    "",
    "Dear friends,",
    "",
    "We received your letter of February and the parcel with the",
    "books. Thank you for remembering us. Our application for exit",
    "visas to Israel was refused again by OVIR on the first of",
    "March, for the fourth time since 1973. The official reason is",
    "the same: my former work gave me access to secret information,",
    "although I left that institute eleven years ago.",
    "",
    "Since the refusal I have no work. My wife Ida still teaches",
    "English privately, but the militia came twice to ask about her",
    "pupils. We keep studying Hebrew on Saturdays with six families.",
    "Please tell the committee in London that we are well and that",
    "letters reach us only when they are registered.",
    "",
    "With love and hope for a meeting in Jerusalem,",
    "Vladimir",
]

LETTER_RU = [
    "Ленинград, 2 ноября 1979 г.",
    "",
    "Дорогие друзья!",
    "",
    "Пишу вам снова, потому что ответа на прошлое письмо мы",
    "так и не получили. В августе нам опять отказали в выезде",
    "в Израиль. Причина прежняя: режимность моей работы,",
    "хотя я уволился из института ещё в семьдесят пятом году.",
    "",
    "Мой брат Михаил арестован в сентябре по статье 190-1.",
    "Суд назначен на декабрь, адвоката нам не дают. Мать",
    "очень больна, ей нужны лекарства, которых здесь нет.",
    "Если можете, пришлите их с туристами.",
    "",
    "Мы продолжаем учить иврит и отмечаем праздники вместе.",
    "Передайте привет всем, кто нас помнит.",
    "",
    "Обнимаем вас,",
    "Борис и Анна",
]


@dataclass(frozen=True)
class Degradation:
    """How badly a clean page is worn: each field 0 means untouched."""

    name: str
    ink: int = 0  # grey level of the ink (0 black; 150 is a faint carbon copy)
    grain: float = 0.0  # std of the noise, grey levels
    shading: float = 0.0  # darkening of one corner, grey levels
    blur: float = 0.0  # Gaussian sigma, pixels at 300 dpi
    skew: float = 0.0  # degrees counter-clockwise
    dpi: int = 300


DEGRADED_SET = [
    Degradation("faint-carbon", ink=165, grain=12, blur=1.0),
    Degradation("faint-shaded", ink=150, grain=8, shading=110, blur=0.8),
    Degradation("grainy-photocopy", ink=60, grain=40, shading=60, blur=1.2, dpi=200),
    Degradation("skewed-carbon", ink=140, grain=14, shading=70, blur=1.0, skew=3.5),
    Degradation("very-faint-200dpi", ink=180, grain=10, shading=50, blur=1.0, dpi=200),
    Degradation("dark-uneven", ink=30, grain=18, shading=170, blur=0.7, skew=-1.5),
]


def typescript_page(lines: list[str], *, dpi: int = 300, font_pt: float = 12.0) -> Image.Image:
    """A clean A4 page of monospaced 'typewritten' text, in grey (L)."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT), size=max(8, round(font_pt * dpi / 72)))
    line_height = round(font_pt * 1.9 * dpi / 72)
    x, y = round(1.0 * dpi), round(1.1 * dpi)
    for line in lines:
        draw.text((x, y), line, font=font, fill=0)
        y += line_height
    return page


def degrade(page: Image.Image, how: Degradation, seed: int = 0) -> Image.Image:
    """Wear a clean 300 dpi page as `how` says; the result is at `how.dpi`."""
    rng = np.random.default_rng(seed)
    grey: np.ndarray = np.asarray(page.convert("L"), dtype=np.float32)
    ink = grey < 128
    if how.ink:
        grey = np.where(ink, how.ink + rng.normal(0, 12, grey.shape), 245.0).astype(np.float32)
        # a carbon copy's strokes break up where the ribbon was dry
        dropout = rng.random(grey.shape) < 0.06
        grey[ink & dropout] = 225.0
    if how.blur:
        grey = cv2.GaussianBlur(grey, (0, 0), how.blur)
    if how.shading:
        h, w = grey.shape
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        ramp = (xx / w * 0.6 + yy / h * 0.4) ** 1.5
        grey = grey - how.shading * ramp
    if how.grain:
        grey = grey + rng.normal(0, how.grain, grey.shape)
        specks = rng.random(grey.shape) < 0.0015
        grey[specks] -= 120
    out = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8), "L")
    if how.skew:
        out = out.rotate(how.skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=235)
    if how.dpi != 300:
        scale = how.dpi / 300
        out = out.resize((round(out.width * scale), round(out.height * scale)), Image.Resampling.LANCZOS)
    return out


# --- hand-made PDFs: a few objects written directly, so tests need no PDF-writing library ---------------


@dataclass
class PdfText:
    """A line of Latin-1 text at (x, y) points from the bottom left; render mode 3 makes it invisible."""

    x: float
    y: float
    text: str
    size: float = 11.0
    render_mode: int = 0


@dataclass
class PdfPageSpec:
    """One page: size in points, an optional full-page image, text lines, a /Rotate."""

    width: float = 595.0
    height: float = 842.0
    image: Image.Image | None = None
    texts: tuple[PdfText, ...] = ()
    rotate: int = 0


def _escape(text: str) -> bytes:
    raw = text.encode("latin-1", "replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def make_pdf(pages: list[PdfPageSpec]) -> bytes:
    """A small valid PDF with Helvetica text and JPEG page images."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pages_id = add(b"")  # the Pages object, written once the kids are known
    kids: list[int] = []
    for spec in pages:
        content = io.BytesIO()
        resources = [f"/Font << /F1 {font} 0 R >>".encode()]
        if spec.image is not None:
            jpeg = io.BytesIO()
            image = spec.image.convert("L") if spec.image.mode not in ("L", "RGB") else spec.image
            image.save(jpeg, format="JPEG", quality=90)
            colour = b"/DeviceGray" if image.mode == "L" else b"/DeviceRGB"
            data = jpeg.getvalue()
            img = add(
                b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 "
                b"/Filter /DCTDecode /Length %d >>\nstream\n" % (image.width, image.height, colour, len(data))
                + data
                + b"\nendstream"
            )
            resources.append(f"/XObject << /Im1 {img} 0 R >>".encode())
            content.write(b"q %.2f 0 0 %.2f 0 0 cm /Im1 Do Q\n" % (spec.width, spec.height))
        for t in spec.texts:
            content.write(
                b"BT /F1 %.1f Tf %d Tr %.2f %.2f Td (%s) Tj ET\n" % (t.size, t.render_mode, t.x, t.y, _escape(t.text))
            )
        stream = zlib.compress(content.getvalue())
        contents = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page = add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Rotate %d /Resources << %s >> "
            b"/Contents %d 0 R >>" % (pages_id, spec.width, spec.height, spec.rotate, b" ".join(resources), contents)
        )
        kids.append(page)
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref))
    return out.getvalue()


def text_lines(
    lines: list[str], *, top: float = 780.0, size: float = 11.0, render_mode: int = 0
) -> tuple[PdfText, ...]:
    """Lines of text down a page from `top`, 1.5 line spacing, a blank line left as a gap."""
    return tuple(
        PdfText(72.0, top - i * size * 1.5, line, size, render_mode) for i, line in enumerate(lines) if line
    )
