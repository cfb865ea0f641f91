"""The archivist's ISO 639-1 languages turned into Tesseract's language string.

Each extra Tesseract language costs time and adds confusable glyphs, so an item that names its
languages gets exactly those; only an item that names none gets the default (`eng+rus`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ISO_TO_TESSERACT: dict[str, str] = {
    "en": "eng",
    "ru": "rus",
    "he": "heb",
    "iw": "heb",  # the old ISO code for Hebrew, still seen in catalogues
    "yi": "yid",
    "ji": "yid",
    "uk": "ukr",
    "de": "deu",
    "fr": "fra",
    "pl": "pol",
    "be": "bel",
    "lt": "lit",
    "lv": "lav",
    "es": "spa",
    "it": "ita",
}


@dataclass
class LanguageChoice:
    """The Tesseract languages for one item, and why some asked-for languages were left out."""

    langs: str
    warnings: list[str] = field(default_factory=list)


def tesseract_languages(requested: list[str], default: str, installed: frozenset[str]) -> LanguageChoice:
    """Map ISO 639-1 codes (or Tesseract codes) to an installed Tesseract language string.

    Unknown or uninstalled codes are reported as warnings; when nothing usable is left, the default is used.
    """
    chosen: list[str] = []
    warnings: list[str] = []
    for raw in requested:
        code = raw.strip().lower().replace("_", "-").split("-")[0]
        if not code:
            continue
        tess = ISO_TO_TESSERACT.get(code, code if len(code) == 3 else None)
        if tess is None:
            warnings.append(f"language {raw!r} has no Tesseract model I know of; ignored")
            continue
        if installed and tess not in installed:
            warnings.append(f"language {raw!r} needs Tesseract's {tess!r} model, which is not installed; ignored")
            continue
        if tess not in chosen:
            chosen.append(tess)
    if not chosen:
        if requested:
            warnings.append(f"no usable language among {requested}; using the default {default!r}")
        return LanguageChoice(default, warnings)
    return LanguageChoice("+".join(chosen), warnings)
