"""`verify-fixity`: the scheduled `samizdat verify --all` of `serve`, every bag and bundle read and checked.

`serve` runs it daily (FIXITY_CRON) in a runner process of its own, so a long check never holds up the
inbox. Each run leaves a markdown artifact (key `fixity`) listing every damaged item and its problems,
logs each problem as an error, and ends Failed when anything is damaged, so the UI shows it in red.
"""

from __future__ import annotations

import argparse
import time
from contextlib import suppress
from pathlib import Path
from typing import cast

from prefect import flow, get_run_logger, serve, task
from prefect.artifacts import create_markdown_artifact
from prefect.deployments.runner import RunnerDeployment
from prefect.states import Completed, Failed, State

from samizdat.fixity import ItemFixity, verify_all

FIXITY_CRON = "0 3 * * *"
"""Daily at 03:00 UTC: outside reading hours, and never at start-up (a restart does not re-read the archive)."""
ARTIFACT_KEY = "fixity"


@task(name="verify-all")
def check_collection(processed: str) -> list[ItemFixity]:
    """Every item's bag and bundle against the bag's manifests (no retries: a read error is itself a finding)."""
    return verify_all(Path(processed))


def fixity_report(results: list[ItemFixity]) -> str:
    """Markdown: how many items were checked, then each damaged item with every problem."""
    damaged = [r for r in results if not r.ok]
    lines = [f"# Fixity: {len(damaged)} of {len(results)} item(s) damaged", ""]
    if not damaged:
        lines.append("Every bag and bundle matches its manifests.")
    for result in damaged:
        lines += [f"## {result.item_id}", "", *[f"- `{p}`" for p in result.problems], ""]
    if damaged:
        lines.append("What to do: restore each item from a backup, or `samizdat reprocess ID` where its original "
                     "is intact; then `samizdat verify ID`.")
    return "\n".join(lines) + "\n"


@flow(name="verify-fixity", log_prints=False)
def verify_fixity(processed: str) -> State:
    """Check every published item; report problems as an artifact and error logs; Failed when any is damaged."""
    logger = get_run_logger()
    results = check_collection(processed)
    damaged = [r for r in results if not r.ok]
    create_markdown_artifact(fixity_report(results), key=ARTIFACT_KEY,
                             description=f"{len(damaged)} of {len(results)} item(s) damaged")
    for result in damaged:
        for problem in result.problems:
            logger.error("%s: %s", result.item_id, problem)
    if damaged:
        return Failed(message=f"{len(damaged)} of {len(results)} item(s) damaged: "
                              + ", ".join(r.item_id for r in damaged))
    logger.info("fixity: all %d item(s) intact", len(results))
    return Completed(message=f"{len(results)} item(s) intact")


def serve_fixity(processed: str, cron: str = FIXITY_CRON, after: str | None = "process-inbox/inbox") -> None:
    """Serve the daily deployment until stopped; first wait (up to a minute) for the `after` deployment to exist.

    Waiting keeps the inbox the first deployment the server lists, which is what operators and the serve
    test look for when `serve` comes up.
    """
    if after:
        _wait_for_deployment(after, timeout_s=60.0)
    serve(fixity_deployment(processed, cron), limit=1)


def fixity_deployment(processed: str, cron: str = FIXITY_CRON) -> RunnerDeployment:
    """The `verify-fixity/daily` deployment over one processed folder."""
    deployment = verify_fixity.to_deployment(
        name="daily", cron=cron, parameters={"processed": processed},
        description="Reads every bag and bundle and checks them against the bags' manifests.")
    return cast(RunnerDeployment, deployment)  # called outside an event loop: the deployment, not a coroutine


def _wait_for_deployment(name: str, timeout_s: float) -> None:
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            try:
                client.read_deployment_by_name(name)
                return
            except Exception:  # not there yet, or the server still starting: try again until the deadline
                time.sleep(1)


def main() -> None:
    """`python -m flows.fixity --processed DIR`: what `serve` starts beside the inbox deployment."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--processed", required=True)
    parser.add_argument("--cron", default=FIXITY_CRON)
    arguments = parser.parse_args()
    with suppress(KeyboardInterrupt):
        serve_fixity(arguments.processed, arguments.cron)


if __name__ == "__main__":
    main()
