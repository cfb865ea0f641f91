"""A small published collection for the portal and access tests: real BagIt bags, bundles and an index.

Built directly (no OCR, no Whisper) so the portal tests run in seconds: two open items (a Russian
letter, an English interview) and two restricted ones that must never reach the public.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import bagit

from samizdat.search import SearchIndex, item_from_bag

LETTER, TAPE, SECRET_DOC, SECRET_TAPE = "a0a0a0a0a001", "a0a0a0a0a002", "b1b1b1b1b003", "b1b1b1b1b004"
ARTICLE = "gorbachev-opened-the-gates"
SECRET_ARTICLE = "ajhs-american-soviet-jewry-movement"
SECRET_TITLE = "Closed testimony of Zelig Mirkin"
STAFF_TOKEN = "s3cret-staff-token"

SEGMENTS = [
    {"start": 0.5, "end": 3.0, "text": "When did you first apply to emigrate to Israel?"},
    {"start": 3.0, "end": 6.0, "text": "In 1974, after my friend Sharansky was refused."},
    {"start": 6.0, "end": 9.0, "text": "The letters kept coming from Moscow."},
]


def _metadata(item_id: str, kind: str, filename: str, title: str, access: str, language: str, date: str,
              articles: list[dict[str, Any]], entities: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": item_id, "kind": kind, "access": access,
        "source": {"filename": filename, "sha256": item_id * 5, "bytes": 0, "media_type": "", "received_at": ""},
        "dc": {"title": title, "creator": "Test archive", "date": date, "language": [language],
               "type": "Sound" if kind == "audio" else "Text", "relation": [a["id"] for a in articles]},
        "content": {}, "entities": entities, "articles": articles, "engines": {}, "archivist": {},
    }


def _entity(entity_id: str, label: str, text: str, **where: Any) -> dict[str, Any]:
    return {"id": entity_id, "label": label, "type": "person", "count": 1,
            "mentions": [{"text": text, "char_start": 0, "char_end": len(text), **where}]}


def _bag(processed: Path, metadata: dict[str, Any], original: bytes, pages: list[str] | None = None,
         segments: list[dict[str, Any]] | None = None) -> Path:
    """Write a valid bag into processed/items/<id> and its zip into processed/bundles/<id>.zip."""
    item_id = metadata["id"]
    bag_dir = processed / "items" / item_id
    (bag_dir / "original").mkdir(parents=True)
    (bag_dir / "original" / metadata["source"]["filename"]).write_bytes(original)
    (bag_dir / "metadata.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=1), encoding="utf-8")
    if segments is not None:
        (bag_dir / "transcript.json").write_text(json.dumps({"segments": segments}), encoding="utf-8")
        (bag_dir / "text.txt").write_text("\n".join(s["text"] for s in segments), encoding="utf-8")
    else:
        (bag_dir / "text.txt").write_text("\f".join(pages or []), encoding="utf-8")
    bagit.make_bag(str(bag_dir), checksums=["sha256"], processes=1)
    (processed / "bundles").mkdir(parents=True, exist_ok=True)
    shutil.make_archive(str(processed / "bundles" / item_id), "zip", root_dir=processed / "items", base_dir=item_id)
    return bag_dir


def build_collection(processed: Path, index: SearchIndex, audio: bytes = b"ID3 not really audio") -> None:
    """Four items (two open, two restricted) as bags, bundles and index rows."""
    sharansky = ("natan-sharansky", "Natan Sharansky")
    bags = [
        _bag(processed, _metadata(
            LETTER, "image", "letter.png", "Письмо Калика", "open", "ru", "1977-03",
            [{"id": ARTICLE, "title": "Gorbachev", "score": 0.71, "evidence": ["natan-sharansky", "ida-nudel"],
              "passage": "…арестован Натан Щаранский…"}],
            [_entity(*sharansky, "Щаранский", page=2), _entity("ida-nudel", "Ida Nudel", "Ида Нудель", page=2)]),
            b"\x89PNG fake", pages=["Москва, 1977. Письмо Калика о выезде в Израиль.",
                                    "Вчера арестован Натан Щаранский. Ида Нудель помогает семьям."]),
        _bag(processed, _metadata(
            TAPE, "audio", "tape.mp3", "Interview about Sharansky", "open", "en", "1998-05-10", [],
            [_entity(*sharansky, "Sharansky", start_s=3.0)]), audio, segments=SEGMENTS),
        _bag(processed, _metadata(
            SECRET_DOC, "pdf", "secret.pdf", SECRET_TITLE, "restricted", "ru", "1988",
            [{"id": SECRET_ARTICLE, "title": "AJHS", "score": 0.9, "evidence": ["zelig-mirkin"], "passage": ""},
             {"id": ARTICLE, "title": "Gorbachev", "score": 0.5, "evidence": ["natan-sharansky"], "passage": ""}],
            [_entity("zelig-mirkin", "Zelig Mirkin", "Миркин", page=1), _entity(*sharansky, "Щаранский", page=1)]),
            b"%PDF-1.4 secret", pages=["Секретное свидетельство: Калик, Щаранский и Миркин. Refusenik letters."]),
        _bag(processed, _metadata(
            SECRET_TAPE, "audio", "secret.mp3", "Closed interview", "restricted", "en", "1990", [],
            [_entity("zelig-mirkin", "Zelig Mirkin", "Mirkin", start_s=1.0)]), audio,
            segments=[{"start": 1.0, "end": 4.0, "text": "Mirkin told me about the letters and Sharansky."}]),
    ]
    for bag_dir in bags:
        index.upsert(item_from_bag(bag_dir))


def test_the_collection_builds_valid_bags(tmp_path: Path) -> None:
    from samizdat.search import open_index

    index = open_index(None, tmp_path / "catalog.sqlite")
    build_collection(tmp_path, index)
    assert index.item_ids() == sorted([LETTER, TAPE, SECRET_DOC, SECRET_TAPE])
    for item_id in index.item_ids():
        bagit.Bag(str(tmp_path / "items" / item_id)).validate(processes=1)
        assert (tmp_path / "bundles" / f"{item_id}.zip").stat().st_size > 0
