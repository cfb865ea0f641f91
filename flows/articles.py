"""`add-article`: the Prefect form for adding an article to the archive's catalogue, then re-linking the collection.

The form (the flow's parameters) takes the article's text pasted in, or the path of a text, PDF or HTML file on
the server, with its id and bibliographic facts. The run writes the catalogue entry and the proposed authority
entries (`samizdat.catalogue.add`), re-links every published item from the text in its bag
(`samizdat.relink`), and leaves a markdown artifact (key `article-added`) saying what to check. `serve` runs the
deployment in a runner of its own (`python -m flows.articles`), like the daily fixity check, beside
`relink-collection/after-edit`, to run after the catalogue files were edited by hand.
"""

from __future__ import annotations

import argparse
from contextlib import suppress
from pathlib import Path
from typing import Any, cast

from prefect import flow, get_run_logger, serve, task
from prefect.artifacts import create_markdown_artifact
from prefect.deployments.runner import RunnerDeployment

from flows.fixity import _wait_for_deployment
from samizdat.catalogue import default_catalogue_dir
from samizdat.catalogue.add import ArticleDraft, add_article, add_article_text
from samizdat.relink import RelinkReport, relink_collection
from samizdat.settings import Settings

ARTIFACT_KEY = "article-added"


def _settings(processed: str, catalogue: str) -> Settings:
    settings = Settings(processed=Path(processed))  # the catalogue: SAMIZDAT_CATALOGUE_DIR, or beside processed/
    return settings.model_copy(update={"catalogue_dir": Path(catalogue)}) if catalogue else settings


@task(name="add-to-catalogue")
def add_to_catalogue(settings: Settings, article_id: str, title: str, text: str, file: str,
                     facts: dict[str, str]) -> ArticleDraft:
    """Write the article's entry and proposed authority entries into the catalogue folder."""
    folder = settings.catalogue_dir or default_catalogue_dir(settings.processed)
    if file:
        return add_article(folder, Path(file), article_id=article_id, title=title, **facts)
    return add_article_text(folder, text, article_id=article_id, title=title, **facts)


@task(name="relink-collection")
def relink(settings: Settings) -> RelinkReport:
    """Re-describe every published item with the catalogue as it is now (no OCR or ASR)."""
    return relink_collection(settings)


def summary(article_id: str, draft: ArticleDraft, report: RelinkReport | None) -> str:
    """Markdown: what was found and proposed (to check), and which items now link to the article."""
    lines = [f"# Article `{article_id}` added", "",
             f"Names {len(draft.found)} catalogued entities: {', '.join(draft.found) or 'none'}.",
             f"Years: {', '.join(map(str, draft.years)) or 'none'}.", ""]
    if draft.proposals:
        lines += ["## Proposed authority entries (check each in authority.yaml)", "",
                  "| id | type | mentions | names |", "| --- | --- | --- | --- |"]
        lines += [f"| {p.id} | {p.type} | {p.mentions} | {' / '.join(p.names)} |" for p in draft.proposals]
        lines.append("")
    if report is not None:
        now_linked = [r.item_id for r in report.items if article_id in r.added]
        lines += [f"## Re-link: {report.count('relinked')} item(s) changed, {report.count('unchanged')} unchanged, "
                  f"{report.count('busy')} busy, {report.count('failed')} failed", "",
                  f"Now linked to this article: {', '.join(now_linked) or 'none'}."]
    return "\n".join(lines) + "\n"


@flow(name="add-article", log_prints=False)
def add_article_flow(
    article_id: str,
    title: str,
    text: str = "",
    file: str = "",
    author: str = "",
    publisher: str = "",
    date: str = "",
    summary_text: str = "",
    relink_items: bool = True,
    processed: str = "processed",
    catalogue: str = "",
) -> dict[str, Any]:
    """Add an article (pasted `text`, or a `file` on the server) to the catalogue, then re-link the collection.

    Args:
        article_id: The article's id: lower-case words joined by hyphens; items name it forever.
        title: The article's title.
        text: The article's text, pasted in (or give `file` instead).
        file: Path on the server of the article as plain text, PDF (with a text layer) or HTML.
        author: Author.
        publisher: Publisher or series.
        date: Publication date, YYYY-MM-DD.
        summary_text: A short summary in the archive's own words.
        relink_items: Re-link every published item afterwards (leave on).
        processed: The processed folder (set by the deployment).
        catalogue: The catalogue folder; empty: catalogue/ beside processed (set by the deployment).
    """
    logger = get_run_logger()
    settings = _settings(processed, catalogue)
    facts = {"author": author, "publisher": publisher, "date": date, "summary": summary_text}
    draft = add_to_catalogue(settings, article_id, title, text, file, facts)
    report = relink(settings) if relink_items else None
    create_markdown_artifact(summary(article_id, draft, report), key=ARTIFACT_KEY,
                             description=f"{article_id}: {len(draft.proposals)} proposed entities to check")
    for failed in report.items if report else []:
        if failed.status == "failed":
            logger.error("%s: re-link failed: %s", failed.item_id, failed.error)
    return {"article": article_id, "found": draft.found, "proposed": [p.id for p in draft.proposals],
            "relinked": report.count("relinked") if report else 0}


@flow(name="relink-collection", log_prints=False)
def relink_flow(processed: str = "processed", catalogue: str = "") -> dict[str, int]:
    """After the catalogue files were edited by hand: re-describe every published item from its bag's text."""
    logger = get_run_logger()
    report = relink(_settings(processed, catalogue))
    for result in report.items:
        if result.status == "failed":
            logger.error("%s: re-link failed: %s", result.item_id, result.error)
        elif result.status == "relinked":
            logger.info("%s: +%s -%s", result.item_id, ",".join(result.added), ",".join(result.removed))
    return {status: report.count(status) for status in ("relinked", "unchanged", "busy", "failed")}


def articles_deployment(processed: str, catalogue: str = "") -> RunnerDeployment:
    """The `add-article/form` deployment over one processed folder and its catalogue."""
    deployment = add_article_flow.to_deployment(
        name="form", parameters={"processed": processed, "catalogue": catalogue},
        description="Adds an article to the archive's catalogue from its text and re-links the published items.")
    return cast(RunnerDeployment, deployment)  # called outside an event loop: the deployment, not a coroutine


def relink_deployment(processed: str, catalogue: str = "") -> RunnerDeployment:
    """The `relink-collection/after-edit` deployment: run it after editing the catalogue files by hand."""
    deployment = relink_flow.to_deployment(
        name="after-edit", parameters={"processed": processed, "catalogue": catalogue},
        description="Re-links every published item with the catalogue as it is now (no OCR or ASR).")
    return cast(RunnerDeployment, deployment)


def main() -> None:
    """`python -m flows.articles --processed DIR [--catalogue DIR]`: what `serve` starts beside the inbox."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processed", required=True)
    parser.add_argument("--catalogue", default="")
    parser.add_argument("--after", default="process-inbox/inbox", help="Serve once this deployment exists")
    arguments = parser.parse_args()
    with suppress(KeyboardInterrupt):
        if arguments.after:  # the inbox stays the first deployment the server lists (as for flows.fixity)
            _wait_for_deployment(arguments.after, timeout_s=60.0)
        serve(articles_deployment(arguments.processed, arguments.catalogue),
              relink_deployment(arguments.processed, arguments.catalogue), limit=1)


if __name__ == "__main__":
    main()
