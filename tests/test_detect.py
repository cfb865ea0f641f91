"""Detection by bytes, not by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from samizdat.detect import detect, sniff
from samizdat.errors import BadInputError
from samizdat.kinds import names, register, registered, unregister
from samizdat.models import Kind
from tests.support.text_kind import TextKind


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 8, "image/png"),
        (b"\xff\xd8\xff\xe0\0\x10JFIF", "image/jpeg"),
        (b"II*\x00\x08\0\0\0", "image/tiff"),
        (b"MM\x00*\0\0\0\x08", "image/tiff"),
        (b"%PDF-1.7\n%\xe2\xe3", "application/pdf"),
        (b"\r\n\r\n%PDF-1.4", "application/pdf"),
        (b"RIFF\x24\0\0\0WAVEfmt ", "audio/wav"),
        (b"fLaC\0\0\0\x22", "audio/flac"),
        (b"ID3\x04\0\0\0\0\0\0", "audio/mpeg"),
        (b"\xff\xfb\x90\x64\0\0", "audio/mpeg"),
        (b"OggS\0\x02\0\0", "audio/ogg"),
        (b"\0\0\0\x20ftypM4A \0\0\0\0", "audio/mp4"),
        (b"hello world", None),
        (b"PK\x03\x04", None),
    ],
)
def test_sniff(head: bytes, media_type: str | None) -> None:
    assert sniff(head) == media_type


def test_mislabeled_file_is_detected_by_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "letter.mp3"  # really a PDF
    path.write_bytes(b"%PDF-1.4\n1 0 obj\n")
    assert detect(path).kind is Kind.PDF


def test_empty_file_is_bad_input_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "empty.png"
    path.touch()
    with pytest.raises(BadInputError) as caught:
        detect(path)
    assert "empty" in str(caught.value)
    assert caught.value.hint


def test_unknown_bytes_are_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "notes.docx"
    path.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    with pytest.raises(BadInputError, match="not a supported"):
        detect(path)


class _Misdeclared(TextKind):
    kind = Kind("misdeclared")
    media_types = frozenset({"text/x-other"})  # while `sniff` answers text/plain


class _Twin(TextKind):
    kind = Kind("twin")
    media_types = frozenset({"image/png"})


def test_a_media_type_no_kind_declares_is_an_error_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("plain words\n", encoding="utf-8")
    register(_Misdeclared())
    try:
        with pytest.raises(ValueError, match="sniffed 'text/plain', not one of its media types"):
            detect(path)
    finally:
        unregister("misdeclared")


def test_a_kind_cannot_take_another_kinds_name_or_media_type() -> None:
    with pytest.raises(ValueError, match="already belong to the 'image' kind"):
        register(_Twin())
    with pytest.raises(ValueError, match="built-in"):
        unregister("pdf")
    assert names() == [Kind.IMAGE, Kind.PDF, Kind.AUDIO]
    assert [kind.kind for kind in registered()] == names()


def test_the_kind_names_stay_the_enum_they_were() -> None:
    assert Kind("audio") is Kind.AUDIO and Kind.AUDIO == "audio" and Kind.AUDIO.value == "audio"
    with pytest.raises(ValueError, match="not a valid input kind name"):
        Kind("Audio Files")
