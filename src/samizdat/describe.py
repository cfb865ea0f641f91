"""Describe an item: its record (`metadata.json`, DESIGN.md §3) from the typed results, in this one place."""

from __future__ import annotations

from statistics import fmean
from typing import Any

import yaml

from samizdat.asr.confidence import unsure_stretches
from samizdat.kinds import input_kind
from samizdat.layout import ProcessedLayout
from samizdat.models import (
    ArchivistMetadata,
    ArticleLink,
    Detected,
    EntityHit,
    Extraction,
    Source,
    Transcript,
)
from samizdat.ocr.languages import iso_languages, text_languages
from samizdat.record import (
    ArticleRecord,
    Content,
    DublinCore,
    EntityRecord,
    ItemRecord,
    ItemSource,
    ReviewPage,
    ReviewSegment,
    SpeakerSummary,
)
from samizdat.timecode import clock


def item_title(source: Source, archivist: ArchivistMetadata) -> str:
    """The archivist's title, else the file name without its extension."""
    title = archivist.dc.get("title")
    return str(title) if title else source.filename.rsplit(".", 1)[0]


def content_summary(extraction: Extraction, low_confidence: float) -> Content:
    """Pages and confidence for documents, duration and language for audio."""
    transcript = extraction.transcript
    if transcript is not None:
        languages = sorted({s.language for s in transcript.segments if s.language} | {transcript.language or ""} - {""})
        return Content(
            duration_s=round(transcript.duration_s, 3),
            language=transcript.language,
            language_probability=transcript.language_probability,
            languages=languages,
            segments=len(transcript.segments),
            speakers=[
                SpeakerSummary(id=sp.id, name=sp.name, role=sp.role, speech_s=sp.speech_s)
                for sp in transcript.speakers
            ],
            # DESIGN.md §9: stretches a person should listen to (the item is published all the same).
            review_segments=review_segments(transcript),
        )
    ocr_pages = [p for p in extraction.pages if p.confidence is not None]
    return Content(
        pages=len(extraction.pages),
        ocr_pages=sum(1 for p in extraction.pages if p.method.startswith("ocr")),
        mean_confidence=round(fmean(p.confidence for p in ocr_pages if p.confidence is not None), 2)
        if ocr_pages
        else None,
        low_confidence_pages=[
            p.number for p in ocr_pages if p.confidence is not None and p.confidence < low_confidence
        ],
        page_methods={str(p.number): p.method for p in extraction.pages},
        page_notes={str(p.number): p.notes for p in extraction.pages if p.notes},
        # DESIGN.md §9: pages a person should look at (the item is published all the same), and the
        # languages each OCR'd page was read in (ISO 639-1 where there is one).
        review_pages=[
            ReviewPage(page=p.number, reason=p.review, score=round(p.score or 0.0, 3))
            for p in extraction.pages if p.review
        ],
        page_languages={str(p.number): iso_languages(p.languages) for p in extraction.pages if p.languages},
    )


def review_segments(transcript: Transcript) -> list[ReviewSegment]:
    """`content.review_segments`: the stretches Whisper was unsure of."""
    return [ReviewSegment(start_s=round(s.start_s, 3), end_s=round(s.end_s, 3), reason=s.reason)
            for s in unsure_stretches(transcript)]


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
) -> ItemRecord:
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
    record = ItemRecord(
        id=source.item_id,
        kind=detected.kind.value,
        source=ItemSource(
            filename=source.filename,
            sha256=source.sha256,
            bytes=source.size,
            media_type=detected.media_type,
            received_at=source.received_at,
            **({"filename_bytes": source.name_bytes} if source.name_bytes else {}),
        ),
        dc=DublinCore(**dc),
        access=archivist.access,
        collection=archivist.collection,
        content=content_summary(extraction, low_confidence),
        entities=[EntityRecord.of(hit) for hit in entities],
        articles=[ArticleRecord.of(link) for link in links],
        engines=extraction.engines,
        archivist=archivist.extra,
        warnings=archivist.warnings + extraction.warnings,
        also_received_as=[],
    )
    if archivist.access_reason:
        record.restrict_because(archivist.access_reason)
    return record


_COMPUTED_DC = frozenset({"type", "format", "identifier", "relation"})


def with_archivist(record: ItemRecord, archivist: ArchivistMetadata) -> ItemRecord:
    """A published item's record re-described with what the archivist now says (a re-drop with new metadata).

    The text, entities and links stay; the archivist's fields, access and collection are replaced, as they would
    be had the file first come with this metadata.
    """
    old_dc = record.dc.as_dict()
    dc = {
        "title": archivist.dc.get("title") or record.source.filename.rsplit(".", 1)[0],
        "creator": "",
        "date": "",
        "description": "",
        "rights": "",
        "subject": [],
        **archivist.dc,
        "language": archivist.languages or old_dc.get("language", []),
        **{key: old_dc[key] for key in _COMPUTED_DC if key in old_dc},
    }
    updated = record.copy_deep()
    updated.restrict_because(archivist.access_reason or None)
    updated.dc = DublinCore(**dc)
    updated.access = archivist.access
    updated.collection = archivist.collection
    updated.archivist = archivist.extra
    updated.warnings = list(dict.fromkeys(archivist.warnings + record.warnings))
    return updated


def archivist_yaml(record: ItemRecord) -> str:
    """A sidecar that reproduces what the archivist said about a published item (for reprocessing)."""
    fields = {k: v for k, v in record.dc.as_dict().items() if k not in _COMPUTED_DC and v not in ("", [], None)}
    fields["access"] = record.access
    if record.collection:
        fields["collection"] = record.collection
    fields.update(record.archivist)
    return yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)


def published_content(processed: ProcessedLayout, item_id: str | None) -> Content:
    """`content` of a published item (empty when there is no such item or its record is unreadable)."""
    if not item_id:
        return Content()
    try:
        return processed.bag(item_id).record().content
    except (OSError, ValueError):
        return Content()


def review_count(content: Content) -> int:
    """How many pages and stretches of an item are flagged for review."""
    return len(content.review_pages) + len(content.review_segments)


def review_text(content: Content) -> str:
    """`p2 empty, p5 low-quality` or `0:41-1:05 low-confidence`, for tables."""
    pages = [f"p{p.page} {p.reason}" for p in content.review_pages]
    stretches = [f"{clock(s.start_s)}-{clock(s.end_s)} {s.reason}" for s in content.review_segments]
    return ", ".join(pages + stretches)

