"""Archivist review of an interview: renaming a speaker and correcting a stretch change every transcript format.

The interview's bag is made by the pipeline's own code (the audio kind's writers, `describe.build_metadata`,
`package.package_item`) from a typed two-speaker transcript, as `tests/test_asr_portal_speakers.py` makes its
interviews; the review itself runs through the `samizdat` command line.
"""

from __future__ import annotations

import json
import wave
from pathlib import Path

import bagit
import pytest
from typer.testing import CliRunner

from samizdat.bag import record_file
from samizdat.cli import app
from samizdat.describe import build_metadata, review_text
from samizdat.fixity import verify_item
from samizdat.inbox import describe_source
from samizdat.kinds.audio import AUDIO
from samizdat.models import ArchivistMetadata, Detected, Extraction, Kind, Segment, Speaker, Transcript, Word
from samizdat.package import package_item
from samizdat.review import review_queue
from samizdat.review.reapply import reapply_corrections
from samizdat.search import SearchQuery, item_from_bag, open_index
from samizdat.settings import Settings

UNSURE = -1.4  # a mean log-probability under Whisper's fallback threshold (-1.0)


def _transcript() -> Transcript:
    def segment(start: float, end: float, text: str, speaker: str, logprob: float = -0.2) -> Segment:
        words = [Word(start + i * 0.4, start + i * 0.4 + 0.3, f" {w}", 0.9, speaker)
                 for i, w in enumerate(text.split())]
        return Segment(start, end, text, "en", words, logprob, 0.01, speaker)

    return Transcript(
        segments=[segment(0.5, 3.0, "When did you first apply?", "S1"),
                  segment(3.2, 6.0, "In the spring of 1972.", "S2"),
                  segment(6.0, 9.0, "The answer took eleven mumps.", "S2", UNSURE)],
        language="en", language_probability=0.99, duration_s=10.0,
        speakers=[Speaker("S1", "Speaker 1", "interviewer", 2.5), Speaker("S2", "Speaker 2", "interviewee", 5.8)],
    )


@pytest.fixture
def interview(settings: Settings, tmp_path: Path) -> str:
    """A published interview with two speakers, indexed."""
    wav = tmp_path / "kaplan.wav"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\x00\x00" * 16000 * 10)
    source = describe_source(wav)
    archivist = ArchivistMetadata(dc={"title": "Interview with Boris Kaplan", "language": ["en"]})
    extraction = Extraction(engines={"asr": "faster-whisper base int8"}, transcript=_transcript())
    metadata = build_metadata(source, Detected(Kind.AUDIO, "audio/wav"), archivist, extraction, [], [], 60.0)
    files = AUDIO.outputs(extraction, source.path, archivist, "Interview with Boris Kaplan")
    files["text.txt"] = extraction.text.encode("utf-8")
    files.update(record_file(metadata))
    bag = package_item(settings, source, "Interview with Boris Kaplan", files)
    index = open_index(settings.database_url, settings.catalog_path)
    index.upsert(item_from_bag(bag))
    index.close()
    return source.item_id


