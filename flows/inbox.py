"""`process-inbox`: one pass over the inbox, one sub-flow per file named after it, one task per stage."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from flows.stages import limited_stage_runner
from samizdat import events
from samizdat.describe import published_review_pages, review_text
from samizdat.models import Outcome
from samizdat.pipeline import Pipeline
from samizdat.settings import Settings


class ItemQuarantined(Exception):
    """Raised so a quarantined file shows as a failed item run with the archivist's reason."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(f"{outcome.filename} was quarantined at stage '{outcome.stage}': {outcome.reason}. "
                         f"What to do: {outcome.hint}")
        self.outcome = outcome


def settings_for(inbox: str | None, processed: str | None) -> Settings:
    """Settings from the environment, with the folders a caller named."""
    overrides: dict[str, Any] = {}
    if inbox:
        overrides["inbox"] = Path(inbox)
    if processed:
        overrides["processed"] = Path(processed)
    return Settings(**overrides)


class _ProgressArtifact:
    """One Prefect progress artifact per item, created when the item first reports progress."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.artifact_id: Any = None
        self.last = -1.0

    def __call__(self, filename: str, done: float, total: float, unit: str) -> None:
        events.emit(events.ItemProgress(filename, done, total, unit))
        percent = 100.0 * done / total if total else 100.0
        if percent - self.last < 1.0 and percent < 100.0:
            return
        self.last = percent
        description = f"{self.filename}: {done:g} of {total:g} {unit}"
        if self.artifact_id is None:
            self.artifact_id = create_progress_artifact(percent, description=description)
        else:
            update_progress_artifact(self.artifact_id, percent, description=description)


@flow(name="process-item", flow_run_name="{filename}", persist_result=False)
def process_item(
    path: str, filename: str, inbox: str | None = None, processed: str | None = None, force: bool = False
) -> dict[str, Any]:
    """Process one inbox file; fail the run (with the reason) when the file ends in quarantine."""
    settings = settings_for(inbox, processed)
    events.emit(events.ItemStarted(filename))
    pipeline = Pipeline(settings, run_stage=limited_stage_runner(settings), progress=_ProgressArtifact(filename))
    outcome = pipeline.process_file(Path(path), force=force)
    events.emit(events.ItemFinished(outcome))
    create_markdown_artifact(_summary(outcome, settings), description=f"{filename}: {outcome.status}")
    if outcome.status == "quarantined":
        raise ItemQuarantined(outcome)
    return asdict(outcome)


@flow(name="process-inbox", persist_result=False)
def process_inbox(inbox: str | None = None, processed: str | None = None, wait: bool = False) -> list[dict[str, Any]]:
    """One pass: every settled file becomes a published item or a quarantined one; the pass itself completes."""
    logger = get_run_logger()
    settings = settings_for(inbox, processed)
    pipeline = Pipeline(settings)
    pipeline.prepare()
    files = pipeline.ready_files(wait)
    events.emit(events.PassStarted(len(files)))
    logger.info("%d file(s) ready in %s", len(files), settings.inbox)
    outcomes: list[Outcome] = []
    for path in files:
        if not path.exists():  # another worker's pass published and released it meanwhile
            continue
        if pipeline.already_published(path):  # unchanged: settle it here, without a sub-flow per file
            outcomes.append(pipeline.process_file(path))
            continue
        state = process_item(str(path), path.name, str(settings.inbox), str(settings.processed), return_state=True)
        outcomes.append(_outcome_of(state, path))
    if outcomes:
        create_table_artifact(
            [{"file": o.filename, "outcome": o.status, "item": o.item_id or "", "seconds": round(o.seconds, 2),
              "reason": o.reason or "",
              "pages to review": review_text(published_review_pages(settings.items_dir, o.item_id))
              if o.status == "published" else ""} for o in outcomes],
            key="inbox-pass",
            description=f"Inbox pass over {settings.inbox}",
        )
    return [asdict(o) for o in outcomes]


@flow(name="reprocess-item", flow_run_name="reprocess {item_id}", persist_result=False)
def reprocess_item(item_id: str, processed: str | None = None) -> dict[str, Any]:
    """Redo one published item from the original kept in its bag, with the settings in force now."""
    settings = settings_for(None, processed)
    pipeline = Pipeline(settings)
    pipeline.prepare()
    staged = pipeline.stage_original(item_id)
    try:
        state = process_item(str(staged), staged.name, str(staged.parent), str(settings.processed), force=True,
                             return_state=True)
        return asdict(_outcome_of(state, staged))
    finally:
        shutil.rmtree(staged.parent, ignore_errors=True)


def _outcome_of(state: Any, path: Path) -> Outcome:
    """The item's outcome from its sub-flow's final state, whatever that state is."""
    result = state.result(raise_on_failure=False)
    if isinstance(result, dict):
        return Outcome(**result)
    if isinstance(result, ItemQuarantined):
        return result.outcome
    return Outcome(path.name, "quarantined", reason=str(result), stage="orchestration")


def _summary(outcome: Outcome, settings: Settings) -> str:
    """The per-item Markdown an archivist reads in the UI."""
    lines = [f"# {outcome.filename}", "", f"**Outcome:** {outcome.status}", ""]
    if outcome.status == "quarantined":
        lines += [f"**Stage:** {outcome.stage}", "", f"**Reason:** {outcome.reason}", "",
                  f"**What to do:** {outcome.hint}"]
        return "\n".join(lines)
    bag = settings.items_dir / (outcome.item_id or "")
    meta_path = bag / "data" / "metadata.json"
    if not meta_path.exists():
        return "\n".join(lines)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    content = meta.get("content", {})
    lines += [f"**Item:** `{meta['id']}` ({meta['kind']})", f"**Title:** {meta['dc'].get('title', '')}",
              f"**Languages:** {', '.join(meta['dc'].get('language') or []) or 'not given'}", ""]
    lines += [f"- {key}: {value}" for key, value in content.items()
              if not isinstance(value, dict) and key != "review_pages"]
    if content.get("review_pages"):
        lines += ["", f"## Pages to review ({len(content['review_pages'])})", ""]
        lines += [f"- page {p['page']}: {p['reason']} (score {p['score']})" for p in content["review_pages"]]
    if meta.get("articles"):
        lines += ["", "## Article links", ""]
        lines += [f"- {a['id']} (score {a['score']}): {', '.join(a['evidence'])}" for a in meta["articles"]]
    if meta.get("warnings"):
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in meta["warnings"]]
    lines += ["", f"Bag: `{bag}`", "", f"Portal: {settings.portal_url}/items/{meta['id']}"]
    return "\n".join(lines)
