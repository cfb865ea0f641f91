"""The layout of `processed/` (DESIGN.md §2): the one place that names its folders (inside a bag: `samizdat.bag`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from samizdat.bag import PublishedBag


class ProcessedLayout:
    """Paths under `processed/`, for any class that has a `processed` folder (the settings, the portal)."""

    if TYPE_CHECKING:
        processed: Path

    @property
    def items_dir(self) -> Path:
        """Published bags, one folder per item id."""
        return self.processed / "items"

    def bag(self, item_id: str) -> PublishedBag:
        """The published bag of one item (`items/<id>/`; it may not exist)."""
        return PublishedBag(self.items_dir / item_id)

    @property
    def versions_dir(self) -> Path:
        """Earlier versions of items (issue 17): `versions/<id>/v<N>/`, each a whole bag."""
        return self.processed / "versions"

    def item_versions_dir(self, item_id: str) -> Path:
        """`versions/<id>/`: one item's earlier versions."""
        return self.versions_dir / item_id

    def version_dir(self, item_id: str, version: int) -> Path:
        """`versions/<id>/v<N>/`: the bag of one earlier version."""
        return self.item_versions_dir(item_id) / f"v{version}"

    def bundle_path(self, item_id: str) -> Path:
        """`bundles/<id>.zip`."""
        return self.bundles_dir / f"{item_id}.zip"

    @property
    def bundles_dir(self) -> Path:
        """Each bag zipped, for download."""
        return self.processed / "bundles"

    @property
    def quarantine_dir(self) -> Path:
        """Originals that failed, each with its .error.json."""
        return self.processed / "quarantine"

    @property
    def staging_dir(self) -> Path:
        """Bags are built here, on the same file system, then renamed into `items/`."""
        return self.processed / ".staging"

    @property
    def claims_dir(self) -> Path:
        """One claim file per file being processed, shared by every worker."""
        return self.processed / ".claims"

    @property
    def swaps_dir(self) -> Path:
        """The journal of bags being replaced, and the old bags until the new ones are in place."""
        return self.processed / ".swaps"

    @property
    def tickets_dir(self) -> Path:
        """Opaque references to inbox files, so run parameters never name a restricted file."""
        return self.processed / ".tickets"

    @property
    def catalog_path(self) -> Path:
        """The embedded SQLite search index."""
        return self.processed / "catalog.sqlite"


@dataclass(frozen=True)
class ProcessedFolder(ProcessedLayout):
    """The layout of one `processed/` folder, for code that has a path but no settings."""

    processed: Path
