"""`samizdat serve`: a local Prefect server and UI, and the inbox deployment served from this process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from samizdat.settings import Settings

SERVER_START_TIMEOUT_S = 120.0


def server_environment(port: int) -> dict[str, str]:
    """Prefect settings for a quiet, offline, local server."""
    return {
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_API_URL": f"http://127.0.0.1:{port}/api",
        # An interval schedule otherwise pre-creates ~100 runs that flood the UI (NOTES.md).
        "PREFECT_SERVER_SERVICES_SCHEDULER_MAX_RUNS": "3",
        "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS": "1",
    }


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


def start_server(port: int) -> subprocess.Popen[bytes]:
    """Start `prefect server start` on loopback and wait until it is healthy."""
    os.environ.update(server_environment(port))
    prefect = Path(sys.executable).with_name("prefect")
    process = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        start_new_session=True,
    )
    wait_healthy(os.environ["PREFECT_API_URL"], process)
    return process


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def serve_inbox(settings: Settings) -> None:
    """Run the server and serve `process-inbox` on an interval until Ctrl-C."""
    from flows.inbox import process_inbox

    server = start_server(settings.prefect_port)
    print(f"Prefect UI: http://127.0.0.1:{settings.prefect_port}  (inbox: {settings.inbox.resolve()})", flush=True)
    try:
        process_inbox.serve(
            name="inbox",
            interval=settings.serve_interval_s,
            parameters={"inbox": str(settings.inbox.resolve()), "processed": str(settings.processed.resolve())},
            description="Scans the inbox and processes every settled file.",
            limit=1,
        )
    except KeyboardInterrupt:
        pass
    finally:
        stop_server(server)
