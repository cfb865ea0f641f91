"""Audio input: interviews and recordings become timed transcripts (Whisper, see `samizdat.asr`)."""

from __future__ import annotations

from pathlib import Path

from samizdat.asr.languages import normalise
from samizdat.asr.ohms import to_ohms_xml
from samizdat.asr.transcriber import Transcriber
from samizdat.asr.writers import to_json, to_srt, to_vtt
from samizdat.bag import PayloadNames
from samizdat.errors import EngineError
from samizdat.kinds.base import ExtractRequest, InputKind
from samizdat.models import ArchivistMetadata, Extraction, Kind
from samizdat.settings import AsrOptions, Settings, cores

# ISO base media (MP4) brands of audio files; other brands (video) are not audio.
_MP4_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"mp42", b"isom", b"mp41", b"iso2", b"dash", b"3gp4", b"3gp5"}

# (leading bytes, media type)
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"fLaC", "audio/flac"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
    (b"FORM", "audio/aiff"),
    (b"\x1a\x45\xdf\xa3", "audio/webm"),
]


class AudioKind:
    """Sound recordings: WAV, FLAC, MP3, Ogg, M4A, AIFF, WebM."""

    kind = Kind.AUDIO
    media_types = frozenset(
        {"audio/wav", "audio/flac", "audio/mpeg", "audio/ogg", "audio/mp4", "audio/aiff", "audio/webm"}
    )
    formats = ("WAV", "FLAC", "MP3", "OGG", "M4A")
    label = "audio"
    dc_type = "Sound"
    one_at_a_time = True  # Whisper's threads already keep every core busy for one recording

    def sniff(self, head: bytes) -> str | None:
        """WAV (RIFF), MP4 audio brands, FLAC, Ogg, MP3 (ID3 or a bare frame header), AIFF, WebM."""
        if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
            return "audio/wav"
        if len(head) >= 12 and head[4:8] == b"ftyp":
            return "audio/mp4" if head[8:12] in _MP4_AUDIO_BRANDS else None
        for prefix, media_type in _SIGNATURES:
            if head.startswith(prefix):
                return media_type
        if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x06) != 0:
            return "audio/mpeg"  # a bare MPEG audio frame header (no ID3 tag)
        return None

    def engine_options(self, settings: Settings) -> AsrOptions:
        """Whisper's options."""
        return settings.asr

    def cpu_slots(self, settings: Settings, path: Path | None) -> int:
        """Whisper's threads."""
        return max(1, min(settings.asr.threads, cores()))

    def extract(self, request: ExtractRequest) -> Extraction:
        """Transcribe the recording; `BadInputError` for files that do not decode or end early."""
        transcriber = Transcriber.from_settings(request.settings.asr, request.settings.model_dir)
        engine = transcriber.engine
        warnings: list[str] = []
        unknown = [code for code in request.languages if not normalise([code])]
        if unknown:
            warnings.append(f"language {', '.join(unknown)} is not one Whisper knows and was ignored")
        try:
            transcript = transcriber.transcribe_file(
                request.path, request.languages, request.progress, metadata=request.archivist
            )
        except (RuntimeError, ValueError) as error:  # CTranslate2 / torch failures on readable audio
            raise EngineError(f"{engine.name} failed on {request.path.name}: {error}") from error
        if not transcript.segments:
            warnings.append("no speech found: the transcript is empty")
        return Extraction(engines={"asr": engine.name}, transcript=transcript, warnings=warnings)

    def outputs(
        self, extraction: Extraction, source_path: Path, archivist: ArchivistMetadata, title: str
    ) -> dict[str, bytes]:
        """Files for the bag's data/: transcript.vtt, .srt, .json and the OHMS record."""
        transcript = extraction.transcript
        if transcript is None:
            return {}
        return {
            PayloadNames.TRANSCRIPT_VTT: to_vtt(transcript).encode("utf-8"),
            PayloadNames.TRANSCRIPT_SRT: to_srt(transcript).encode("utf-8"),
            PayloadNames.TRANSCRIPT_JSON: to_json(transcript).encode("utf-8"),
            PayloadNames.TRANSCRIPT_OHMS: to_ohms_xml(transcript, source_path, archivist, title),
        }


AUDIO: InputKind = AudioKind()
