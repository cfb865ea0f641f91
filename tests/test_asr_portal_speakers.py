"""Speakers in the portal: the synced transcript names who speaks, and speaker names are searchable."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from samizdat.portal import create_app
from samizdat.portal.bags import read_item
from samizdat.search import item_from_bag, open_index
from tests.test_portal_fixtures import _bag, _metadata

ITEM = "c2c2c2c2c2c2"
SEGMENTS = [
    {"start": 0.5, "end": 3.0, "text": "When did you first apply?", "speaker": "S1"},
    {"start": 3.2, "end": 6.0, "text": "In the spring of 1972.", "speaker": "S2"},
    {"start": 6.0, "end": 9.0, "text": "The answer took eleven months.", "speaker": "S2"},
]
SPEAKERS = [
    {"id": "S1", "name": "Ruth Adler", "role": "interviewer", "speech_s": 2.5},
    {"id": "S2", "name": "Boris Kaplan", "role": "interviewee", "speech_s": 5.8},
]


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("processed")
    metadata = _metadata(ITEM, "audio", "kaplan.mp3", "Interview with Boris Kaplan", "open", "en", "1998", [], [])
    bag_dir = _bag(folder, metadata, b"ID3 not really audio", segments=SEGMENTS)
    # _bag writes segments only; add the speaker list as the audio kind writes it, then re-manifest.
    record = {"segments": SEGMENTS, "speakers": SPEAKERS}
    (bag_dir / "data" / "transcript.json").write_text(json.dumps(record), encoding="utf-8")
    import bagit

    bag = bagit.Bag(str(bag_dir))
    bag.save(manifests=True)
    index = open_index(None, folder / "catalog.sqlite")
    index.upsert(item_from_bag(bag_dir))
    index.close()
    return folder


@pytest.fixture(scope="module")
def client(processed: Path) -> Iterator[TestClient]:
    with TestClient(create_app(processed, staff_token="")) as test_client:
        yield test_client


def test_the_bag_reader_gives_each_segment_its_speaker_name(processed: Path) -> None:
    view = read_item(processed / "items" / ITEM)
    assert [s.speaker for s in view.segments] == ["Ruth Adler", "Boris Kaplan", "Boris Kaplan"]


def test_the_synced_transcript_names_the_speaker_at_each_turn(client: TestClient) -> None:
    page = client.get(f"/items/{ITEM}")
    assert page.status_code == 200
    assert re.findall(r'data-speaker="([^"]+)"', page.text) == ["Ruth Adler", "Boris Kaplan", "Boris Kaplan"]
    assert re.findall(r'<span class="speaker">([^<]+):</span>', page.text) == ["Ruth Adler", "Boris Kaplan"]
    assert 'id="speaking"' in page.text  # player.js writes the current speaker's name there
    script = client.get("/static/player.js").text
    assert "dataset.speaker" in script


def test_a_speaker_name_finds_their_words(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "Kaplan"}).json()
    hits = [h for h in data["hits"] if h["item_id"] == ITEM]
    assert [h["start_s"] for h in hits] == [3.2, 6.0]
    adler = client.get("/api/search", params={"q": "Adler"}).json()
    assert [h["start_s"] for h in adler["hits"] if h["item_id"] == ITEM] == [0.5]
