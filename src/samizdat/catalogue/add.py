"""Add an article to the archive's catalogue from its text: what it names, and what the authority list lacks.

`add_article` reads the article (plain text, PDF or HTML), finds the authority entities and years it names
with the same matcher that describes items, proposes authority entries for the names the list lacks (with
Latin and Cyrillic spellings), and appends both to the catalogue folder's files, marked `proposed: true` for
the archivist to check. The entries are live at once (items are linked through them), so a wrong proposal
is fixed by editing or deleting it, and re-linking again.

Proposals come from capitalised runs of words that no catalogue name covers. A run counts as a name when it
is not an ordinary word written at a sentence start (its lower-case form never occurs in the text) and it
either has two or more words (`Vladimir Slepak`) or is said at least `MIN_SINGLE_MENTIONS` times. A person's
surname said alone is folded into the full name (`Slepak` -> vladimir-slepak). Types are guesses (an
organisation word makes an organization, else two or three words a person, else a place): the archivist
checks them.
"""

from __future__ import annotations

import fcntl
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from samizdat.catalogue import (
    ARTICLES_FILE,
    AUTHORITY_FILE,
    TEXTS_DIR,
    Catalogue,
    CatalogueError,
    ensure_catalogue,
    load_catalogue,
    write_catalogue_file,
)

MIN_SINGLE_MENTIONS = 3
MAX_PROPOSALS = 40
_ID_PART = re.compile(r"[^a-z0-9]+")
_NAME_RUN = re.compile(r"[A-ZА-ЯЁ][^\W\d_]+(?:['’][^\W\d_]+)?(?:[ \u00a0-][A-ZА-ЯЁ][^\W\d_]+(?:['’][^\W\d_]+)?){0,3}")
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n«\"„“(—–]\s*)$")
_ORGANIZATION_TEXT = """
    committee council union conference society university institute agency party league congress group
    federation association movement foundation bureau ministry academy church synagogue fund coalition
    комитет совет союз конференция общество университет институт агентство партия лига конгресс
    федерация ассоциация движение фонд бюро министерство академия"""
_ORGANIZATION_WORDS = frozenset(_ORGANIZATION_TEXT.split())
_LAW_TEXT = "act amendment law treaty accords закон поправка договор"
_LAW_WORDS = frozenset(_LAW_TEXT.split())
_PLACE_TEXT = """street square avenue road region district province oblast river lake sea mountains city town village
    camp prison улица площадь проспект область район река озеро город лагерь тюрьма"""
_PLACE_WORDS = frozenset(_PLACE_TEXT.split())
# Capitalised words that are never names on their own: titles, months, days, pronouns at sentence starts.
_NOT_NAMES_TEXT = """
    the a an and but or in on at of for to by with from as he she it we they i you his her its their our
    this that these those there here when while after before during since until then thus however although
    mr mrs ms dr prof rabbi president general minister secretary senator king queen saint st
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday jewish jews soviet american russian israeli
    в на и но а он она они мы я вы это тот та те как когда после до при по для из за от его ее их наш
    январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())


@dataclass
class Proposal:
    """A new authority entry: what the text called it and how many times."""

    id: str
    type: str
    label: str
    names: list[str]
    mentions: int
    ambiguous: list[str] = field(default_factory=list)

    def as_entry(self) -> dict[str, Any]:
        """The entry as written to authority.yaml."""
        entry: dict[str, Any] = {"id": self.id, "type": self.type, "label": self.label, "names": self.names}
        if self.ambiguous:
            entry["ambiguous"] = self.ambiguous
        entry["proposed"] = True
        return entry


@dataclass
class ArticleDraft:
    """What adding one article writes: its entry, the entities found, and the authority entries proposed."""

    entry: dict[str, Any]
    found: list[str]
    years: list[int]
    proposals: list[Proposal]
    text: str


# --- reading the article --------------------------------------------------------------------------------------


class _TextOfHtml(HTMLParser):
    """Visible text of an HTML page: paragraphs and headings on their own lines, scripts and styles left out."""

    _SKIP = frozenset({"script", "style", "noscript", "template", "head"})
    _BLOCK = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
                        "blockquote", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def read_article_text(path: Path) -> str:
    """The text of an article file: a PDF's text layer, an HTML page's visible text, or a text file (UTF-8)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CatalogueError(f"cannot read the article file {path}: {error}") from error
    if data.startswith(b"%PDF"):
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            text = "\n\n".join(page.extract_text() or "" for page in pdf.pages)
    else:
        decoded = data.decode("utf-8-sig", errors="replace")
        head = decoded[:2048].lstrip().lower()
        if path.suffix.lower() in (".html", ".htm", ".xhtml") or head.startswith(("<!doctype html", "<html")):
            parser = _TextOfHtml()
            parser.feed(decoded)
            parser.close()
            decoded = "".join(parser.parts)
        text = decoded
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not text:
        raise CatalogueError(f"{path} holds no text (a scanned PDF needs OCR first: process it, then add its text)")
    return text


