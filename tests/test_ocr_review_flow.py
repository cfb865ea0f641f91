"""A page flagged for review reaches metadata.json, the Prefect summary, the CLI table text and the portal.

One two-page TIFF through the whole pipeline (no Prefect server): a typed English page and a page of scrawl.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from flows.inbox import _summary
from samizdat.describe import published_content, review_text
from samizdat.pipeline import Pipeline
from samizdat.portal import create_app
from samizdat.settings import OcrOptions, Settings
from tests.support.pages import LETTER_EN, typescript_page
from tests.test_ocr_quality import scribbles

pytestmark = pytest.mark.slow


def test_flag_reaches_metadata_summary_cli_and_portal(settings: Settings) -> None:
    settings = settings.model_copy(update={"ocr": OcrOptions(workers=2, page_timeout_s=120)})
    path = settings.inbox / "letter-and-scrawl.tiff"
    typed = typescript_page(LETTER_EN[:10], dpi=200)
    typed.save(path, save_all=True, append_images=[scribbles().resize(typed.size)], dpi=(200, 200))
    pipeline = Pipeline(settings)
    pipeline.prepare()
    outcome = pipeline.process_file(path)
    assert outcome.status == "published", outcome.reason

    meta = json.loads((settings.items_dir / str(outcome.item_id) / "data" / "metadata.json").read_text("utf-8"))
    content = meta["content"]
    assert [(r["page"], r["reason"]) for r in content["review_pages"]] == [(2, "likely-handwriting")]
    assert content["page_languages"]["1"] == ["en", "ru"]  # no item language: the default models, eng+rus
    assert meta["dc"]["language"] == ["en"]  # the archivist gave none: read from the text

    assert review_text(published_content(settings, outcome.item_id)) == "p2 likely-handwriting"
    summary = _summary(outcome, settings)
    assert "## Pages to review (1)" in summary and "- page 2: likely-handwriting" in summary

    with TestClient(create_app(settings.processed, staff_token="")) as client:
        html = client.get(f"/items/{outcome.item_id}").text
    assert 'class="review-flag" data-reason="likely-handwriting"' in html
    assert 'href="#page-2">p. 2</a> (likely-handwriting)' in html
