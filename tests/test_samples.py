"""The demo inbox: every kind present, each file really of its format, readable by the real engines."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest
import yaml
from PIL import Image

from samizdat import samples
from samizdat.samples import SampleToolMissingError, write_sample_inbox

ITEM_NAMES = [
    "letter-ru.png",
    "appeal-en.tiff",
    "scanned-statement.pdf",
    "digital-report.pdf",
    "interview-en.mp3",
]


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """One generation shared by the module's tests (it takes a few seconds)."""
    dest = tmp_path_factory.mktemp("inbox")
    return dest, write_sample_inbox(dest)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_returns_every_item_and_writes_only_the_expected_files(inbox: tuple[Path, list[Path]]) -> None:
    dest, items = inbox
    assert [item.name for item in items] == ITEM_NAMES
    assert all(item.parent == dest and item.stat().st_size > 0 for item in items)
    expected = set(ITEM_NAMES) | {"letter-ru.png.yaml", "interview-en.mp3.yaml", "metadata.csv"}
    assert {path.name for path in dest.iterdir()} == expected  # no leftover .part files


def test_letter_is_a_300_dpi_greyscale_png(inbox: tuple[Path, list[Path]]) -> None:
    letter = inbox[0] / "letter-ru.png"
    assert letter.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(letter) as image:
        assert image.format == "PNG"
        assert image.size == samples.A4_PX
        assert round(image.info["dpi"][0]) == 300
        assert image.mode == "L"
        histogram = image.histogram()
    # Grey paper (not white), grey ink (not black), and grain (many shades, not two).
    pixels = sum(histogram)
    median = next(value for value in range(256) if sum(histogram[: value + 1]) >= pixels / 2)
    assert 220 <= median <= 245
    assert sum(histogram[:20]) < pixels * 0.001
    assert sum(1 for count in histogram if count) > 100


def test_appeal_is_a_two_page_tiff_with_different_pages(inbox: tuple[Path, list[Path]]) -> None:
    appeal = inbox[0] / "appeal-en.tiff"
    assert appeal.read_bytes()[:4] in (b"II*\x00", b"MM\x00*")
    with Image.open(appeal) as image:
        assert image.format == "TIFF"
        assert getattr(image, "n_frames", 1) == 2
        pages = []
        for number in range(2):
            image.seek(number)
            assert round(image.info["dpi"][0]) == 300
            pages.append(image.tobytes())
    assert pages[0] != pages[1]


def test_scanned_statement_is_one_image_only_pdf_page(inbox: tuple[Path, list[Path]]) -> None:
    scanned = inbox[0] / "scanned-statement.pdf"
    assert scanned.read_bytes()[:5] == b"%PDF-"
    with pdfplumber.open(scanned) as pdf:
        assert len(pdf.pages) == 1
        page = pdf.pages[0]
        assert (page.extract_text() or "").strip() == ""
        assert not page.chars
        assert len(page.images) == 1
        # The page is A4 at 300 dpi: 2480 px over 595 pt.
        assert page.width == pytest.approx(595, abs=2)


def test_digital_report_has_a_cyrillic_and_english_text_layer(inbox: tuple[Path, list[Path]]) -> None:
    report = inbox[0] / "digital-report.pdf"
    assert report.read_bytes()[:5] == b"%PDF-"
    with pdfplumber.open(report) as pdf:
        texts = [" ".join((page.extract_text() or "").split()) for page in pdf.pages]
    assert len(texts) == 2
    assert "Natan Sharansky" in texts[0]
    assert "Щаранского" in texts[0] and "Ида Нудель" in texts[0]
    assert "Jackson-Vanik" in texts[1]
    assert "Grinberg" in texts[1]  # the table is text too


def test_interview_is_an_mp3_of_sane_length(inbox: tuple[Path, list[Path]]) -> None:
    if shutil.which("ffprobe") is None:
        pytest.skip("ffprobe (Debian package ffmpeg) is not installed")
    interview = inbox[0] / "interview-en.mp3"
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=format_name,duration:stream=codec_name,channels",
         "-of", "json", str(interview)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    info = json.loads(probe.stdout)
    assert info["format"]["format_name"] == "mp3"
    assert [stream["codec_name"] for stream in info["streams"]] == ["mp3"]
    assert 20.0 <= float(info["format"]["duration"]) <= 40.0


