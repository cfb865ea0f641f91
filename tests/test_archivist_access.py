"""Access fails closed (issue 18) and hostile or careless metadata never stops the pass (issue 13).

Each test is one trigger seen in the archive: the item is either read exactly as the archivist meant it, or it
is restricted with a reason the archivist can act on.
"""

from __future__ import annotations

import os
import tracemalloc
import unicodedata
from pathlib import Path

import pytest

from samizdat.archivist import (
    MAX_CSV_BYTES,
    MAX_SIDECAR_BYTES,
    MAX_VALUE_CHARS,
    read_archivist_metadata,
    sidecar_path,
)
from samizdat.models import ArchivistMetadata

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
access: open
"""


def _drop(inbox: Path, name: str = "letter.pdf") -> Path:
    path = inbox / name
    path.write_bytes(b"%PDF-1.4\n")
    return path


def _sidecar(item: Path, text: str | bytes, suffix: str = ".yaml") -> Path:
    path = item.with_name(item.name + suffix)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _restricted(metadata: ArchivistMetadata, *reason: str) -> None:
    assert metadata.access == "restricted"
    assert metadata.access_reason, "a restricted item says why"
    for words in reason:
        assert words in metadata.access_reason
    assert metadata.warnings, "and warns"


# Sidecars: read as the archivist meant, or fail closed.


def test_a_colon_in_a_value_is_read_as_written(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "title: Letter: from Moscow\ncreator: Ida Nudel\naccess: open\n")
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.dc["title"] == "Letter: from Moscow"
    assert metadata.dc["creator"] == "Ida Nudel"
    assert (metadata.access, metadata.access_reason) == ("open", None)
    assert "plain 'key: value'" in metadata.warnings[0]


def test_a_tab_after_the_colon_is_read(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "title: Letter\naccess:\trestricted\n")
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.access == "restricted"
    assert metadata.dc["title"] == "Letter"
    assert "access" not in metadata.extra.get("invalid", {})


def test_a_bracketed_title_is_read_as_written(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "title: [Draft] Appeal to the Supreme Soviet\naccess: restricted\n")
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.dc["title"] == "[Draft] Appeal to the Supreme Soviet"
    assert metadata.access == "restricted"


def test_a_plain_line_reading_is_used_only_when_every_line_is_read(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "title: Letter: from Moscow\nsubject:\n  - refuseniks\naccess: open\n")
    metadata = read_archivist_metadata(item, tmp_path)
    _restricted(metadata, "letter.pdf.yaml could not be read (line 1: mapping values are not allowed here)")
    assert metadata.dc == {}


def test_a_utf16_sidecar_with_bom_is_read(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "title: Письмо из Москвы\naccess: restricted\n".encode("utf-16"))
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.dc["title"] == "Письмо из Москвы"
    assert (metadata.access, metadata.access_reason) == ("restricted", None)


def test_a_utf16_sidecar_without_bom_fails_closed(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "title: Letter\naccess: open\n".encode("utf-16-le"))
    _restricted(read_archivist_metadata(item, tmp_path), "letter.pdf.yaml could not be read", "NUL")


def test_a_cp1251_sidecar_is_read(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "title: Письмо\naccess: open\n".encode("cp1251"))
    metadata = read_archivist_metadata(item, tmp_path)
    assert (metadata.dc["title"], metadata.access) == ("Письмо", "open")


@pytest.mark.parametrize("suffix", [".YAML", ".Yml", ".yML"])
def test_a_sidecar_suffix_in_any_case_is_found_and_read(tmp_path: Path, suffix: str) -> None:
    item = _drop(tmp_path)
    sidecar = _sidecar(item, "title: Upper\naccess: restricted\n", suffix)
    assert sidecar_path(item) == sidecar
    metadata = read_archivist_metadata(item, tmp_path)
    assert (metadata.dc["title"], metadata.access) == ("Upper", "restricted")


def test_two_sidecars_fail_closed(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "access: open\n")
    _sidecar(item, "access: restricted\n", ".YML")
    assert sidecar_path(item) == tmp_path / "letter.pdf.yaml"
    _restricted(read_archivist_metadata(item, tmp_path), "letter.pdf.YML beside letter.pdf.yaml was not read")


def test_a_duplicate_key_fails_closed(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "access: restricted\ntitle: x\naccess: open\n")
    _restricted(read_archivist_metadata(item, tmp_path), "line 3: the key 'access' appears twice")


def test_the_same_key_spelled_twice_fails_closed(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "Access: restricted\ndc:access: open\n")
    _restricted(read_archivist_metadata(item, tmp_path), "access is given twice")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("access: yes\n", "access is a yes/no value, not the word open or restricted"),
        ("access: [open]\n", "access is a list"),
        ("access: open\ntitle: {en: Letter}\n", "title is a mapping, not a text"),
        ("access: open\ndate: [1978, 1979]\n", "date is a list, not a date"),
        ("access: open\nsubject: [[a, b]]\n", "subject is a list, not a text or a list of texts"),
    ],
)
def test_a_value_of_the_wrong_type_fails_closed(tmp_path: Path, text: str, reason: str) -> None:
    item = _drop(tmp_path)
    _sidecar(item, text)
    _restricted(read_archivist_metadata(item, tmp_path), reason, "restricted until it is fixed")


def test_a_bad_date_is_a_warning_and_does_not_touch_access(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "date: the spring after the trial\naccess: open\n")
    metadata = read_archivist_metadata(item, tmp_path)
    assert (metadata.access, metadata.access_reason) == ("open", None)
    assert "the spring after the trial" in metadata.warnings[0]


def test_undecodable_bytes_fail_closed(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, b"title: \x98\x98\naccess: open\n")  # 0x98 is undefined in Windows-1251 and invalid UTF-8
    _restricted(read_archivist_metadata(item, tmp_path), "neither UTF-8 nor Windows-1251")


def test_several_yaml_documents_fail_closed(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "access: restricted\n---\naccess: open\n")
    _restricted(read_archivist_metadata(item, tmp_path), "letter.pdf.yaml could not be read")


@pytest.mark.parametrize("empty", ["", " ~", ' ""', " null"])
def test_an_empty_sidecar_access_fails_closed(tmp_path: Path, empty: str) -> None:
    item = _drop(tmp_path)
    _sidecar(item, f"title: x\naccess:{empty}\n")
    _restricted(read_archivist_metadata(item, tmp_path), "access is given but empty")


def test_an_empty_sidecar_access_does_not_undo_the_csv(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    (tmp_path / "metadata.csv").write_text("filename,access\nletter.pdf,restricted\n", encoding="utf-8")
    _sidecar(item, "title: x\naccess:\n")
    assert read_archivist_metadata(item, tmp_path).access == "restricted"


def test_a_blank_csv_access_cell_is_not_given_and_a_sidecar_without_access_is_open(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    (tmp_path / "metadata.csv").write_text("filename,title,access\nletter.pdf,Letter,\n", encoding="utf-8")
    _sidecar(item, "creator: Ida Nudel\n")
    metadata = read_archivist_metadata(item, tmp_path)
    assert (metadata.dc, metadata.access, metadata.access_reason) == (
        {"title": "Letter", "creator": "Ida Nudel"}, "open", None
    )


def test_csv_restricted_and_sidecar_open_disagree_so_restricted(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    (tmp_path / "metadata.csv").write_text("filename,access\nletter.pdf,restricted\n", encoding="utf-8")
    _sidecar(item, "access: open\n")
    _restricted(read_archivist_metadata(item, tmp_path), "metadata.csv says access restricted but letter.pdf.yaml")


def test_a_comment_eating_part_of_a_title_is_reported(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "title: Letter #3\naccess: open # checked by Ruth\n")
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.access == "open"
    assert len(metadata.warnings) == 1 and "in title, the text after ' #'" in metadata.warnings[0]


# Symlinks: never followed, never read.


def test_a_symlinked_sidecar_is_not_read_and_fails_closed(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("title: TOP-SECRET-PASSWORD-hunter2\naccess: open\n", encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    item = _drop(inbox)
    (inbox / "letter.pdf.yaml").symlink_to(secrets)
    assert sidecar_path(item) is None
    metadata = read_archivist_metadata(item, inbox)
    _restricted(metadata, "letter.pdf.yaml is a symbolic link", "it was not read")
    assert "TOP-SECRET" not in repr(metadata)
    assert "hunter2" not in repr(metadata)


def test_a_symlinked_csv_is_not_read_and_every_item_fails_closed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("filename,title,access\nletter.pdf,SECRET-TITLE,open\n", encoding="utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "metadata.csv").symlink_to(elsewhere)
    for name in ("letter.pdf", "other.pdf"):
        metadata = read_archivist_metadata(_drop(inbox, name), inbox)
        _restricted(metadata, "metadata.csv is a symbolic link")
        assert "SECRET-TITLE" not in repr(metadata)


def test_a_file_under_a_symlinked_folder_fails_closed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    item = _drop(outside)
    _sidecar(item, "title: SECRET\naccess: open\n")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "box").symlink_to(outside)
    metadata = read_archivist_metadata(inbox / "box" / "letter.pdf", inbox)
    _restricted(metadata, "under the symbolic link box")
    assert "SECRET" not in repr(metadata)


def test_a_fifo_sidecar_does_not_hang_and_fails_closed(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    os.mkfifo(tmp_path / "letter.pdf.yaml")
    _restricted(read_archivist_metadata(item, tmp_path), "not a regular file")


# Bounded before parsed.


def test_billion_laughs_is_refused_quickly_with_little_memory(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, BILLION_LAUGHS)
    tracemalloc.start()
    try:
        metadata = read_archivist_metadata(item, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024
    _restricted(metadata, "aliases (*name) are not allowed")


def test_a_50_mb_sidecar_is_not_parsed(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    sidecar = _sidecar(item, "access: open\ntitle: x\n")
    with sidecar.open("r+b") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: instant, no disk
    tracemalloc.start()
    try:
        metadata = read_archivist_metadata(item, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_SIDECAR_BYTES * 4
    _restricted(metadata, f"over the limit of {MAX_SIDECAR_BYTES:,}")
    assert metadata.dc == {}


def test_an_over_size_csv_restricts_every_item(tmp_path: Path) -> None:
    csv_file = tmp_path / "metadata.csv"
    csv_file.write_text("filename,access\nletter.pdf,open\n", encoding="utf-8")
    with csv_file.open("r+b") as handle:
        handle.truncate(MAX_CSV_BYTES + 1)
    for name in ("letter.pdf", "other.pdf"):
        _restricted(read_archivist_metadata(_drop(tmp_path, name), tmp_path), "metadata.csv could not be read")


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "access: open\nbox: {a: {b: {c: [1]}}}\n")
    _restricted(read_archivist_metadata(item, tmp_path), "nested deeper than")


def test_a_huge_integer_is_refused_not_raised(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, "access: open\nbox: " + "9" * 5000 + "\n")
    _restricted(read_archivist_metadata(item, tmp_path), "letter.pdf.yaml could not be read")


def test_long_values_are_cut_with_a_warning(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, f"access: open\ndescription: {'x' * (MAX_VALUE_CHARS + 500)}\nsubject: [{', '.join(['s'] * 500)}]\n")
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.access == "open"  # a long description does not touch access
    assert len(metadata.dc["description"]) == MAX_VALUE_CHARS
    assert len(metadata.dc["subject"]) < 500
    assert sum("the rest was cut" in w for w in metadata.warnings) == 2


def test_an_over_long_access_value_fails_closed(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _sidecar(item, f"access: open{' ' * MAX_VALUE_CHARS}x\n")
    _restricted(read_archivist_metadata(item, tmp_path), "access is 10,")


# metadata.csv as archivists write it.


def test_excel_csv_semicolons_bom_crlf_doubled_quotes_and_words_for_dates(tmp_path: Path) -> None:
    item = _drop(tmp_path, "gurevich-2.wav")
    _drop(tmp_path, "other.pdf")
    (tmp_path / "metadata.csv").write_bytes(
        "\ufeffFilename;Title;Date;Language;Access\r\n"
        'other.pdf;"Minutes; draft";1980;en;open\r\n'
        'gurevich-2.wav;"Interview with Dina Gurevich, ""second session""";March 1978;ru;restricted\r\n'
        ";;;;\r\n".encode()
    )
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.warnings == []
    assert metadata.dc == {
        "title": 'Interview with Dina Gurevich, "second session"',
        "date": "1978-03",
        "language": ["ru"],
    }
    assert (metadata.access, metadata.access_reason) == ("restricted", None)
    assert read_archivist_metadata(tmp_path / "other.pdf", tmp_path).dc["title"] == "Minutes; draft"


