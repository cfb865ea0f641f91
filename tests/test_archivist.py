"""Archivist metadata: sidecar YAML and metadata.csv, validated into Dublin Core; bad values warn, never raise."""

from __future__ import annotations

from pathlib import Path

import pytest

from samizdat.archivist import is_metadata_file, parse_date, parse_languages, read_archivist_metadata, sidecar_path


def _drop(inbox: Path, name: str = "kalik-letter.tiff") -> Path:
    path = inbox / name
    path.write_bytes(b"II*\x00")
    return path


def test_sidecar_maps_to_dublin_core_and_keeps_unknown_keys(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    (tmp_path / "kalik-letter.tiff.yaml").write_text(
        "title: Письмо Михаила Калика\n"
        "creator: Mikhail Kalik\n"
        "date: 1971-03\n"
        "language: [ru, en]\n"
        "subject: emigration; samizdat\n"
        "access: restricted\n"
        "collection: Kalik family papers\n"
        "box: 12\n"
        "Folder: 3a\n",
        encoding="utf-8",
    )
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.warnings == []
    assert metadata.dc == {
        "title": "Письмо Михаила Калика",
        "creator": "Mikhail Kalik",
        "date": "1971-03",
        "language": ["ru", "en"],
        "subject": ["emigration", "samizdat"],
    }
    assert metadata.access == "restricted"
    assert metadata.collection == "Kalik family papers"
    assert metadata.extra == {"box": 12, "folder": "3a"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1978", "1978"),
        ("1978-03", "1978-03"),
        ("1978-03-15", "1978-03-15"),
        ("15.03.1978", "1978-03-15"),
        ("circa 1972", "1972~"),
        ("ca. 1972", "1972~"),
        ("около 1972", "1972~"),
        ("1970s", "197X"),
        ("1970/1975", "1970/1975"),
        ("1978-03/1979", "1978-03/1979"),
    ],
)
def test_good_and_partial_dates(value: str, expected: str) -> None:
    assert parse_date(value) == (expected, "")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("March 1978", "1978-03"),
        ("Mar. 1978", "1978-03"),
        ("12 March 1978", "1978-03-12"),
        ("March 12, 1978", "1978-03-12"),
        ("12.03.1978", "1978-03-12"),
        ("03.1978", "1978-03"),
        ("март 1978", "1978-03"),
        ("12 марта 1978 г.", "1978-03-12"),
        ("листопад 1978", "1978-11"),
        ("весна 1978", "1978-21"),
        ("Spring 1978", "1978-21"),
        ("лето 1978", "1978-22"),
        ("осенью 1978", "1978-23"),
        ("winter 1978", "1978-24"),
        ("1970-е", "197X"),
        ("1970s", "197X"),
        ("circa 1972", "1972~"),
        ("c. March 1978", "1978-03~"),
        ("1978?", "1978?"),
        ("25/12/1978", "1978-12-25"),
        ("March 1978 - May 1979", "1978-03/1979-05"),
        ("1970-1975", "1970/1975"),
        ("1978-21", "1978-21"),
    ],
)
def test_dates_in_words_become_edtf(value: str, expected: str) -> None:
    assert parse_date(value) == (expected, "")


@pytest.mark.parametrize(
    "value",
    ["1978-13", "1978-02-30", "March-ish", "78", "1975/1970", "3099", "03/04/1978", "March", "spring", "2 years ago",
     "March 78", "весна 3099", True, ["1978"]],
)  # fmt: skip
def test_bad_dates_are_refused_with_a_reason(value: object) -> None:
    date, reason = parse_date(value)
    assert date is None
    assert reason