def test_sidecars_and_csv_describe_the_items(inbox: tuple[Path, list[Path]]) -> None:
    dest = inbox[0]
    letter = yaml.safe_load((dest / "letter-ru.png.yaml").read_text(encoding="utf-8"))
    assert letter["language"] == "ru" and letter["access"] == "open"
    assert str(letter["date"]) == "1977-03"
    assert isinstance(letter["subject"], list) and letter["title"] and letter["creator"]

    interview = yaml.safe_load((dest / "interview-en.mp3.yaml").read_text(encoding="utf-8"))
    assert interview["language"] == "en" and interview["access"] == "open"
    assert interview["interviewee"] and interview["interviewer"] and interview["date"]

    with (dest / "metadata.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["filename"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"appeal-en.tiff", "scanned-statement.pdf"}
    for row in rows.values():
        assert row["title"] and row["creator"] and row["date"] and row["language"] == "en"


def test_generation_is_deterministic(inbox: tuple[Path, list[Path]], tmp_path: Path) -> None:
    dest, _ = inbox
    write_sample_inbox(tmp_path)
    # The MP3 is left out: its bytes depend on the installed espeak-ng and ffmpeg.
    for name in ["letter-ru.png", "appeal-en.tiff", "scanned-statement.pdf", "digital-report.pdf",
                 "letter-ru.png.yaml", "interview-en.mp3.yaml", "metadata.csv"]:  # fmt: skip
        assert _sha256(tmp_path / name) == _sha256(dest / name), name


def test_missing_font_fails_clearly_before_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    monkeypatch.setenv(samples.FONT_DIRS_ENV, str(empty))
    monkeypatch.setattr(samples, "_FONT_DIRS", ())
    monkeypatch.setattr(samples, "_FONT_ROOTS", (empty,))
    dest = tmp_path / "inbox"
    with pytest.raises(SampleToolMissingError, match="DejaVuSansMono.ttf") as error:
        write_sample_inbox(dest)
    assert "fonts-dejavu-core" in error.value.hint
    assert not dest.exists()


def test_missing_program_fails_clearly_before_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(samples.shutil, "which", lambda name: None if name == "espeak-ng" else real_which(name))
    dest = tmp_path / "inbox"
    with pytest.raises(SampleToolMissingError, match="espeak-ng") as error:
        write_sample_inbox(dest)
    assert "apt-get install espeak-ng" in error.value.hint
    assert not dest.exists()


def test_a_failed_write_leaves_neither_the_file_nor_a_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "letter.png"

    def fail_halfway(tmp: Path) -> None:
        tmp.write_bytes(b"\x89PNG half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        samples._write_atomically(target, fail_halfway)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "note.yaml"
    target.write_text("old: true\n", encoding="utf-8")
    samples._write_yaml(target, {"title": "Новое"})
    assert yaml.safe_load(target.read_text(encoding="utf-8")) == {"title": "Новое"}
    assert [path.name for path in tmp_path.iterdir()] == ["note.yaml"]


# --- the samples stay readable by the real engines ---------------------------------------------------


def _ocr(image: Image.Image, lang: str) -> str:
    import pytesseract

    return str(pytesseract.image_to_string(image, lang=lang, timeout=120))


@pytest.fixture
def one_tesseract_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenMP threads fight over the two shared cores; one thread is faster here (NOTES.md)."""
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")


@pytest.mark.slow
@pytest.mark.usefixtures("one_tesseract_thread")
def test_tesseract_reads_the_russian_letter(inbox: tuple[Path, list[Path]]) -> None:
    with Image.open(inbox[0] / "letter-ru.png") as image:
        found = _ocr(image, "rus")
    for word in ["Москва", "Щаранский", "Нудель", "Джексона-Вэника", "отказник", "1977"]:
        assert word in found, f"{word!r} not in OCR output:\n{found}"


@pytest.mark.slow
@pytest.mark.usefixtures("one_tesseract_thread")
def test_tesseract_reads_both_appeal_pages_and_the_scanned_statement(inbox: tuple[Path, list[Path]]) -> None:
    import pypdfium2

    with Image.open(inbox[0] / "appeal-en.tiff") as image:
        image.seek(0)
        first = _ocr(image.copy(), "eng")
        image.seek(1)
        second = _ocr(image.copy(), "eng")
    assert "Vladimir Slepak" in first and "Student Struggle for Soviet Jewry" in first, first
    assert "Jackson-Vanik" in second and "Leningrad" in second, second

    pdf = pypdfium2.PdfDocument(inbox[0] / "scanned-statement.pdf")
    try:
        page = pdf[0].render(scale=300 / 72).to_pil()
    finally:
        pdf.close()
    statement = _ocr(page, "eng")
    assert "Shcharansky" in statement and "refusenik" in statement, statement
