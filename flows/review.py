"""`review-item`: an archivist corrects one published item from a form in the Prefect UI; the review queue artifact.

The flow's typed parameters are the form (the action is a choice list: `ReviewAction`). A run applies the
request with `samizdat.review.apply_review`, which republishes the item's bag as a new version and keeps the
old one; it leaves a markdown artifact (key `review-<item id>`) saying what changed, and republishes the review
queue. A request the library refuses (no such page, an unknown speaker...) fails the run with the library's
sentence. A restricted item's artifact names its id, the action and the version only: no title, text, name
or file name (as `flows.inbox` labels restricted items).

The review queue (`publish_review_queue`) is a table artifact (key `review-queue`) of the items with flagged pages,
low-confidence segments or no article link, each with its portal page; the inbox pass and this flow publish it.
`serve` runs the `review-item/form` deployment in a runner of its own (`python -m flows.review`).
"""

from __future__ import annotations

import argparse
from contextlib import suppress
from pathlib import Path
from typing import Any, cast

from prefect import flow, serve, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.deployments.runner import RunnerDeployment
from prefect.states import Completed, Failed, State

from flows.fixity import _wait_for_deployment
from samizdat.errors import BadInputError, TransientError
from samizdat.review import QueueEntry, ReviewAction, ReviewRequest, ReviewResult, apply_review, review_queue
from samizdat.settings import Settings

REVIEW_FLOW = "review-item"
REVIEW_DEPLOYMENT_NAME = "form"
REVIEW_DEPLOYMENT = f"{REVIEW_FLOW}/{REVIEW_DEPLOYMENT_NAME}"
QUEUE_KEY = "review-queue"
BUSY_RETRIES = 5
BUSY_RETRY_DELAY_S = 30
"""An item is busy while a pass or a re-link holds its claim. Not measured: two and a half minutes outlast a
letter's pass or a re-link here; a long recording's run holds the item longer, and then the review run fails with
the library's sentence ("review it again afterwards")."""


def _settings(processed: str) -> Settings:
    return Settings(processed=Path(processed)) if processed else Settings()


def restricted(settings: Settings, item_id: str) -> bool:
    """Whether the item is anything but open (or cannot be read): then the UI shows its id only."""
    record = settings.bag(item_id).record_or_none()
    return record is None or not record.is_open


def _busy(_task: Any, _run: Any, state: State) -> bool:
    """Retry only while a pass or a re-link holds the item (`TransientError`); a refused request stays refused."""
    return isinstance(state.result(raise_on_failure=False), TransientError)


@task(name="apply-review", retries=BUSY_RETRIES, retry_delay_seconds=BUSY_RETRY_DELAY_S, retry_condition_fn=_busy)
def apply(settings: Settings, request: ReviewRequest) -> ReviewResult:
    """Republish the item with the change as a new version."""
    return apply_review(settings, request)


def change_summary(result: ReviewResult, request: ReviewRequest, settings: Settings, hidden: bool) -> str:
    """Markdown: what changed in which version, who asked for it, where to see it; a restricted item's says less."""
    lines = [f"# Item `{result.item_id}`: {result.action.value}, now version {result.version}", "",
             f"**By:** {request.user}", ""]
    if request.pages:
        lines.append(f"**Pages:** {', '.join(map(str, request.pages))}")
    if request.start_s is not None or request.end_s is not None:
        start = "start" if request.start_s is None else f"{request.start_s:g} s"
        end = "end" if request.end_s is None else f"{request.end_s:g} s"
        lines.append(f"**Time:** {start} to {end}")
    if hidden:
        lines += ["", f"Restricted item: {len(result.changed)} file(s) changed; staff see what changed in the "
                      "portal's item page and its history."]
    else:
        lines += ["", result.summary, "", f"## Changed ({len(result.changed)})", ""]
        lines += [f"- `{name}`" for name in result.changed]
        if request.note:
            lines += ["", f"**Note:** {request.note}"]
    kept = settings.version_dir(result.item_id, result.version - 1).relative_to(settings.processed).as_posix()
    lines += ["", f"Version {result.version - 1} is kept under `{kept}/`.",
              "", f"Portal: {settings.portal_url}/items/{result.item_id}"]
    return "\n".join(lines) + "\n"


