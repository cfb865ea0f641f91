"""The archive's catalogue: its articles and the authority list of the people, places and ideas they name.

The catalogue is the archive's data, not the program's: a folder the settings name (`catalogue_dir`, by default
`catalogue/` beside `inbox/` and `processed/`) holding `articles.yaml`, `authority.yaml`, the added articles'
texts under `texts/` and earlier versions of the two files under `history/`. On first use the folder is made
from the catalogue shipped beside this module (`SHIPPED_DIR`); from then on the folder alone is the catalogue, so
it is versioned and backed up with the collection and a program upgrade never changes it behind the archivist's
back. `load_catalogue()` without a folder reads the shipped files (tests, benchmarks).

Every entry is checked on load; a broken one raises `CatalogueError` naming the file and the entry.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from samizdat.errors import SamizdatError

SHIPPED_DIR = Path(__file__).resolve().parent
DATA_DIR = SHIPPED_DIR  # the old name
ARTICLES_FILE = "articles.yaml"
AUTHORITY_FILE = "authority.yaml"
TEXTS_DIR = "texts"
HISTORY_DIR = "history"

ENTITY_TYPES = frozenset({"person", "organization", "place", "event", "law", "work", "concept", "year"})
_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CatalogueError(SamizdatError):
    """The catalogue's data files are broken; the message says which file and entry."""


@dataclass(frozen=True)
class AuthorityEntity:
    """One person, organization, place, event or idea, with every spelling to look for."""

    id: str
    type: str
    label: str
    names: tuple[str, ...]
    ambiguous: tuple[str, ...] = ()
    weight: float = 1.0
    date: str | None = None
    proposed: bool = False  # written by `samizdat articles add` and not yet checked by an archivist


@dataclass(frozen=True)
class Article:
    """One published article: bibliographic facts, our summary, and what it names."""

    id: str
    title: str
    author: str
    publisher: str = ""
    date: str = ""
    summary: str = ""
    file: str | None = None
    entities: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    proposed: bool = False

    @property
    def entity_ids(self) -> frozenset[str]:
        """Authority ids and `year-YYYY` ids this article names."""
        return frozenset(self.entities) | frozenset(year_entity_id(y) for y in self.years)


