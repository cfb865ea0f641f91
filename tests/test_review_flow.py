"""The `review-item` form's shape, what its artifacts may show, and the review queue published by an inbox pass."""

from __future__ import annotations

import json
from typing import Any

import pytest
from prefect.utilities.callables import parameter_schema

from flows.review import QUEUE_KEY, change_summary, queue_rows, review_deployment, review_item
from samizdat.review import QueueEntry, ReviewAction, ReviewRequest, ReviewResult
from samizdat.settings import Settings
from tests.support.letters import write_letter

FORM_FIELDS = ["item_id", "action", "pages", "start_s", "end_s", "text", "languages", "speaker", "new_name",
               "article_id", "user", "note", "processed"]


def test_the_form_offers_every_action_as_a_choice_and_explains_each_field() -> None:
    schema = parameter_schema(review_item.fn).model_dump_for_openapi()
    assert list(schema["properties"]) == FORM_FIELDS
    assert schema["required"] == ["item_id", "action"]
    reference = schema["properties"]["action"]["$ref"].rsplit("/", 1)[1]
    assert schema["definitions"][reference]["enum"] == [a.value for a in ReviewAction] == [
        "accept", "read-again", "mark-illegible", "mark-handwritten", "replace-text", "rename-speaker", "add-link",
        "remove-link"]
    assert schema["properties"]["pages"]["items"] == {"type": "integer"}
    assert all(field.get("description") for field in schema["properties"].values())  # from the docstring's Args


def test_the_deployment_serves_the_form_over_one_processed_folder() -> None:
    deployment = review_deployment("/archive/processed")
    assert (deployment.flow_name, deployment.name, deployment.parameters) == (
        "review-item", "form", {"processed": "/archive/processed"})


def _entry(restricted: bool) -> QueueEntry:
    return QueueEntry(item_id="abcdef012345", title="Report of informant Quorndale", kind="image",
                      reasons=["2 flagged page(s)", "no article link"], pages=[2, 3], segments=[],
                      restricted=restricted)


def test_the_queue_table_links_each_item_and_hides_a_restricted_title() -> None:
    (open_row,) = queue_rows([_entry(False)], "http://portal.example")
    assert open_row == {"item": "abcdef012345", "title": "Report of informant Quorndale", "kind": "image",
                        "why": "2 flagged page(s); no article link", "pages": "2, 3", "segments": "",
                        "portal": "http://portal.example/items/abcdef012345"}
    (hidden_row,) = queue_rows([_entry(True)], "http://portal.example")
    assert "Quorndale" not in json.dumps(hidden_row) and hidden_row["item"] == "abcdef012345"


def test_a_restricted_items_summary_names_no_file_text_or_note(settings: Settings) -> None:
    request = ReviewRequest(item_id="abcdef012345", action=ReviewAction.REPLACE_TEXT, pages=[2],
                            text="Meeting with Zarbiskaya", note="Quorndale's hand")
    result = ReviewResult(item_id="abcdef012345", version=3, action=ReviewAction.REPLACE_TEXT,
                          changed=["data/Quorndale report.tiff", "data/text.txt"],
                          summary="Page 2 of Report of informant Quorndale now reads: Meeting with Zarbiskaya")
    shown = change_summary(result, request, settings, hidden=False)
    assert "Quorndale" in shown and "version 3" in shown and "`data/text.txt`" in shown
    hidden = change_summary(result, request, settings, hidden=True)
    assert "Quorndale" not in hidden and "Zarbiskaya" not in hidden
    assert "abcdef012345" in hidden and "replace-text, now version 3" in hidden and "2 file(s) changed" in hidden


@pytest.mark.slow
def test_an_inbox_pass_publishes_the_review_queue(settings: Settings, prefect_harness: None) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from flows.inbox import process_inbox
    from flows.runtime import quiet_flow_runs

    write_letter(settings.inbox / "unlinked-letter.png", "A letter that names no article")
    with quiet_flow_runs():
        (outcome,) = process_inbox(str(settings.inbox), str(settings.processed))
    assert outcome["status"] == "published"
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[QUEUE_KEY])))
    rows: list[dict[str, Any]] = [row for artifact in artifacts for row in _table(artifact.data)]
    mine = [row for row in rows if row["item"] == outcome["item_id"]]
    assert mine and mine[0]["portal"] == f"{settings.portal_url}/items/{outcome['item_id']}", rows


def _table(data: Any) -> list[dict[str, Any]]:
    return list(json.loads(data) if isinstance(data, str) else data)


def test_deploy_puts_the_form_in_the_work_pool_beside_the_inbox(settings: Settings, prefect_harness: None) -> None:
    from prefect.client.orchestration import get_client

    from flows.deploy import deploy_inbox

    deploy_inbox(settings, "review-test-pool")
    with get_client(sync_client=True) as client:
        form = client.read_deployment_by_name("review-item/form")
        client.read_deployment_by_name("process-inbox/inbox")
    assert form.work_pool_name == "review-test-pool" and form.entrypoint == "flows/review.py:review_item"
    assert form.parameters == {"processed": str(settings.processed.resolve())}
    enum = form.parameter_openapi_schema["definitions"]["ReviewAction"]["enum"]
    assert enum == [action.value for action in ReviewAction]


@pytest.mark.slow
def test_a_restricted_items_review_shows_prefect_its_id_only(settings: Settings, prefect_harness: None) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.runtime import quiet_flow_runs
    from samizdat.pipeline import Pipeline

    name = "Informant Vetrogonov.png"
    write_letter(settings.inbox / name, "Report of the second meeting")
    (settings.inbox / f"{name}.yaml").write_text("title: Vetrogonov report\naccess: restricted\n", encoding="utf-8")
    with Pipeline(settings) as pipeline:
        pipeline.prepare()
        outcome = pipeline.process_file(settings.inbox / name)
    assert outcome.status == "published" and outcome.restricted
    item = str(outcome.item_id)

    with quiet_flow_runs():
        state = review_item(item, ReviewAction.REPLACE_TEXT, pages=(1,), text="Report of the third meeting",
                            note="in Vetrogonov's hand", processed=str(settings.processed), return_state=True)
    assert state.is_completed(), state.message
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
    # The form's own parameters are the archivist's to see; what the run adds must name no one.
    shown = json.dumps([run.name, run.state.model_dump(mode="json") if run.state else None]
                       + [a.model_dump(mode="json") for a in artifacts])
    assert {a.key for a in artifacts} == {f"review-{item}", QUEUE_KEY}
    assert item in shown and "now version 2" in shown
    assert "Vetrogonov" not in shown and "meeting" not in shown
