"""Link an item to the archive's articles, with the evidence: shared entities and the best passage.

Score of an article, 0..1:
- evidence E = sum over the entities the item shares with the article of
  specificity (Catalogue.specificity: rare across articles, people over places over years)
  x (1 + ln mentions);
- entity score = (1 - exp(-E / 1.5)) x (0.5 + 0.5 x share), where share is the part of the item's
  own evidence (over all catalogued entities) that this article accounts for: the article that
  explains most of what the item names ranks first;
- with the articles' full texts at hand (the catalogue folder's `texts/`, or `articles_dir`), a
  TF-IDF cosine similarity s between item and article raises the score:
  score = entity + 0.35 x s x (1 - entity). It never lowers it, so a Russian letter is not
  punished for not being English.
An article shares no evidence with an item unless at least one shared entity is topical (a person,
organization, event, law, work or idea): a travel letter from Vienna and Rome is not about emigration.
Links below `LINK_THRESHOLD` (0.35, set on the tuning half of bench/links/scale.py), or below
`RELATIVE_FLOOR` x the best article's score, are dropped:
an article that shares only a place or a year with a letter clearly about another article is
noise, while a letter about two topics keeps both.

With hundreds of articles, scoring starts with retrieval: an inverted index from entities to the
articles naming them, and one from terms to the articles' TF-IDF weights, give the candidates (every
article sharing an entity with the item, and the `TEXT_CANDIDATES` most similar texts) in time that
grows with the item, not with the catalogue; only candidates are scored and get a passage. An
article outside both sets could not reach the threshold (no shared entity, and a similarity below
the top's), so retrieval changes no link.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from samizdat.catalogue import Article, Catalogue, load_catalogue
from samizdat.entities import EntityMatcher, normalize
from samizdat.models import ArticleLink, EntityHit

LINK_THRESHOLD = 0.35
RELATIVE_FLOOR = 0.5
SUPPORTING_TYPES = frozenset({"place", "year"})
EVIDENCE_SCALE = 1.5
SIMILARITY_WEIGHT = 0.35
MAX_EVIDENCE = 12
PASSAGE_CHARS = 320
TEXT_CANDIDATES = 20

_WORD = re.compile(r"[^\W\d_]{3,}")
_STOPWORDS_TEXT = """
    the and for that with was were this from which have had has not but they their them his her its are who
    been into also than then there when what all one would could more most only other some such over about
    after before these those our out any can may did does him she you your yet very even just being because
    where while upon both each same many much under until again against between through during without within
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было вот от
    меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж
    вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без
    будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один
    почти мой тем чтобы нее были куда зачем всех никогда можно при наконец два об другой хоть после над больше
    тот через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше
    чуть том нельзя такой им более всегда конечно всю между"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


@dataclass(frozen=True)
class _Scored:
    article: Article
    score: float
    evidence: list[str]


def matcher_for(catalogue: Catalogue) -> EntityMatcher:
    """The entity matcher compiled from this catalogue, built once per catalogue version."""
    key = (catalogue.folder, catalogue.version)
    matcher = _MATCHERS.get(key)
    if matcher is None:
        if len(_MATCHERS) > 8:
            _MATCHERS.clear()
        matcher = _MATCHERS[key] = EntityMatcher(catalogue)
    return matcher


_MATCHERS: dict[tuple[Path | None, str], EntityMatcher] = {}


def link_articles(
    hits: list[EntityHit],
    text: str,
    articles_dir: Path | None = None,
    *,
    catalogue: Catalogue | None = None,
    threshold: float = LINK_THRESHOLD,
    relative_floor: float = RELATIVE_FLOOR,
    use_texts: bool = True,
) -> list[ArticleLink]:
    """Articles the item relates to, best first, each with its evidence and best passage.

    `use_texts=False` scores on entities alone, even where the articles' texts are at hand (benchmarks).
    """
    catalogue = catalogue or load_catalogue()
    similarities = article_similarities(text, articles_dir, catalogue) if use_texts else {}
    weights = {hit.id: catalogue.specificity(hit.id) * (1.0 + math.log(len(hit.mentions) or 1)) for hit in hits}
    total = sum(weights.values())
    scored: list[_Scored] = []
    for article in _candidates(catalogue, weights, similarities):
        shared = {e: w for e, w in weights.items() if w > 0 and e in article.entity_ids}
        if not any(_is_topical(e, catalogue) for e in shared):
            shared = {}  # places and years support a link but never make one on their own
        evidence = sum(shared.values())
        share = evidence / total if total else 0.0
        entity_score = (1.0 - math.exp(-evidence / EVIDENCE_SCALE)) * (0.5 + 0.5 * share)
        similarity = similarities.get(article.id, 0.0)
        score = entity_score + SIMILARITY_WEIGHT * similarity * (1.0 - entity_score)
        if score >= threshold:
            ranked = sorted(shared, key=lambda e: (-shared[e], e))[:MAX_EVIDENCE]
            scored.append(_Scored(article, round(score, 4), ranked))
    scored.sort(key=lambda s: (-s.score, s.article.id))
    scored = [s for s in scored if s.score >= relative_floor * scored[0].score]
    by_id = {hit.id: hit for hit in hits}
    return [
        ArticleLink(
            id=s.article.id,
            title=s.article.title,
            score=s.score,
            evidence=s.evidence,
            passage=best_passage(text, [by_id[e] for e in s.evidence], catalogue),
        )
        for s in scored
    ]


