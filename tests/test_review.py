"""Archivist review (issue 17): a correction is a new, validated version; the old one is kept and verifies.

A real two-page letter (typed pages read by Tesseract) is published through the pipeline, then corrected.
"""

from __future__ import annotations

import json
from pathlib import Path

import bagit
import pytest
from PIL import Image

from samizdat.errors import BadInputError
from samizdat.fixity import verify_item
from samizdat.pipeline import Pipeline
from samizdat.review import ReviewAction, ReviewRequest, apply_review, item_versions, review_queue
from samizdat.search import SearchQuery, open_index
from samizdat.settings import Settings
from tests.support.letters import write_letter

pytestmark = pytest.mark.slow

PAGE_1 = "Let my people go"
PAGE_2 = "Exit visa refused again"
TYPED = "Ida Nudel wrote from Bendery"


def _metadata(settings: Settings, item_id: str) -> dict:
    return json.loads((settings.items_dir / item_id / "data" / "metadata.json").read_text(encoding="utf-8"))


def _hits(settings: Settings, words: str) -> list:
    index = open_index(settings.database_url, settings.catalog_path)
    try:
        return index.search(SearchQuery(words))
    finally:
        index.close()


@pytest.fixture(scope="module")
def letter(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str]:
    """A published two-page letter (a multi-page TIFF), read by Tesseract."""
    root = tmp_path_factory.mktemp("review")
    settings = Settings(inbox=root / "inbox", processed=root / "processed", settle_s=0)
    settings.inbox.mkdir()
    pages = []
    for number, words in enumerate((PAGE_1, PAGE_2), 1):
        write_letter(root / f"p{number}.png", words)
        pages.append(Image.open(root / f"p{number}.png"))
    pages[0].save(settings.inbox / "letter.tiff", save_all=True, append_images=pages[1:], dpi=(300, 300))
    with Pipeline(settings) as pipeline:
        outcome = pipeline.process_file(settings.inbox / "letter.tiff")
    assert outcome.status == "published", outcome
    assert outcome.item_id is not None
    return settings, outcome.item_id


@pytest.fixture(scope="module")
def corrected(letter: tuple[Settings, str]) -> tuple[Settings, str, dict]:
    """Page 2's text replaced by the archivist's; returns the metadata before."""
    settings, item_id = letter
    before = _metadata(settings, item_id)
    assert [h.page for h in _hits(settings, "refused")] == [2]
    result = apply_review(settings, ReviewRequest(item_id=item_id, action=ReviewAction.REPLACE_TEXT, pages=[2],
                                                  text=TYPED, user="rachel", note="read from the carbon"))
    assert result.version == 2 and "data/text.txt" in result.changed
    return settings, item_id, before


def test_replacing_a_page_makes_a_valid_new_version_and_keeps_the_old(corrected: tuple[Settings, str, dict]) -> None:
    settings, item_id, _ = corrected
    bag = settings.items_dir / item_id
    bagit.Bag(str(bag)).validate()
    assert (bag / "data" / "text.txt").read_text().split("\f")[1] == TYPED
    assert not (bag / "data" / "pages" / "0002.hocr").exists(), "the machine's word boxes for page 2 are dropped"
    assert (bag / "data" / "pages" / "0001.hocr").exists()
    kept = settings.processed / "versions" / item_id / "v1"
    bagit.Bag(str(kept)).validate()
    assert "refused" in (kept / "data" / "text.txt").read_text()
    assert (kept / "data" / "pages" / "0002.hocr").exists()
    original = Path("data") / "original" / "letter.tiff"
    assert (kept / original).stat().st_ino == (bag / original).stat().st_ino, "one copy of the scan, linked"
    assert (kept / "manifest-sha256.txt").stat().st_ino != (bag / "manifest-sha256.txt").stat().st_ino
    fixity = verify_item(settings.processed, item_id)
    assert fixity.ok and fixity.versions_checked == 1, fixity.problems


def test_fixity_finds_a_damaged_kept_version(corrected: tuple[Settings, str, dict], tmp_path: Path) -> None:
    settings, item_id, _ = corrected
    import shutil

    copy = tmp_path / "processed"
    shutil.copytree(settings.processed, copy, symlinks=True)
    target = copy / "versions" / item_id / "v1" / "data" / "text.txt"
    target.unlink()  # a copy of the hard link: changing it leaves the real archive alone
    target.write_text("tampered")
    problems = verify_item(copy, item_id).problems
    assert any(p.startswith(f"versions/{item_id}/v1") for p in problems), problems


