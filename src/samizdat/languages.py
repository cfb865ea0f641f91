"""The one table of languages: ISO 639-1 code, names, other codes, script, Tesseract model.

Everything else reads it: the archivist's fields (which spellings mean which code), OCR (which Tesseract model
reads which code, which languages a script covers), ASR (the withdrawn codes Whisper is told in their new form)
and OHMS (the English name). Add a language: one row here.

Row order matters where a script has several languages: the first of a script is its usual language (an
OSD-detected Cyrillic page in an item that names no Cyrillic language is read as Russian).
Whisper's own list of codes comes from faster-whisper (`asr.languages.whisper_languages`); the search stemmer is
chosen by a word's script, not by the item's language (`search.stemming`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """One language as the archive meets it."""

    code: str  # ISO 639-1; ISO 639-2 where the language has no 639-1 code (Ladino: lad)
    name: str  # English name, as OHMS writes it
    script: str  # as Tesseract OSD names scripts: Latin, Cyrillic, Hebrew, Georgian
    tesseract: str | None = None  # the Tesseract model the archive reads it with; None: not read by OCR
    alpha3: tuple[str, ...] = ()  # ISO 639-2 codes (T, then B where it differs)
    old_codes: tuple[str, ...] = ()  # withdrawn ISO 639-1 codes still seen in catalogues
    other_names: tuple[str, ...] = ()  # names archivists write besides the English one


LANGUAGES: tuple[Language, ...] = (
    # Latin script, read by OCR; the first is the script's usual language.
    Language("en", "English", "Latin", "eng", ("eng",), other_names=("английский",)),
    Language("fr", "French", "Latin", "fra", ("fra", "fre")),
    Language("de", "German", "Latin", "deu", ("deu", "ger"), other_names=("немецкий",)),
    Language("pl", "Polish", "Latin", "pol", ("pol",)),
    Language("es", "Spanish", "Latin", "spa", ("spa",)),
    Language("it", "Italian", "Latin", "ita", ("ita",)),
    Language("lt", "Lithuanian", "Latin", "lit", ("lit",)),
    Language("lv", "Latvian", "Latin", "lav", ("lav",)),
    # Cyrillic
    Language("ru", "Russian", "Cyrillic", "rus", ("rus",), other_names=("русский",)),
    Language("uk", "Ukrainian", "Cyrillic", "ukr", ("ukr",), other_names=("украинский",)),
    Language("be", "Belarusian", "Cyrillic", "bel", ("bel",)),
    # Hebrew
    Language("he", "Hebrew", "Hebrew", "heb", ("heb",), ("iw",), ("иврит",)),
    Language("yi", "Yiddish", "Hebrew", "yid", ("yid",), ("ji",), ("идиш",)),
    # Named in catalogues or by Whisper, not read by OCR here.
    Language("et", "Estonian", "Latin", alpha3=("est",)),
    Language("ka", "Georgian", "Georgian", alpha3=("kat", "geo")),
    Language("ro", "Romanian", "Latin", alpha3=("ron", "rum")),
    Language("hu", "Hungarian", "Latin", alpha3=("hun",)),
    Language("cs", "Czech", "Latin", alpha3=("ces", "cze")),
    Language("pt", "Portuguese", "Latin", alpha3=("por",)),
    Language("nl", "Dutch", "Latin", alpha3=("nld", "dut")),
    Language("lad", "Ladino", "Latin", alpha3=("lad",)),
    Language("jv", "Javanese", "Latin", alpha3=("jav",), old_codes=("jw",)),
    Language("id", "Indonesian", "Latin", alpha3=("ind",), old_codes=("in",)),
)

# ISO 639-1, every code (184 with the withdrawn `bh`); the table above holds only the languages the archive meets.
_ISO_639_1_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el "
    "en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu "
    "ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na "
    "nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so "
    "sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
)
ISO_639_1 = frozenset(_ISO_639_1_CODES.split())

_BY_CODE = {language.code: language for language in LANGUAGES}

OLD_CODES: dict[str, str] = {old: lang.code for lang in LANGUAGES for old in lang.old_codes}
"""Withdrawn ISO 639-1 codes -> today's: `iw` -> `he`."""

ALIASES: dict[str, str] = {
    spelling.casefold(): lang.code
    for lang in LANGUAGES
    for spelling in (*lang.alpha3, *lang.old_codes, lang.name, *lang.other_names)
}
"""Every other spelling of a code, casefolded -> its code: `rus`, `ger`, `iw`, `russian`, `русский`."""


def language(code: str | None) -> Language | None:
    """The table's row for an ISO code, or None when the table does not know it."""
    return _BY_CODE.get(code or "")
