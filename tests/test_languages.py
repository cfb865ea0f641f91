"""One language table (`samizdat.languages`) behind the archivist's fields, OCR, ASR and OHMS.

The tables it replaced are written out here as they were, so the derived ones can be compared with them.
"""

from __future__ import annotations

from samizdat.archivist import parse_languages
from samizdat.asr.languages import normalise
from samizdat.asr.ohms import language_name
from samizdat.languages import ALIASES, ISO_639_1, LANGUAGES, OLD_CODES
from samizdat.ocr.languages import ISO_TO_TESSERACT, SCRIPT_LANGUAGES, TESSERACT_TO_ISO

# As they were in ocr/languages.py, archivist/fields.py, asr/languages.py and asr/ohms.py before the table.
OLD_ISO_TO_TESSERACT = {
    "en": "eng", "ru": "rus", "he": "heb", "iw": "heb", "yi": "yid", "ji": "yid", "uk": "ukr", "de": "deu",
    "fr": "fra", "pl": "pol", "be": "bel", "lt": "lit", "lv": "lav", "es": "spa", "it": "ita",
}  # fmt: skip
OLD_SCRIPT_LANGUAGES = {
    "Latin": ("eng", "fra", "deu", "pol", "spa", "ita", "lit", "lav"),
    "Cyrillic": ("rus", "ukr", "bel"),
    "Hebrew": ("heb", "yid"),
}
OLD_ALIASES = {
    "rus": "ru", "eng": "en", "heb": "he", "yid": "yi", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr",
    "ukr": "uk", "pol": "pl", "lit": "lt", "lav": "lv", "est": "et", "geo": "ka", "kat": "ka", "bel": "be",
    "ron": "ro", "rum": "ro", "hun": "hu", "ces": "cs", "cze": "cs", "spa": "es", "ita": "it", "lad": "lad",
    "iw": "he", "ji": "yi",
    "russian": "ru", "english": "en", "hebrew": "he", "yiddish": "yi", "german": "de", "french": "fr",
    "ukrainian": "uk", "polish": "pl", "georgian": "ka", "ladino": "lad",
    "русский": "ru", "английский": "en", "иврит": "he", "идиш": "yi", "немецкий": "de", "украинский": "uk",
}  # fmt: skip
OLD_WHISPER_ALIASES = {"iw": "he", "ji": "yi", "jw": "jv", "in": "id"}
OLD_OHMS_NAMES = {
    "en": "English", "ru": "Russian", "he": "Hebrew", "yi": "Yiddish", "uk": "Ukrainian",
    "be": "Belarusian", "de": "German", "fr": "French", "pl": "Polish", "es": "Spanish",
    "lt": "Lithuanian", "lv": "Latvian", "et": "Estonian", "ka": "Georgian", "ro": "Romanian",
    "it": "Italian", "pt": "Portuguese", "nl": "Dutch", "hu": "Hungarian", "cs": "Czech",
}  # fmt: skip


def test_ocr_tables_are_the_ones_they_replaced() -> None:
    assert ISO_TO_TESSERACT == OLD_ISO_TO_TESSERACT
    assert SCRIPT_LANGUAGES == OLD_SCRIPT_LANGUAGES  # order too: the first of a script is its usual language
    assert {t: i for i, t in OLD_ISO_TO_TESSERACT.items() if i not in ("iw", "ji")} == TESSERACT_TO_ISO


def test_every_old_spelling_keeps_its_meaning() -> None:
    assert {k: ALIASES[k] for k in OLD_ALIASES} == OLD_ALIASES
    assert OLD_CODES == OLD_WHISPER_ALIASES
    assert {code: language_name(code) for code in OLD_OHMS_NAMES} == OLD_OHMS_NAMES
    assert language_name("xx") == "xx" and language_name(None) == ""


def test_new_spellings_are_only_other_names_of_the_same_languages() -> None:
    added = {k: v for k, v in ALIASES.items() if k not in OLD_ALIASES}
    names = {lang.code: {lang.name.casefold(), *lang.alpha3, *lang.old_codes} for lang in LANGUAGES}
    assert all(spelling in names[code] for spelling, code in added.items())
    assert parse_languages("Italian; rus; iw") == (["it", "ru", "he"], [])


def test_no_alias_shadows_a_code_and_every_code_is_iso_or_its_own_alpha3() -> None:
    assert not set(ALIASES) & ISO_639_1
    assert all(lang.code in ISO_639_1 or lang.code in lang.alpha3 for lang in LANGUAGES)
    assert len({lang.code for lang in LANGUAGES}) == len(LANGUAGES)


def test_asr_is_told_the_new_form_of_a_withdrawn_code() -> None:
    assert normalise(["iw", "ji", "ru-RU", "xx"]) == ["he", "yi", "ru"]
