"""An item's next version while a review builds it: its record and the bag files to write or leave out."""

from __future__ import annotations

from dataclasses import dataclass, field

from samizdat.bag import DATA, PayloadNames, PublishedBag
from samizdat.record import ItemRecord


@dataclass
class Draft:
    """The changes to one published bag, applied together by one republish (`package.update_bag`)."""

    bag: PublishedBag
    metadata: ItemRecord
    files: dict[str, bytes] = field(default_factory=dict)  # relative to data/: new content
    removed: set[str] = field(default_factory=set)  # relative to data/: left out of the new version
    text_changed: bool = False  # entities and article links must be found again

    @classmethod
    def of(cls, bag: PublishedBag, record: ItemRecord) -> Draft:
        """A draft starting from the published record (a deep copy: the published one stays as it was)."""
        return cls(bag, record.copy_deep())

    def write(self, relative: str, content: bytes) -> None:
        """Put a file into the next version."""
        self.removed.discard(relative)
        self.files[relative] = content

    def drop(self, relative: str) -> None:
        """Leave a file out of the next version (when the bag has it)."""
        self.files.pop(relative, None)
        if self.bag.path(relative).is_file():
            self.removed.add(relative)

    def current(self, relative: str) -> bytes | None:
        """A file as the next version will have it: written by this draft, else as published, else None."""
        if relative in self.files:
            return self.files[relative]
        if relative in self.removed:
            return None
        path = self.bag.path(relative)
        return path.read_bytes() if path.is_file() else None

    @property
    def changed(self) -> list[str]:
        """Every bag path this draft changes (`data/...`), metadata.json included."""
        return sorted(f"{DATA}/{p}" for p in {PayloadNames.METADATA, *self.files, *self.removed})
