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
from rich.table import Column, Table
from rich.text import Text

from flows.prefect_env import apply_server_defaults
from samizdat import events
from samizdat.describe import published_content, review_count, review_text
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
def process(
    files: Annotated[list[Path] | None, typer.Argument(help="Only these files (default: the whole inbox)")] = None,
    inbox: InboxOpt = None,
    processed: ProcessedOpt = None,
) -> None:
    """One pass over the inbox, then exit (the main job). Exit code 0 even when files were quarantined.

    With a Prefect server running (PREFECT_API_URL, or `samizdat serve` on this machine) the pass reports there and
    its item runs show in that UI; otherwise a private one is started for the pass.
    """
    from dataclasses import asdict

    settings = _settings(inbox, processed)
    server = _running_server(settings)  # before Prefect is imported: it reads PREFECT_API_URL once
    from flows.dispatch import follow
    from flows.inbox import PassStopped, process_inbox
    from flows.runtime import quiet_flow_runs
    from samizdat.errors import OperationalError, SetupError
    from samizdat.handoff import hand_off
    from samizdat.models import Outcome
    from samizdat.preflight import check_setup

    try:
        check_setup(settings)  # before Prefect starts and before any file moves
        if server:
            console.print(f"Reporting to the Prefect server at {server}")
        with quiet_flow_runs(), _pass_progress():
            # Named files travel as tickets: a path can name a restricted item, and run parameters are public.
            paths = [hand_off(settings.tickets_dir, f.resolve()) for f in files] if files else None
            passed = process_inbox(str(settings.inbox), str(settings.processed), wait=True, paths=paths)
            outcomes = [asdict(o) for o in follow([Outcome(**o) for o in passed])]
    except (SetupError, OperationalError) as error:
        console.print(f"[red]The pass did not start: {error}[/]\n{error.hint}\nNo file was moved.")
        raise typer.Exit(2) from error
    except PassStopped as stopped:
        _outcome_table(settings, [asdict(o) for o in stopped.outcomes])
        console.print(f"[red]{stopped}[/]")
        raise typer.Exit(3) from stopped
    _outcome_table(settings, outcomes)


def _running_server(settings: Settings) -> str | None:
    """The API of a Prefect server to report to: PREFECT_API_URL, else a `samizdat serve` on this machine, else None."""
    import urllib.request

    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    local = f"http://127.0.0.1:{settings.prefect_port}/api"
    try:
        with urllib.request.urlopen(f"{local}/health", timeout=0.5) as response:
            if response.status != 200:
                return None
    except OSError:
        return None
    os.environ["PREFECT_API_URL"] = local
    return local


def _outcome_table(settings: Settings, outcomes: list[dict[str, Any]]) -> None:
    from samizdat.models import Status

    styles = {Status.PUBLISHED: "green", Status.REPROCESSED: "green", Status.DUPLICATE: "cyan",
              Status.QUARANTINED: "red", Status.STOPPED: "red"}
    table = Table("file", "outcome", "item", "access", "seconds", "reason", "to review")
    to_review = 0
    for o in outcomes:
        style = styles.get(o["status"], "yellow")
        published = o["status"] in (Status.PUBLISHED, Status.REPROCESSED)
        content = published_content(settings, o["item_id"] if published else None)
        review = review_text(content)
        to_review += review_count(content)
        table.add_row(o["filename"], f"[{style}]{o['status']}[/]", o["item_id"] or "",
                      "restricted" if o["restricted"] else "open", f"{o['seconds']:.1f}", o["reason"] or "",
                      f"[yellow]{review}[/]" if review else "")
    console.print(table)
    if to_review:
        console.print(f"[yellow]{to_review} page(s) or stretch(es) published but flagged for review "
                      "(content.review_pages, content.review_segments)[/]")
    statuses = [Status(o["status"]) for o in outcomes]
    counts = ", ".join(f"{statuses.count(status)} {status.value}" for status in Status if status in statuses)
    console.print(f"{counts or 'nothing to do'}; bags in {settings.items_dir}")
    if Status.QUARANTINED in statuses:
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
    uvicorn.run(create_app(settings.processed, settings.database_url, catalogue_dir=settings.catalogue_dir),
                host=host, port=port, log_level="warning")