def test_yaml_native_dates_and_years_are_accepted(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    (tmp_path / "kalik-letter.tiff.yaml").write_text("date: 1978-03-15\ntitle: x\n", encoding="utf-8")
    assert read_archivist_metadata(item, tmp_path).dc["date"] == "1978-03-15"
    (tmp_path / "kalik-letter.tiff.yaml").write_text("date: 1978\n", encoding="utf-8")
    assert read_archivist_metadata(item, tmp_path).dc["date"] == "1978"


def test_bad_values_become_warnings_and_the_raw_value_is_kept(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    (tmp_path / "kalik-letter.tiff.yaml").write_text(
        "title: A letter\ndate: sometime in spring\nlanguage: ru, klingon\naccess: secret\n", encoding="utf-8"
    )
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.dc["title"] == "A letter"
    assert "date" not in metadata.dc
    assert metadata.dc["language"] == ["ru"]
    assert metadata.access == "restricted"  # fails closed
    assert len(metadata.warnings) == 3
    joined = " ".join(metadata.warnings)
    assert "kalik-letter.tiff.yaml" in joined and "sometime in spring" in joined and "klingon" in joined
    assert metadata.extra["invalid"] == {"date": "sometime in spring", "language": "ru, klingon", "access": "secret"}


@pytest.mark.parametrize(
    ("value", "codes"),
    [
        ("ru", ["ru"]),
        ("rus+eng", ["ru", "en"]),
        ("Russian; Yiddish", ["ru", "yi"]),
        ("ru-RU", ["ru"]),
        (["he", "iw"], ["he"]),
    ],
)
def test_language_codes_are_normalised_to_iso_639_1(value: object, codes: list[str]) -> None:
    assert parse_languages(value) == (codes, [])


def test_broken_yaml_is_a_warning_not_an_exception_and_fails_closed(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    (tmp_path / "kalik-letter.tiff.yaml").write_text("title: [unclosed\n  date: 1972\naccess: open\n", encoding="utf-8")
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.dc == {}
    assert metadata.access == "restricted"
    assert "kalik-letter.tiff.yaml could not be read (line 2" in (metadata.access_reason or "")
    assert len(metadata.warnings) == 1


def test_a_yaml_list_instead_of_a_mapping_is_a_warning(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    (tmp_path / "kalik-letter.tiff.yaml").write_text("- title\n- date\n", encoding="utf-8")
    assert read_archivist_metadata(item, tmp_path).warnings


def test_csv_row_by_filename_and_sidecar_wins_per_key(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    _drop(tmp_path, "other.pdf")
    (tmp_path / "metadata.csv").write_text(
        "\ufefffilename,title,date,language,access,donor\n"
        "other.pdf,Other,1980,en,open,\n"
        "kalik-letter.tiff,From the CSV,circa 1971,ru;en,restricted,Kalik family\n",
        encoding="utf-8",
    )
    (tmp_path / "kalik-letter.tiff.yaml").write_text("title: From the sidecar\n", encoding="utf-8")
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.warnings == []
    assert metadata.dc["title"] == "From the sidecar"
    assert metadata.dc["date"] == "1971~"
    assert metadata.dc["language"] == ["ru", "en"]
    assert metadata.access == "restricted"
    assert metadata.extra == {"donor": "Kalik family"}


def test_semicolon_csv_as_spreadsheets_write_it(tmp_path: Path) -> None:
    item = _drop(tmp_path, "scan 7.pdf")
    (tmp_path / "metadata.csv").write_text("filename;title;date\nscan 7.pdf;Письмо;1978-03\n", encoding="utf-8")
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.dc == {"title": "Письмо", "date": "1978-03"}


def test_csv_without_filename_column_is_a_warning(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    (tmp_path / "metadata.csv").write_text("name,title\nkalik-letter.tiff,x\n", encoding="utf-8")
    metadata = read_archivist_metadata(item, tmp_path)
    assert metadata.dc == {}
    assert "filename" in metadata.warnings[0]


def test_no_metadata_at_all_is_fine(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    metadata = read_archivist_metadata(item, tmp_path)
    assert (metadata.dc, metadata.access, metadata.warnings, metadata.extra) == ({}, "open", [], {})


def test_sidecar_path(tmp_path: Path) -> None:
    item = _drop(tmp_path)
    assert sidecar_path(item) is None
    (tmp_path / "kalik-letter.tiff.yml").write_text("title: x\n", encoding="utf-8")
    assert sidecar_path(item) == tmp_path / "kalik-letter.tiff.yml"
    (tmp_path / "kalik-letter.tiff.yaml").write_text("title: y\n", encoding="utf-8")
    assert sidecar_path(item) == tmp_path / "kalik-letter.tiff.yaml"


def test_metadata_files_are_not_items() -> None:
    assert is_metadata_file(Path("inbox/metadata.csv"))
    assert is_metadata_file(Path("inbox/kalik-letter.tiff.yaml"))
    assert is_metadata_file(Path("inbox/kalik-letter.tiff.YML"))
    assert not is_metadata_file(Path("inbox/kalik-letter.tiff"))
