"""Imported by the fork server of `samizdat serve` (flows/runtime.py): it loads what every item run needs.

A fork server can only be told which modules to import before it forks, so importing this module is what does the
work: `Pipeline.warm_up` with the settings `serve` runs with (its environment and `samizdat.toml`). Each item run
forked afterwards starts with the OCR dictionaries and the catalogue in memory instead of loading them again.
Nothing here may stop the fork server: a broken catalogue or setting is reported by the item runs themselves.
"""

from __future__ import annotations

import logging

from samizdat.pipeline import Pipeline
from samizdat.settings import Settings

log = logging.getLogger(__name__)

try:
    with Pipeline(Settings()) as _pipeline:
        _pipeline.warm_up()
except Exception as error:  # noqa: BLE001 - the item runs load (and report) what could not be loaded here
    log.warning("item runs start without a warm-up: %s", error)