# --- transliteration --------------------------------------------------------------------------------------------

_LATIN_TO_CYRILLIC = (
    ("shch", "щ"), ("sch", "ш"), ("skiy", "ский"), ("sky", "ский"), ("ski", "ский"), ("zh", "ж"), ("kh", "х"),
    ("ts", "ц"), ("tz", "ц"), ("ch", "ч"), ("sh", "ш"), ("yu", "ю"), ("ya", "я"), ("yo", "ё"), ("ye", "е"),
    ("ei", "ей"), ("ey", "ей"), ("ai", "ай"), ("ay", "ай"), ("oi", "ой"), ("oy", "ой"), ("ph", "ф"), ("ia", "ия"),
    ("ck", "к"), ("x", "кс"), ("j", "дж"), ("w", "в"), ("q", "к"), ("h", "х"), ("c", "к"),
    ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"), ("e", "е"), ("z", "з"), ("i", "и"), ("k", "к"),
    ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"),
    ("f", "ф"), ("y", "и"),
)  # fmt: skip
_ENDINGS_ONLY = frozenset({"skiy", "sky", "ski"})


def to_cyrillic(name: str) -> str:
    """A Latin-script name spelled in Cyrillic, as Russian writes foreign and transliterated names (rule-based)."""
    return " ".join(_word_to_cyrillic(word) for word in name.split())


def _word_to_cyrillic(word: str) -> str:
    lower = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
    out: list[str] = []
    i = 0
    while i < len(lower):
        for latin, cyrillic in _LATIN_TO_CYRILLIC:
            if not lower.startswith(latin, i):
                continue
            if latin in _ENDINGS_ONLY and i + len(latin) != len(lower):
                continue
            if latin == "e" and i == 0:
                cyrillic = "э"  # Eduard -> Эдуард
            elif latin == "y" and i + 1 < len(lower) and lower[i + 1] in "aeiou":
                cyrillic = "й"
            out.append(cyrillic)
            i += len(latin)
            break
        else:
            out.append(lower[i])
            i += 1
    result = "".join(out)
    return "-".join(part[:1].upper() + part[1:] for part in result.split("-"))


def to_latin(name: str) -> str:
    """A Cyrillic name in Latin letters, as English-language writing spells it (iuliia's Wikipedia scheme)."""
    import iuliia

    return str(iuliia.WIKIPEDIA.translate(name))


def _is_cyrillic(text: str) -> bool:
    return sum("\u0400" <= c <= "\u04ff" for c in text) > len(text) / 3