def test_comma_csv_with_delimiters_inside_quotes_on_the_first_line(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    (tmp_path / "metadata.csv").write_text(
        'filename,title,"notes, if any",access\nletter.pdf,"Letter; from Moscow, 1978",,open\n', encoding="utf-8"
    )
    metadata = read_archivist_metadata(item, tmp_path)
    assert (metadata.dc["title"], metadata.access, metadata.warnings) == ("Letter; from Moscow, 1978", "open", [])


def test_tab_separated_csv(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    (tmp_path / "metadata.csv").write_text("filename\ttitle\taccess\nletter.pdf\tA, b; c\trestricted\n")
    metadata = read_archivist_metadata(item, tmp_path)
    assert (metadata.dc["title"], metadata.access) == ("A, b; c", "restricted")


def test_excel_unicode_text_utf16_tabs_and_a_sep_hint(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    text = "File name\tTitle\taccess\r\nletter.pdf\tПисьмо\trestricted\r\n"
    (tmp_path / "metadata.csv").write_bytes(text.encode("utf-16"))
    assert read_archivist_metadata(item, tmp_path).dc["title"] == "Письмо"
    (tmp_path / "metadata.csv").write_text("sep=|\nfilename|title|access\nletter.pdf|A; b, c|restricted\n")
    metadata = read_archivist_metadata(item, tmp_path)
    assert (metadata.dc["title"], metadata.access, metadata.warnings) == ("A; b, c", "restricted", [])


def test_cp1251_csv_from_russian_excel(tmp_path: Path) -> None:
    item = _drop(tmp_path, "письмо.pdf")
    (tmp_path / "metadata.csv").write_bytes(
        "filename;title;date;access\r\nписьмо.pdf;Письмо из Москвы;весна 1978;restricted\r\n".encode("cp1251")
    )
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.dc == {"title": "Письмо из Москвы", "date": "1978-21"}
    assert (metadata.access, metadata.warnings) == ("restricted", [])


def test_a_csv_row_names_the_file_whatever_its_unicode_composition_or_case(tmp_path: Path) -> None:
    item = _drop(tmp_path, unicodedata.normalize("NFD", "Пойдём.PDF"))  # as macOS writes names
    (tmp_path / "metadata.csv").write_text("filename,access\nпойдём.pdf,restricted\n", encoding="utf-8")
    assert read_archivist_metadata(item, tmp_path).access == "restricted"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'filename,title,access\nletter.pdf,"unclosed,open\nother.pdf,x,open\n', "unexpected end of data"),
        (b"filename,title\nletter.pdf,\x98\n", "neither UTF-8 nor Windows-1251"),
        (b"name,title,access\nletter.pdf,x,open\n", "no 'filename' column"),
    ],
)
def test_an_unreadable_csv_restricts_every_item(tmp_path: Path, data: bytes, reason: str) -> None:
    (tmp_path / "metadata.csv").write_bytes(data)
    for name in ("letter.pdf", "other.pdf", "unnamed.pdf"):
        metadata = read_archivist_metadata(_drop(tmp_path, name), tmp_path)
        _restricted(metadata, "metadata.csv could not be read", reason, "which files it describes is unknown")


