"""The Tesseract command: one single-threaded process per page, every output in one pass, a hard timeout.

This module only runs the program and reads what it wrote; the adapter that makes it an `OcrEngine` (version
label, language choice, set-up check) is `ocr.tesseract_engine`.

Why the CLI and not `pytesseract.run_and_get_multiple_output`: pytesseract runs Tesseract with this
process's own environment, so `OMP_THREAD_LIMIT=1` would have to be set process-wide, where it would also
throttle other OpenMP users in the same process (CTranslate2 under faster-whisper). pytesseract is still
used for what it does well: finding the binary and its version.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytesseract
from PIL import Image

from samizdat.errors import EngineError
from samizdat.ocr.engine import Orientation
from samizdat.ocr.hocr import plain_text


@dataclass(frozen=True)
class TesseractOutput:
    """What Tesseract wrote for one page: text, hOCR and (when asked) the PDF page."""

    text: str
    hocr: str
    pdf: bytes | None


@functools.cache
def tesseract_version() -> str:
    """The installed Tesseract's version, e.g. `5.3.0`."""
    try:
        return str(pytesseract.get_tesseract_version()).strip()
    except pytesseract.TesseractNotFoundError as exc:  # pragma: no cover - install problem
        raise EngineError("Tesseract is not installed (apt-get install tesseract-ocr)") from exc


@functools.cache
def installed_languages() -> frozenset[str]:
    """Tesseract language models present on this machine."""
    return frozenset(pytesseract.get_languages(config=""))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"  # one core per process; parallelism comes from one process per page
    return env


def _run(args: list[str], timeout_s: float) -> subprocess.CompletedProcess[bytes]:
    """Run Tesseract in its own process group, killed whole when it overruns."""
    proc = subprocess.Popen(
        ["tesseract", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise EngineError(f"Tesseract gave up after {timeout_s:.0f} s on one page") from exc
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _save_page(image: Image.Image, folder: Path, dpi: int | None, embedded: bool) -> Path:
    """Write the page for Tesseract: PNG when Tesseract will embed it in its PDF page (small), else uncompressed TIFF.

    Uncompressed TIFF, not PNM: Leptonica reads a grey PNM page slowly (corpus linn.pdf p1 rendered at 300 dpi,
    grey: Tesseract 2.00-2.04 CPU s from PGM, 1.90-1.91 from TIFF, the same text; as fast as PNG without the
    compression). Without a known resolution no credible one is written (a source TIFF's tags are left behind),
    so Tesseract estimates it, as it did from PNM.
    """
    if image.mode not in ("1", "L", "RGB"):
        image = image.convert("RGB")
    if embedded:
        path = folder / "page.png"
        image.save(path, format="PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    else:
        path = folder / "page.tif"
        if dpi is None and hasattr(image, "tag_v2"):
            image = image.copy()  # a TIFF page's own resolution tags would otherwise be copied
        image.save(path, format="TIFF", compression="raw", **({"dpi": (dpi, dpi)} if dpi else {}))
    return path


def recognize(
    image: Image.Image,
    langs: str,
    *,
    timeout_s: float,
    dpi: int | None = None,
    psm: int = 3,
    pdf: bool = True,
    text_only_pdf: bool = False,
    config: dict[str, str] | None = None,
) -> TesseractOutput:
    """OCR one page image: text, hOCR and (optionally) the PDF page, all in one Tesseract run.

    `dpi`: the page's resolution when known; else Tesseract estimates it from the text, as it does for a
    file without one (forcing 300 there measurably hurt). `text_only_pdf` makes the PDF page carry only
    the invisible text, to lay over another page image. `config`: Tesseract variables (`-c name=value`),
    e.g. `{"thresholding_method": "2"}` for its own Sauvola binarisation.
    """
    with tempfile.TemporaryDirectory(prefix="samizdat-tess-") as tmp:
        src = _save_page(image, Path(tmp), dpi, embedded=pdf and not text_only_pdf)
        base = Path(tmp) / "out"
        args = [str(src), str(base), "-l", langs, "--psm", str(psm)]
        if dpi:
            args += ["--dpi", str(dpi)]
        if text_only_pdf:
            args += ["-c", "textonly_pdf=1"]
        for name, value in (config or {}).items():
            args += ["-c", f"{name}={value}"]
        args += ["hocr"] + (["pdf"] if pdf else [])  # the text, ALTO and confidences come from the hOCR
        done = _run(args, timeout_s)
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip()
            raise EngineError(f"Tesseract failed (exit {done.returncode}): {message[-500:]}")

        def read(ext: str) -> str:
            return (base.with_suffix(ext)).read_text(encoding="utf-8")

        hocr = read(".hocr")
        return TesseractOutput(
            text=plain_text(hocr),
            hocr=hocr,
            pdf=base.with_suffix(".pdf").read_bytes() if pdf else None,
        )


def detect_orientation(image: Image.Image, *, timeout_s: float, dpi: int | None = None) -> Orientation | None:
    """Tesseract OSD (`--psm 0`); None when it cannot tell (too little text)."""
    with tempfile.TemporaryDirectory(prefix="samizdat-osd-") as tmp:
        src = _save_page(image, Path(tmp), dpi, embedded=False)
        dpi_args = ["--dpi", str(dpi)] if dpi else []
        done = _run([str(src), "stdout", "--psm", "0", *dpi_args, "-l", "osd"], timeout_s)
    if done.returncode != 0:
        return None
    fields: dict[str, str] = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    try:
        return Orientation(
            rotate=int(fields["Rotate"]) % 360,
            confidence=float(fields["Orientation confidence"]),
            script=fields.get("Script"),
            script_confidence=float(fields.get("Script confidence", "0") or 0),
        )
    except (KeyError, ValueError):
        return None