def test_search_finds_the_new_words_and_not_the_old(corrected: tuple[Settings, str, dict]) -> None:
    settings, item_id, _ = corrected
    assert [(h.item_id, h.page) for h in _hits(settings, "Bendery")] == [(item_id, 2)]
    assert _hits(settings, "refused") == []
    assert [h.page for h in _hits(settings, "people")] == [1]


def test_history_says_who_changed_what_and_when(corrected: tuple[Settings, str, dict]) -> None:
    settings, item_id, before = corrected
    metadata = _metadata(settings, item_id)
    assert "version" not in before and metadata["version"] == 2
    (change,) = metadata["history"]
    assert change["version"] == 2 and change["by"] == "rachel" and change["action"] == "replace-text"
    assert change["pages"] == [2] and change["note"] == "read from the carbon" and change["at"]
    assert metadata["content"]["checked_pages"] == [2]
    assert metadata["content"]["page_methods"]["2"] == "archivist"
    versions = item_versions(settings, item_id)
    assert [(v.version, v.current, v.action) for v in versions] == [(1, False, "published"),
                                                                    (2, True, "replace-text")]
    assert versions[0].path == f"versions/{item_id}/v1"


def test_the_bundle_is_rebuilt_with_the_new_version(corrected: tuple[Settings, str, dict]) -> None:
    import zipfile

    settings, item_id, _ = corrected
    with zipfile.ZipFile(settings.bundles_dir / f"{item_id}.zip") as archive:
        assert archive.read(f"{item_id}/data/text.txt").decode().split("\f")[1] == TYPED


def test_a_bad_request_is_refused_with_a_sentence(letter: tuple[Settings, str]) -> None:
    settings, item_id = letter
    with pytest.raises(BadInputError, match="has 2 page"):
        apply_review(settings, ReviewRequest(item_id=item_id, action=ReviewAction.ACCEPT, pages=[5]))
    with pytest.raises(BadInputError, match="not an item id"):
        apply_review(settings, ReviewRequest(item_id="../../etc", action=ReviewAction.ACCEPT, pages=[1]))
    with pytest.raises(BadInputError, match="no published item"):
        apply_review(settings, ReviewRequest(item_id="000000000000", action=ReviewAction.ACCEPT, pages=[1]))
    with pytest.raises(BadInputError, match="is a recording|time range"):
        apply_review(settings, ReviewRequest(item_id=item_id, action=ReviewAction.RENAME_SPEAKER, speaker="S2",
                                             new_name="Boris"))


def test_the_portal_marks_the_checked_page_and_staff_see_earlier_versions(
    corrected: tuple[Settings, str, dict],
) -> None:
    import re

    from fastapi.testclient import TestClient

    from samizdat.portal import create_app

    settings, item_id, _ = corrected
    with TestClient(create_app(settings.processed, staff_token="s3cret")) as client:
        page = client.get(f"/items/{item_id}").text
        sections = dict(re.findall(r'<section class="page[^"]*" id="page-(\d+)".*?</section>', page, re.S) and
                        [(m.group(1), m.group(0)) for m in
                         re.finditer(r'<section class="page[^"]*" id="page-(\d+)".*?</section>', page, re.S)])
        assert "Checked by an archivist" in sections["2"] and "Checked by an archivist" not in sections["1"]
        assert TYPED in sections["2"]
        assert client.get(f"/items/{item_id}/versions").status_code == 404, "earlier versions are for staff"
        staff = {"X-Staff-Token": "s3cret"}
        listing = client.get(f"/items/{item_id}/versions", headers=staff)
        assert listing.status_code == 200
        assert re.findall(r'data-version="(\d+)"', listing.text)[:2] == ["1", "2"]
        assert "rachel" in listing.text and "replace-text" in listing.text
        old = client.get(f"/items/{item_id}/versions/1", headers=staff)
        assert old.status_code == 200 and "refused" in old.text and TYPED not in old.text
        assert client.get(f"/items/{item_id}/versions/9", headers=staff).status_code == 404
        assert f'href="/items/{item_id}/versions"' in client.get(f"/items/{item_id}", headers=staff).text


