"""Find the catalogue's authority entities, and years and dates, in OCR and transcript text.

Matching works on a script-neutral key per word: diacritics and case are dropped, Cyrillic is
transliterated to Latin and spelling variants are folded (Щаранский, Shcharansky and Sharansky
share one key); letters OCR swaps between scripts or with digits are repaired first (Кaлик with a
Latin a, Ka1ik). On top of exact keys a word may match through a Russian case ending
(Каликом -> Калик) or, for capitalised words of six letters or more, through OCR edits
(rapidfuzz; one edit, two from ten letters) against the catalogue words with the same first
letter only. Each distinct word form is looked up once per process, so a 100-page document costs
one dictionary lookup per word. Names that are also ordinary words (Begun, бегун) are marked
`ambiguous` in the authority list: matched only capitalised, never fuzzily, and at a sentence
start only if the item names the entity elsewhere too.

Where mentions point (the offsets contract):
- pages: `page` is `Page.number`; `char_start`/`char_end` index into that page's `Page.text`
  (add the lengths of earlier pages plus one form feed each to index `text.txt`);
- transcripts: `start_s` is the segment's start; the offsets index into `segment.text.strip()`,
  which is that segment's line in `text.txt`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import NamedTuple

from rapidfuzz.distance import Levenshtein

from samizdat.catalogue import Catalogue, load_catalogue, year_entity_id
from samizdat.models import EntityHit, Extraction, Mention

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-z]")

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "i", "є": "e", "ґ": "g",
}  # fmt: skip
# Letters OCR confuses across scripts, used only inside a word written mostly in the other script.
_LATIN_TO_CYRILLIC = str.maketrans("aceopxykmthbrnu", "асеорхукмтнвгпи")
_CYRILLIC_TO_LATIN = str.maketrans("асеорхукмтнвгпиь", "aceopxykmthbrnub")
_DIGIT_TO_LATIN = str.maketrans("015", "ols")
_DIGIT_TO_CYRILLIC = str.maketrans("0346", "озчб")
# Folded after transliteration, longest first, so that transliteration variants meet.
_FOLDS = (
    ("shch", "sh"), ("sch", "sh"), ("tch", "ch"), ("dzh", "j"), ("kh", "h"), ("ck", "k"),
    ("ph", "f"), ("tz", "ts"), ("w", "v"), ("x", "ks"), ("q", "k"), ("y", "i"),
)  # fmt: skip
_MODIFIER_APOSTROPHES = frozenset("ʼʻʹʾʿ")  # count as letters, so they sit inside words (Haʼaretz)
_DOUBLE = re.compile(r"(.)\1+")

# Russian endings a name or noun phrase takes in the other cases (text side) ...
_RU_ENDINGS_TEXT = (
    "ами ями ого его ому ему ыми ими ой ей ом ем ым им ам ям ах ях ов ев ую юю ая яя ое ее ые ие ых их "
    "ий ый ью а я о е у ю ы и ь й"
)
_RU_ENDINGS = tuple(sorted(_RU_ENDINGS_TEXT.split(), key=len, reverse=True))
# ... and the nominative endings stripped from a catalogue name to get its stem.
_RU_NOMINATIVE = ("ий", "ый", "ой", "ая", "яя", "ое", "ее", "ые", "ие", "а", "я", "о", "е", "ь", "й", "ы", "и")
_MIN_STEM = 4  # a one-word name matches through an ending only if its stem is this long
_MIN_FUZZY = 6  # words shorter than this never match fuzzily (Kalik/Malik, Begun/begin)
_MAX_GAP = 3  # characters allowed between the words of a multi-word name ("Jackson-Vanik", "Jackson – Vanik")


def _max_edits(length: int) -> int:
    return 1 if length <= 9 else 2


def normalize(text: str) -> str:
    """Case- and diacritic-free form of a word (ё -> е, й -> и, é -> e)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c not in _MODIFIER_APOSTROPHES).casefold()


