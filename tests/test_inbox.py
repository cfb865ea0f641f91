"""Inbox scanning, settling and claims."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from samizdat import inbox


def test_candidates_skip_sidecars_csv_hidden_and_partial_files(tmp_path: Path) -> None:
    for name in ["a.png", "a.png.yaml", "metadata.csv", ".hidden.pdf", "b.pdf.part", "c.wav"]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.tiff").write_bytes(b"x")
    names = sorted(p.name for p in inbox.list_candidates(tmp_path))
    assert names == ["a.png", "c.wav", "d.tiff"]


def test_young_files_wait_to_settle(tmp_path: Path) -> None:
    old, young = tmp_path / "old.png", tmp_path / "young.png"
    old.write_bytes(b"x")
    young.write_bytes(b"y")
    past = time.time() - 60
    os.utime(old, (past, past))
    assert inbox.settled([old, young], settle_s=30, wait=False) == [old]
    started = time.monotonic()
    assert set(inbox.settled([old, young], settle_s=1.0, wait=True)) == {old, young}
    assert time.monotonic() - started >= 0.5


def test_claim_is_exclusive_until_released(tmp_path: Path) -> None:
    first = inbox.try_claim(tmp_path, "ab" * 32, ttl_s=3600)
    assert first is not None
    assert inbox.try_claim(tmp_path, "ab" * 32, ttl_s=3600) is None
    first.release()
    assert inbox.try_claim(tmp_path, "ab" * 32, ttl_s=3600) is not None


def test_expired_claim_is_taken_over(tmp_path: Path) -> None:
    claim = inbox.try_claim(tmp_path, "cd" * 32, ttl_s=3600)
    assert claim is not None
    past = time.time() - 7200
    os.utime(claim.path, (past, past))
    assert inbox.try_claim(tmp_path, "cd" * 32, ttl_s=3600) is not None


def test_claim_of_a_dead_local_process_expires_at_once(tmp_path: Path) -> None:
    path = tmp_path / f"{'ef' * 32}.claim"
    import socket

    path.write_text(json.dumps({"host": socket.gethostname(), "pid": 2**22 + 12345, "at": "x"}))
    assert inbox.try_claim(tmp_path, "ef" * 32, ttl_s=3600) is not None


def test_sha256_and_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "letter.png"
    path.write_bytes(b"abc")
    (tmp_path / "letter.png.yaml").write_text("title: x\n")
    source = inbox.describe_source(path)
    assert source.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert source.item_id == "ba7816bf8f01"
    assert source.sidecar == tmp_path / "letter.png.yaml"


IGNORED = ["Thumbs.db", "THUMBS.DB", "desktop.ini", "Desktop.INI", ".DS_Store", "~$letter.docx", "scan.pdf.part",
           "scan.PDF.PART", "tape.wav.crdownload", ".~lock.inventory.ods#", "scan.tmp", "SCAN.TMP", "notes.txt~",
           "letter.pdf.YAML", "letter.pdf.Yml", "Metadata.CSV"]  # fmt: skip


def test_system_lock_and_partial_files_are_not_candidates(tmp_path: Path) -> None:
    for name in [*IGNORED, "letter.pdf", "thumbs.db.pdf", "part.pdf", "tmp-scan.png"]:
        (tmp_path / name).write_bytes(b"x")
    for name in IGNORED:
        assert not inbox.is_candidate(tmp_path / name), name
    names = sorted(p.name for p in inbox.list_candidates(tmp_path))
    assert names == ["letter.pdf", "part.pdf", "thumbs.db.pdf", "tmp-scan.png"]


def test_symlinked_items_are_not_candidates(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "secret.pdf"
    secret.parent.mkdir()
    secret.write_bytes(b"%PDF-1.4 secret")
    drop = tmp_path / "inbox"
    drop.mkdir()
    (drop / "innocent.pdf").symlink_to(secret)
    (drop / "real.pdf").write_bytes(b"%PDF-1.4")
    assert not inbox.is_candidate(drop / "innocent.pdf")
    assert [p.name for p in inbox.list_candidates(drop)] == ["real.pdf"]


def test_an_upper_case_sidecar_is_found_so_it_leaves_the_inbox_with_its_item(tmp_path: Path) -> None:
    path = tmp_path / "letter.png"
    path.write_bytes(b"abc")
    (tmp_path / "letter.png.YAML").write_text("title: x\n")
    assert inbox.describe_source(path).sidecar == tmp_path / "letter.png.YAML"


def test_a_symlinked_sidecar_is_never_the_source_sidecar(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("password: hunter2\n")
    path = tmp_path / "letter.png"
    path.write_bytes(b"abc")
    (tmp_path / "letter.png.yaml").symlink_to(tmp_path / "secret.txt")
    assert inbox.describe_source(path).sidecar is None  # packaging would otherwise copy the secret into the bag