def test_the_corrected_text_is_described_again(corrected: tuple[Settings, str, dict]) -> None:
    settings, item_id, before = corrected
    metadata = _metadata(settings, item_id)
    assert "ida-nudel" not in [e["id"] for e in before["entities"]]
    assert "ida-nudel" in [e["id"] for e in metadata["entities"]], "the typed text names Ida Nudel"
    assert metadata["dc"]["relation"], "and that links the letter to an article"
    assert item_id not in [e.item_id for e in review_queue(settings)]


def test_links_added_and_removed_by_hand_outlast_a_relink(corrected: tuple[Settings, str, dict]) -> None:
    from samizdat.catalogue import archive_catalogue
    from samizdat.relink import confirm_link, relink_item

    settings, item_id, _ = corrected
    article = "gorbachev-opened-the-gates"
    apply_review(settings, ReviewRequest(item_id=item_id, action=ReviewAction.ADD_LINK, article_id=article))
    metadata = _metadata(settings, item_id)
    assert article in metadata["dc"]["relation"] and metadata["articles"][-1]["by"] == "archivist"
    assert item_id not in [e.item_id for e in review_queue(settings) if "no article link" in e.reasons]
    apply_review(settings, ReviewRequest(item_id=item_id, action=ReviewAction.REMOVE_LINK, article_id=article))
    metadata = _metadata(settings, item_id)
    assert article not in metadata["dc"]["relation"] and metadata["unlinked"][0]["id"] == article
    relink_item(settings, item_id, archive_catalogue(settings.processed, settings.catalogue_dir))
    assert article not in _metadata(settings, item_id)["dc"]["relation"]
    version = _metadata(settings, item_id)["version"]
    confirm_link(settings, item_id, article, "on second thought")  # `samizdat articles confirm`: a version too
    metadata = _metadata(settings, item_id)
    assert article in metadata["dc"]["relation"] and metadata["unlinked"] == []
    assert metadata["version"] == version + 1 and metadata["history"][-1]["action"] == "add-link"
    apply_review(settings, ReviewRequest(item_id=item_id, action=ReviewAction.REMOVE_LINK, article_id=article))
    assert [v.version for v in item_versions(settings, item_id)] == list(range(1, version + 3))
    assert verify_item(settings.processed, item_id).ok


def test_samizdat_reprocess_keeps_the_archivists_correction(
    corrected: tuple[Settings, str, dict], prefect_harness: None
) -> None:
    from typer.testing import CliRunner

    from samizdat.cli import app

    settings, item_id, _ = corrected
    before = _metadata(settings, item_id)
    result = CliRunner().invoke(app, ["reprocess", item_id, "--processed", str(settings.processed)])
    assert result.exit_code == 0 and "reprocessed" in result.output, result.output
    metadata = _metadata(settings, item_id)
    pages = (settings.items_dir / item_id / "data" / "text.txt").read_text().split("\f")
    assert pages[1] == TYPED and PAGE_1.split()[-1] in pages[0]
    assert metadata["history"][: len(before["history"])] == before["history"]
    assert metadata["history"][-1]["action"] == "reprocess" and metadata["version"] == before["version"] + 1
    assert metadata["content"]["checked_pages"] == [2]
    assert metadata.get("unlinked") == before.get("unlinked")
    assert not (settings.items_dir / item_id / "data" / "pages" / "0002.hocr").exists()
    assert [v.version for v in item_versions(settings, item_id)] == list(range(1, metadata["version"] + 1))
    assert _hits(settings, "refused") == [] and [h.page for h in _hits(settings, "Bendery")] == [2]
    assert verify_item(settings.processed, item_id).ok


@pytest.fixture
def misread(settings: Settings, tmp_path: Path) -> str:
    """An English letter its sidecar wrongly says is Russian, read without OSD: Tesseract's `rus` makes garbage."""
    write_letter(settings.inbox / "visa.png", "Exit visa refused again")
    (settings.inbox / "visa.png.yaml").write_text("language: ru\n")
    blind = settings.model_copy(update={"ocr": settings.ocr.model_copy(update={"orientation": False})})
    with Pipeline(blind) as pipeline:
        outcome = pipeline.process_file(settings.inbox / "visa.png")
    assert outcome.item_id is not None
    return outcome.item_id