def test_duplicate_csv_rows_fail_closed(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    (tmp_path / "metadata.csv").write_text(
        "filename,access\nletter.pdf,restricted\nother.pdf,open\nletter.pdf,open\n", encoding="utf-8"
    )
    _restricted(read_archivist_metadata(item, tmp_path), "2 rows (lines 2, 4) name letter.pdf")
    assert read_archivist_metadata(_drop(tmp_path, "other.pdf"), tmp_path).access == "open"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("letter.pdf,Letter, from Moscow,open", "line 3 has 4 cells but the header has 3"),
        ("letter.pdf,Letter", "line 3 has 2 cells but the header has 3"),
        ("letter.pdf;Letter;open", "mentions letter.pdf but no row for it could be read"),
    ],
)
def test_a_row_that_cannot_be_read_completely_fails_closed(tmp_path: Path, row: str, reason: str) -> None:
    item = _drop(tmp_path)
    (tmp_path / "metadata.csv").write_text(f"filename,title,access\nother.pdf,x,open\n{row}\n", encoding="utf-8")
    _restricted(read_archivist_metadata(item, tmp_path), reason)


def test_a_csv_in_a_subfolder_is_read_for_its_files(tmp_path: Path) -> None:
    (tmp_path / "box12").mkdir()
    item = _drop(tmp_path / "box12")
    (tmp_path / "box12" / "metadata.csv").write_text("filename,access\nletter.pdf,restricted\n", encoding="utf-8")
    assert read_archivist_metadata(item, tmp_path).access == "restricted"
