"""Audio input: interviews and recordings become timed transcripts (Whisper, see `samizdat.asr`)."""

from __future__ import annotations

from pathlib import Path

from samizdat.asr.languages import normalise
from samizdat.asr.ohms import to_ohms_xml
from samizdat.asr.transcriber import Transcriber
from samizdat.asr.writers import to_json, to_srt, to_vtt
from samizdat.bag import PayloadNames
from samizdat.errors import EngineError
from samizdat.kinds.base import ExtractRequest
from samizdat.models import ArchivistMetadata, Extraction, Kind


class AudioKind:
    """Sound recordings: WAV, FLAC, MP3, Ogg, M4A, AIFF, WebM."""

    kind = Kind.AUDIO
    media_types = frozenset(
        {"audio/wav", "audio/flac", "audio/mpeg", "audio/ogg", "audio/mp4", "audio/aiff", "audio/webm"}
    )

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


AUDIO = AudioKind()