def test_reading_again_in_the_right_language_replaces_a_poor_reading(settings: Settings, misread: str) -> None:
    bag = settings.items_dir / misread
    before = _metadata(settings, misread)
    assert "refused" not in (bag / "data" / "text.txt").read_text()
    old_hocr = (bag / "data" / "pages" / "0001.hocr").read_text()
    result = apply_review(settings, ReviewRequest(item_id=misread, action=ReviewAction.READ_AGAIN, pages=[1],
                                                  languages=["en"]))
    assert "read again in eng" in result.summary, result.summary
    assert "Exit visa refused again" in (bag / "data" / "text.txt").read_text()
    assert (bag / "data" / "pages" / "0001.hocr").read_text() != old_hocr
    metadata = _metadata(settings, misread)
    assert metadata["content"]["page_languages"]["1"] == ["en"] and metadata["version"] == 2
    assert before["content"]["review_pages"] and metadata["content"]["review_pages"] == []
    assert [h.page for h in _hits(settings, "refused")] == [1]
    worse = apply_review(settings, ReviewRequest(item_id=misread, action=ReviewAction.READ_AGAIN, pages=[1],
                                                 languages=["ru"]))
    assert "kept the published reading" in worse.summary, worse.summary
    assert "Exit visa refused again" in (bag / "data" / "text.txt").read_text()
    metadata = _metadata(settings, misread)
    assert [c["action"] for c in metadata["history"]] == ["read-again", "read-again"]
    assert metadata["version"] == 3
    assert verify_item(settings.processed, misread).ok


def test_accept_and_marks_from_the_command_line(settings: Settings, misread: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from samizdat.cli import app

    def samizdat(*args: str) -> str:
        result = CliRunner().invoke(app, [*args, "--processed", str(settings.processed)])
        assert result.exit_code == 0, result.output
        return result.output

    samizdat("review", misread, "--action", "mark-handwritten", "--page", "1", "--note", "a hand, not type")
    metadata = _metadata(settings, misread)
    assert metadata["content"]["review_pages"][0]["reason"] == "handwritten"
    assert metadata["content"]["review_pages"][0]["by"] == "archivist"
    assert metadata["content"]["checked_pages"] == [1]
    assert misread not in [e.item_id for e in review_queue(settings) if e.pages]
    samizdat("review", misread, "--action", "accept", "--page", "1")
    assert _metadata(settings, misread)["content"]["review_pages"] == []
    (tmp_path / "page.txt").write_text("Exit visa refused again\n", encoding="utf-8")
    samizdat("review", misread, "--action", "replace-text", "--page", "1", "--text-file", str(tmp_path / "page.txt"))
    assert (settings.items_dir / misread / "data" / "text.txt").read_text() == "Exit visa refused again"
    history = samizdat("history", misread)
    assert [line.split()[0] for line in history.splitlines()] == ["v1", "v2", "v3", "v4"]
    assert "mark-handwritten  pages 1  note: a hand, not type" in history


def test_a_reprocess_carries_marks_and_keeps_an_accept_only_while_the_page_reads_the_same(tmp_path: Path) -> None:
    from samizdat.bag import PublishedBag
    from samizdat.record import ItemRecord
    from samizdat.review.reapply import carry_review

    bag = PublishedBag(tmp_path / "bag")
    bag.data.mkdir(parents=True)
    bag.text_path.write_text("one\ftwo\fthree")
    previous = {"id": "0123456789ab", "kind": "image", "version": 4, "content": {"checked_pages": [1, 2, 3]},
                "history": [
        {"version": 2, "at": "t", "by": "a", "action": "accept", "pages": [1, 2]},
        {"version": 3, "at": "t", "by": "a", "action": "mark-illegible", "pages": [3]},
        {"version": 4, "at": "t", "by": "a", "action": "remove-link", "article_id": "x"}],
        "unlinked": [{"id": "x", "by": "archivist"}]}
    fresh = {"id": "0123456789ab", "kind": "image",
             "content": {"review_pages": [{"page": 1, "reason": "low-quality", "score": 0.4},
                                          {"page": 2, "reason": "low-quality", "score": 0.3}]}}
    carried = carry_review(ItemRecord.model_validate(fresh), ItemRecord.model_validate(previous), bag,
                           ["one", "TWO?", "three"], "now").as_dict()
    assert carried["content"]["review_pages"] == [
        {"page": 2, "reason": "low-quality", "score": 0.3},
        {"page": 3, "reason": "illegible", "score": None, "by": "archivist"}]
    assert carried["content"]["checked_pages"] == [1, 3]
    assert carried["unlinked"] == previous["unlinked"] and carried["version"] == 5
    assert [c["action"] for c in carried["history"]] == ["accept", "mark-illegible", "remove-link", "reprocess"]
