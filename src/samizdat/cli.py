"""`samizdat`: the command line (DESIGN.md §5). Thin: it parses, calls the library or the flows, and shows results."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from flows.prefect_env import apply_server_defaults
from samizdat import events
from samizdat.describe import published_review_pages, review_text
from samizdat.search import Hit, SearchQuery, open_index
from samizdat.settings import Settings

apply_server_defaults()  # before Prefect is imported or its ephemeral API started

app = typer.Typer(help="Samizdat: scans, PDFs and interviews in; searchable BagIt bundles out.", no_args_is_help=True)
console = Console()

InboxOpt = Annotated[Path | None, typer.Option("--inbox", help="Inbox folder (default: SAMIZDAT_INBOX or ./inbox)")]
ProcessedOpt = Annotated[
    Path | None, typer.Option("--processed", help="Output folder (default: SAMIZDAT_PROCESSED or ./processed)")
]


def _settings(inbox: Path | None = None, processed: Path | None = None) -> Settings:
    overrides: dict[str, Any] = {k: v for k, v in {"inbox": inbox, "processed": processed}.items() if v is not None}
    return Settings(**overrides)


@contextmanager
def _pass_progress() -> Iterator[None]:
    """Rich bars: files in the pass, and pages or minutes of the current file."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as bars:
        files = bars.add_task("files", total=None)
        current: dict[str, TaskID] = {}

        def show(event: events.Event) -> None:
            if isinstance(event, events.PassStarted):
                bars.update(files, total=event.total)
            elif isinstance(event, events.ItemProgress):
                if event.filename not in current:
                    current[event.filename] = bars.add_task(f"  {event.filename} ({event.unit})", total=event.total)
                bars.update(current[event.filename], completed=event.done, total=event.total)
            elif isinstance(event, events.ItemFinished):
                bars.advance(files)
                if event.outcome.filename in current:
                    bars.remove_task(current.pop(event.outcome.filename))

        stop = events.subscribe(show)
        try:
            yield
        finally:
            stop()


@app.command()
def process(inbox: InboxOpt = None, processed: ProcessedOpt = None) -> None:
    """One pass over the inbox, then exit (the main job). Exit code 0 even when files were quarantined."""
    from flows.inbox import process_inbox
    from flows.runtime import quiet_flow_runs

    settings = _settings(inbox, processed)
    with quiet_flow_runs(), _pass_progress():
        outcomes = process_inbox(str(settings.inbox), str(settings.processed), wait=True)
    table = Table("file", "outcome", "item", "seconds", "reason", "pages to review")
    to_review = 0
    for o in outcomes:
        style = {"published": "green", "duplicate": "cyan", "quarantined": "red"}.get(o["status"], "yellow")
        review = published_review_pages(settings.items_dir, o["item_id"]) if o["status"] == "published" else []
        to_review += len(review)
        table.add_row(o["filename"], f"[{style}]{o['status']}[/]", o["item_id"] or "", f"{o['seconds']:.1f}",
                      o["reason"] or "", f"[yellow]{review_text(review)}[/]" if review else "")
    console.print(table)
    if to_review:
        console.print(f"[yellow]{to_review} page(s) published but flagged for review (content.review_pages)[/]")
    statuses = [o["status"] for o in outcomes]
    counts = {s: statuses.count(s) for s in ("published", "duplicate", "quarantined", "deferred")}
    console.print(f"{counts['published']} published, {counts['duplicate']} duplicate(s), "
                  f"{counts['quarantined']} quarantined, {counts['deferred']} deferred; bags in {settings.items_dir}")
    if counts["quarantined"]:
        console.print(f"[red]Quarantined files and their .error.json are in {settings.quarantine_dir}[/]")


@app.command()
def serve(inbox: InboxOpt = None, processed: ProcessedOpt = None) -> None:
    """Start the Prefect server and UI (127.0.0.1:4200) and serve the inbox deployment."""
    from flows.serve import serve_inbox

    serve_inbox(_settings(inbox, processed))


