"""`samizdat serve` for real: Prefect server, the inbox deployment started by the file watcher, the UI in Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.support.served import SCREENSHOTS, free_port, post, samizdat_serve, wait_for
from tests.test_portal_fixtures import chromium

pytestmark = [pytest.mark.slow, pytest.mark.serve]


def drop(inbox: Path, name: str, write: Any) -> None:
    """Write under a partial name, then rename: what an archivist's copy tool does."""
    partial = inbox / f".{name}.part"
    write(partial)
    os.replace(partial, inbox / name)


def write_letter(path: Path) -> None:
    image = Image.new("L", (1400, 400), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 52)
    ImageDraw.Draw(image).text((40, 150), "Refusenik appeal from Moscow", font=font, fill=0)
    image.save(path, format="PNG", dpi=(300, 300))


def write_interview(path: Path) -> None:
    text = "I applied to emigrate to Israel in nineteen seventy four and was refused."
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), text], check=True)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`samizdat serve` with a long interval, so only the watcher's events can start the runs in time."""
    root = tmp_path_factory.mktemp("serve")
    port = free_port()
    inbox, processed = root / "inbox", root / "processed"
    inbox.mkdir()
    with samizdat_serve(root, inbox, processed, SAMIZDAT_SETTLE_S="1", SAMIZDAT_PREFECT_PORT=str(port)) as api:
        wait_for(lambda: post(f"{api}/deployments/filter", {}), 60, "the inbox deployment")
        time.sleep(3)  # the first interval run of the deployment happens at start, on an empty inbox
        drop(inbox, "letter.png", write_letter)
        drop(inbox, "interview.wav", write_interview)
        drop(inbox, "corrupt.pdf", lambda p: p.write_bytes(b"%PDF-1.5\n%broken beyond repair"))
        yield {"api": api, "port": port, "inbox": inbox, "processed": processed}
    assert not list((processed / ".claims").glob("*.claim")), "Ctrl-C left a claimed file behind"


def _final_run(api: str, name: str) -> dict[str, Any]:
    final = {"flow_runs": {"name": {"any_": [name]}, "state": {"type": {"any_": ["COMPLETED", "FAILED", "CRASHED"]}}}}
    runs = wait_for(lambda: post(f"{api}/flow_runs/filter", final), 300, f"a finished run named {name}")
    return dict(runs[0])


STAGES = {"claim", "detect", "extract", "describe", "package", "index", "release"}


def _task_names(api: str, flow_run_id: str) -> set[str]:
    tasks = post(f"{api}/task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run_id]}}})
    return {t["name"].rsplit("-", 1)[0] for t in tasks}


def test_dropped_files_complete_with_artifacts_and_bundles(served: dict[str, Any]) -> None:
    api = served["api"]
    for name in ("letter.png", "interview.wav"):
        run = _final_run(api, name)
        assert run["state"]["type"] == "COMPLETED", run["state"]
        artifacts = post(f"{api}/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run["id"]]}}})
        kinds = {a["type"] for a in artifacts}
        assert {"markdown", "progress"} <= kinds, kinds
        # Task runs reach the server as events, written in batches (flows/prefect_env.py): wait for them.
        run_id = run["id"]
        wait_for(lambda: _task_names(api, run_id) >= STAGES, 60, f"the stage task runs of {name}")  # noqa: B023
    bundles = list((served["processed"] / "bundles").glob("*.zip"))
    assert len(bundles) == 2


def test_a_dropped_file_gets_exactly_one_item_run(served: dict[str, Any]) -> None:
    api = served["api"]
    for name in ("letter.png", "interview.wav", "corrupt.pdf"):
        _final_run(api, name)
    time.sleep(3)  # a second run, if the watcher or a pass made one, would have been created by now
    runs = post(f"{api}/flow_runs/filter", {"flow_runs": {"name": {"any_": ["letter.png", "interview.wav",
                                                                            "corrupt.pdf"]}}})
    assert sorted(r["name"] for r in runs) == ["corrupt.pdf", "interview.wav", "letter.png"], runs


def test_samizdat_process_reports_to_the_running_server(served: dict[str, Any], tmp_path: Path) -> None:
    other_inbox = tmp_path / "other-inbox"
    other_inbox.mkdir()
    image = Image.new("L", (1400, 300), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 52)
    ImageDraw.Draw(image).text((40, 120), "Sent from the command line", font=font, fill=0)
    image.save(other_inbox / "cli-letter.png", dpi=(300, 300))
    env = {**os.environ, "SAMIZDAT_PREFECT_PORT": str(served["port"]), "SAMIZDAT_SETTLE_S": "0",
           "SAMIZDAT_PROCESSED": str(served["processed"]), "PREFECT_HOME": str(tmp_path / "prefect-home")}
    env.pop("PREFECT_API_URL", None)
    result = subprocess.run([str(Path(sys.executable).with_name("samizdat")), "process", "--inbox", str(other_inbox)],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Reporting to the Prefect server" in result.stdout and "published" in result.stdout
    run = _final_run(served["api"], "cli-letter.png")
    assert run["state"]["type"] == "COMPLETED" and run["deployment_id"], "an item run of the served deployment"


def test_corrupt_file_is_a_failed_item_run_with_its_reason(served: dict[str, Any]) -> None:
    run = _final_run(served["api"], "corrupt.pdf")
    assert run["state"]["type"] == "FAILED"
    assert "quarantined" in run["state"]["message"] and "What to do" in run["state"]["message"]
    assert list((served["processed"] / "quarantine").glob("*corrupt.pdf.error.json"))


def test_prefect_ui_runs_page_shows_the_item_run(served: dict[str, Any]) -> None:
    _final_run(served["api"], "letter.png")
    SCREENSHOTS.mkdir(exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"http://127.0.0.1:{served['port']}/runs", wait_until="networkidle")
        page.get_by_text("letter.png").first.wait_for(timeout=60_000)
        page.screenshot(path=str(SCREENSHOTS / "prefect-ui-runs.png"), full_page=True)
    print(f"screenshot: {SCREENSHOTS / 'prefect-ui-runs.png'}")
