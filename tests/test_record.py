"""The item record is metadata.json: older bags load, unknown keys survive, new keys appear only once set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from samizdat.bag import PayloadNames, PublishedBag, record_file
from samizdat.layout import ProcessedFolder
from samizdat.models import EntityHit, Mention
from samizdat.record import Change, EntityRecord, ItemRecord

# A bag written before the record existed (round 1): no processing, collection, warnings or also_received_as;
# an archivist's `publisher` in dc; keys a later Samizdat may add (`content.future`, `shelf`).
OLD_BAG = {
    "id": "3f9a0c1b2d4e",
    "kind": "image",
    "source": {"filename": "letter.png", "sha256": "3f9a0c1b2d4e" + "0" * 52, "bytes": 12,
               "media_type": "image/png", "received_at": "2025-11-01T10:00:00+00:00"},
    "dc": {"title": "A letter", "creator": "", "date": "1978", "description": "", "rights": "", "subject": [],
           "publisher": "Samizdat", "language": ["ru"], "type": "Text", "format": "image/png",
           "identifier": "3f9a0c1b2d4e", "relation": []},
    "access": "open",
    "content": {"pages": 1, "ocr_pages": 1, "mean_confidence": None, "future": {"x": 1}},
    "entities": [{"id": "ida-nudel", "label": "Ida Nudel", "type": "person", "count": 1,
                  "mentions": [{"text": "Нудель", "char_start": 3, "char_end": 9, "page": 1}]}],
    "articles": [{"id": "a", "title": "A", "score": 0.5, "evidence": ["ida-nudel"], "by": "archivist",
                  "note": "cousin"}],
    "engines": {"ocr": "tesseract 5.3.0 rus"},
    "archivist": {},
    "shelf": "B-12",
}


def test_an_older_bag_reads_and_writes_back_with_the_same_keys_and_values() -> None:
    record = ItemRecord.from_json(json.dumps(OLD_BAG))
    assert record.source.filename == "letter.png" and record.dc.language == ["ru"]
    assert record.warnings == [] and record.processing is None and record.version == 1 and record.history == []
    assert record.content.checked_pages == [] and record.articles[0].by == "archivist"
    assert json.loads(record.to_json()) == OLD_BAG  # nothing lost (shelf, content.future), nothing invented


def test_archivist_dc_elements_keep_their_place_between_subject_and_language() -> None:
    keys = list(json.loads(ItemRecord.from_json(json.dumps(OLD_BAG)).to_json())["dc"])
    assert keys.index("subject") < keys.index("publisher") < keys.index("language")


def test_history_and_checked_pages_are_written_once_set() -> None:
    record = ItemRecord.from_json(json.dumps(OLD_BAG))
    record.version = 2
    record.history = [Change(version=2, at="2026-11-28T12:00:00+00:00", by="ruth", action="correct-page",
                             pages=[1])]
    record.content.checked_pages = [1]
    written = json.loads(record.to_json())
    assert written["version"] == 2 and written["content"]["checked_pages"] == [1]
    assert written["history"] == [{"version": 2, "at": "2026-11-28T12:00:00+00:00", "by": "ruth",
                                   "action": "correct-page", "pages": [1]}]
    assert ItemRecord.from_json(record.to_json()).history[0].pages == [1]


def test_an_access_reason_is_removed_not_written_as_null() -> None:
    record = ItemRecord.from_json(json.dumps({**OLD_BAG, "access": "restricted", "access_reason": "bad sidecar"}))
    record.restrict_because(None)
    assert "access_reason" not in json.loads(record.to_json())


def test_a_mention_carries_page_or_start_time_only_where_it_has_one() -> None:
    hit = EntityHit("ida-nudel", "Ida Nudel", "person", [Mention("Ida Nudel", 7, 16, start_s=12.5)])
    assert EntityRecord.of(hit).as_dict()["mentions"] == [
        {"text": "Ida Nudel", "char_start": 7, "char_end": 16, "start_s": 12.5}]


def test_a_record_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValidationError):
        ItemRecord.from_json('{"kind": "image"}')  # no id
    with pytest.raises(ValueError):
        ItemRecord.from_json("{not json")


def test_the_bag_reads_back_its_record_pages_and_segments(tmp_path: Path) -> None:
    bag = ProcessedFolder(tmp_path).bag("3f9a0c1b2d4e")
    assert not bag.exists() and bag.record_or_none() is None
    files = {**record_file(ItemRecord.from_json(json.dumps(OLD_BAG))), PayloadNames.TEXT: b"one\ftwo",
             PayloadNames.TRANSCRIPT_JSON: json.dumps({"segments": [{"start": 0.5, "end": 2.0, "text": " Hi ",
                                                                   "speaker": "S1", "words": []}],
                                                      "speakers": [{"id": "S1", "name": "Ruth"}]}).encode()}
    for relative, content in files.items():
        bag.path(relative).parent.mkdir(parents=True, exist_ok=True)
        bag.path(relative).write_bytes(content)
    assert bag.exists() and bag.metadata_path == tmp_path / "items" / "3f9a0c1b2d4e" / "data" / "metadata.json"
    assert bag.record().dc.title == "A letter"
    assert bag.page_texts() == ["one", "two"]
    assert [(s.start, s.text, s.speaker) for s in bag.segments()] == [(0.5, " Hi ", "S1")]
    assert bag.transcript().speaker_names() == {"S1": "Ruth"}
    assert [path for path, _ in bag.payload_files()] == ["metadata.json", "text.txt", "transcript.json"]
    assert PublishedBag(bag.root).original_path("a/b.png").parent == bag.data / "original"


def test_a_record_without_access_is_restricted() -> None:
    """Access fails closed: a metadata.json that does not say `access` is not shown to the public."""
    unsaid = {key: value for key, value in OLD_BAG.items() if key != "access"}
    assert not ItemRecord.from_json(json.dumps(unsaid)).is_open
    assert ItemRecord.from_json(json.dumps(OLD_BAG)).is_open