def queue_rows(entries: list[QueueEntry], portal_url: str) -> list[dict[str, str]]:
    """One table row per item to review; a restricted item's row has no title (its id, kind and why only)."""
    return [{"item": e.item_id, "title": "(restricted)" if e.restricted else e.title, "kind": e.kind,
             "why": "; ".join(e.reasons), "pages": ", ".join(map(str, e.pages)),
             "segments": ", ".join(map(str, e.segments)), "portal": f"{portal_url}/items/{e.item_id}"}
            for e in entries]


def publish_review_queue(settings: Settings) -> int:
    """Publish the review queue as the `review-queue` table artifact (inside a flow or task run); its length."""
    entries = review_queue(settings)
    create_table_artifact(queue_rows(entries, settings.portal_url), key=QUEUE_KEY,
                          description=f"{len(entries)} item(s) to review: flagged pages, uncertain segments, "
                                      "or no article link")
    return len(entries)


@flow(name=REVIEW_FLOW, flow_run_name="review {item_id}: {action}", persist_result=False, log_prints=False)
def review_item(
    item_id: str,
    action: ReviewAction,
    pages: tuple[int, ...] = (),
    start_s: float | None = None,
    end_s: float | None = None,
    text: str = "",
    languages: tuple[str, ...] = (),
    speaker: str = "",
    new_name: str = "",
    article_id: str = "",
    user: str = "archivist",
    note: str = "",
    processed: str = "",
) -> State:
    """Correct one published item; the previous version is kept, and the change is recorded in its history.

    Args:
        item_id: The item's id (12 characters, as in the portal's address /items/ID).
        action: What to do: accept as read; read again with other languages; mark illegible or handwritten;
            replace the text of pages or of the segments in a time range; rename a speaker; add or remove
            an article link.
        pages: Document pages the action applies to (1 is the first page).
        start_s: Recordings: the start of the time range, in seconds.
        end_s: Recordings: the end of the time range, in seconds.
        text: Replace text: the new text of the page, or of the segment.
        languages: Read again: ISO 639-1 codes of the languages to read with (en, ru, uk...).
        speaker: Rename speaker: the speaker as shown ("Speaker 2") or its id ("S2").
        new_name: Rename speaker: the name to show.
        article_id: Add or remove link: the article's id in the catalogue.
        user: Who made the change (recorded in the item's history).
        note: Why, in a sentence (recorded in the item's history).
        processed: The processed folder (set by the deployment).
    """
    settings = _settings(processed)
    request = ReviewRequest(item_id=item_id, action=action, pages=list(pages), start_s=start_s, end_s=end_s,
                            text=text, languages=list(languages), speaker=speaker, new_name=new_name,
                            article_id=article_id, user=user, note=note)
    hidden = restricted(settings, item_id)
    try:
        result = apply(settings, request)
    except (BadInputError, TransientError) as error:
        sentence = _sentence(error)
        create_markdown_artifact(f"# Item `{item_id}`: {action.value} was not applied\n\n{sentence}\n",
                                 key=f"review-{item_id.lower()}", description="review refused")
        return Failed(message=sentence)
    create_markdown_artifact(change_summary(result, request, settings, hidden), key=f"review-{item_id.lower()}",
                             description=f"{action.value}: version {result.version}")
    publish_review_queue(settings)
    return Completed(message=f"{action.value} applied to item {item_id}: version {result.version}",
                     data=result.model_dump(mode="json", exclude={"summary", "changed"} if hidden else None))


def _sentence(error: Exception) -> str:
    """The library's message and, for bad input, what to do: the text the failed run shows."""
    message = str(error).rstrip()
    hint = getattr(error, "hint", "")
    return f"{message}{'' if message.endswith(('.', '!', '?')) else '.'} {hint}".strip()


def review_deployment(processed: str) -> RunnerDeployment:
    """The `review-item/form` deployment over one processed folder."""
    deployment = review_item.to_deployment(
        name=REVIEW_DEPLOYMENT_NAME, parameters={"processed": processed},
        description="An archivist's correction of one published item: a new version, the old one kept.")
    return cast(RunnerDeployment, deployment)  # called outside an event loop: the deployment, not a coroutine


def main() -> None:
    """`python -m flows.review --processed DIR`: what `serve` starts beside the inbox."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processed", required=True)
    parser.add_argument("--after", default="process-inbox/inbox", help="Serve once this deployment exists")
    arguments = parser.parse_args()
    with suppress(KeyboardInterrupt):
        if arguments.after:  # the inbox stays the first deployment the server lists (as for flows.fixity)
            _wait_for_deployment(arguments.after, timeout_s=60.0)
        serve(review_deployment(arguments.processed), limit=1)


if __name__ == "__main__":
    main()
