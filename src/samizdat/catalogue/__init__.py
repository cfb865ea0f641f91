"""The project's catalogue: the archive's articles and the authority list of what they name.

The data lives in `articles.yaml` and `authority.yaml` beside this file, so archivists extend it
without touching code; `load_catalogue(extra_dir)` overlays a second pair of files (same id wins).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from samizdat.errors import SamizdatError

DATA_DIR = Path(__file__).resolve().parent
ARTICLES_FILE = "articles.yaml"
AUTHORITY_FILE = "authority.yaml"

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

    def __post_init__(self) -> None:
        if not self.document_frequency:
            for article in self.articles:
                self.document_frequency.update(article.entity_ids)

    def article(self, article_id: str) -> Article:
        """The article with this id; KeyError if the catalogue has none."""
        for article in self.articles:
            if article.id == article_id:
                return article
        raise KeyError(article_id)

    def specificity(self, entity_id: str) -> float:
        """How much naming this entity says about which article an item belongs to (0..1).

        An entity named by one article only is fully specific; one named by every article says
        nothing. Scaled by type (years and places are weaker evidence than people) and weight.
        """
        df = self.document_frequency.get(entity_id, 0)
        n = len(self.articles)
        if df == 0 or n == 0:
            return 0.0
        rarity = ((n - df + 1) / n) ** 2
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


def load_catalogue(extra_dir: Path | None = None) -> Catalogue:
    """The built-in catalogue, overlaid with `extra_dir/articles.yaml` and `authority.yaml` if given.

    Raises `CatalogueError` naming the file and entry when the data is inconsistent.
    """
    return _load(DATA_DIR, extra_dir.resolve() if extra_dir else None)


@cache
def _load(data_dir: Path, extra_dir: Path | None) -> Catalogue:
    entities: dict[str, AuthorityEntity] = {}
    articles: dict[str, Article] = {}
    for folder in [data_dir] + ([extra_dir] if extra_dir else []):
        authority = folder / AUTHORITY_FILE
        if authority.exists() or folder == data_dir:
            for raw in _entries(authority, "entities"):
                entity = _parse_entity(raw, authority)
                entities[entity.id] = entity
        article_file = folder / ARTICLES_FILE
        if article_file.exists() or folder == data_dir:
            for raw in _entries(article_file, "articles"):
                article = _parse_article(raw, article_file)
                articles[article.id] = article
    for article in articles.values():
        unknown = [e for e in article.entities if e not in entities]
        if unknown:
            raise CatalogueError(
                f"article {article.id!r} names entities missing from {AUTHORITY_FILE}: {', '.join(unknown)}"
            )
    return Catalogue(articles=list(articles.values()), entities=entities)


def _entries(path: Path, key: str) -> list[dict[str, Any]]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CatalogueError(f"cannot read catalogue file {path}: {error}") from error
    entries = (document or {}).get(key) if isinstance(document, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise CatalogueError(f"{path}: expected a top-level '{key}:' list of mappings")
    return entries


def _require_id(raw: dict[str, Any], path: Path) -> str:
    value = str(raw.get("id", ""))
    if not _ID_PATTERN.match(value):
        raise CatalogueError(f"{path}: id {value!r} must be lower-case words joined by hyphens")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(str(v).strip() for v in items if str(v).strip())


def _parse_entity(raw: dict[str, Any], path: Path) -> AuthorityEntity:
    entity_id = _require_id(raw, path)
    kind = str(raw.get("type", ""))
    if kind not in ENTITY_TYPES - {"year"}:
        raise CatalogueError(f"{path}: entity {entity_id!r} has type {kind!r}; use one of {sorted(ENTITY_TYPES)}")
    names = _strings(raw.get("names"))
    label = str(raw.get("label") or (names[0] if names else ""))
    if not names:
        raise CatalogueError(f"{path}: entity {entity_id!r} lists no names")
    ambiguous = _strings(raw.get("ambiguous"))
    date = raw.get("date")
    if date is not None and not _DATE_PATTERN.match(str(date)):
        raise CatalogueError(f"{path}: entity {entity_id!r} date {date!r} is not YYYY-MM-DD")
    weight = float(raw.get("weight", 1.0))
    if not 0.0 <= weight <= 1.0 or math.isnan(weight):
        raise CatalogueError(f"{path}: entity {entity_id!r} weight must be between 0 and 1")
    return AuthorityEntity(entity_id, kind, label, names, ambiguous, weight, str(date) if date else None)


def _parse_article(raw: dict[str, Any], path: Path) -> Article:
    article_id = _require_id(raw, path)
    title = str(raw.get("title") or "")
    if not title:
        raise CatalogueError(f"{path}: article {article_id!r} has no title")
    years: list[int] = []
    for year in _strings(raw.get("years")):
        if not year.isdigit():
            raise CatalogueError(f"{path}: article {article_id!r} year {year!r} is not a year")
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
    )