def entity_id_for(label: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A new authority id from a name: Latin, lower-case, hyphenated, not one of `taken`."""
    latin = to_latin(label) if _is_cyrillic(label) else label
    ascii_text = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode().lower()
    base = _ID_PART.sub("-", ascii_text).strip("-") or "entity"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


# --- finding what the article names -----------------------------------------------------------------------------


def draft_article(
    text: str,
    catalogue: Catalogue,
    *,
    article_id: str,
    title: str,
    author: str = "",
    publisher: str = "",
    date: str = "",
    summary: str = "",
) -> ArticleDraft:
    """The catalogue entry for an article with this text, and the authority entries it would need."""
    from samizdat.entities import find_entities_in
    from samizdat.links import matcher_for

    hits = find_entities_in([(text, 1, None)], matcher_for(catalogue))
    found = [h.id for h in hits if h.type != "year"]
    years = sorted({int(h.id.removeprefix("year-")) for h in hits if h.type == "year"})
    covered = [(m.char_start, m.char_end) for h in hits for m in h.mentions]
    proposals = propose_entities(text, covered, set(catalogue.entities))
    entry: dict[str, Any] = {
        "id": article_id,
        "file": f"{TEXTS_DIR}/{article_id}.txt",
        "title": title,
        "author": author,
        "publisher": publisher,
        "date": date,
        "summary": summary,
        "proposed": True,
        "added": datetime.now(UTC).date().isoformat(),
        "entities": found + [p.id for p in proposals],
        "years": years,
    }
    return ArticleDraft({k: v for k, v in entry.items() if v not in ("", None)}, found, years, proposals, text)


def propose_entities(text: str, covered: list[tuple[int, int]], taken: set[str]) -> list[Proposal]:
    """Authority entries for the names in `text` outside the `covered` spans (those the catalogue knows).

    Forms of one name are counted together (Слепак, Слепака, Слепаком; Slepak, Slepaks) through the
    matcher's word keys and Russian stems; each proposal lists the form least inflected, since the matcher
    finds the others itself.
    """
    lower_words = {w for w in re.findall(r"[^\W\d_]+", text) if w == w.lower()}
    folded_lower = {w.casefold() for w in lower_words}
    forms: dict[tuple[str, ...], Counter[str]] = {}
    at_start: Counter[tuple[str, ...]] = Counter()
    for match in _NAME_RUN.finditer(text):
        words = match.group().replace("\u00a0", " ").split(" ")
        start = match.start()
        # Leading words that are not names ("The Refusenik Committee", "When Slepak") drop off the run.
        while words and (words[0].casefold() in _NOT_NAMES or words[0].casefold() in lower_words):
            start += len(words[0]) + 1
            words = words[1:]
        while words and words[-1].casefold() in _NOT_NAMES:
            words = words[:-1]
        if not words:
            continue
        end = start + len(" ".join(words))
        if any(a < end and start < b for a, b in covered):
            continue
        if any(len(w) < 3 or w.isupper() and len(w) < 5 for w in words):
            continue  # initials and acronyms: too easily confused
        key = tuple(_canonical(w) for w in words)
        forms.setdefault(key, Counter())[" ".join(words)] += 1
        if _SENTENCE_END.search(text[max(0, start - 3) : start]):
            at_start[key] += 1
    shown = {key: _least_inflected(key, counts) for key, counts in forms.items()}
    people = [k for k in forms if 2 <= len(k) <= 3 and _guess_type(shown[k]) == "person"]
    surnames: dict[tuple[str, ...], tuple[str, ...]] = {}
    for person in sorted(people, key=lambda k: (-sum(forms[k].values()), text.find(shown[k]))):
        surnames.setdefault(person[-1:], person)  # a surname two people share: the one said most, then first
    groups: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for key in forms:
        owner = surnames.get(key, key) if len(key) == 1 else key
        groups.setdefault(owner, []).append(key)
    proposals: list[Proposal] = []
    ids = set(taken)
    ranked = sorted(groups.items(), key=lambda kv: (-sum(sum(forms[k].values()) for k in kv[1]), shown[kv[0]]))
    for owner, members in ranked:
        total = sum(sum(forms[k].values()) for k in members)
        if len(owner) == 1 and (total < MIN_SINGLE_MENTIONS or at_start[owner] == total):
            continue
        if len(proposals) >= MAX_PROPOSALS:
            break
        name = shown[owner]
        # A surname said alone is listed as the full name spells it (Слепак, not the Слепаку the text had).
        forms_listed = {name.split(" ")[-1] if len(k) == 1 and len(owner) > 1 else shown[k] for k in members}
        names = sorted(forms_listed, key=lambda n: (-len(n), n))
        other = [to_latin(n) if _is_cyrillic(n) else to_cyrillic(n) for n in names]
        ambiguous = [n for n in names + other if len(n.split()) == 1 and n.casefold() in folded_lower]
        entity_id = entity_id_for(name, ids)
        ids.add(entity_id)
        label = to_latin(name) if _is_cyrillic(name) else name
        proposals.append(Proposal(entity_id, _guess_type(name), label, list(dict.fromkeys(names + other)), total,
                                  ambiguous))
    return proposals


def _canonical(word: str) -> str:
    """One key for the forms of a word: the matcher's script-neutral key, less a Russian case ending or plural s."""
    from samizdat.entities import word_key

    found = word_key(word)
    stems = [stem for stem in found.stems if len(stem) >= 3]
    return min(stems, key=len) if stems else found.key


def _least_inflected(key: tuple[str, ...], counts: Counter[str]) -> str:
    """The form to list: one whose words are their own keys (nominative), else the most frequent."""
    from samizdat.entities import word_key

    plain = [form for form in counts if tuple(word_key(w).key for w in form.split(" ")) == key]
    pool = plain or list(counts)
    return max(pool, key=lambda form: (counts[form], -len(form)))


def _guess_type(name: str) -> str:
    words = {w.casefold() for w in name.split()}
    if words & _ORGANIZATION_WORDS:
        return "organization"
    if words & _LAW_WORDS:
        return "law"
    if words & _PLACE_WORDS:
        return "place"
    return "person" if 2 <= len(words) <= 3 else "place"


# --- writing it -------------------------------------------------------------------------------------------------


def add_article(
    folder: Path,
    source: Path,
    *,
    article_id: str,
    title: str,
    author: str = "",
    publisher: str = "",
    date: str = "",
    summary: str = "",
) -> ArticleDraft:
    """Read `source` (text, PDF or HTML) and add it to the catalogue in `folder`: see `add_article_text`."""
    return add_article_text(folder, read_article_text(source), article_id=article_id, title=title, author=author,
                            publisher=publisher, date=date, summary=summary)


def add_article_text(
    folder: Path,
    text: str,
    *,
    article_id: str,
    title: str,
    author: str = "",
    publisher: str = "",
    date: str = "",
    summary: str = "",
) -> ArticleDraft:
    """Draft the article's entry from its text and write it (with the proposed entities) into the catalogue.

    The text is kept as `texts/<id>.txt` in the folder (for text similarity); each file is checked before it
    is replaced, and the versions replaced are kept under `history/`.
    """
    folder = ensure_catalogue(folder)
    with _locked(folder):  # two archivists adding at once: one after the other, neither entry lost
        return _add(folder, text, article_id, title, author, publisher, date, summary)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with (folder / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _add(folder: Path, text: str, article_id: str, title: str, author: str, publisher: str, date: str,
         summary: str) -> ArticleDraft:
    catalogue = load_catalogue(folder)
    if not text.strip():
        raise CatalogueError(f"the article {article_id!r} has no text")
    if any(a.id == article_id for a in catalogue.articles):
        raise CatalogueError(f"{folder / ARTICLES_FILE}: an article with id {article_id!r} is already catalogued")
    draft = draft_article(text, catalogue, article_id=article_id, title=title, author=author,
                          publisher=publisher, date=date, summary=summary)
    texts = folder / TEXTS_DIR
    texts.mkdir(exist_ok=True)
    (texts / f"{article_id}.txt").write_text(text.strip() + "\n", encoding="utf-8")
    if draft.proposals:
        write_catalogue_file(folder, AUTHORITY_FILE, _appended(
            folder / AUTHORITY_FILE, "entities", [p.as_entry() for p in draft.proposals],
            f"proposed by `samizdat articles add {article_id}`: check each, then delete its `proposed` line"))
    try:
        write_catalogue_file(folder, ARTICLES_FILE, _appended(
            folder / ARTICLES_FILE, "articles", [draft.entry],
            "added by `samizdat articles add`: check the entities and years, then delete the `proposed` line"))
    except CatalogueError:
        (texts / f"{article_id}.txt").unlink(missing_ok=True)
        raise
    return draft


def _appended(path: Path, key: str, entries: list[dict[str, Any]], comment: str) -> str:
    """The file's text with `entries` appended to its top-level list, keeping its comments and layout."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    indent_match = re.search(r"^( *)- ", existing, re.MULTILINE)
    indent = indent_match.group(1) if indent_match else "  "
    block = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=110, default_flow_style=None)
    lines = [f"{indent}# {comment}"] + [indent + line if line else line for line in block.splitlines()]
    candidate = existing.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n" if existing.strip() else ""
    document = yaml.safe_load(candidate) if candidate else None
    listed = document.get(key) if isinstance(document, dict) else None
    if isinstance(listed, list) and listed[-len(entries):] == entries:
        return candidate
    # The file is laid out so that appending text does not extend the list (`articles: []`, or empty): rewrite.
    current = yaml.safe_load(existing) if existing.strip() else None
    previous = current.get(key) if isinstance(current, dict) else None
    whole = {key: (previous if isinstance(previous, list) else []) + entries}
    return yaml.safe_dump(whole, allow_unicode=True, sort_keys=False, width=110)
