"""Write `metadata.json` (DESIGN.md §3) from the typed results, in this one place."""

from __future__ import annotations

from dataclasses import asdict
from statistics import fmean
from typing import Any

import yaml

from samizdat.models import (
    ArchivistMetadata,
    ArticleLink,
    Detected,
    EntityHit,
    Extraction,
    Kind,
    Source,
)

_DC_TYPES = {Kind.IMAGE: "Text", Kind.PDF: "Text", Kind.AUDIO: "Sound"}


def item_title(source: Source, archivist: ArchivistMetadata) -> str:
    """The archivist's title, else the file name without its extension."""
    title = archivist.dc.get("title")
    return str(title) if title else source.filename.rsplit(".", 1)[0]


def content_summary(extraction: Extraction, low_confidence: float) -> dict[str, Any]:
    """Pages and confidence for documents, duration and language for audio."""
    transcript = extraction.transcript
    if transcript is not None:
        languages = sorted({s.language for s in transcript.segments if s.language} | {transcript.language or ""} - {""})
        return {
            "duration_s": round(transcript.duration_s, 3),
            "language": transcript.language,
            "language_probability": transcript.language_probability,
            "languages": languages,
            "segments": len(transcript.segments),
            "speakers": [
                {"id": sp.id, "name": sp.name, "role": sp.role, "speech_s": sp.speech_s} for sp in transcript.speakers
            ],
        }
    ocr_pages = [p for p in extraction.pages if p.confidence is not None]
    return {
        "pages": len(extraction.pages),
        "ocr_pages": sum(1 for p in extraction.pages if p.method.startswith("ocr")),
        "mean_confidence": round(fmean(p.confidence for p in ocr_pages if p.confidence is not None), 2)
        if ocr_pages
        else None,
        "low_confidence_pages": [
            p.number for p in ocr_pages if p.confidence is not None and p.confidence < low_confidence
        ],
        "page_methods": {str(p.number): p.method for p in extraction.pages},
        "page_notes": {str(p.number): p.notes for p in extraction.pages if p.notes},
    }


def _languages(archivist: ArchivistMetadata, extraction: Extraction) -> list[str]:
    if archivist.languages:
        return archivist.languages
    transcript = extraction.transcript
    return [transcript.language] if transcript is not None and transcript.language else []


def build_metadata(
    source: Source,
    detected: Detected,
    archivist: ArchivistMetadata,
    extraction: Extraction,
    entities: list[EntityHit],
    links: list[ArticleLink],
    low_confidence: float,
) -> dict[str, Any]:
    """The whole `metadata.json` for one item."""
    dc: dict[str, Any] = {
        "title": item_title(source, archivist),
        "creator": "",
        "date": "",
        "description": "",
        "rights": "",
        "subject": [],
        **archivist.dc,
        "language": _languages(archivist, extraction),
        "type": _DC_TYPES[detected.kind],
        "format": detected.media_type,
        "identifier": source.item_id,
        "relation": [link.id for link in links],
    }
    return {
        "id": source.item_id,
        "kind": detected.kind.value,
        "source": {
            "filename": source.filename,
            "sha256": source.sha256,
            "bytes": source.size,
            "media_type": detected.media_type,
            "received_at": source.received_at,
        },
        "dc": dc,
        "access": archivist.access,
        "collection": archivist.collection,
        "content": content_summary(extraction, low_confidence),
        "entities": [_entity(hit) for hit in entities],
        "articles": [
            {"id": a.id, "title": a.title, "score": round(a.score, 4), "evidence": a.evidence, "passage": a.passage}
            for a in links
        ],
        "engines": extraction.engines,
        "archivist": archivist.extra,
        "warnings": archivist.warnings + extraction.warnings,
        "also_received_as": [],
    }


_COMPUTED_DC = frozenset({"type", "format", "identifier", "relation"})


def archivist_yaml(metadata: dict[str, Any]) -> str:
    """A sidecar that reproduces what the archivist said about a published item (for reprocessing)."""
    fields = {k: v for k, v in metadata.get("dc", {}).items() if k not in _COMPUTED_DC and v not in ("", [], None)}
    fields["access"] = metadata.get("access", "open")
    if metadata.get("collection"):
        fields["collection"] = metadata["collection"]
    fields.update(metadata.get("archivist", {}))
    return yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)


def _entity(hit: EntityHit) -> dict[str, Any]:
    mentions = [{k: v for k, v in asdict(m).items() if v is not None} for m in hit.mentions]
    return {"id": hit.id, "label": hit.label, "type": hit.type, "count": len(hit.mentions), "mentions": mentions}