@app.command()
def deploy(
    pool: Annotated[str, typer.Option(help="Work pool (type process) the workers poll")] = "samizdat",
    inbox: InboxOpt = None,
    processed: ProcessedOpt = None,
) -> None:
    """Deploy the inbox flow to a work pool on the Prefect server at PREFECT_API_URL (many machines)."""
    from flows.deploy import deploy_inbox
    from flows.prefect_env import exposure_warning

    warning = exposure_warning()
    if warning:
        console.print(f"[yellow]Warning: {warning}[/]")
    deployment_id = deploy_inbox(_settings(inbox, processed), pool)
    console.print(f"Deployed process-inbox/inbox ({deployment_id}), process-item/item and review-item/form to pool "
                  f"{pool!r}. On each machine run:\n"
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
    bag = settings.bag(item_id)
    if not bag.exists():
        console.print(f"[red]No item {item_id} in {settings.items_dir}[/]")
        raise typer.Exit(1)
    typer.echo(bag.record().to_json())


@app.command()
def verify(
    item_id: Annotated[str | None, typer.Argument(help="One item id (default: every item)")] = None,
    all_items: Annotated[bool, typer.Option("--all", help="Every item (the same as giving no id)")] = False,
    processed: ProcessedOpt = None,
) -> None:
    """Check bags and their bundle zips: the bag against its manifests, the zip's CRCs and every zipped file's sha256.

    Prints every problem of every item; exits non-zero when any item has one (or there is nothing to check).
    """
    from samizdat.fixity import verify_all, verify_item

    if item_id and all_items:
        console.print("[red]Give an item id or --all, not both.[/]")
        raise typer.Exit(2)
    settings = _settings(processed=processed)
    results = [verify_item(settings.processed, item_id)] if item_id else verify_all(settings.processed)
    for result in results:
        if result.ok:
            kept = f", {result.versions_checked} earlier version(s)" if result.versions_checked else ""
            console.print(f"[green]valid[/]   {result.item_id} (bag and bundles/{result.item_id}.zip{kept})")
            continue
        console.print(f"[red]INVALID[/] {result.item_id}: {len(result.problems)} problem(s)")
        for problem in result.problems:
            console.print(f"    {problem}", markup=False, highlight=False, soft_wrap=True)
    bad = sum(not r.ok for r in results)
    if not results:
        console.print(f"[red]No items in {settings.items_dir}[/]")
    elif bad:
        console.print(f"[red]{bad} of {len(results)} item(s) damaged.[/] Restore them from a backup, or "
                      "`samizdat reprocess ID` where the original is intact.")
    if bad or not results:
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
def review(
    item_id: Annotated[str | None, typer.Argument(help="The item to correct")] = None,
    action: Annotated[str | None, typer.Option(help="accept | read-again | mark-illegible | mark-handwritten | "
                                                    "replace-text | rename-speaker | add-link | remove-link")] = None,
    page: Annotated[list[int] | None, typer.Option("--page", help="A page it applies to (repeat for more)")] = None,
    start: Annotated[float | None, typer.Option("--start", help="Recordings: start of the time range, seconds")] = None,
    end: Annotated[float | None, typer.Option("--end", help="Recordings: end of the time range, seconds")] = None,
    text: Annotated[str, typer.Option(help="replace-text: the new text")] = "",
    text_file: Annotated[Path | None, typer.Option("--text-file", help="replace-text: the new text, from a file "
                                                                         "(UTF-8)")] = None,
    language: Annotated[list[str] | None, typer.Option("--language", help="read-again: an ISO 639-1 code "
                                                                          "(repeat for more)")] = None,
    speaker: Annotated[str, typer.Option(help='rename-speaker: "Speaker 2" or its id S2')] = "",
    name: Annotated[str, typer.Option(help="rename-speaker: the name to show")] = "",
    article: Annotated[str, typer.Option(help="add-link / remove-link: the article id")] = "",
    user: Annotated[str, typer.Option(help="Who makes the change (kept in the history)")] = "archivist",
    note: Annotated[str, typer.Option(help="Why (kept in the history)")] = "",
    queue: Annotated[bool, typer.Option("--queue", help="Print the review queue instead")] = False,
    processed: ProcessedOpt = None,
) -> None:
    """Correct an item as an archivist (a new version; the old one is kept), or print the review queue."""
    from pydantic import ValidationError

    from samizdat.errors import BadInputError, TransientError
    from samizdat.review import ReviewRequest, apply_review, review_queue

    settings = _settings(processed=processed)
    if queue:
        entries = review_queue(settings)
        table = Table(Column("item", no_wrap=True, min_width=12), "title", "kind", "why", "pages", "segments", "access")
        for e in entries:
            table.add_row(e.item_id, e.title, e.kind, "; ".join(e.reasons), ", ".join(map(str, e.pages)),
                          str(len(e.segments)) if e.segments else "", "restricted" if e.restricted else "open")
        console.print(table)
        console.print(f"{len(entries)} item(s) to review.")
        return
    if not item_id or not action:
        console.print("[red]Give an item id and --action (or --queue).[/]")
        raise typer.Exit(2)
    if text_file is not None:
        text = text_file.read_text(encoding="utf-8")
    try:
        request = ReviewRequest(item_id=item_id, action=action, pages=page or [], start_s=start, end_s=end, text=text,
                                languages=language or [], speaker=speaker, new_name=name, article_id=article,
                                user=user, note=note)
        result = apply_review(settings, request)
    except ValidationError as error:
        console.print(f"[red]Not a review request: {error.errors()[0]['msg']}[/]", markup=False)
        raise typer.Exit(2) from error
    except BadInputError as error:
        console.print(f"[red]Nothing changed: {error}[/]\n{error.hint}", markup=False)
        raise typer.Exit(2) from error
    except TransientError as error:
        console.print(f"[yellow]Nothing changed: {error}[/]", markup=False)
        raise typer.Exit(1) from error
    console.print(f"{result.item_id}: version {result.version}: {result.summary}", markup=False)
    console.print(f"  changed: {', '.join(result.changed)}", markup=False)


@app.command()
def history(item_id: str, processed: ProcessedOpt = None) -> None:
    """An item's versions: which, when, who, what (earlier ones are kept under processed/versions/)."""
    from samizdat.errors import BadInputError
    from samizdat.review import item_versions
    from samizdat.review.store import history_of, published_metadata

    settings = _settings(processed=processed)
    try:
        versions = item_versions(settings, item_id)
        changes = {c.version: c for c in history_of(published_metadata(settings, item_id))}
    except BadInputError as error:
        console.print(f"[red]{error}[/]", markup=False)
        raise typer.Exit(1) from error
    for v in versions:  # one line per version, whatever the terminal's width
        change = changes.get(v.version)
        where = []
        if change and change.pages:
            where.append("pages " + ", ".join(map(str, change.pages)))
        if change and change.segments:
            where.append("segments " + ", ".join(map(str, change.segments)))
        typer.echo(f"v{v.version}{' (current)' if v.current else ''}  {v.at or '-'}  {v.user or '-'}  "
                   f"{v.action or '-'}{'  ' + '; '.join(where) if where else ''}{'  note: ' + v.note if v.note else ''}"
                   f"  [{v.path}]")


articles_app = typer.Typer(help="The archive's catalogue of articles: list, add, re-link.")
app.add_typer(articles_app, name="articles")
CatalogueOpt = Annotated[
    Path | None,
    typer.Option("--catalogue", help="Catalogue folder (default: SAMIZDAT_CATALOGUE_DIR, else processed/../catalogue)"),
]


def _catalogue_settings(processed: Path | None, catalogue: Path | None) -> Settings:
    settings = _settings(processed=processed)
    return settings.model_copy(update={"catalogue_dir": catalogue}) if catalogue else settings


@articles_app.callback(invoke_without_command=True)
def articles(ctx: typer.Context, processed: ProcessedOpt = None, catalogue: CatalogueOpt = None) -> None:
    """Per article, the items linked to it (articles still to check are marked)."""
    if ctx.invoked_subcommand is not None:
        return
    from samizdat.catalogue import CatalogueError, archive_catalogue

    settings = _catalogue_settings(processed, catalogue)
    try:
        loaded = archive_catalogue(settings.processed, settings.catalogue_dir)
    except CatalogueError as error:
        console.print(f"[red]{error}[/]", markup=False)
        raise typer.Exit(2) from error
    view = open_index(settings.database_url, settings.catalog_path).articles_view()
    for article in loaded.articles:
        linked = view.get(article.id, [])
        mark = " [yellow](to check)[/]" if article.proposed else ""
        console.print(f"[bold]{article.id}[/]{mark} — {article.title} ({len(linked)} item(s))")
        for linked_id, title in linked:
            console.print(f"    {linked_id}  {title}")


@articles_app.command("add")
def articles_add(
    file: Annotated[Path, typer.Argument(help="The article: plain text, PDF (with a text layer) or HTML")],
    article_id: Annotated[str, typer.Option("--id", help="Its id: lower-case words joined by hyphens, kept forever")],
    title: Annotated[str, typer.Option(help="Its title")],
    author: Annotated[str, typer.Option(help="Author")] = "",
    publisher: Annotated[str, typer.Option(help="Publisher or series")] = "",
    date: Annotated[str, typer.Option(help="Publication date (YYYY-MM-DD)")] = "",
    summary: Annotated[str, typer.Option(help="A short summary in the archive's own words")] = "",
    relink: Annotated[bool, typer.Option(help="Re-link the published items afterwards")] = True,
    processed: ProcessedOpt = None,
    catalogue: CatalogueOpt = None,
) -> None:
    """Add an article: find what it names, propose authority entries for new names, re-link the collection."""
    from samizdat.catalogue import CatalogueError, default_catalogue_dir
    from samizdat.catalogue.add import add_article

    settings = _catalogue_settings(processed, catalogue)
    folder = settings.catalogue_dir or default_catalogue_dir(settings.processed)
    try:
        draft = add_article(folder, file, article_id=article_id, title=title, author=author, publisher=publisher,
                            date=date, summary=summary)
    except CatalogueError as error:
        console.print(f"[red]The article was not added: {error}[/]", markup=False)
        raise typer.Exit(2) from error
    console.print(f"Added [bold]{article_id}[/] to {folder}/articles.yaml (marked proposed: check it).")
    console.print(f"  names {len(draft.found)} catalogued entities: {', '.join(draft.found) or 'none'}")
    console.print(f"  years: {', '.join(map(str, draft.years)) or 'none'}")
    if draft.proposals:
        console.print(f"  proposed {len(draft.proposals)} new authority entries (in authority.yaml, to check):")
        for proposal in draft.proposals:
            console.print(f"    {proposal.id} ({proposal.type}, {proposal.mentions}x): {' / '.join(proposal.names)}",
                          markup=False)
    if relink:
        _relink(settings)


@articles_app.command("relink")
def articles_relink(
    item_ids: Annotated[list[str] | None, typer.Argument(help="Only these items (default: every item)")] = None,
    processed: ProcessedOpt = None,
    catalogue: CatalogueOpt = None,
) -> None:
    """Re-describe published items from the text in their bags with the catalogue as it is now (no OCR/ASR)."""
    _relink(_catalogue_settings(processed, catalogue), item_ids or None)


@articles_app.command("confirm")
def articles_confirm(
    item_id: Annotated[str, typer.Argument(help="The item")],
    article_id: Annotated[str, typer.Argument(help="The article it belongs to")],
    note: Annotated[str, typer.Option(help="Why (kept in metadata.json)")] = "",
    processed: ProcessedOpt = None,
    catalogue: CatalogueOpt = None,
) -> None:
    """Link an item to an article by hand, or confirm the linker's link: a re-link never drops it."""
    from samizdat.catalogue import CatalogueError
    from samizdat.relink import confirm_link

    settings = _catalogue_settings(processed, catalogue)
    if not settings.bag(item_id).exists():
        console.print(f"[red]No item {item_id} in {settings.items_dir}[/]")
        raise typer.Exit(1)
    try:
        link = confirm_link(settings, item_id, article_id, note)
    except CatalogueError as error:
        console.print(f"[red]{error}[/]", markup=False)
        raise typer.Exit(2) from error
    console.print(f"{item_id} -> {article_id}: linked by the archivist (score {link.score})")


def _relink(settings: Settings, item_ids: list[str] | None = None) -> None:
    from samizdat.catalogue import CatalogueError
    from samizdat.relink import relink_collection

    try:
        report = relink_collection(settings, item_ids=item_ids)
    except CatalogueError as error:
        console.print(f"[red]Nothing was re-linked: {error}[/]", markup=False)
        raise typer.Exit(2) from error
    for result in report.items:
        if result.status == "relinked":
            change = ", ".join([f"+{a}" for a in result.added] + [f"-{a}" for a in result.removed]) or "entities"
            console.print(f"  {result.item_id}: re-linked ({change})", markup=False)
        elif result.status != "unchanged":
            console.print(f"  [yellow]{result.item_id}: {result.status}: {result.error}[/]")
    console.print(f"{report.count('relinked')} item(s) re-linked, {report.count('unchanged')} unchanged, "
                  f"{report.count('busy')} busy, {report.count('failed')} failed.")
    if report.count("failed"):
        raise typer.Exit(1)


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