@app.command()
def portal(
    host: Annotated[str, typer.Option(help="Address to listen on (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    processed: ProcessedOpt = None,
) -> None:
    """The researchers' web portal (http://127.0.0.1:8000): search, items, audio, downloads, JSON API."""
    import uvicorn

    from samizdat.portal import create_app

    settings = _settings(processed=processed)
    console.print(f"Portal on http://{host}:{port}  (bags in {settings.items_dir}; API schema at /openapi.json)")
    uvicorn.run(create_app(settings.processed, settings.database_url), host=host, port=port, log_level="warning")


@app.command()
def deploy(
    pool: Annotated[str, typer.Option(help="Work pool (type process) the workers poll")] = "samizdat",
    inbox: InboxOpt = None,
    processed: ProcessedOpt = None,
) -> None:
    """Deploy the inbox flow to a work pool on the Prefect server at PREFECT_API_URL (many machines)."""
    from flows.deploy import deploy_inbox

    deployment_id = deploy_inbox(_settings(inbox, processed), pool)
    console.print(f"Deployed process-inbox/inbox ({deployment_id}) to pool {pool!r}. On each machine run:\n"
                  f"    prefect worker start --pool {pool}")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find (Cyrillic works)")],
    kind: Annotated[str | None, typer.Option(help="image | pdf | audio")] = None,
    lang: Annotated[str | None, typer.Option(help="ISO 639-1 language code")] = None,
    article: Annotated[str | None, typer.Option(help="Only items linked to this article id")] = None,
    year: Annotated[int | None, typer.Option(help="Only items dated in this year")] = None,
    entity: Annotated[str | None, typer.Option(help="Only items naming this entity id (natan-sharansky)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    processed: ProcessedOpt = None,
) -> None:
    """Search the collection; prints hits with snippets."""
    settings = _settings(processed=processed)
    index = open_index(settings.database_url, settings.catalog_path)
    hits = index.search(SearchQuery(query, kind=kind, language=lang, article=article, year=year, entity=entity,
                                    staff=bool(os.environ.get("SAMIZDAT_STAFF_TOKEN"))))
    if as_json:
        typer.echo(json.dumps([{**h.__dict__, "snippet": h.marked()} for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        console.print(f"No hits for {query!r}.")
        raise typer.Exit(1)
    for hit in hits:
        where = f"p. {hit.page}" if hit.page else f"{hit.start_s:.1f} s" if hit.start_s is not None else ""
        console.print(f"[bold]{hit.title}[/] [dim]{hit.item_id} {hit.kind} {where}[/]")
        console.print(Text("    ") + _highlight(hit))


def _highlight(hit: Hit) -> Text:
    """The snippet with its matched words in bold yellow, whatever brackets the text itself holds."""
    text = Text()
    for i, part in enumerate(hit.marked("\x00", "\x00").split("\x00")):
        text.append(part, style="bold yellow" if i % 2 else "")
    return text


@app.command()
def show(item_id: str, processed: ProcessedOpt = None) -> None:
    """Print an item's metadata.json."""
    settings = _settings(processed=processed)
    path = settings.items_dir / item_id / "data" / "metadata.json"
    if not path.exists():
        console.print(f"[red]No item {item_id} in {settings.items_dir}[/]")
        raise typer.Exit(1)
    typer.echo(path.read_text(encoding="utf-8"))


@app.command()
def verify(item_id: Annotated[str | None, typer.Argument()] = None, processed: ProcessedOpt = None) -> None:
    """Validate one bag, or every bag, against its manifests."""
    import bagit

    settings = _settings(processed=processed)
    bags = [settings.items_dir / item_id] if item_id else sorted(p for p in settings.items_dir.glob("*") if p.is_dir())
    bad = 0
    for bag_dir in bags:
        try:
            bagit.Bag(str(bag_dir)).validate(processes=1)
            console.print(f"[green]valid[/]   {bag_dir.name}")
        except (bagit.BagError, bagit.BagValidationError) as error:
            bad += 1
            console.print(f"[red]INVALID[/] {bag_dir.name}: {error}")
    if bad or not bags:
        raise typer.Exit(1)


@app.command()
def reprocess(item_id: str, processed: ProcessedOpt = None) -> None:
    """Redo one item from the original kept in its bag (after a settings or engine change)."""
    from flows.inbox import reprocess_item
    from flows.runtime import quiet_flow_runs

    settings = _settings(processed=processed)
    with quiet_flow_runs(), _pass_progress():
        outcome = reprocess_item(item_id, str(settings.processed))
    console.print(f"{item_id}: {outcome['status']} in {outcome['seconds']:.1f} s {outcome['reason'] or ''}")
    if outcome["status"] not in ("published", "reprocessed"):
        raise typer.Exit(1)


@app.command()
def articles(processed: ProcessedOpt = None) -> None:
    """Per article, the items linked to it."""
    from samizdat.catalogue import load_catalogue

    settings = _settings(processed=processed)
    view = open_index(settings.database_url, settings.catalog_path).articles_view()
    for article in load_catalogue().articles:
        linked = view.get(article.id, [])
        console.print(f"[bold]{article.id}[/] — {article.title} ({len(linked)} item(s))")
        for linked_id, title in linked:
            console.print(f"    {linked_id}  {title}")


@app.command()
def setup(
    samples: Annotated[bool, typer.Option(help="Also write the sample inbox")] = False,
    inbox: InboxOpt = None,
) -> None:
    """Assemble the Whisper model into its cache (once); optionally write the sample inbox."""
    from samizdat.asr.model_store import ensure_model

    settings = _settings(inbox=inbox)
    path = ensure_model(settings.asr, settings.model_dir)
    console.print(f"Whisper model ready: {path}")
    if samples:
        from samizdat.samples import write_sample_inbox

        written = write_sample_inbox(settings.inbox)
        console.print(f"Sample inbox: {len(written)} files in {settings.inbox}")


if __name__ == "__main__":
    app()