def _repair_scripts(word: str) -> tuple[str, bool]:
    """Undo OCR's script and digit confusions in one normalized word; say if it is Cyrillic."""
    cyrillic = len(_CYRILLIC.findall(word))
    latin = len(_LATIN.findall(word))
    is_cyrillic = cyrillic > latin
    if cyrillic and latin:
        word = word.translate(_LATIN_TO_CYRILLIC if is_cyrillic else _CYRILLIC_TO_LATIN)
    if (cyrillic or latin) and any(c.isdigit() for c in word) and not word.isdigit():
        word = word.translate(_DIGIT_TO_CYRILLIC if is_cyrillic else _DIGIT_TO_LATIN)
    return word, is_cyrillic


def fold(latin: str) -> str:
    """Fold a Latin spelling so that transliteration variants meet (Shcharansky ~ Sharanskii)."""
    for old, new in _FOLDS:
        latin = latin.replace(old, new)
    # Short words are mostly acronyms (СССР, USSR): collapsing their letters would make them collide.
    return _DOUBLE.sub(r"\1", latin) if len(latin) > 4 else latin


def _latin_key(word: str) -> str:
    return fold("".join(_TRANSLIT.get(c, c) for c in word))


@dataclass(frozen=True)
class WordKey:
    """How one word of text can be looked up: its key, and its stems if it is a Russian word."""

    key: str
    stems: tuple[str, ...]
    capitalised: bool


@lru_cache(maxsize=200_000)
def word_key(raw: str) -> WordKey:
    """Key and candidate stems of one word as it appears in text (cached: texts repeat words)."""
    word, is_cyrillic = _repair_scripts(normalize(raw))
    stems: list[str] = []
    if is_cyrillic:
        for ending in _RU_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 2:
                stems.append(_latin_key(word[: -len(ending)]))
    elif word.endswith("s") and len(word) > 4:
        stems.append(_latin_key(word[:-1]))
    return WordKey(_latin_key(word), tuple(dict.fromkeys(stems)), raw[:1].isupper())


def _name_stem(word: str) -> str:
    """A catalogue word without its nominative ending (Свирский -> свирск, Sharansky -> sharansk)."""
    word, is_cyrillic = _repair_scripts(normalize(word))
    if is_cyrillic:
        for ending in _RU_NOMINATIVE:
            if word.endswith(ending) and len(word) - len(ending) >= 2:
                return _latin_key(word[: -len(ending)])
        return _latin_key(word)
    key = _latin_key(word)
    for ending in ("ia", "i", "a"):
        if key.endswith(ending) and len(key) - len(ending) >= 3:
            return key[: -len(ending)]
    return key


@dataclass(frozen=True)
class _Name:
    """One spelling of one entity, as the words a text must contain in a row."""

    entity_id: str
    keys: tuple[str, ...]
    stems: tuple[str, ...]
    ambiguous: bool


@dataclass
class EntityMatcher:
    """The catalogue's names compiled into indexes, built once and reused for every item."""

    catalogue: Catalogue
    by_first_key: dict[str, list[_Name]] = field(default_factory=lambda: defaultdict(list))
    by_stem: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    fuzzy_buckets: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    dates: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        all_keys: set[str] = set()
        # Ambiguity belongs to the key: if "Flier" is an ordinary word, so is Флиер (same key).
        ambiguous = {
            tuple(word_key(w).key for w in _WORD.findall(spelling))
            for entity in self.catalogue.entities.values()
            for spelling in entity.ambiguous
        }
        for entity in self.catalogue.entities.values():
            for spelling in entity.names:
                words = _WORD.findall(spelling)
                if not words:
                    continue
                keys = tuple(word_key(w).key for w in words)
                stems = tuple(_name_stem(w) for w in words)
                is_ambiguous = keys in ambiguous
                name = _Name(entity.id, keys, stems, is_ambiguous)
                if name not in self.by_first_key[keys[0]]:
                    self.by_first_key[keys[0]].append(name)
                for key, stem in zip(keys, stems, strict=True):
                    self.by_stem[stem].add(key)
                    if not is_ambiguous:
                        all_keys.add(key)
            if entity.date:
                self.dates[entity.date].append(entity.id)
        for key in all_keys:
            if len(key) >= _MIN_FUZZY and key.isalpha():
                self.fuzzy_buckets[key[0]].add(key)
        self._known_keys = {k for names in self.by_first_key.values() for n in names for k in n.keys}
        self._seen: dict[str, dict[str, str]] = {}

    def candidates(self, raw: str) -> dict[str, str]:
        """Catalogue word keys this text word can stand for, each with how: exact | inflected | fuzzy.

        Answers are remembered per distinct word, so a long document costs one lookup per word
        form, and the fuzzy step only compares against names with the same first letter.
        """
        known = self._seen.get(raw)
        if known is None:
            if len(self._seen) > 500_000:
                self._seen.clear()
            known = self._seen[raw] = self._candidates(raw)
        return known

    def _candidates(self, raw: str) -> dict[str, str]:
        wk = word_key(raw)
        found: dict[str, str] = {}
        if wk.key in self._known_keys:
            found[wk.key] = "exact"
        for stem in wk.stems:
            for key in self.by_stem.get(stem, ()):
                found.setdefault(key, "inflected")
        if found or not wk.capitalised or len(wk.key) < _MIN_FUZZY or not wk.key.isalpha():
            return found
        limit = _max_edits(len(wk.key))
        for key in self.fuzzy_buckets.get(wk.key[0], ()):
            if abs(len(key) - len(wk.key)) <= limit and Levenshtein.distance(wk.key, key, score_cutoff=limit) <= limit:
                found[key] = "fuzzy"
        return found


