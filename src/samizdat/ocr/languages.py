"""The archivist's ISO 639-1 languages turned into Tesseract's language string (codes from `samizdat.languages`).

Each extra Tesseract language costs time and adds confusable glyphs, so an item that names its
languages gets exactly those; only an item that names none gets the default (`eng+rus`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from samizdat.languages import LANGUAGES

ISO_TO_TESSERACT: dict[str, str] = {
    code: lang.tesseract
    for lang in LANGUAGES
    if lang.tesseract
    for code in (lang.code, *lang.old_codes)  # `iw`, the old ISO code for Hebrew, is still seen in catalogues
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


def _script_languages() -> dict[str, tuple[str, ...]]:
    families: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        if lang.tesseract:
            families.setdefault(lang.script, []).append(lang.tesseract)
    return {script: tuple(codes) for script, codes in families.items()}


# Tesseract OSD's script names -> the Tesseract languages written in that script, the usual one first.
SCRIPT_LANGUAGES: dict[str, tuple[str, ...]] = _script_languages()
TESSERACT_TO_ISO: dict[str, str] = {lang.tesseract: lang.code for lang in LANGUAGES if lang.tesseract}


@dataclass(frozen=True)
class ScriptChoice:
    """What a page's script (from OSD) means for its languages."""

    langs: str | None  # languages to read the page with instead; None: the item's languages cover it (or unknown)
    missing: str | None = None  # a script whose language is not installed (or not known here)


def languages_for_script(script: str | None, langs: str, installed: frozenset[str]) -> ScriptChoice:
    """The installed language to read a page in `script` with, when the item's `langs` do not cover it."""
    if not script:
        return ScriptChoice(None)
    family = SCRIPT_LANGUAGES.get(script)
    if family is None:
        return ScriptChoice(None, missing=script)
    if any(lang in family for lang in langs.split("+")):
        return ScriptChoice(None)
    for lang in family:
        if not installed or lang in installed:
            return ScriptChoice(lang)
    return ScriptChoice(None, missing=script)


def sibling_languages(script: str | None, langs: str, installed: frozenset[str]) -> list[str]:
    """The other installed languages written in `script` that `langs` do not name (Ukrainian beside Russian)."""
    named = langs.split("+")
    return [lang for lang in SCRIPT_LANGUAGES.get(script or "", ())
            if lang not in named and (not installed or lang in installed)]


def other_script_languages(langs: str, installed: frozenset[str]) -> list[str]:
    """The usual installed language of each script that `langs` do not cover (`heb` beside `eng+rus`)."""
    named = langs.split("+")
    found = []
    for family in SCRIPT_LANGUAGES.values():
        if not any(lang in family for lang in named):
            found += [lang for lang in family if not installed or lang in installed][:1]
    return found


def iso_languages(langs: str | None) -> list[str]:
    """`eng+rus` -> `["en", "ru"]` (codes without an ISO 639-1 form stay as they are)."""
    return [TESSERACT_TO_ISO.get(lang, lang) for lang in (langs or "").split("+") if lang]


_SCRIPT_OF = (("Cyrillic", 0x0400, 0x052F), ("Hebrew", 0x0590, 0x05FF))


def script_letters(text: str) -> dict[str, int]:
    """How many of the text's letters each script (Latin, Cyrillic, Hebrew) has."""
    counts: dict[str, int] = {}
    for char in text:
        if not char.isalpha():
            continue
        code = ord(char)
        script = next((name for name, lo, hi in _SCRIPT_OF if lo <= code <= hi), "Latin" if code < 0x0250 else None)
        if script:
            counts[script] = counts.get(script, 0) + 1
    return counts


def main_script(text: str) -> str | None:
    """The script most of the text's letters are written in; None for a text without letters."""
    counts = script_letters(text)
    return max(counts, key=lambda script: counts[script]) if counts else None


def text_languages(text: str, langs: str | None = None, min_share: float = 0.1) -> list[str]:
    """ISO codes of the languages a text is written in, judged by its letters' scripts.

    Each script with at least `min_share` of the letters counts (a tenth: a Cyrillic name in an English letter
    does not make it Russian); the language is the first of `langs` written in that script, else the
    script's usual language (Latin: en, Cyrillic: ru, Hebrew: he).
    """
    counts = script_letters(text)
    total = sum(counts.values())
    found: list[str] = []
    for script, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        if total == 0 or count / total < min_share:
            continue
        family = SCRIPT_LANGUAGES[script]
        lang = next((x for x in (langs or "").split("+") if x in family), family[0])
        iso = TESSERACT_TO_ISO.get(lang, lang)
        if iso not in found:
            found.append(iso)
    return found