def _samizdat(settings: Settings, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--processed", str(settings.processed)])
    assert result.exit_code == 0, result.output
    return result.output


def _files(bag: Path) -> dict[str, str]:
    return {name: (bag / "data" / name).read_text(encoding="utf-8")
            for name in ("transcript.vtt", "transcript.srt", "transcript.json", "transcript.ohms.xml")}


def test_renaming_speaker_2_changes_vtt_srt_json_and_ohms(settings: Settings, interview: str) -> None:
    bag = settings.items_dir / interview
    before = _files(bag)
    out = _samizdat(settings, "review", interview, "--action", "rename-speaker", "--speaker", "Speaker 2",
                    "--name", "Boris Kaplan", "--user", "rachel")
    assert "version 2" in out
    after = _files(bag)
    assert all(before[name] != after[name] for name in after), "every format changes"
    assert "<v Boris Kaplan>In the spring of 1972." in after["transcript.vtt"]
    assert "Speaker 2" not in after["transcript.vtt"] and "<v Speaker 1>" in after["transcript.vtt"]
    assert "Boris Kaplan: In the spring of 1972." in after["transcript.srt"]
    assert "Speaker 2" not in after["transcript.srt"]
    record = json.loads(after["transcript.json"])
    assert {s["id"]: s["name"] for s in record["speakers"]} == {"S1": "Speaker 1", "S2": "Boris Kaplan"}
    assert [s["speaker"] for s in record["segments"]] == ["S1", "S2", "S2"]
    assert "Boris Kaplan: In the spring of 1972." in after["transcript.ohms.xml"]
    assert "<interviewee>Boris Kaplan</interviewee>" in after["transcript.ohms.xml"]
    assert "Speaker 2" not in after["transcript.ohms.xml"]
    metadata = json.loads((bag / "data" / "metadata.json").read_text())
    assert metadata["content"]["speakers"][1]["name"] == "Boris Kaplan"
    assert metadata["history"][-1]["action"] == "rename-speaker" and metadata["history"][-1]["by"] == "rachel"
    kept = settings.processed / "versions" / interview / "v1"
    bagit.Bag(str(kept)).validate()
    assert "<v Speaker 2>" in (kept / "data" / "transcript.vtt").read_text()
    assert verify_item(settings.processed, interview).ok
    index = open_index(settings.database_url, settings.catalog_path)
    assert [h.start_s for h in index.search(SearchQuery("Kaplan")) if h.item_id == interview] == [3.2, 6.0]
    index.close()
    history = _samizdat(settings, "history", interview)
    assert "v1" in history and "rename-speaker" in history and "rachel" in history


def _item_page(settings: Settings, item_id: str) -> str:
    from fastapi.testclient import TestClient

    from samizdat.portal import create_app

    with TestClient(create_app(settings.processed, staff_token="")) as client:
        return client.get(f"/items/{item_id}").text


def test_an_unsure_stretch_is_flagged_in_the_record_the_table_and_the_portal(settings: Settings,
                                                                              interview: str) -> None:
    content = settings.bag(interview).record().content
    assert [(r.start_s, r.end_s, r.reason) for r in content.review_segments] == [(6.0, 9.0, "low-confidence")]
    assert review_text(content) == "0:06-0:09 low-confidence"
    from flows.inbox import _summary
    from samizdat.models import Outcome, Status

    summary = _summary(Outcome("kaplan.wav", Status.PUBLISHED, interview), settings)
    assert "## Stretches to listen to (1)" in summary and "- 0:06-0:09: low-confidence" in summary
    page = _item_page(settings, interview)
    assert page.count("unsure: listen to check") == 1
    assert page.index('id="seg-2"') < page.index("unsure: listen to check")
    assert "Whisper was unsure of 1 stretch" in page


def test_correcting_a_stretch_rewrites_the_transcripts_and_leaves_the_queue(settings: Settings, interview: str) -> None:
    queued = {e.item_id: e for e in review_queue(settings)}
    assert queued[interview].segments == [2] and "low-confidence segments" in queued[interview].reasons
    assert interview in _samizdat(settings, "review", "--queue")
    _samizdat(settings, "review", interview, "--action", "replace-text", "--start", "6.0", "--end", "9.0",
              "--text", "The answer took eleven months.")
    files = _files(settings.items_dir / interview)
    for name, content in files.items():
        assert "eleven months" in content and "mumps" not in content, name
    segment = json.loads(files["transcript.json"])["segments"][2]
    assert segment["start"] == 6.0 and segment["end"] == 9.0 and segment["words"] == []
    assert interview not in [e.item_id for e in review_queue(settings) if e.segments]
    index = open_index(settings.database_url, settings.catalog_path)
    assert index.search(SearchQuery("mumps")) == [] and index.search(SearchQuery("months"))
    index.close()
    assert settings.bag(interview).record().content.review_segments == []  # corrected: nothing left to listen to
    page = _item_page(settings, interview)
    assert "unsure: listen to check" not in page and "Whisper was unsure" not in page
    assert page.count("checked by an archivist") == 1
    assert page.index('id="seg-2"') < page.index("checked by an archivist")


def test_a_bad_request_exits_2_and_changes_nothing(settings: Settings, interview: str) -> None:
    result = CliRunner().invoke(app, ["review", interview, "--action", "rename-speaker", "--speaker", "Speaker 7",
                                      "--name", "X", "--processed", str(settings.processed)])
    assert result.exit_code == 2 and "no speaker 'Speaker 7'" in result.output
    assert not (settings.processed / "versions").exists()


def test_a_new_reading_keeps_the_rename_and_the_corrected_stretch(settings: Settings, interview: str) -> None:
    _samizdat(settings, "review", interview, "--action", "rename-speaker", "--speaker", "S2", "--name", "Boris Kaplan")
    _samizdat(settings, "review", interview, "--action", "replace-text", "--start", "6", "--end", "9",
              "--text", "The answer took eleven months.")
    bag = settings.bag(interview)
    fresh = Extraction(engines={}, transcript=_transcript())  # what a new engine run reads again
    reapply_corrections(fresh, bag.record(), bag)
    assert fresh.transcript is not None
    assert fresh.transcript.speaker_name("S2") == "Boris Kaplan"
    assert [s.text for s in fresh.transcript.segments][-1] == "The answer took eleven months."


def test_a_version_kept_by_a_failed_attempt_is_never_lost(settings: Settings, interview: str) -> None:
    from samizdat.package import update_bag
    from samizdat.review.versions import keep_version

    first = keep_version(settings, interview)  # kept, then the republish did not happen
    record = settings.bag(interview).record()
    record.collection = "Kaplan family"
    update_bag(settings, interview, record)
    _samizdat(settings, "review", interview, "--action", "rename-speaker", "--speaker", "S1", "--name", "Ruth Adler")
    kept = sorted(p.name for p in first.parent.iterdir())
    assert kept[0] == "v1" and kept[1].startswith("v1-superseded-") and len(kept) == 2
    assert json.loads((first / "data" / "metadata.json").read_text())["collection"] == "Kaplan family"
    assert verify_item(settings.processed, interview).ok
