"""`review-item` through the REST API of a real `samizdat serve`: corrections become new versions; the form in Chromium.

A two-page letter and a two-voice interview are published first with the real engines (Tesseract, Whisper,
the speaker encoder), then `samizdat serve` comes up over that processed folder, and each review is a flow run
created through the API, as the UI's form creates it.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
import uuid
import wave
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bagit
import numpy as np
import pytest
from PIL import Image

from samizdat.pipeline import Pipeline
from samizdat.review import ReviewAction
from samizdat.settings import Settings
from tests.support.letters import write_letter
from tests.support.served import SCREENSHOTS, free_port, post, samizdat_serve, wait_for
from tests.test_asr_speakers import NS as OHMS
from tests.test_asr_speakers import RATE, TURNS, VOICES, _espeak
from tests.test_portal_fixtures import chromium

pytestmark = [pytest.mark.slow, pytest.mark.serve]

PAGE_1 = "Dear friends in Vienna"
PAGE_2_OLD = "The visa office refused us again"
PAGE_2_NEW = "Permission finally arrived in March"
NARRATOR = "Boris Kaplan"
FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def get_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return str(response.read().decode("utf-8"))


def write_two_page_letter(path: Path) -> None:
    pages = []
    for number, words in enumerate((PAGE_1, PAGE_2_OLD), start=1):
        page = path.with_name(f"page-{number}.png")
        write_letter(page, words)
        pages.append(Image.open(page))
    pages[0].save(path, save_all=True, append_images=pages[1:], dpi=(300, 300), compression="tiff_lzw")


def write_interview(path: Path, folder: Path) -> None:
    """The two-voice interview of test_asr_speakers (interviewer first, the narrator answers), 0.6 s between turns."""
    pieces: list[np.ndarray] = [np.zeros(RATE // 2, dtype=np.float32)]
    for who, text in TURNS:
        speech = _espeak(text, *VOICES[who], folder)
        pieces += [0.6 * speech / np.max(np.abs(speech)), np.zeros(int(0.6 * RATE), dtype=np.float32)]
    audio = np.concatenate(pieces)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The letter and the interview, published; the interview's speakers unnamed ("Speaker 1", "Speaker 2")."""
    root = tmp_path_factory.mktemp("review")
    inbox, processed = root / "inbox", root / "processed"
    inbox.mkdir()
    made = root / "made"
    made.mkdir()
    write_two_page_letter(made / "letter.tiff")
    write_interview(made / "interview.wav", made)
    settings = Settings(inbox=inbox, processed=processed, settle_s=0)
    ids = {}
    with Pipeline(settings) as pipeline:
        pipeline.prepare()
        for name, sidecar in (("letter.tiff", "title: Letter to Vienna\nlanguage: en\n"),
                              ("interview.wav", "title: Leaving Moscow\nlanguage: en\nspeakers: 2\n")):
            (inbox / name).write_bytes((made / name).read_bytes())
            (inbox / f"{name}.yaml").write_text(sidecar, encoding="utf-8")
            outcome = pipeline.process_file(inbox / name)
            assert outcome.status == "published", outcome.reason
            ids[name] = str(outcome.item_id)
    return {"root": root, "inbox": inbox, "processed": processed, "letter": ids["letter.tiff"],
            "interview": ids["interview.wav"]}


