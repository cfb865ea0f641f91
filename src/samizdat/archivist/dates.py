"""Dates as archivists write them, to EDTF (Library of Congress Extended Date/Time Format).

`1978`, `1978-03-15`, `15.03.1978`, `March 1978`, `12 марта 1978 г.`, `весна 1978` (-> `1978-21`),
`circa 1972` (-> `1972~`), `1970s` / `1970-е` (-> `197X`), intervals `1970/1975`. Month names in English,
Russian, Ukrainian, German and French are read by `dateparser`; every result is checked by the `edtf` parser.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any

_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_YEAR_RANGE = re.compile(r"^(\d{4})-(\d{4})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[./](\d{4})$")
_SLASHED_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_CIRCA = re.compile(r"^(?:circa|ca\.?|c\.|approx\.?|около|ок\.|примерно|приблизительно)\s*(.+?)$", re.IGNORECASE)
_DECADE = re.compile(r"^(\d{3})0(?:s|'s|-е(?:\s*гг?\.?)?|-і(?:\s*рр?\.?)?)$", re.IGNORECASE)
_INTERVAL = re.compile(r"^(.+?)\s*(?:/|\.\.|–|—| - )\s*(.+)$")
_QUALIFIED = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)([?~%])$")
_YEAR_SUFFIX = re.compile(r"\s*(?:г\.?|гг\.?|год[аеу]?|року?|р\.)$", re.IGNORECASE)
# EDTF seasons: 21 spring, 22 summer, 23 autumn, 24 winter.
_SEASONS = {
    21: ("spring", "весна", "весной", "весною", "frühling", "frühjahr", "printemps"),
    22: ("summer", "лето", "летом", "літо", "влітку", "sommer", "été"),
    23: ("autumn", "fall", "осень", "осенью", "осінь", "восени", "herbst", "automne"),
    24: ("winter", "зима", "зимой", "зимою", "взимку", "hiver"),
}
_SEASON_OF = {word: number for number, words in _SEASONS.items() for word in words}
_SEASON = re.compile(r"^(?P<word>[^\W\d]+),?\s+(?:of\s+|de\s+l'|d')?(?P<year>\d{4})$", re.IGNORECASE)
_DATE_LANGUAGES = ["en", "ru", "uk", "de", "fr"]
_HINT = "use YYYY, YYYY-MM, YYYY-MM-DD, 'March 1978', 'circa YYYY' or an EDTF date"


def parse_date(value: Any) -> tuple[str | None, str]:
    """An EDTF date string, or None and the reason.

    Accepts YYYY, YYYY-MM, YYYY-MM-DD, DD.MM.YYYY, MM.YYYY, DD/MM/YYYY when unambiguous, month names
    (`March 1978`, `12 марта 1978`), seasons (`весна 1978` -> `1978-21`), `circa 1972` (-> `1972~`),
    `1970s` (-> `197X`), EDTF qualifiers (`1978?`) and intervals (`1970/1975`, `1970-1975`).
    YAML's own dates and integers are accepted too.
    """
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), ""
    if isinstance(value, dt.date):
        return value.isoformat(), ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None, f"is not a date ({_HINT})"
    text = " ".join(str(value).split())
    if len(text) > 100:
        return None, f"is too long to be a date ({_HINT})"
    date, problem = _parse(text)
    if date is not None:
        try:
            _edtf_parser()(date)
        except Exception:  # the edtf parser raises its own and pyparsing's errors
            return None, f"does not make a valid EDTF date ({date})"
    return date, problem


def _parse(text: str) -> tuple[str | None, str]:
    text = _YEAR_RANGE.sub(r"\1/\2", text)
    interval = _INTERVAL.match(text)
    if interval and not any(p.match(text) for p in (_ISO_DATE, _SLASHED_DATE, _MONTH_YEAR)):
        start, _ = _parse(interval.group(1))
        end, _ = _parse(interval.group(2))
        if start and end and "/" not in start + end and _sort_key(start) <= _sort_key(end):
            return f"{start}/{end}", ""
        return None, "is not a valid interval (use 1970/1975)"
    qualified = _QUALIFIED.match(text)
    if qualified:
        date, problem = _parse(qualified.group(1))
        return (f"{date}{qualified.group(2)}", "") if date else (None, problem)
    circa = _CIRCA.match(text)
    if circa:
        rest = circa.group(1)[:4] if re.fullmatch(r"\d{4}s", circa.group(1)) else circa.group(1)
        date, problem = _parse(rest)
        if date and not any(mark in date for mark in "/~?%"):
            return f"{date}~", ""
        return None, problem or f"is not a date ({_HINT})"
    decade = _DECADE.match(text)
    if decade:
        return _plausible(f"{decade.group(1)}X", decade.group(1) + "0")
    season = _SEASON.match(text)
    if season and season.group("word").casefold() in _SEASON_OF:
        return _plausible(f"{season.group('year')}-{_SEASON_OF[season.group('word').casefold()]}", season.group("year"))
    month_year = _MONTH_YEAR.match(text)
    if month_year:
        text = f"{month_year.group(2)}-{int(month_year.group(1)):02d}"
    dotted = _DOTTED_DATE.match(text)
    if dotted:
        text = f"{dotted.group(3)}-{int(dotted.group(2)):02d}-{int(dotted.group(1)):02d}"
    slashed = _SLASHED_DATE.match(text)
    if slashed:
        first, second = int(slashed.group(1)), int(slashed.group(2))
        if first <= 12 and second <= 12 and first != second:
            return None, "is ambiguous (day/month or month/day?); write it as YYYY-MM-DD"
        day_of, month_of = (first, second) if first > 12 else (second, first)
        text = f"{slashed.group(3)}-{month_of:02d}-{day_of:02d}"
    match = _ISO_DATE.match(text)
    if not match:
        return _in_words(text)
    year, month, day = match.groups()
    if month and not day and 21 <= int(month) <= 24:  # an EDTF season, as written
        return _plausible(text, year)
    try:
        if day:
            dt.date(int(year), int(month), int(day))
        elif month and not 1 <= int(month) <= 12:
            raise ValueError("month out of range")
    except ValueError:
        return None, "is not a calendar date"
    return _plausible(text, year)


def _in_words(text: str) -> tuple[str | None, str]:
    """`March 1978`, `12 марта 1978 г.`: dateparser, trusted only when the text has the 4-digit year it found."""
    if not re.search(r"[^\W\d]", text):
        return None, f"is not a date ({_HINT})"
    found = _date_parser().get_date_data(_YEAR_SUFFIX.sub("", text))
    if found is None or found.date_obj is None:
        return None, f"is not a date ({_HINT})"
    when = found.date_obj
    if not re.search(rf"(?<!\d){when.year}(?!\d)", text):
        return None, f"has no four-digit year ({_HINT})"
    if found.period == "year":
        return _plausible(f"{when.year:04d}", str(when.year))
    if found.period == "month":
        return _plausible(f"{when.year:04d}-{when.month:02d}", str(when.year))
    if found.period == "day":
        return _plausible(when.date().isoformat(), str(when.year))
    return None, f"is not a date ({_HINT})"


@cache
def _edtf_parser() -> Any:
    from edtf import parse_edtf  # imported when first needed: building its grammar takes a fifth of a second

    return parse_edtf


@cache
def _date_parser() -> Any:
    from dateparser.date import DateDataParser  # imported when first needed: it loads language data

    settings = {
        "REQUIRE_PARTS": ["year"],
        "PARSERS": ["custom-formats", "absolute-time"],  # no "2 years ago", no Unix timestamps
        "DATE_ORDER": "DMY",
        "PREFER_DAY_OF_MONTH": "first",
    }
    return DateDataParser(languages=_DATE_LANGUAGES, settings=settings)


def _plausible(date: str, year: str) -> tuple[str | None, str]:
    if not 1000 <= int(year) <= dt.date.today().year + 1:
        return None, "has an implausible year"
    return date, ""


def _sort_key(date: str) -> str:
    """Compare interval ends by their earliest day: `197X` as 1970, a season as its year."""
    base = date.rstrip("?~%").replace("X", "0")
    return base if not re.fullmatch(r"\d{4}-2[1-4]", base) else base[:4]
