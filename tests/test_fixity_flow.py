"""The scheduled fixity check of `serve` (flows/fixity.py): a run per check, an artifact, Failed when damaged."""

from __future__ import annotations

from pathlib import Path

from samizdat.fixity import ItemFixity
from samizdat.search import open_index
from tests.test_fixity import flip_in_member
from tests.test_portal_fixtures import LETTER, build_collection


def test_the_report_lists_every_problem_of_every_damaged_item() -> None:
    from flows.fixity import fixity_report

    report = fixity_report([ItemFixity("a1", ["bundles/a1.zip: x is missing", "items/a1: bad"]), ItemFixity("b2")])
    assert report.startswith("# Fixity: 1 of 2 item(s) damaged")
    assert "## a1\n\n- `bundles/a1.zip: x is missing`\n- `items/a1: bad`" in report and "## b2" not in report
    assert "Every bag and bundle matches" in fixity_report([ItemFixity("b2")])


def test_the_flow_fails_naming_the_damaged_item_and_leaves_an_artifact(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.fixity import verify_fixity

    index = open_index(None, tmp_path / "catalog.sqlite")
    build_collection(tmp_path, index)
    index.close()
    assert verify_fixity(str(tmp_path), return_state=True).is_completed()
    flip_in_member(tmp_path / "bundles" / f"{LETTER}.zip", f"{LETTER}/data/text.txt")
    state = verify_fixity(str(tmp_path), return_state=True)
    assert state.is_failed() and state.message == f"1 of 4 item(s) damaged: {LETTER}"
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    (artifact,) = artifacts
    assert artifact.key == "fixity" and f"bundles/{LETTER}.zip: {LETTER}/data/text.txt" in str(artifact.data)


def test_the_daily_deployment_runs_at_three_over_one_folder() -> None:
    from flows.fixity import FIXITY_CRON, fixity_deployment

    deployment = fixity_deployment("/archive/processed")
    assert (deployment.name, deployment.flow_name, deployment.parameters) == (
        "daily", "verify-fixity", {"processed": "/archive/processed"})
    assert [s.schedule.cron for s in deployment.schedules] == [FIXITY_CRON] == ["0 3 * * *"]  # type: ignore[union-attr]
