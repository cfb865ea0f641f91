"""A real `samizdat serve` for tests: started in its own session, stopped with Ctrl-C, and small REST helpers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts"
SERVER_START_S = 180  # the Prefect server's first start on a loaded machine (migrations) can take minutes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(url: str, body: dict[str, Any], timeout_s: float = 10) -> Any:
    """POST `body` as JSON to a Prefect REST route; its JSON answer."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        return json.loads(response.read())


def wait_for(predicate: Any, timeout_s: float, what: str, poll_s: float = 1.0) -> Any:
    """The first true value of `predicate()`, asked every `poll_s` (an OSError counts as not yet)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except OSError:
            pass
        time.sleep(poll_s)
    raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")


@contextmanager
def samizdat_serve(root: Path, inbox: Path, processed: Path, **settings: str) -> Iterator[str]:
    """`samizdat serve` over these folders (with `SAMIZDAT_*`/`PREFECT_*` `settings`), its API URL once healthy.

    Its own Prefect home under `root`, an hourly interval (so only what the test does starts runs), runners looking
    for runs every 2 s. On the way out: Ctrl-C to the whole session, a kill after 60 s, and the log's tail printed.
    """
    port = int(settings.pop("SAMIZDAT_PREFECT_PORT", "0")) or free_port()
    env = {
        **os.environ,
        "SAMIZDAT_INBOX": str(inbox),
        "SAMIZDAT_PROCESSED": str(processed),
        "SAMIZDAT_SERVE_INTERVAL_S": "3600",
        "SAMIZDAT_PREFECT_PORT": str(port),
        "PREFECT_HOME": str(root / "prefect-home"),
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        **settings,
    }
    env.pop("PREFECT_API_URL", None)
    log_path = root / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([str(Path(sys.executable).with_name("samizdat")), "serve"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        api = f"http://127.0.0.1:{port}/api"
        try:
            wait_for(lambda: urllib.request.urlopen(f"{api}/health", timeout=2).status == 200, SERVER_START_S,
                     "the server")
            yield api
        finally:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
            print(log_path.read_text(errors="replace")[-3000:])
