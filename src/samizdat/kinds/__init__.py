"""The one place input kinds are listed. Add a kind: write `kinds/<name>.py` with an `InputKind`, add a row here."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from samizdat.kinds.base import ExtractRequest, InputKind, ProgressFn, no_progress
from samizdat.models import Kind

# kind -> (module, object); imported on first use so one kind's heavy engine never slows another kind down.
_REGISTRY: dict[Kind, tuple[str, str]] = {
    Kind.IMAGE: ("samizdat.kinds.image", "IMAGE"),
    Kind.PDF: ("samizdat.kinds.pdf", "PDF"),
    Kind.AUDIO: ("samizdat.kinds.audio", "AUDIO"),
}


def page_count(path: Path, kind: Kind) -> int | None:
    """How many pages a document has, from its header alone; None for audio or a file that cannot tell."""
    try:
        if kind is Kind.IMAGE:
            from PIL import Image

            with Image.open(path) as image:
                return int(getattr(image, "n_frames", 1)) if image.format == "TIFF" else 1
        if kind is Kind.PDF:
            import pypdfium2

            document = pypdfium2.PdfDocument(path)
            try:
                return len(document)
            finally:
                document.close()
    except Exception:  # a damaged file: extraction will say what is wrong with it
        return None
    return None


def handler_for(kind: Kind) -> InputKind:
    """The input kind object that extracts `kind`."""
    module, name = _REGISTRY[kind]
    handler: InputKind = getattr(import_module(module), name)
    return handler


__all__ = ["ExtractRequest", "InputKind", "ProgressFn", "handler_for", "no_progress", "page_count"]
