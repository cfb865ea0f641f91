"""A demo inbox with one item of every kind, generated from scratch so a newcomer can run the pipeline.

Why generated and not copied: the real test material lives in ../shared and must not enter the repo.
The pages are rendered at 300 dpi with a little grey ink, grain and rotation, so OCR has work to do
but stays readable; the output is deterministic (fixed seeds) except the MP3, whose bytes depend on the
installed espeak-ng and ffmpeg. Every file appears atomically (a hidden `.part` name in the
destination, then `os.replace`), and sidecars and `metadata.csv` appear before the items they
describe, so a watching inbox never claims half a file or an item without its metadata.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from samizdat import samples_text as text
from samizdat.errors import SamizdatError

DPI = 300
A4_PX = (2480, 3508)  # 210 x 297 mm at 300 dpi

FONT_DIRS_ENV = "SAMIZDAT_FONT_DIR"
_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu (fonts-dejavu-core)
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-mono-fonts"),  # Fedora
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path("/Library/Fonts"),
)
_FONT_ROOTS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))  # searched deeply, last
MONO_FONT = "DejaVuSansMono.ttf"
SANS_FONT = "DejaVuSans.ttf"
SANS_BOLD_FONT = "DejaVuSans-Bold.ttf"


class SampleToolMissingError(SamizdatError):
    """A font or program the sample generator needs is not installed; `hint` says how to install it."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


# --- public entry point -------------------------------------------------------------------------


def write_sample_inbox(dest: Path) -> list[Path]:
    """Write the demo inbox into `dest` (created if needed); return the item files, sidecars excluded.

    Items: letter-ru.png, appeal-en.tiff, scanned-statement.pdf, digital-report.pdf, interview-en.mp3.
    Existing files of the same names are replaced.
    """
    dest = Path(dest)
    # Check every tool first: a missing espeak-ng should not leave a half-written inbox behind.
    fonts = _Fonts.find()
    espeak, ffmpeg = _require_program("espeak-ng", "espeak-ng"), _require_program("ffmpeg", "ffmpeg")
    dest.mkdir(parents=True, exist_ok=True)

    _write_csv(dest / "metadata.csv", text.CSV_COLUMNS, text.CSV_ROWS)
    _write_yaml(dest / "letter-ru.png.yaml", text.LETTER_RU_META)
    _write_yaml(dest / "interview-en.mp3.yaml", text.INTERVIEW_EN_META)

    items = [
        _write_letter_png(dest / "letter-ru.png", fonts),
        _write_appeal_tiff(dest / "appeal-en.tiff", fonts),
        _write_scanned_pdf(dest / "scanned-statement.pdf", fonts),
        _write_digital_pdf(dest / "digital-report.pdf", fonts),
        _write_interview_mp3(dest / "interview-en.mp3", espeak, ffmpeg),
    ]
    return items


# --- tools --------------------------------------------------------------------------------------


def find_font(filename: str) -> Path:
    """Path of a TrueType font file by name, looked up in `$SAMIZDAT_FONT_DIR` and the usual font folders."""
    extra = os.environ.get(FONT_DIRS_ENV)
    folders = ([Path(extra)] if extra else []) + list(_FONT_DIRS)
    for folder in folders:
        candidate = folder / filename
        if candidate.is_file():
            return candidate
    for root in _FONT_ROOTS:
        if root.is_dir():
            found = next(iter(sorted(root.rglob(filename))), None)
            if found is not None:
                return found
    raise SampleToolMissingError(
        f"font {filename} not found in {', '.join(str(f) for f in folders + list(_FONT_ROOTS))}",
        "Install the DejaVu fonts (Debian/Ubuntu: `apt-get install fonts-dejavu-core`) "
        f"or point {FONT_DIRS_ENV} at a folder that holds {filename}.",
    )