def _candidates(catalogue: Catalogue, weights: dict[str, float], similarities: dict[str, float]) -> list[Article]:
    """Retrieval: articles sharing an entity with the item, and the most similar texts; catalogue order."""
    wanted: set[str] = set()
    for entity_id, weight in weights.items():
        if weight > 0:
            wanted.update(a.id for a in catalogue.by_entity.get(entity_id, ()))
    wanted.update(sorted(similarities, key=lambda a: -similarities[a])[:TEXT_CANDIDATES])
    return [a for a in catalogue.articles if a.id in wanted]


def _is_topical(entity_id: str, catalogue: Catalogue) -> bool:
    entity = catalogue.entities.get(entity_id)
    return entity is not None and entity.type not in SUPPORTING_TYPES


def best_passage(text: str, evidence: Sequence[EntityHit], catalogue: Catalogue) -> str | None:
    """The stretch of the item's text where the evidence entities are densest, about 320 characters."""
    if not evidence or not text.strip():
        return None
    points: list[tuple[int, float]] = []
    for hit in evidence:
        weight = catalogue.specificity(hit.id) or 0.01
        for surface in {m.text for m in hit.mentions}:
            for match in re.finditer(re.escape(surface), text):
                points.append((match.start(), weight))
    if not points:
        return None
    points.sort()
    best_start, best_value, window, j = points[0][0], -1.0, 0.0, 0
    for position, weight in points:
        window += weight
        while position - points[j][0] > PASSAGE_CHARS - 80:
            window -= points[j][1]
            j += 1
        if window > best_value:
            best_value, best_start = window, points[j][0]
    begin = _word_boundary(text, max(0, best_start - 60), backwards=True)
    end = _word_boundary(text, min(len(text), begin + PASSAGE_CHARS), backwards=False)
    passage = " ".join(text[begin:end].split())
    return ("…" if begin > 0 else "") + passage + ("…" if end < len(text) else "")


def _word_boundary(text: str, index: int, backwards: bool) -> int:
    step = -1 if backwards else 1
    limit = 30
    while 0 < index < len(text) and not text[index].isspace() and limit:
        index += step
        limit -= 1
    return index


def article_similarities(
    text: str, articles_dir: Path | None = None, catalogue: Catalogue | None = None
) -> dict[str, float]:
    """TF-IDF cosine similarity of `text` to each article's full text; articles sharing no term are left out.

    Texts are found through `Catalogue.text_path` (the catalogue folder, then `articles_dir`). The item's
    terms are looked up in an inverted index of the articles' normalised vectors, so the cost grows with the
    item's vocabulary, not with the number of articles.
    """
    catalogue = catalogue or load_catalogue()
    sources = []
    for article in catalogue.articles:
        path = catalogue.text_path(article, articles_dir)
        if path is not None:
            sources.append((article.id, str(path), path.stat().st_mtime_ns))
    if not sources:
        return {}
    idf, postings, default_idf = _article_index(tuple(sources))
    item = _tfidf(Counter(_terms(text)), idf, default_idf=default_idf)
    norm = math.sqrt(sum(w * w for w in item.values()))
    if not norm:
        return {}
    dots: dict[str, float] = {}
    for term, weight in item.items():
        for article_id, article_weight in postings.get(term, ()):
            dots[article_id] = dots.get(article_id, 0.0) + weight * article_weight
    return {article_id: round(dot / norm, 4) for article_id, dot in dots.items()}


@lru_cache(maxsize=4)
def _article_index(
    sources: tuple[tuple[str, str, int], ...],
) -> tuple[dict[str, float], dict[str, list[tuple[str, float]]], float]:
    """IDF, and per term the articles holding it with their unit-length TF-IDF weight."""
    counts: dict[str, Counter[str]] = {}
    for article_id, path, _ in sources:
        counts[article_id] = Counter(_terms(Path(path).read_text(encoding="utf-8", errors="replace")))
    df: Counter[str] = Counter()
    for c in counts.values():
        df.update(c.keys())
    n = len(counts)
    idf = {term: math.log((1 + n) / (1 + d)) + 1.0 for term, d in df.items()}
    postings: dict[str, list[tuple[str, float]]] = {}
    for article_id, c in counts.items():
        vector = _tfidf(c, idf, 1.0)
        norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
        for term, weight in vector.items():
            postings.setdefault(term, []).append((article_id, weight / norm))
    return idf, postings, max(idf.values(), default=1.0)


def _terms(text: str) -> Iterable[str]:
    for word in _WORD.findall(text):
        term = normalize(word)
        if term not in _STOPWORDS:
            yield term[:-1] if len(term) > 4 and term.endswith("s") else term


def _tfidf(counts: Counter[str], idf: dict[str, float], default_idf: float) -> dict[str, float]:
    return {t: (1.0 + math.log(c)) * idf.get(t, default_idf) for t, c in counts.items()}


def format_article_view(
    rows: Iterable[tuple[str, Sequence[tuple[str, str]]]], catalogue: Catalogue | None = None
) -> str:
    """The reverse view for `samizdat articles`: per article, the items linked to it.

    `rows` are `(article_id, [(item_id, item_title), ...])`; every catalogued article is listed,
    with "(no linked items yet)" where nothing links to it.
    """
    catalogue = catalogue or load_catalogue()
    linked = {article_id: list(items) for article_id, items in rows}
    lines: list[str] = []
    known = [a.id for a in catalogue.articles]
    for article_id in known + sorted(set(linked) - set(known)):
        try:
            article = catalogue.article(article_id)
            header = f"{article.id}  {article.title} ({article.author}{', ' + article.date if article.date else ''})"
        except KeyError:
            header = f"{article_id}  (not in the catalogue)"
        items = linked.get(article_id, [])
        lines.append(header)
        lines.extend(f"    {item_id}  {title}" for item_id, title in items)
        lines.append(f"    {len(items)} item(s)" if items else "    (no linked items yet)")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
