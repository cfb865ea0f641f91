"""Write `metadata.json` (DESIGN.md §3) from the typed results, in this one place."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from statistics import fmean
from typing import Any

import yaml

from samizdat.kinds import input_kind
from samizdat.models import (
    ArchivistMetadata,
    ArticleLink,
    Detected,
    EntityHit,
    Extraction,
    Source,
)
from samizdat.ocr.languages import iso_languages, text_languages


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
        # DESIGN.md §9: pages a person should look at (the item is published all the same), and the
        # languages each OCR'd page was read in (ISO 639-1 where there is one).
        "review_pages": [
            {"page": p.number, "reason": p.review, "score": round(p.score or 0.0, 3)}
            for p in extraction.pages if p.review
        ],
        "page_languages": {str(p.number): iso_languages(p.languages) for p in extraction.pages if p.languages},
    }


def _languages(archivist: ArchivistMetadata, extraction: Extraction) -> list[str]:
    if archivist.languages:
        return archivist.languages
    transcript = extraction.transcript
    if transcript is not None:
        return [transcript.language] if transcript.language else []
    return document_languages(extraction)


def document_languages(extraction: Extraction) -> list[str]:
    """The languages a document's text is written in, from its pages' letters (for `dc.language`).

    Pages flagged for review are left out: garbage letters say nothing about the language.
    """
    found: list[str] = []
    for page in extraction.pages:
        if page.review:
            continue
        for code in text_languages(page.text, page.languages):
            if code not in found:
                found.append(code)
    return found


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
        "type": input_kind(detected.kind).dc_type,
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
            **({"filename_bytes": source.name_bytes} if source.name_bytes else {}),
        },
        "dc": dc,
        "access": archivist.access,
        **({"access_reason": archivist.access_reason} if archivist.access_reason else {}),
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


def with_archivist(metadata: dict[str, Any], archivist: ArchivistMetadata) -> dict[str, Any]:
    """A published item's metadata re-described with what the archivist now says (a re-drop with new metadata).

    The text, entities and links stay; the archivist's fields, access and collection are replaced, as they would
    be had the file first come with this metadata.
    """
    old_dc = metadata["dc"]
    dc = {
        "title": archivist.dc.get("title") or metadata["source"]["filename"].rsplit(".", 1)[0],
        "creator": "",
        "date": "",
        "description": "",
        "rights": "",
        "subject": [],
        **archivist.dc,
        "language": archivist.languages or old_dc.get("language", []),
        **{key: old_dc[key] for key in _COMPUTED_DC if key in old_dc},
    }
    kept = {key: value for key, value in metadata.items() if key != "access_reason"}
    return {
        **kept,
        **({"access_reason": archivist.access_reason} if archivist.access_reason else {}),
        "dc": dc,
        "access": archivist.access,
        "collection": archivist.collection,
        "archivist": archivist.extra,
        "warnings": list(dict.fromkeys(archivist.warnings + metadata.get("warnings", []))),
    }


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


def published_review_pages(items_dir: Path, item_id: str | None) -> list[dict[str, Any]]:
    """`content.review_pages` of a published item's `metadata.json` ([] when none, or no such item)."""
    if not item_id:
        return []
    try:
        meta = json.loads((items_dir / item_id / "data" / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    pages = meta.get("content", {}).get("review_pages") or []
    return [p for p in pages if isinstance(p, dict)]


def review_text(pages: list[dict[str, Any]]) -> str:
    """`p2 empty, p5 low-quality`, for tables."""
    return ", ".join(f"p{p.get('page')} {p.get('reason')}" for p in pages)
