"""Fixity of published items: the bag against its manifests, and the bundle zip against the bag (`samizdat verify`)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from samizdat.fixity import FixityCache, FixityError, verify_all, verify_item
from samizdat.search import open_index
from tests.test_portal_fixtures import LETTER, SECRET_DOC, TAPE, build_collection


@pytest.fixture
def processed(tmp_path: Path) -> Path:
    index = open_index(None, tmp_path / "catalog.sqlite")
    build_collection(tmp_path, index)
    index.close()
    return tmp_path


def flip_byte(path: Path, offset: int, keep_mtime: bool = False) -> None:
    """Invert one byte in place, keeping the size; the mtime moves on a second (a write), or stays (bit rot)."""
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    shift = 0 if keep_mtime else 1_000_000_000  # file times tick coarsely: make the write visible whatever the clock
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + shift))


def flip_in_member(zip_path: Path, member: str) -> None:
    """Invert the first byte of a member's stored data, headers untouched: only its CRC and digest can tell."""
    with zipfile.ZipFile(zip_path) as archive:
        info = archive.getinfo(member)
    with zip_path.open("rb") as stream:
        stream.seek(info.header_offset + 26)
        name_length, extra_length = (int.from_bytes(stream.read(2), "little") for _ in range(2))
    flip_byte(zip_path, info.header_offset + 30 + name_length + extra_length)


def rezip(zip_path: Path, replace: dict[str, bytes | None]) -> None:
    """Rewrite a zip with some members replaced (None: dropped) or added: a well-formed zip with wrong content."""
    with zipfile.ZipFile(zip_path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for name, content in replace.items():
        if content is None:
            members.pop(name)
        else:
            members[name] = content
    with zipfile.ZipFile(zip_path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)


def test_an_intact_collection_verifies(processed: Path) -> None:
    results = verify_all(processed)
    assert [r.item_id for r in results] == sorted([LETTER, TAPE, SECRET_DOC, "b1b1b1b1b004"])
    assert all(r.ok for r in results), [r.problems for r in results]
    assert all(r.files_checked >= 7 for r in results)  # payload and tag files


def test_a_flipped_byte_in_the_zip_is_found_by_crc_and_digest(processed: Path) -> None:
    zip_path = processed / "bundles" / f"{LETTER}.zip"
    flip_in_member(zip_path, f"{LETTER}/data/original/letter.png")
    result = verify_item(processed, LETTER)
    assert not result.ok
    assert all(p.startswith(f"bundles/{LETTER}.zip: ") for p in result.problems), result.problems
    assert any(f"{LETTER}/data/original/letter.png is unreadable" in p for p in result.problems), result.problems
    assert verify_item(processed, TAPE).ok  # the other items are untouched


def test_a_well_formed_zip_with_changed_missing_or_extra_files_is_caught(processed: Path) -> None:
    zip_path = processed / "bundles" / f"{LETTER}.zip"
    rezip(zip_path, {f"{LETTER}/data/text.txt": b"forged", f"{LETTER}/data/metadata.json": None,
                     f"{LETTER}/data/extra.txt": b"x", "stray.txt": b"y"})
    problems = verify_item(processed, LETTER).problems
    assert any("data/text.txt sha256 expected=" in p and "found=" in p for p in problems), problems
    assert f"bundles/{LETTER}.zip: {LETTER}/data/metadata.json is missing" in problems
    assert any("unexpected member " + f"{LETTER}/data/extra.txt" in p for p in problems)
    assert any("unexpected member stray.txt" in p for p in problems)


def test_a_damaged_bag_and_a_missing_or_broken_zip_are_each_reported(processed: Path) -> None:
    flip_byte(processed / "items" / TAPE / "data" / "original" / "tape.mp3", 0)
    (processed / "bundles" / f"{TAPE}.zip").unlink()
    problems = verify_item(processed, TAPE).problems
    assert any(p.startswith(f"items/{TAPE}: ") and "tape.mp3" in p for p in problems), problems
    assert f"bundles/{TAPE}.zip: missing (the bag has no zip to download)" in problems
    (processed / "bundles" / f"{LETTER}.zip").write_bytes(b"not a zip")
    assert verify_item(processed, LETTER).problems[0].startswith(f"bundles/{LETTER}.zip: not a readable zip")
    assert verify_item(processed, "ffffffffffff").problems == ["items/ffffffffffff: no such bag"]


def test_the_cache_hashes_a_file_once_per_version(processed: Path) -> None:
    cache = FixityCache()
    bag = processed / "items" / LETTER
    target = (bag / "data" / "text.txt").resolve()
    for _ in range(3):
        cache.check_file(bag, target)
    assert cache.hashed == 1
    flip_byte(target, 0)
    with pytest.raises(FixityError, match=r"data/text.txt is damaged: sha256 expected=\w+ found=\w+"):
        cache.check_file(bag, target)
    assert cache.hashed == 2


def test_bit_rot_that_keeps_size_and_mtime_is_caught_once_the_entry_is_old(processed: Path) -> None:
    bag = processed / "items" / LETTER
    target = (bag / "data" / "text.txt").resolve()
    trusting, ageing = FixityCache(), FixityCache(max_age_s=0)
    for cache in (trusting, ageing):
        cache.check_file(bag, target)
    flip_byte(target, 0, keep_mtime=True)
    trusting.check_file(bag, target)  # same (path, size, mtime): the cached digest is trusted for now
    with pytest.raises(FixityError, match="is damaged"):
        ageing.check_file(bag, target)


def _verify(processed: Path, *args: str) -> tuple[int, str]:
    from samizdat.cli import app

    result = CliRunner().invoke(app, ["verify", *args, "--processed", str(processed)])
    return result.exit_code, result.output


def test_cli_verify_catches_a_flipped_byte_in_a_bundle(processed: Path) -> None:
    code, output = _verify(processed)
    assert code == 0 and output.count("valid") == 4, output
    flip_in_member(processed / "bundles" / f"{LETTER}.zip", f"{LETTER}/data/original/letter.png")
    for args in ((), ("--all",), (LETTER,)):
        code, output = _verify(processed, *args)
        assert code == 1, (args, output)
        assert f"INVALID {LETTER}" in output and f"bundles/{LETTER}.zip: " in output, output
    code, output = _verify(processed, TAPE)
    assert code == 0 and f"valid   {TAPE}" in output
    assert _verify(processed, LETTER, "--all")[0] == 2


def test_cli_verify_fails_on_an_empty_collection(tmp_path: Path) -> None:
    code, output = _verify(tmp_path)
    assert code == 1 and "No items" in output
