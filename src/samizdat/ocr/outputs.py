"""The files a document item adds under the bag's `data/`: per-page hOCR and ALTO, and the searchable PDF."""

from __future__ import annotations

from pathlib import Path

from samizdat.bag import PayloadNames
from samizdat.models import Extraction


def document_outputs(extraction: Extraction, source_path: Path, *, born_digital_pdf: bool = False) -> dict[str, bytes]:
    """`pages/0001.hocr`, `pages/0001.alto.xml` where OCR ran, and `searchable.pdf`.

    A born-digital PDF needs no new text layer: its searchable.pdf is the original, byte for byte.
    """
    files: dict[str, bytes] = {}
    for page in extraction.pages:
        if page.hocr:
            files[PayloadNames.hocr(page.number)] = page.hocr.encode("utf-8")
        if page.alto:
            files[PayloadNames.alto(page.number)] = page.alto.encode("utf-8")
    if extraction.searchable_pdf is not None:
        files[PayloadNames.SEARCHABLE_PDF] = extraction.searchable_pdf
    elif born_digital_pdf:
        files[PayloadNames.SEARCHABLE_PDF] = source_path.read_bytes()
    return files