def _require_program(name: str, debian_package: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise SampleToolMissingError(
            f"program {name!r} not found on PATH",
            f"Install it (Debian/Ubuntu: `apt-get install {debian_package}`) and run again.",
        )
    return path


@dataclass(frozen=True)
class _Fonts:
    mono: Path
    sans: Path
    sans_bold: Path

    @classmethod
    def find(cls) -> _Fonts:
        return cls(mono=find_font(MONO_FONT), sans=find_font(SANS_FONT), sans_bold=find_font(SANS_BOLD_FONT))


@contextmanager
def _atomic_path(target: Path) -> Iterator[Path]:
    """Yield a hidden temp path beside `target`; on success it replaces `target` in one step."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; an inbox file should be readable like any other
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_atomically(target: Path, write: Callable[[Path], object]) -> Path:
    with _atomic_path(target) as tmp:
        write(tmp)
    return target


def _write_yaml(target: Path, data: dict[str, Any]) -> Path:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return _write_atomically(target, lambda tmp: tmp.write_text(body, encoding="utf-8"))


def _write_csv(target: Path, columns: Sequence[str], rows: Sequence[dict[str, str]]) -> Path:
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns))
            writer.writeheader()
            writer.writerows(rows)

    return _write_atomically(target, write)


# --- typewritten pages --------------------------------------------------------------------------


@dataclass(frozen=True)
class PageStyle:
    """How a typed page looks: the knobs of its realism, each small enough that OCR still reads it."""

    seed: int
    font_px: int = 50  # 12 pt at 300 dpi: a typewriter's 10 characters per inch
    line_spacing: float = 1.5
    margin_px: tuple[int, int] = (330, 300)  # left, top
    paper: int = 236  # slightly grey paper
    ink: int = 55  # dark grey, not black
    ink_variation: float = 0.25  # per-key strike strength varies by up to this fraction
    jitter_px: int = 2  # per-key baseline wobble
    grain_sigma: float = 6.0
    blur_radius: float = 0.7  # ink spreading into the paper
    rotation_deg: float = 0.5


def render_typed_page(lines: Sequence[str], font_path: Path, style: PageStyle) -> Image.Image:
    """A grey-scale A4 page at 300 dpi that looks typed: uneven keys, grey ink, grain, a slight tilt."""
    rng = np.random.default_rng(style.seed)
    font = ImageFont.truetype(str(font_path), style.font_px)
    advance = font.getlength("M")
    line_px = round(style.font_px * style.line_spacing)

    ink_layer = Image.new("L", A4_PX, 0)
    draw = ImageDraw.Draw(ink_layer)
    left, top = style.margin_px
    for row, line in enumerate(lines):
        y = top + row * line_px
        for col, char in enumerate(line):
            if char == " ":
                continue
            strength = round(255 * (1.0 - style.ink_variation * rng.random()))
            dx, dy = rng.integers(-style.jitter_px, style.jitter_px + 1, size=2)
            draw.text((left + col * advance + int(dx) / 2, y + int(dy)), char, font=font, fill=strength)
    ink_layer = ink_layer.filter(ImageFilter.GaussianBlur(style.blur_radius))

    coverage = np.asarray(ink_layer, dtype=np.float32) / 255.0
    page = style.paper - coverage * (style.paper - style.ink)
    page += rng.normal(0.0, style.grain_sigma, size=page.shape).astype(np.float32)
    image = Image.fromarray(np.clip(page, 0, 255).astype(np.uint8), mode="L")
    return image.rotate(style.rotation_deg, resample=Image.Resampling.BICUBIC, fillcolor=style.paper)


def _write_letter_png(target: Path, fonts: _Fonts) -> Path:
    page = render_typed_page(text.LETTER_RU_LINES, fonts.mono, PageStyle(seed=1977, rotation_deg=0.5))
    return _write_atomically(target, lambda tmp: page.save(tmp, format="PNG", dpi=(DPI, DPI)))


def _write_appeal_tiff(target: Path, fonts: _Fonts) -> Path:
    pages = [
        render_typed_page(lines, fonts.mono, PageStyle(seed=1975 + number, rotation_deg=-0.4 + 0.7 * number))
        for number, lines in enumerate(text.APPEAL_EN_PAGES)
    ]

    def write(tmp: Path) -> None:
        pages[0].save(
            tmp,
            format="TIFF",
            save_all=True,
            append_images=pages[1:],
            compression="tiff_deflate",
            dpi=(DPI, DPI),
        )

    return _write_atomically(target, write)


def _write_scanned_pdf(target: Path, fonts: _Fonts) -> Path:
    """An image-only PDF, as a scanner makes it: one JPEG page, no text layer."""
    style = PageStyle(seed=316, rotation_deg=0.8, grain_sigma=7.0)
    page = render_typed_page(text.STATEMENT_EN_LINES, fonts.mono, style)
    scanned_at = time.strptime("1977-03-17", "%Y-%m-%d")  # fixed: Pillow would stamp the current time

    def write(tmp: Path) -> None:
        page.save(
            tmp,
            format="PDF",
            resolution=DPI,
            quality=80,
            title="Scanned document",
            creationDate=scanned_at,
            modDate=scanned_at,
        )

    return _write_atomically(target, write)


# --- born-digital PDF ---------------------------------------------------------------------------


def _write_digital_pdf(target: Path, fonts: _Fonts) -> Path:
    """A two-page PDF with a real text layer (embedded DejaVu, so the Russian paragraph is Cyrillic text)."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(datetime(1978, 1, 15, tzinfo=UTC))  # fixed, so the bytes are reproducible
    pdf.set_title(text.REPORT_TITLE)
    pdf.set_author("Samizdat demo")
    pdf.set_subject(text.SYNTHETIC_NOTE)
    pdf.set_lang("en")
    pdf.add_font("DejaVu", "", str(fonts.sans))
    pdf.add_font("DejaVu", "B", str(fonts.sans_bold))
    pdf.set_margins(25, 25, 25)

    def heading(words: str, size: float) -> None:
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(0, size * 0.5, words, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)

    def paragraph(words: str) -> None:
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(0, 6, words, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)

    pdf.add_page()
    heading(text.REPORT_TITLE, 16)
    for words in text.REPORT_EN_PAGE1:
        paragraph(words)
    heading("From a letter (Russian original)", 12)
    paragraph(text.REPORT_RU_PARAGRAPH)

    pdf.add_page()
    heading("Cases and recommendations", 14)
    pdf.set_font("DejaVu", "", 10)
    with pdf.table(col_widths=(30, 30, 40), text_align="LEFT") as table:
        for cells in text.REPORT_TABLE:
            table.row(cells)
    pdf.ln(6)
    for words in text.REPORT_EN_PAGE2:
        paragraph(words)

    return _write_atomically(target, lambda tmp: pdf.output(str(tmp)))


# --- spoken interview ---------------------------------------------------------------------------

# Voices and speed picked by ear and by Whisper base: en-gb lost words ("every Sunday"), en-us did not.
_VOICES = {"interviewer": "en-us+f3", "interviewee": "en-us"}
_WORDS_PER_MINUTE = 145
_PAUSE_S = 0.9


def _write_interview_mp3(target: Path, espeak: str, ffmpeg: str) -> Path:
    """Speak each turn with espeak-ng, join the turns with pauses, and encode as MP3 with ffmpeg."""
    with tempfile.TemporaryDirectory(prefix="samizdat-interview-") as work:
        joined = Path(work) / "interview.wav"
        turns = []
        for number, (speaker, words) in enumerate(text.INTERVIEW_TURNS):
            turn = Path(work) / f"turn-{number}.wav"
            _run([espeak, "-v", _VOICES[speaker], "-s", str(_WORDS_PER_MINUTE), "-w", str(turn), words])
            turns.append(turn)
        _join_with_pauses(turns, joined, _PAUSE_S)

        def encode(tmp: Path) -> None:
            # bitexact and no tags: keep version strings and dates out of the file where ffmpeg allows.
            _run(
                [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(joined),
                 "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
                 "-codec:a", "libmp3lame", "-b:a", "64k", "-id3v2_version", "0", "-write_xing", "0",
                 "-f", "mp3", str(tmp)]
            )  # fmt: skip

        return _write_atomically(target, encode)


def _join_with_pauses(parts: Sequence[Path], joined: Path, pause_s: float) -> None:
    """Concatenate WAV files of one format, with `pause_s` of silence before, between and after them."""
    frames: list[bytes] = []
    params = None
    for part in parts:
        with wave.open(str(part), "rb") as reader:
            if params is None:
                params = reader.getparams()
            frames.append(reader.readframes(reader.getnframes()))
    assert params is not None, "no audio parts to join"
    silence = b"\x00" * (round(params.framerate * pause_s) * params.sampwidth * params.nchannels)
    with wave.open(str(joined), "wb") as writer:
        writer.setnchannels(params.nchannels)
        writer.setsampwidth(params.sampwidth)
        writer.setframerate(params.framerate)
        writer.writeframes(silence + silence.join(frames) + silence)


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    except subprocess.CalledProcessError as error:
        stderr = error.stderr.decode("utf-8", "replace").strip()
        raise SamizdatError(f"{Path(command[0]).name} failed (exit {error.returncode}): {stderr}") from error


if __name__ == "__main__":  # python -m samizdat.samples [DEST]
    for item in write_sample_inbox(Path(sys.argv[1] if len(sys.argv) > 1 else "inbox")):
        print(item)
