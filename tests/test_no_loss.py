"""Nothing is lost in the windows issue 18 found.

A crash at any rename of an update, a file that changes after its copy, a full disk during quarantine, claims left
by crashes, and a symlinked sidecar.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import bagit
import pytest
from PIL import Image

from samizdat import package, swap
from samizdat.bag import record_file
from samizdat.inbox import describe_source, sha256_of, try_claim
from samizdat.package import bundle_is_current, package_item, recover_interrupted, update_bag
from samizdat.pipeline import Pipeline
from samizdat.record import ItemRecord, ItemSource
from samizdat.settings import Settings
from tests.support.letters import write_letter


class Killed(BaseException):
    """A worker killed at this instant: nothing after it runs, no handler catches it."""


class _Countdown:
    """Kills the process (raises Killed) at the n-th step it is asked about."""

    def __init__(self, kill_at: int) -> None:
        self.kill_at = kill_at
        self.steps = 0

    def step(self) -> None:
        if self.steps == self.kill_at:
            raise Killed
        self.steps += 1


class _OsWithSteps:
    """The os module, with rename and replace counted as the steps a kill can land between."""

    def __init__(self, countdown: _Countdown) -> None:
        self._countdown = countdown

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)

    def rename(self, *args: Any) -> None:
        self._countdown.step()
        os.rename(*args)

    def replace(self, *args: Any) -> None:
        self._countdown.step()
        os.replace(*args)


def _counted(countdown: _Countdown, exchange: Any) -> Any:
    def counted(first: Path, second: Path) -> bool:
        countdown.step()
        return bool(exchange(first, second))

    return counted


def _published(settings: Settings, tmp_path: Path) -> str:
    original = tmp_path / "letter.txt"
    original.write_text("A letter from Moscow", encoding="utf-8")
    source = describe_source(original)
    metadata = ItemRecord(id=source.item_id, source=ItemSource(filename="letter.txt"))
    package_item(settings, source, "A letter", record_file(metadata))
    return source.item_id


@pytest.mark.parametrize("atomic_exchange", [True, False], ids=["renameat2-exchange", "two-renames"])
def test_a_kill_at_every_rename_of_an_update_leaves_a_whole_bag(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, atomic_exchange: bool
) -> None:
    item_id = _published(settings, tmp_path)
    if not atomic_exchange:
        monkeypatch.setattr(swap, "exchange", lambda first, second: False)
    kill_at = 0
    while True:
        countdown = _Countdown(kill_at)
        real_exchange = swap.exchange
        with monkeypatch.context() as patch:
            patch.setattr(swap, "os", _OsWithSteps(countdown))
            patch.setattr(package, "os", _OsWithSteps(countdown))
            patch.setattr(swap, "exchange", _counted(countdown, real_exchange))
            try:
                update_bag(settings, item_id, ItemRecord(id=item_id, version=kill_at + 2))
                finished = True
            except Killed:
                finished = False
        recover_interrupted(settings, ttl_s=-1)  # the next pass, after the worker died
        bag = settings.bag(item_id)
        bagit.Bag(str(bag.root)).validate()
        assert bag.record().version in {1, *(step + 2 for step in range(kill_at + 1))}
        assert bundle_is_current(settings, item_id), f"bundle of the bag in place after a kill at step {kill_at}"
        assert not list(settings.swaps_dir.glob("*.swap"))
        if finished:
            assert bag.record().version == kill_at + 2
            break
        kill_at += 1
    assert kill_at >= 2, "the update was interrupted at two steps at least"


def test_an_update_in_progress_is_not_undone_by_another_pass(settings: Settings, tmp_path: Path) -> None:
    item_id = _published(settings, tmp_path)
    journal = swap.SwapJournal(settings.swaps_dir)
    journal.begin(item_id)  # this (live) process is mid-swap
    os.rename(settings.items_dir / item_id, journal.retired(item_id))
    assert recover_interrupted(settings, ttl_s=300) == []
    assert not (settings.items_dir / item_id).exists(), "a live owner's swap is left alone"
    assert recover_interrupted(settings, ttl_s=-1) == [item_id]
    bagit.Bag(str(settings.items_dir / item_id)).validate()




@pytest.mark.slow
def test_a_file_that_changed_after_its_copy_stays_in_the_inbox(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = settings.inbox / "appeal.tiff"
    write_letter(path, "Exit visa refused again")
    pipeline = Pipeline(settings)
    pipeline.prepare()
    real_index = Pipeline.index_bag

    def grows_a_page_meanwhile(self: Pipeline, bag: Path) -> None:
        real_index(self, bag)
        first = Image.open(path)
        first.load()
        first.save(path, save_all=True, append_images=[first.copy()])  # a second page appended by the scanner

    monkeypatch.setattr(Pipeline, "index_bag", grows_a_page_meanwhile)
    outcome = pipeline.process_file(path)
    assert outcome.status == "deferred" and "changed" in (outcome.reason or "")
    assert path.exists(), "the two-page file was not deleted"
    assert Image.open(path).n_frames == 2
    monkeypatch.setattr(Pipeline, "index_bag", real_index)
    two_pages = sha256_of(path)[:12]
    again = pipeline.process_file(path)
    assert again.status == "published" and again.item_id == two_pages
    assert json.loads((settings.items_dir / again.item_id / "data" / "metadata.json").read_text())["content"][
        "pages"] == 2


@pytest.mark.slow
def test_a_full_disk_during_quarantine_leaves_the_file_in_the_inbox(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from samizdat import quarantine as quarantine_module

    bad = settings.inbox / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\ngarbage")
    pipeline = Pipeline(settings)
    pipeline.prepare()
    real_copy = quarantine_module.shutil.copy2

    def copy_then_disk_full(src: Any, dest: Any, **kwargs: Any) -> None:
        Path(dest).write_bytes(Path(src).read_bytes()[:5])  # a truncated copy, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(quarantine_module.os, "replace", _cross_device)
    monkeypatch.setattr(quarantine_module.shutil, "copy2", copy_then_disk_full)
    outcome = pipeline.process_file(bad)
    monkeypatch.setattr(quarantine_module.shutil, "copy2", real_copy)
    assert outcome.status == "stopped", outcome
    assert bad.read_bytes() == b"%PDF-1.4\ngarbage", "the original is untouched in the inbox"
    assert list(settings.quarantine_dir.iterdir()) == [], "no truncated copy, no report for a move that failed"


def _cross_device(*args: Any) -> None:
    raise OSError(18, "Invalid cross-device link")


def test_claims_left_by_dead_workers_are_swept(settings: Settings) -> None:
    claim = try_claim(settings.claims_dir, "ab" * 32, ttl_s=300)
    assert claim is not None
    claim.path.write_text(json.dumps({"host": os.uname().nodename, "pid": 2**22 + 7, "at": "x"}))  # a dead pid
    live = try_claim(settings.claims_dir, "cd" * 32, ttl_s=300)
    assert live is not None
    Pipeline(settings).prepare()
    assert claim.path.exists(), "a dead worker's claim says for a while that its run died"
    old = time.time() - settings.claim_ttl_s - 60
    os.utime(claim.path, (old, old))
    Pipeline(settings).prepare()
    assert not claim.path.exists() and live.path.exists()


def test_a_symlinked_sidecar_is_never_copied_into_a_bag(settings: Settings, tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$secret-hash:19000:0:99999:7:::\n")
    original = settings.inbox / "x.txt"
    original.write_text("a letter")
    (settings.inbox / "x.txt.yaml").symlink_to(secret)
    source = describe_source(original)
    object.__setattr__(source, "sidecar", settings.inbox / "x.txt.yaml")  # even if a reader handed it over
    bag = package_item(settings, source, "x", {"metadata.json": b"{}"})
    payload = b"".join(p.read_bytes() for p in bag.rglob("*") if p.is_file())
    assert b"secret-hash" not in payload
    assert not (bag / "data" / "original" / "x.txt.yaml").exists()