@dataclass
class Catalogue:
    """Articles and authority entities, with how many articles name each entity."""

    articles: list[Article]
    entities: dict[str, AuthorityEntity]
    document_frequency: Counter[str] = field(default_factory=Counter)
    folder: Path | None = None  # where it was read from; None: the shipped catalogue
    version: str = ""  # sha256 (12 hex) of the two files as read: equal versions, equal catalogues
    by_entity: dict[str, list[Article]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.document_frequency:
            for article in self.articles:
                self.document_frequency.update(article.entity_ids)
        for article in self.articles:
            for entity_id in article.entity_ids:
                self.by_entity.setdefault(entity_id, []).append(article)

    def text_path(self, article: Article, articles_dir: Path | None = None) -> Path | None:
        """The article's full text: `file` in the catalogue folder (added articles), else in `articles_dir`."""
        if not article.file:
            return None
        for folder in (self.folder, articles_dir):
            if folder is not None and (folder / article.file).is_file():
                return folder / article.file
        return None

    def article(self, article_id: str) -> Article:
        """The article with this id; KeyError if the catalogue has none."""
        for article in self.articles:
            if article.id == article_id:
                return article
        raise KeyError(article_id)

    def specificity(self, entity_id: str) -> float:
        """How much naming this entity says about which article an item belongs to (0..1).

        An entity named by one article only is fully specific; one named by every article says
        nothing; one named by `df` articles can point to any of them, so it counts at most 1/df. The
        1/df bound keeps a grown catalogue honest: among hundreds of articles, an entity five of them
        name is still shared by five, however rare it is across the whole catalogue (bench/links/scale.py:
        on its tuning half, mean F1 0.75 without the bound, 0.91 with it, and the same at 4 and 136 articles).
        Scaled by type (years and places are weaker evidence than people) and weight.
        """
        df = self.document_frequency.get(entity_id, 0)
        n = len(self.articles)
        if df == 0 or n == 0:
            return 0.0
        rarity = min(((n - df + 1) / n) ** 2, 1.0 / df)
        entity = self.entities.get(entity_id)
        type_weight = TYPE_WEIGHTS.get(entity.type if entity else "year", 1.0)
        return rarity * type_weight * (entity.weight if entity else 1.0)


TYPE_WEIGHTS = {
    "person": 1.0,
    "organization": 1.0,
    "event": 1.0,
    "law": 1.0,
    "work": 1.0,
    "concept": 0.5,
    "place": 0.4,
    "year": 0.25,
}


def year_entity_id(year: int) -> str:
    """The id years get as entities (`year-1972`)."""
    return f"year-{year}"


def load_catalogue(folder: Path | None = None) -> Catalogue:
    """The catalogue in `folder` (made from the shipped one if it holds neither file), or the shipped one.

    A folder holding only one of the two files has an empty other half. Re-read when a file changes (cheap
    otherwise). Raises `CatalogueError` naming the file and the entry when the data is broken.
    """
    if folder is None:
        return _load_folder(SHIPPED_DIR, _stamp(SHIPPED_DIR))
    folder = ensure_catalogue(folder)
    return _load_folder(folder, _stamp(folder))


def archive_catalogue(processed: Path, catalogue_dir: Path | None, create: bool = True) -> Catalogue:
    """The archive's catalogue as the settings name it (`Settings.processed`, `Settings.catalogue_dir`).

    Readers that must not write (the portal) pass `create=False`: with no catalogue folder yet, they get
    the shipped catalogue, which is what the folder would be made from.
    """
    folder = catalogue_dir or default_catalogue_dir(processed)
    if not create and not ((folder / ARTICLES_FILE).exists() or (folder / AUTHORITY_FILE).exists()):
        return load_catalogue()
    return load_catalogue(folder)


def default_catalogue_dir(processed: Path) -> Path:
    """Where the catalogue lives when the settings do not say: `catalogue/` beside `processed/`."""
    return processed.absolute().parent / "catalogue"


def ensure_catalogue(folder: Path) -> Path:
    """Make `folder` the archive's catalogue: created with the shipped files if it holds neither; its path."""
    folder = folder.resolve()
    if (folder / ARTICLES_FILE).exists() or (folder / AUTHORITY_FILE).exists():
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in (AUTHORITY_FILE, ARTICLES_FILE):
            # Two workers (or two item runs of one) may create the folder at once: each copies to a name of its own.
            temporary = folder / f".{name}.{os.getpid()}-{threading.get_ident()}.new"
            shutil.copyfile(SHIPPED_DIR / name, temporary)
            os.replace(temporary, folder / name)
        (folder / TEXTS_DIR).mkdir(exist_ok=True)
    except OSError as error:
        raise CatalogueError(f"the catalogue folder {folder} cannot be created: {error}") from error
    return folder


def write_catalogue_file(folder: Path, name: str, content: str) -> None:
    """Replace one catalogue file atomically, keeping the version it replaces under `history/`.

    The content is checked first (as part of the whole catalogue): a broken edit raises `CatalogueError` and
    leaves the folder as it was.
    """
    folder = ensure_catalogue(folder)
    target = folder / name
    temporary = folder / f".{name}.new"
    temporary.write_text(content, encoding="utf-8")
    try:
        other = AUTHORITY_FILE if name == ARTICLES_FILE else ARTICLES_FILE
        files = {name: temporary, other: folder / other}
        _build(folder, files[AUTHORITY_FILE], files[ARTICLES_FILE], shown={str(temporary): str(target)})
    except CatalogueError:
        temporary.unlink(missing_ok=True)
        raise
    if target.exists():
        history = folder / HISTORY_DIR
        history.mkdir(exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        shutil.copy2(target, history / f"{stamp}-{name}")
    os.replace(temporary, target)


def _stamp(folder: Path) -> tuple[tuple[int, int], ...]:
    stamps = []
    for name in (AUTHORITY_FILE, ARTICLES_FILE):
        try:
            stat = (folder / name).stat()
            stamps.append((stat.st_mtime_ns, stat.st_size))
        except FileNotFoundError:
            stamps.append((0, -1))
    return tuple(stamps)


@lru_cache(maxsize=16)
def _load_folder(folder: Path, stamp: tuple[tuple[int, int], ...]) -> Catalogue:
    return _build(folder, folder / AUTHORITY_FILE, folder / ARTICLES_FILE)


def _build(folder: Path, authority: Path, article_file: Path, shown: dict[str, str] | None = None) -> Catalogue:
    """Read, check and cross-check two files; `shown` renames files in messages (a draft shown as its target)."""
    shown = shown or {}
    authority_name = Path(shown.get(str(authority), str(authority)))
    articles_name = Path(shown.get(str(article_file), str(article_file)))
    digest = hashlib.sha256()
    entities: dict[str, AuthorityEntity] = {}
    articles: dict[str, Article] = {}
    if authority.exists():
        digest.update(authority.read_bytes())
        for number, raw in enumerate(_entries(authority, "entities", authority_name), 1):
            entity = _parse_entity(raw, authority_name, number)
            if entity.id in entities:
                raise CatalogueError(f"{authority_name}, entry {number}: id {entity.id!r} is used twice")
            entities[entity.id] = entity
    digest.update(b"\0")
    if article_file.exists():
        digest.update(article_file.read_bytes())
        for number, raw in enumerate(_entries(article_file, "articles", articles_name), 1):
            article = _parse_article(raw, articles_name, number)
            if article.id in articles:
                raise CatalogueError(f"{articles_name}, entry {number}: id {article.id!r} is used twice")
            unknown = [e for e in article.entities if e not in entities]
            if unknown:
                raise CatalogueError(
                    f"{articles_name}, entry {number} (article {article.id!r}): names entities missing from "
                    f"{authority_name}: {', '.join(unknown)}"
                )
            articles[article.id] = article
    return Catalogue(articles=list(articles.values()), entities=entities,
                     folder=None if folder == SHIPPED_DIR else folder, version=digest.hexdigest()[:12])


def _entries(path: Path, key: str, shown: Path) -> list[dict[str, Any]]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CatalogueError(f"cannot read catalogue file {shown}: {error}") from error
    entries = (document or {}).get(key) if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise CatalogueError(f"{shown}: expected a top-level '{key}:' list of mappings")
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise CatalogueError(f"{shown}, entry {number}: expected a mapping (id: ..., ...), found {entry!r}")
    return entries


def _require_id(raw: dict[str, Any], path: Path, number: int) -> str:
    value = str(raw.get("id", ""))
    if not _ID_PATTERN.match(value):
        raise CatalogueError(f"{path}, entry {number}: id {value!r} must be lower-case words joined by hyphens")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(str(v).strip() for v in items if str(v).strip())


def _parse_entity(raw: dict[str, Any], path: Path, number: int) -> AuthorityEntity:
    entity_id = _require_id(raw, path, number)
    where = f"{path}, entry {number}"
    kind = str(raw.get("type", ""))
    if kind not in ENTITY_TYPES - {"year"}:
        raise CatalogueError(f"{where}: entity {entity_id!r} has type {kind!r}; use one of {sorted(ENTITY_TYPES)}")
    names = _strings(raw.get("names"))
    label = str(raw.get("label") or (names[0] if names else ""))
    if not names:
        raise CatalogueError(f"{where}: entity {entity_id!r} lists no names")
    ambiguous = _strings(raw.get("ambiguous"))
    date = raw.get("date")
    if date is not None and not _DATE_PATTERN.match(str(date)):
        raise CatalogueError(f"{where}: entity {entity_id!r} date {date!r} is not YYYY-MM-DD")
    try:
        weight = float(raw.get("weight", 1.0))
    except (TypeError, ValueError):
        weight = math.nan
    if not 0.0 <= weight <= 1.0 or math.isnan(weight):
        raise CatalogueError(f"{where}: entity {entity_id!r} weight must be between 0 and 1")
    return AuthorityEntity(entity_id, kind, label, names, ambiguous, weight, str(date) if date else None,
                           proposed=bool(raw.get("proposed", False)))


def _parse_article(raw: dict[str, Any], path: Path, number: int) -> Article:
    article_id = _require_id(raw, path, number)
    where = f"{path}, entry {number}"
    title = str(raw.get("title") or "")
    if not title:
        raise CatalogueError(f"{where}: article {article_id!r} has no title")
    years: list[int] = []
    for year in _strings(raw.get("years")):
        if not year.isdigit():
            raise CatalogueError(f"{where}: article {article_id!r} year {year!r} is not a year")
        years.append(int(year))
    return Article(
        id=article_id,
        title=title,
        author=str(raw.get("author") or ""),
        publisher=str(raw.get("publisher") or ""),
        date=str(raw.get("date") or ""),
        summary=" ".join(str(raw.get("summary") or "").split()),
        file=str(raw["file"]) if raw.get("file") else None,
        entities=_strings(raw.get("entities")),
        years=tuple(years),
        proposed=bool(raw.get("proposed", False)),
    )