@pytest.fixture(scope="module")
def served(collection: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """`samizdat serve` over the published collection, once its `review-item/form` deployment is registered."""
    root = collection["root"]
    port, portal_port = free_port(), free_port()
    with samizdat_serve(root, collection["inbox"], collection["processed"], SAMIZDAT_PREFECT_PORT=str(port),
                        SAMIZDAT_PORTAL_URL=f"http://127.0.0.1:{portal_port}") as api:
        deployment = wait_for(lambda: _deployment(api), 120, "the review-item/form deployment")
        portal = f"http://127.0.0.1:{portal_port}"
        wait_for(lambda: urllib.request.urlopen(f"{portal}/", timeout=2).status == 200, 120, "the portal")
        yield {**collection, "api": api, "port": port, "portal": portal, "deployment": deployment}


def _deployment(api: str) -> str | None:
    found = post(f"{api}/deployments/filter", {"flows": {"name": {"any_": ["review-item"]}},
                                               "deployments": {"name": {"any_": ["form"]}}})
    return str(found[0]["id"]) if found else None


def review(served: dict[str, Any], **parameters: Any) -> dict[str, Any]:
    """Create a `review-item` run through the API, as the form does; its final state."""
    # The server answers 503 while SQLite is busy (flows/prefect_env.py): retry, under a key that makes one run.
    body = {"parameters": parameters, "idempotency_key": str(uuid.uuid4())}
    run = wait_for(lambda: post(f"{served['api']}/deployments/{served['deployment']}/create_flow_run", body), 60,
                   "the review run to be created")
    url = f"{served['api']}/flow_runs/{run['id']}"
    return dict(wait_for(lambda: (r := get(url))["state"]["type"] in FINAL and r, 300, "the review run"))


def metadata(processed: Path, item_id: str) -> dict[str, Any]:
    return dict(json.loads((processed / "items" / item_id / "data" / "metadata.json").read_text("utf-8")))


def valid_bag(path: Path) -> bool:
    bag = bagit.Bag(str(path))
    bag.validate()  # raises with every problem
    return True


def search(served: dict[str, Any], words: str) -> set[str]:
    found = get(f"{served['portal']}/api/search?{urllib.parse.urlencode({'q': words})}")
    return {hit["item_id"] for hit in found["hits"]}


def artifacts(api: str, key: str) -> list[dict[str, Any]]:
    """The artifacts under a key, newest first (retried through the server's busy 503s)."""
    body = {"artifacts": {"key": {"any_": [key]}}, "sort": "CREATED_DESC"}
    return list(wait_for(lambda: post(f"{api}/artifacts/filter", body), 60, f"the {key} artifacts"))


def test_replacing_page_2_of_a_letter_is_a_new_verified_version(served: dict[str, Any]) -> None:
    processed, item = served["processed"], served["letter"]
    assert item in search(served, "refused")
    run = review(served, item_id=item, action="replace-text", pages=[2], text=PAGE_2_NEW, user="Ruth",
                 note="read from the carbon copy")
    assert run["state"]["type"] == "COMPLETED", run["state"]

    assert valid_bag(processed / "items" / item)
    assert valid_bag(processed / "versions" / item / "v1")
    kept = (processed / "versions" / item / "v1" / "data").rglob("*.txt")
    assert any("refused" in path.read_text("utf-8", errors="replace") for path in kept), "v1 keeps the old text"

    assert item in search(served, "permission")
    assert item not in search(served, "refused")

    meta = metadata(processed, item)
    assert meta["version"] == 2
    change = meta["history"][-1]
    assert (change["version"], change["by"], change["action"], change["pages"]) == (2, "Ruth", "replace-text", [2])
    assert change["at"]

    summary = artifacts(served["api"], f"review-{item}")[0]
    assert summary["flow_run_id"] == run["id"] and "version 2" in summary["data"]
    queue = artifacts(served["api"], "review-queue")[0]
    assert queue["flow_run_id"] == run["id"]
    rows = json.loads(queue["data"])
    assert item in {row["item"] for row in rows}, "no article link: still in the queue"
    assert all(row["portal"] == f"{served['portal']}/items/{row['item']}" for row in rows)

    html = get_text(f"{served['portal']}/items/{item}").lower()
    page_1, page_2 = html[html.index('id="page-1"'):html.index('id="page-2"')], html[html.index('id="page-2"'):]
    assert "checked by an archivist" in page_2 and "checked by an archivist" not in page_1


def test_renaming_speaker_2_changes_every_transcript_format(served: dict[str, Any]) -> None:
    processed, item = served["processed"], served["interview"]
    data = processed / "items" / item / "data"
    before = {name: (data / name).read_text("utf-8") for name in FORMATS}
    assert all("Speaker 2" in text for text in before.values()), "the narrator is unnamed before the review"

    run = review(served, item_id=item, action="rename-speaker", speaker="Speaker 2", new_name=NARRATOR)
    assert run["state"]["type"] == "COMPLETED", run["state"]

    after = {name: (data / name).read_text("utf-8") for name in FORMATS}
    for name, text in after.items():
        assert NARRATOR in text and "Speaker 2" not in text, name
    assert re.search(rf"<v {NARRATOR}>", after["transcript.vtt"])
    assert re.search(rf"^{NARRATOR}: ", after["transcript.srt"], re.MULTILINE)
    speakers = {s["id"]: s["name"] for s in json.loads(after["transcript.json"])["speakers"]}
    assert speakers["S2"] == NARRATOR and speakers["S1"] == "Speaker 1"
    record = ET.fromstring(after["transcript.ohms.xml"]).find("o:record", OHMS)
    assert record is not None
    assert any(line.startswith(f"{NARRATOR}: ") for line in (record.findtext("o:transcript", namespaces=OHMS) or
                                                            "").split("\n"))

    assert valid_bag(processed / "items" / item)
    old = processed / "versions" / item / "v1"
    assert valid_bag(old)
    assert "Speaker 2" in (old / "data" / "transcript.vtt").read_text("utf-8")
    assert metadata(processed, item)["history"][-1]["action"] == "rename-speaker"
    assert item in search(served, "Kaplan")


FORMATS = ("transcript.vtt", "transcript.srt", "transcript.json", "transcript.ohms.xml")


def test_a_bad_request_fails_with_the_archivists_sentence_and_changes_nothing(served: dict[str, Any]) -> None:
    processed, item = served["processed"], served["letter"]
    version = metadata(processed, item)["version"]
    run = review(served, item_id=item, action="replace-text", pages=[9], text="nothing")
    assert run["state"]["type"] == "FAILED"
    message = run["state"]["message"]
    assert "9" in message and "encountered an exception" not in message and "Traceback" not in message, message
    assert metadata(processed, item)["version"] == version


def test_the_prefect_ui_shows_the_review_form_with_its_action_choices(served: dict[str, Any]) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / "prefect-ui-review-form.png"
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"http://127.0.0.1:{served['port']}/deployments/deployment/{served['deployment']}/run",
                  wait_until="networkidle")
        field = page.locator(".schema-form-property").filter(has_text="What to do")
        select = field.locator("button.p-select-button__control")
        select.focus()
        select.press("ArrowDown")  # opens the choice list (a click toggles it in prefect-design's p-select)
        options = page.locator("[role=listbox] [role=option]")
        options.first.wait_for(timeout=60_000)
        shown = options.all_inner_texts()
        page.screenshot(path=str(shot), full_page=True)
    assert shown == [action.value for action in ReviewAction], shown
    print(f"screenshot: {shot}")
