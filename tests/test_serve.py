"""`samizdat serve` for real: a Prefect server, the inbox deployment, a dropped file processed and recorded."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

pytestmark = [pytest.mark.slow, pytest.mark.serve]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _wait_for(predicate: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def test_serve_picks_up_a_dropped_file(tmp_path: Path) -> None:
    port = _free_port()
    inbox, processed = tmp_path / "inbox", tmp_path / "processed"
    inbox.mkdir()
    env = {
        **os.environ,
        "SAMIZDAT_INBOX": str(inbox),
        "SAMIZDAT_PROCESSED": str(processed),
        "SAMIZDAT_SETTLE_S": "1",
        "SAMIZDAT_SERVE_INTERVAL_S": "5",
        "SAMIZDAT_PREFECT_PORT": str(port),
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
    }
    env.pop("PREFECT_API_URL", None)
    samizdat = Path(sys.executable).with_name("samizdat")
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([str(samizdat), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait_for(lambda: urllib.request.urlopen(f"{api}/health", timeout=2).status == 200, 180, "the Prefect server")
        image = Image.new("L", (1400, 400), 255)
        font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 52)
        ImageDraw.Draw(image).text((40, 150), "Refusenik appeal from Moscow", font=font, fill=0)
        image.save(tmp_path / "appeal.png.part", format="PNG", dpi=(300, 300))
        os.replace(tmp_path / "appeal.png.part", inbox / "appeal.png")

        completed = {"flow_runs": {"name": {"any_": ["appeal.png"]}, "state": {"type": {"any_": ["COMPLETED"]}}}}
        runs = _wait_for(lambda: _post(f"{api}/flow_runs/filter", completed), 240, "a COMPLETED run named appeal.png")
        assert runs[0]["name"] == "appeal.png"
        bags = list((processed / "items").iterdir())
        assert len(bags) == 1 and (bags[0] / "data" / "text.txt").read_text().strip()
        assert not (inbox / "appeal.png").exists()
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
        if server.returncode not in (0, -signal.SIGINT, 130, None):
            print((tmp_path / "serve.log").read_text(errors="replace")[-3000:])
