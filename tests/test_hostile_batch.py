"""One inbox of what hostile and careless users drop (issues 13 and 18).

The pass completes, every good file is published, restricted stays restricted, nothing is lost, and nothing a link
points to is copied.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from samizdat.settings import Settings
from tests.support.letters import write_letter

pytestmark = pytest.mark.slow

BILLION_LAUGHS = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n" + "".join(
    f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)},"
    f"*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)}]\n" for n in range(8)
) + "title: *i\naccess: open\n"
SECRET = "root:$6$very-secret-hash:19000:0:99999:7:::"
EXCEL_CSV = (
    "filename;title;date;creator\r\n"
    'interview.png;"Interview with Dina Gurevich, ""second session""";March 1978;Дина Гуревич\r\n'
)




@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> dict[str, Any]:
    from flows.inbox import process_inbox
    from flows.runtime import quiet_flow_runs

    root = tmp_path_factory.mktemp("hostile")
    inbox, processed = root / "inbox", root / "processed"
    inbox.mkdir()
    write_letter(inbox / "good.png", "Let my people go")
    write_letter(inbox / "laughs.png", "A letter with a bomb beside it")
    (inbox / "laughs.png.yaml").write_text(BILLION_LAUGHS, encoding="utf-8")
    write_letter(inbox / "big.png", "A letter with a huge sidecar")
    (inbox / "big.png.yaml").write_bytes(b"title: " + b"x" * (50 * 2**20) + b"\n")
    write_letter(inbox / "linked.png", "A letter with a linked sidecar")
    (root / "shadow").write_text(SECRET + "\n", encoding="utf-8")
    (inbox / "linked.png.yaml").symlink_to(root / "shadow")
    write_letter(inbox / "upper.png", "A letter with an upper-case sidecar")
    (inbox / "upper.png.YAML").write_text("title: Upper case sidecar\naccess: restricted\n", encoding="utf-8")
    write_letter(inbox / "colon.png", "A letter with a colon in its title")
    (inbox / "colon.png.yaml").write_text("title: Letter: from Moscow\naccess:\trestricted\n", encoding="utf-8")
    write_letter(inbox / "interview.png", "Interview transcript")
    (inbox / "metadata.csv").write_bytes(EXCEL_CSV.encode("cp1251"))
    Image.new("1", (28000, 28000), 1).save(inbox / "huge.png")
    for junk in ("Thumbs.db", "desktop.ini", "~$letter.docx", "scan.pdf.part", ".~lock.notes.odt#"):
        (inbox / junk).write_bytes(b"\x00junk")
    settings = Settings(inbox=inbox, processed=processed, settle_s=0)
    with quiet_flow_runs():
        outcomes = process_inbox(str(inbox), str(processed))
    return {"settings": settings, "root": root, "outcomes": {o["filename"]: o for o in outcomes}}


def _metadata(batch: dict[str, Any], filename: str) -> dict[str, Any]:
    outcome = batch["outcomes"][filename]
    assert outcome["status"] == "published", outcome
    path = batch["settings"].items_dir / outcome["item_id"] / "data" / "metadata.json"
    assert path.stat().st_size < 200_000, "metadata.json stays small whatever the sidecar"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_the_good_file_is_published_open(batch: dict[str, Any]) -> None:
    assert _metadata(batch, "good.png")["access"] == "open"


@pytest.mark.parametrize("filename", ["laughs.png", "big.png", "linked.png"])
def test_unreadable_or_unsafe_sidecars_restrict_their_item(batch: dict[str, Any], filename: str) -> None:
    metadata = _metadata(batch, filename)
    assert metadata["access"] == "restricted"
    assert metadata.get("access_reason")


def test_nothing_a_link_points_to_is_copied(batch: dict[str, Any]) -> None:
    settings: Settings = batch["settings"]
    for path in settings.processed.rglob("*"):
        if path.is_file():
            assert b"very-secret-hash" not in path.read_bytes(), path
    assert (settings.inbox / "linked.png.yaml").is_symlink(), "the link is left alone"


def test_upper_case_and_colon_sidecars_are_applied_and_released(batch: dict[str, Any]) -> None:
    assert _metadata(batch, "upper.png")["dc"]["title"] == "Upper case sidecar"
    assert _metadata(batch, "upper.png")["access"] == "restricted"
    assert _metadata(batch, "colon.png")["access"] == "restricted"
    assert not (batch["settings"].inbox / "upper.png.YAML").exists()


def test_an_excel_csv_is_read_as_the_archivist_wrote_it(batch: dict[str, Any]) -> None:
    dc = _metadata(batch, "interview.png")["dc"]
    assert dc["title"] == 'Interview with Dina Gurevich, "second session"'
    assert dc["date"] == "1978-03"
    assert dc["creator"] == "Дина Гуревич"


def test_a_huge_page_is_quarantined_with_its_reason(batch: dict[str, Any]) -> None:
    outcome = batch["outcomes"]["huge.png"]
    assert outcome["status"] == "quarantined" and "megapixels" in outcome["reason"]


def test_system_and_partial_files_are_left_alone(batch: dict[str, Any]) -> None:
    settings: Settings = batch["settings"]
    left = {p.name for p in settings.inbox.iterdir()}
    assert {"Thumbs.db", "desktop.ini", "~$letter.docx", "scan.pdf.part", ".~lock.notes.odt#"} <= left
    assert not [n for n in batch["outcomes"] if n in left and n != "linked.png.yaml"]
    assert not [p for p in settings.quarantine_dir.iterdir() if "Thumbs" in p.name]


def test_no_public_route_shows_a_restricted_item(batch: dict[str, Any]) -> None:
    from samizdat.portal import create_app

    settings: Settings = batch["settings"]
    restricted = [o for o in batch["outcomes"].values() if o["status"] == "published" and o["restricted"]]
    assert len(restricted) >= 5
    with TestClient(create_app(settings.processed, None)) as client:
        listing = client.get("/api/search", params={"q": "letter"}).text
        for outcome in restricted:
            assert outcome["item_id"] not in listing
            for route in (f"/items/{outcome['item_id']}", f"/api/items/{outcome['item_id']}",
                          f"/items/{outcome['item_id']}/bundle.zip"):
                assert client.get(route).status_code == 404, route


def test_staff_see_why_an_item_was_restricted(batch: dict[str, Any]) -> None:
    from samizdat.portal import create_app

    settings: Settings = batch["settings"]
    item_id = batch["outcomes"]["laughs.png"]["item_id"]
    with TestClient(create_app(settings.processed, None, staff_token="t0ken")) as client:
        page = client.get(f"/items/{item_id}", headers={"X-Staff-Token": "t0ken"})
    assert page.status_code == 200
    assert "Restricted because" in page.text and "laughs.png.yaml" in page.text