@cache
def default_matcher() -> EntityMatcher:
    """The matcher for the built-in catalogue."""
    return EntityMatcher(load_catalogue())


@dataclass(frozen=True)
class _Found:
    entity_id: str
    start: int
    end: int
    words: int
    weak: bool = False  # an ambiguous name at a sentence start: kept only if the item names it elsewhere


_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n]\s*|[«\"„“(—–-]\s*)$")


class _Token(NamedTuple):
    """A word of the text; `word` may join the halves of a word hyphenated across a line break."""

    word: str
    start: int
    end: int


_LINE_BREAK_HYPHEN = re.compile(r"[-\u00ad]\s*\n\s*$")


def _tokens(text: str) -> list[_Token]:
    """Words with their offsets; `Щаран-` + newline + `ского` becomes one word spanning both halves."""
    tokens: list[_Token] = []
    for match in _WORD.finditer(text):
        word, start, end = match.group(), match.start(), match.end()
        if tokens and word[:1].islower() and _LINE_BREAK_HYPHEN.search(text[tokens[-1].end : start]):
            previous = tokens.pop()
            word, start = previous.word + word, previous.start
        tokens.append(_Token(word, start, end))
    return tokens


def _accept(name: _Name, tokens: list[_Token], kinds: list[str], text: str) -> bool:
    """Rules that keep ordinary words from passing as names."""
    if name.ambiguous and ("fuzzy" in kinds or not all(t.word[:1].isupper() for t in tokens)):
        return False
    # Short stems (Вена -> вен) only for capitalised words: Вену is Vienna, вены are veins.
    weak_stem = len(name.stems[0]) < 3 or not tokens[0].word[:1].isupper()
    if len(name.keys) == 1 and kinds[0] == "inflected" and len(name.stems[0]) < _MIN_STEM and weak_stem:
        return False
    if len(name.keys) > 1 and all(k == "fuzzy" for k in kinds):
        return False
    return all(len(text[a.end : b.start]) <= _MAX_GAP for a, b in zip(tokens, tokens[1:], strict=False))


def _near(token: _Token, key: str) -> str:
    """Inside a multi-word name, one OCR edit is forgiven in a word of four letters or more (Begnn)."""
    wk = word_key(token.word)
    if len(key) >= 4 and wk.key.isalpha() and Levenshtein.distance(wk.key, key, score_cutoff=1) <= 1:
        return "fuzzy"
    return ""


