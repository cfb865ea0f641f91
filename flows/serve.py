"""`samizdat serve`: Prefect server and UI, inbox deployment, watcher, portal, fixity check, forms, in one command."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

from flows.prefect_env import apply_server_defaults
from samizdat.settings import Settings, cores

SERVER_START_TIMEOUT_S = 120.0


def server_environment(port: int) -> dict[str, str]:
    """Prefect settings for a quiet, offline, local server."""
    environment = {
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api",
        # An interval schedule otherwise pre-creates ~100 runs that flood the UI (NOTES.md).
        "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS": "3",
        "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS": "1",
        # The runner looks for new item runs this often (default 10 s): a dropped file waits at most this long.
        "PREFECT_RUNNER_POLL_FREQUENCY": os.environ.get("PREFECT_RUNNER_POLL_FREQUENCY", "1"),
    }
    apply_server_defaults(environment)
    return environment


# How often the runners of the fixity check and the archivists' forms look for runs. Each look makes the server
# write the deployments' `last_polled` in a transaction that holds SQLite's write lock, and a request that meets it
# is answered 503 "database is locked", which Prefect's client retries after 2 s, then 4 s: with all four runners
# looking every second, hand-offs took 2-7 s and an item waited 2.3 s for its CPU slot that way
# (bench/pipeline/drops-warm.md). A form waits at most this long to start; the item runner keeps its one-second look.
SIDE_RUNNER_POLL = {"PREFECT_RUNNER_POLL_FREQUENCY": "5"}


def wait_healthy(api_url: str, process: subprocess.Popen[bytes], timeout_s: float = SERVER_START_TIMEOUT_S) -> None:
    """Block until the server answers /health; fail early if it died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the Prefect server did not answer at {api_url} within {timeout_s:.0f} s")


def _command(*args: str) -> list[str]:
    """A console script of this environment (prefect, samizdat)."""
    return [str(Path(sys.executable).with_name(args[0])), *args[1:]]


@contextmanager
def background(command: list[str], env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """Run a command in its own process group (with `env` over this environment); stop the group on the way out."""
    process = subprocess.Popen(command, start_new_session=True, env={**os.environ, **(env or {})})
    try:
        yield process
    finally:
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def serve_inbox(settings: Settings) -> None:
    """Run the server, the portal, the daily fixity check, the forms, the inbox and item deployments and the watcher.

    The watcher creates a file's item run as soon as the file settles; the interval pass finds what it missed.
    Item runs execute here side by side (their extraction within this machine's CPU slots) until Ctrl-C.
    """
    os.environ.update(server_environment(settings.prefect_port))  # before Prefect is imported: it reads them once
    # The fork server's warm-up (flows.warm_items) reads its settings from the environment: the folders given here.
    os.environ.update({"SAMIZDAT_INBOX": str(settings.inbox.resolve()),
                       "SAMIZDAT_PROCESSED": str(settings.processed.resolve())})
    from prefect.runner import Runner

    from flows.inbox import dispatch_files, process_inbox, process_item, warm_dispatch
    from flows.runtime import warm_flow_run_starts
    from flows.watch import InboxWatcher

    parameters = {"inbox": str(settings.inbox.resolve()), "processed": str(settings.processed.resolve())}
    server_command = _command("prefect", "server", "start", "--host", "127.0.0.1", "--port", str(settings.prefect_port))
    # Runs start as forks of a process that imported Prefect and the flows while the server started (flows/runtime.py).
    with warm_flow_run_starts(), background(server_command) as server:
        wait_healthy(os.environ["PREFECT_API_URL"], server)
        with _portal_if_installed(settings), _fixity_runner(settings), _articles_runner(settings), \
                _review_runner(settings):
            watcher = InboxWatcher(settings.inbox, settings.settle_s, lambda path: dispatch_files(settings, [path]),
                                   prepare=lambda: warm_dispatch(settings))
            watcher.start()
            print(f"Prefect UI: http://127.0.0.1:{settings.prefect_port}   inbox: {parameters['inbox']}", flush=True)
            try:
                # Item runs side by side; their engines share the machine's CPU slots. The flows are added as
                # objects (not as deployments that name a file), so each run starts from the flow object in a
                # process of its own: a fork of the warm server above, not `python -m prefect.engine`.
                runner = Runner(limit=cores() + 1, pause_on_shutdown=True)
                runner.add_flow(
                    process_inbox, name="inbox", interval=settings.serve_interval_s, parameters=parameters,
                    description="Scans the inbox and creates one process-item run per settled file.",
                )
                runner.add_flow(
                    process_item, name="item",
                    description="Processes one file; created once per drop, by passes or the watcher.",
                )
                asyncio.run(runner.start())
            except KeyboardInterrupt:
                pass
            finally:
                watcher.stop()


@contextmanager
def _portal_if_installed(settings: Settings) -> Iterator[None]:
    """The researchers' portal beside the server, on the port of `portal_url`, over the same processed folder."""
    if find_spec("samizdat.portal") is None:
        yield
        return
    port = str(urlsplit(settings.portal_url).port or 8000)
    with background(_command("samizdat", "portal", "--port", port, "--processed", str(settings.processed.resolve()))):
        yield


@contextmanager
def _fixity_runner(settings: Settings) -> Iterator[None]:
    """The daily `verify --all` (flows/fixity.py) in a runner of its own, so a long check never holds up the inbox."""
    with background([sys.executable, "-m", "flows.fixity", "--processed", str(settings.processed.resolve())],
                    SIDE_RUNNER_POLL):
        yield


@contextmanager
def _articles_runner(settings: Settings) -> Iterator[None]:
    """The `add-article/form` deployment (flows/articles.py): the form for adding an article, in its own runner."""
    catalogue = ["--catalogue", str(settings.catalogue_dir.resolve())] if settings.catalogue_dir else []
    with background([sys.executable, "-m", "flows.articles", "--processed", str(settings.processed.resolve()),
                     *catalogue], SIDE_RUNNER_POLL):
        yield


@contextmanager
def _review_runner(settings: Settings) -> Iterator[None]:
    """The `review-item/form` deployment (flows/review.py): an archivist's corrections, in a runner of its own."""
    with background([sys.executable, "-m", "flows.review", "--processed", str(settings.processed.resolve())],
                    SIDE_RUNNER_POLL):
        yield
