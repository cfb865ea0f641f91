"""Speakers: who speaks when, named from the metadata, in every transcript format."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import wave
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import srt
import webvtt

from samizdat.asr.ohms import OHMS_NS, to_ohms_xml, transcript_lines
from samizdat.asr.speakers import SpeakerHints, Timeline, label_segments, name_speakers, speaker_hints
from samizdat.asr.writers import to_json, to_srt, to_vtt
from samizdat.describe import content_summary
from samizdat.kinds.audio import AUDIO
from samizdat.kinds.base import ExtractRequest
from samizdat.models import ArchivistMetadata, Extraction, Segment, Speaker, Transcript, Word
from samizdat.settings import Settings

RATE = 16_000
NS = {"o": OHMS_NS}
INTERVIEWER, NARRATOR = "Ruth Adler", "Boris Kaplan"
TURNS = [  # (who, what): short questions, long answers, as in an oral history
    (0, "When did your family first apply to leave?"),
    (1, "We applied for an exit visa in the spring, and the answer took eleven months to arrive. "
        "The clerk said my father knew state secrets, so the whole family waited for years."),
    (0, "What did you do while you waited?"),
    (1, "We taught Hebrew in the kitchen at night and copied books by hand for our friends. "
        "On Saturdays we met near the synagogue and shared the news from abroad."),
    (0, "How did it end?"),
    (1, "One morning a telephone call told us to collect the papers, and ten days later we left for Vienna "
        "with two suitcases and a box of letters."),
]
VOICES = [("en-us", 35, 150), ("en-gb+f3", 75, 165)]


def _word(start: float, text: str, speaker: str | None = None) -> Word:
    return Word(start, start + 0.4, text, 0.9, speaker)


# --- metadata and naming -------------------------------------------------------------------------


def test_hints_count_an_interview_as_interviewer_plus_interviewees() -> None:
    hints = speaker_hints(ArchivistMetadata(extra={"interviewer": INTERVIEWER, "interviewee": NARRATOR}))
    assert hints == SpeakerHints((INTERVIEWER,), (NARRATOR,), 2)
    two_narrators = speaker_hints(ArchivistMetadata(extra={"interviewer": "A", "interviewee": ["B", "C"]}))
    assert two_narrators.count == 3
    creator_only = speaker_hints(ArchivistMetadata(dc={"creator": NARRATOR}))
    assert creator_only.interviewees == (NARRATOR,) and creator_only.count is None  # estimated
    told = speaker_hints(ArchivistMetadata(extra={"speakers": "4"}))
    assert told.count == 4
    assert speaker_hints(None).count is None


def test_the_speaker_who_talks_most_is_the_interviewee_and_ids_follow_first_speech() -> None:
    segments = [
        Segment(0.0, 2.0, "Question?", speaker="7"),
        Segment(2.5, 20.0, "A long answer.", speaker="3"),
        Segment(21.0, 22.0, "Another question?", speaker="7"),
    ]
    hints = SpeakerHints((INTERVIEWER,), (NARRATOR,), 2)
    named, speakers = name_speakers(segments, hints)
    assert [s.speaker for s in named] == ["S1", "S2", "S1"]
    assert speakers == [
        Speaker("S1", INTERVIEWER, "interviewer", 3.0),
        Speaker("S2", NARRATOR, "interviewee", 17.5),
    ]
    _, two_narrators = name_speakers(segments + [Segment(23.0, 30.0, "More.", speaker="5")],
                                     SpeakerHints((INTERVIEWER,), ("A", "B"), 3))
    assert [(s.name, s.role) for s in two_narrators] == [
        (INTERVIEWER, "interviewer"), ("Speaker 2", "interviewee"), ("Speaker 3", "interviewee"),
    ]
    _, anonymous = name_speakers(segments, SpeakerHints())
    assert [s.name for s in anonymous] == ["Speaker 1", "Speaker 2"] and anonymous[0].role is None


def test_a_segment_whose_words_change_speaker_is_split_there() -> None:
    timeline = Timeline(np.array([[0.0, 1.9], [2.0, 5.0]]), np.array([0, 1]))
    words = [_word(0.2, "Why"), _word(0.8, "not?"), _word(2.1, "Because"), _word(2.7, "we"), _word(3.3, "waited.")]
    segment = Segment(0.2, 3.7, "Why not? Because we waited.", language="en", words=words)

    labelled = label_segments([segment], timeline)

    assert [(s.text, s.speaker) for s in labelled] == [("Why not?", "0"), ("Because we waited.", "1")]
    assert all(w.speaker == s.speaker for s in labelled for w in s.words)
    assert labelled[1].start == 2.1 and labelled[0].end == pytest.approx(1.2)


def test_one_stray_word_takes_the_speaker_of_its_neighbours() -> None:
    timeline = Timeline(np.array([[0.0, 1.0], [1.0, 1.5], [1.5, 3.0]]), np.array([0, 1, 0]))
    words = [_word(0.1, "we"), _word(0.6, "left"), _word(1.1, "in"), _word(1.6, "April"), _word(2.2, "then")]
    labelled = label_segments([Segment(0.1, 2.6, "we left in April then", words=words)], timeline)
    assert len(labelled) == 1 and labelled[0].speaker == "0"


# --- formats -------------------------------------------------------------------------------------


@pytest.fixture
def dialogue() -> Transcript:
    question = Segment(1.0, 3.0, "When did you apply?", "en", [_word(1.0, "When", "S1"), _word(1.5, "did", "S1"),
                                                                  _word(2.0, "you", "S1"), _word(2.5, "apply?", "S1")],
                       speaker="S1")
    answer = Segment(3.5, 62.5, "In 1972, after the war.", "en", [_word(3.5, "In", "S2"), _word(4.0, "1972,", "S2"),
                                                                  _word(61.0, "after", "S2"), _word(61.5, "the", "S2"),
                                                                  _word(62.0, "war.", "S2")], speaker="S2")
    more = Segment(63.0, 64.0, "And then?", "en", [_word(63.0, "And", "S2"), _word(63.5, "then?", "S2")], speaker="S2")
    return Transcript(
        segments=[question, answer, more],
        language="en",
        language_probability=1.0,
        duration_s=125.0,
        speakers=[
            Speaker("S1", INTERVIEWER, "interviewer", 2.0),
            Speaker("S2", "Boris <Bob> Kaplan", "interviewee", 60.0),
        ],
    )


def test_vtt_has_a_voice_span_per_cue(dialogue: Transcript) -> None:
    vtt = to_vtt(dialogue)
    assert f"<v {INTERVIEWER}>When did you apply?" in vtt
    assert "<v Boris &lt;Bob&gt; Kaplan>In 1972, after the war." in vtt  # "<" and ">" cannot stand in a voice
    captions = webvtt.from_buffer(io.StringIO(vtt))
    assert [c.voice for c in captions] == [INTERVIEWER, "Boris &lt;Bob&gt; Kaplan", "Boris &lt;Bob&gt; Kaplan"]
    assert captions[0].text == "When did you apply?"


def test_srt_prefixes_each_cue_with_the_name(dialogue: Transcript) -> None:
    cues = list(srt.parse(to_srt(dialogue)))
    assert cues[0].content == f"{INTERVIEWER}: When did you apply?"
    assert cues[2].content == "Boris <Bob> Kaplan: And then?"


def test_json_has_speaker_on_segments_and_words_and_the_speaker_list(dialogue: Transcript) -> None:
    data = json.loads(to_json(dialogue))
    assert [s["speaker"] for s in data["segments"]] == ["S1", "S2", "S2"]
    assert {w["speaker"] for w in data["segments"][1]["words"]} == {"S2"}
    assert data["speakers"][0] == {"id": "S1", "name": INTERVIEWER, "role": "interviewer", "speech_s": 2.0}


def test_content_summary_lists_the_speakers(dialogue: Transcript) -> None:
    summary = content_summary(Extraction(engines={}, transcript=dialogue), 60.0)
    assert summary.as_dict()["speakers"] == [
        {"id": "S1", "name": INTERVIEWER, "role": "interviewer", "speech_s": 2.0},
        {"id": "S2", "name": "Boris <Bob> Kaplan", "role": "interviewee", "speech_s": 60.0},
    ]


def test_ohms_names_the_speaker_at_each_turn_and_sync_counts_the_name(dialogue: Transcript) -> None:
    assert transcript_lines(dialogue) == [
        f"{INTERVIEWER}: When did you apply?",
        "Boris <Bob> Kaplan: In 1972, after the war.",
        "And then?",  # the same speaker goes on: no name
    ]
    xml = to_ohms_xml(dialogue, Path("kaplan.wav"), ArchivistMetadata(), "Kaplan")
    record = ET.fromstring(xml).find("o:record", NS)
    assert record is not None
    # minute 1 begins at "after" (61.0 s): line 2, word 3 of the answer + 3 words of "Boris <Bob> Kaplan:"
    assert record.findtext("o:sync", namespaces=NS) == "1:|2(6)|3(3)"
    assert record.findtext("o:interviewer", namespaces=NS) == INTERVIEWER  # from the speakers found
    lines = (record.findtext("o:transcript", namespaces=NS) or "").split("\n")
    assert lines[1].split()[6 - 1] == "after"  # minute 2 lies after the last word: past the end of line 3


# --- real engines --------------------------------------------------------------------------------


def _espeak(text: str, voice: str, pitch: int, speed: int, folder: Path) -> np.ndarray:
    wav = folder / "say.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(wav), text], check=True)
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(wav), "-f", "s16le", "-ac", "1", "-ar", str(RATE), "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


@pytest.fixture(scope="module")
def interview(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[float, float, int]]]:
    """A two-voice interview (0.6 s between turns, room noise) and its turns (start, end, who)."""
    if shutil.which("espeak-ng") is None or shutil.which("ffmpeg") is None:
        pytest.skip("espeak-ng and ffmpeg are needed to make the interview")
    folder = tmp_path_factory.mktemp("interview")
    rng = np.random.default_rng(12)
    pieces: list[np.ndarray] = [np.zeros(RATE // 2, dtype=np.float32)]
    turns: list[tuple[float, float, int]] = []
    position = RATE // 2
    for who, text in TURNS:
        voice, pitch, speed = VOICES[who]
        speech = _espeak(text, voice, pitch, speed, folder)
        speech = 0.6 * speech / np.max(np.abs(speech))
        turns.append((position / RATE, (position + speech.size) / RATE, who))
        pieces += [speech, np.zeros(int(0.6 * RATE), dtype=np.float32)]
        position += speech.size + int(0.6 * RATE)
    audio = np.concatenate(pieces)
    audio = audio + rng.normal(0, 0.003, audio.size).astype(np.float32)
    path = folder / "interview.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return path, turns


@pytest.mark.slow
def test_a_two_voice_interview_has_two_named_speakers_in_every_format(
    interview: tuple[Path, list[tuple[float, float, int]]],
) -> None:
    path, turns = interview
    archivist = ArchivistMetadata(
        dc={"title": "Leaving Moscow", "language": ["en"]}, extra={"interviewer": INTERVIEWER, "interviewee": NARRATOR}
    )
    request = ExtractRequest(path=path, media_type="audio/wav", settings=Settings(), languages=["en"],
                             archivist=archivist)

    extraction = AUDIO.extract(request)

    transcript = extraction.transcript
    assert transcript is not None
    assert [(s.name, s.role) for s in transcript.speakers] == [(INTERVIEWER, "interviewer"), (NARRATOR, "interviewee")]
    names = [INTERVIEWER, NARRATOR]
    words = [w for s in transcript.segments for w in s.words]
    right = 0
    for word in words:
        middle = (word.start + word.end) / 2
        truth = min(turns, key=lambda t: 0 if t[0] <= middle <= t[1] else min(abs(middle - t[0]), abs(middle - t[1])))
        right += transcript.speaker_name(word.speaker) == names[truth[2]]
    assert right / len(words) >= 0.9, f"{right} of {len(words)} words on the right speaker"

    files = AUDIO.outputs(extraction, path, archivist, "Leaving Moscow")
    voices = {c.voice for c in webvtt.from_buffer(io.StringIO(files["transcript.vtt"].decode()))}
    assert voices == set(names)
    prefixes = {c.content.split(":")[0] for c in srt.parse(files["transcript.srt"].decode())}
    assert prefixes == set(names)
    data = json.loads(files["transcript.json"])
    assert {s["speaker"] for s in data["segments"]} == {"S1", "S2"}
    assert all(w["speaker"] == s["speaker"] for s in data["segments"] for w in s["words"])
    record = ET.fromstring(files["transcript.ohms.xml"]).find("o:record", NS)
    assert record is not None
    lines = (record.findtext("o:transcript", namespaces=NS) or "").split("\n")
    assert lines[0].startswith(f"{INTERVIEWER}: ") and any(line.startswith(f"{NARRATOR}: ") for line in lines)
    for point in filter(None, (record.findtext("o:sync", namespaces=NS) or "").split("|")[1:]):  # a valid sync
        line, word = point.rstrip(")").split("(")
        assert 1 <= int(line) <= len(lines) and 0 <= int(word) <= len(lines[int(line) - 1].split()) + 1


@pytest.mark.slow
def test_the_corpus_stereo_file_gives_one_speaker_per_channel(corpus: Path) -> None:
    audio = corpus / "audio"
    settings = Settings()
    request = ExtractRequest(path=audio / "stereo_diarization.wav", media_type="audio/wav", settings=settings,
                             languages=["en"])

    transcript = AUDIO.extract(request).transcript

    assert transcript is not None and len(transcript.speakers) == 2
    said: dict[str | None, str] = {}
    for segment in transcript.segments:
        said[segment.speaker] = said.get(segment.speaker, "") + " " + segment.text.casefold()
    left = (audio / "stereo_diarization.left.truth.txt").read_text().casefold()
    right = (audio / "stereo_diarization.right.truth.txt").read_text().casefold()
    assert len(said) == 2
    texts = sorted(said.values(), key=len)
    assert "horizon" in texts[0] and "horizon" in right and "wizard" not in texts[0]
    assert "wizard" in texts[1] and "wizard" in left and "horizon" not in texts[1]


def test_our_mel_frames_are_resemblyzers(corpus: Path) -> None:
    """The numpy mel spectrogram that spares librosa's 200 MB gives resemblyzer the same input."""
    from resemblyzer.audio import wav_to_mel_spectrogram

    from samizdat.asr.audio_source import stream_blocks
    from samizdat.asr.speakers import mel_frames

    speech = next(stream_blocks(corpus / "audio" / "jfk.flac"))[: 5 * RATE]
    ours, theirs = mel_frames(speech), wav_to_mel_spectrogram(speech)
    assert ours.shape == theirs.shape
    assert float(np.abs(ours - theirs).max()) <= 1e-6 * float(np.abs(theirs).max())