def find_in_text(text: str, matcher: EntityMatcher | None = None) -> list[_Found]:
    """Entity mentions in one stretch of text: longest name first, no overlaps."""
    matcher = matcher or default_matcher()
    tokens = _tokens(text)
    candidates = [matcher.candidates(t.word) for t in tokens]
    found: list[_Found] = []
    i = 0
    while i < len(tokens):
        best: _Found | None = None
        for key in candidates[i]:
            for name in matcher.by_first_key.get(key, ()):
                n = len(name.keys)
                if i + n > len(tokens) or (best and n <= best.words):
                    continue
                kinds = [candidates[i + j].get(name.keys[j]) or _near(tokens[i + j], name.keys[j]) for j in range(n)]
                if all(kinds) and _accept(name, tokens[i : i + n], kinds, text):
                    start = tokens[i].start
                    weak = name.ambiguous and bool(_SENTENCE_START.search(text[max(0, start - 3) : start]))
                    best = _Found(name.entity_id, start, tokens[i + n - 1].end, n, weak)
        if best:
            found.append(best)
            i += best.words
        else:
            i += 1
    return found + _find_dates(text, matcher, found)


_MONTH_NAMES = (
    "january february march april may june july august september october november december",
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
)
_MONTHS = {name: number for names in _MONTH_NAMES for number, name in enumerate(names.split(), 1)}
_MONTH = "|".join(_MONTHS)
_YEAR = r"(1[89]\d\d|20[0-4]\d)"
_DATE_PATTERNS = (
    re.compile(rf"(?<![\d.]){_YEAR}-(\d\d)-(\d\d)(?!\d)"),
    re.compile(rf"(?<![\d.])(\d{{1,2}})\.(\d{{1,2}})\.{_YEAR}(?!\d)"),
    re.compile(rf"(?<!\d)(\d{{1,2}})\s+({_MONTH})\s+{_YEAR}(?!\d)", re.IGNORECASE),
    re.compile(rf"\b({_MONTH})\s+(\d{{1,2}}),?\s+{_YEAR}(?!\d)", re.IGNORECASE),
)
_BARE_YEAR = re.compile(rf"(?<![\d.,$€£-]){_YEAR}(?![\d]|[.,]\d)")


def _iso(match: re.Match[str], pattern_index: int) -> str | None:
    groups = match.groups()
    if pattern_index == 0:
        year, month, day = groups
    elif pattern_index == 1:
        day, month, year = groups
    elif pattern_index == 2:
        day, month, year = groups[0], str(_MONTHS[groups[1].casefold()]), groups[2]
    else:
        month, day, year = str(_MONTHS[groups[0].casefold()]), groups[1], groups[2]
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return None
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _find_dates(text: str, matcher: EntityMatcher, names: list[_Found]) -> list[_Found]:
    """Full dates (as the year, and as an event on that date) and bare years."""
    taken = [(f.start, f.end) for f in names]
    found: list[_Found] = []
    for index, pattern in enumerate(_DATE_PATTERNS):
        for match in pattern.finditer(text):
            span = match.span()
            if any(a < span[1] and span[0] < b for a, b in taken):
                continue
            iso = _iso(match, index)
            if iso is None:
                continue
            taken.append(span)
            found.append(_Found(year_entity_id(int(iso[:4])), *span, 1))
            found.extend(_Found(event, *span, 1) for event in matcher.dates.get(iso, ()))
    for match in _BARE_YEAR.finditer(text):
        span = match.span()
        if not any(a < span[1] and span[0] < b for a, b in taken):
            found.append(_Found(year_entity_id(int(match.group())), *span, 1))
    for match in _SPOKEN_YEAR.finditer(text):
        year = _spoken_year(match)
        if year is not None:
            found.append(_Found(year_entity_id(year), *match.span(), 1))
    return found


# Years said in words, as interviews are transcribed: "в семьдесят втором году", "девяностого года",
# "nineteen seventy-two". Russian ones count only before год/году/года, and mean the 1900s.
_RU_TENS = {
    "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70,
    "восемьдесят": 80, "девяносто": 90,
}  # fmt: skip
_RU_TENS_ORDINAL = {
    "двадцат": 20, "тридцат": 30, "сороков": 40, "пятидесят": 50, "шестидесят": 60, "семидесят": 70,
    "восьмидесят": 80, "девяност": 90,
}  # fmt: skip
_RU_UNITS_ORDINAL = {
    "перв": 1, "втор": 2, "трет": 3, "четверт": 4, "пят": 5, "шест": 6, "седьм": 7, "восьм": 8, "девят": 9,
}  # fmt: skip
_RU_ORDINAL_ENDING = r"(?:ый|ой|ий|ого|его|ом|ем|ому|ему|ья|ье|ьего|ьем|ьему)"
_EN_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_EN_UNITS = {w: i for i, w in enumerate(["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"], 1)}
_RU_UNIT_PATTERN = "|".join(_RU_UNITS_ORDINAL).replace("четверт", "четв[её]рт")
_SPOKEN_YEAR = re.compile(
    rf"(?:(?:тысяча\s+девятьсот\s+)?(?P<ru_tens>{'|'.join(_RU_TENS)})\s+(?P<ru_unit>{_RU_UNIT_PATTERN})"
    rf"{_RU_ORDINAL_ENDING}|(?:тысяча\s+девятьсот\s+)?(?P<ru_round>{'|'.join(_RU_TENS_ORDINAL)}){_RU_ORDINAL_ENDING})"
    rf"\s+год(?:у|а|ом)?\b"
    rf"|\bnineteen[\s-]+(?P<en_tens>{'|'.join(_EN_TENS)})(?:[\s-]+(?P<en_unit>{'|'.join(_EN_UNITS)}))?\b",
    re.IGNORECASE,
)


def _spoken_year(match: re.Match[str]) -> int | None:
    groups = {k: (v.casefold().replace("ё", "е") if v else None) for k, v in match.groupdict().items()}
    if groups["ru_tens"] and groups["ru_unit"]:
        return 1900 + _RU_TENS[groups["ru_tens"]] + _RU_UNITS_ORDINAL[groups["ru_unit"]]
    if groups["ru_round"]:
        return 1900 + _RU_TENS_ORDINAL[groups["ru_round"]]
    if groups["en_tens"]:
        return 1900 + _EN_TENS[groups["en_tens"]] + (_EN_UNITS[groups["en_unit"]] if groups["en_unit"] else 0)
    return None


def _stretches(extraction: Extraction) -> Iterator[tuple[str, int | None, float | None]]:
    if extraction.transcript is not None:
        for segment in extraction.transcript.segments:
            line = segment.text.strip()
            if line:
                yield line, None, segment.start
    else:
        for page in extraction.pages:
            yield page.text, page.number, None


def find_entities(extraction: Extraction, matcher: EntityMatcher | None = None) -> list[EntityHit]:
    """Every catalogue entity, year and dated event an item mentions, most mentioned first.

    Mentions carry page and offsets within the page text, or start_s and offsets within the
    segment line (see the module docstring).
    """
    return find_entities_in(_stretches(extraction), matcher)


def find_entities_in(
    stretches: Iterable[tuple[str, int | None, float | None]], matcher: EntityMatcher | None = None
) -> list[EntityHit]:
    """`find_entities` over (text, page, start_s) stretches: for callers without an Extraction."""
    matcher = matcher or default_matcher()
    hits: dict[str, EntityHit] = {}
    weak: list[tuple[_Found, str, int | None, float | None]] = []
    found: list[tuple[_Found, str, int | None, float | None]] = []
    for text, page, start_s in stretches:
        for f in find_in_text(text, matcher):
            (weak if f.weak else found).append((f, text, page, start_s))
    confirmed = {f.entity_id for f, *_ in found}
    for f, text, page, start_s in found + [w for w in weak if w[0].entity_id in confirmed]:
        hit = hits.get(f.entity_id)
        if hit is None:
            entity = matcher.catalogue.entities.get(f.entity_id)
            label = entity.label if entity else f.entity_id.removeprefix("year-")
            hit = hits[f.entity_id] = EntityHit(f.entity_id, label, entity.type if entity else "year")
        hit.mentions.append(Mention(text[f.start : f.end], f.start, f.end, page=page, start_s=start_s))
    ordered = sorted(hits.values(), key=lambda h: (-len(h.mentions), h.id))
    for hit in ordered:
        hit.mentions.sort(key=lambda m: (m.page or 0, m.start_s or 0.0, m.char_start))
    return ordered
