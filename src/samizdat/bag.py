"""The inside of a published bag (DESIGN.md §2): the one place that names its files, and reads them back.

`PayloadNames` names the files under a bag's `data/` (the keys a bag is built from); `PublishedBag` is a bag on
disk: its paths, its record (`metadata.json`), its text per page, its transcript segments, its payload files.
Building, publishing, updating and zipping bags is `samizdat.package`, with the names from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from samizdat.names import safe_name
from samizdat.record import ItemRecord

DATA = "data"
"""The bag's payload folder (BagIt); everything below is relative to it."""


class PayloadNames:
    """Paths of a bag's payload files, relative to `data/` (POSIX, as in the manifests and the zip)."""

    METADATA = "metadata.json"
    TEXT = "text.txt"  # every page's text, pages separated by a form feed; a transcript one segment a line
    SEARCHABLE_PDF = "searchable.pdf"
    TRANSCRIPT_JSON = "transcript.json"
    TRANSCRIPT_VTT = "transcript.vtt"
    TRANSCRIPT_SRT = "transcript.srt"
    TRANSCRIPT_OHMS = "transcript.ohms.xml"
    ORIGINAL_DIR = "original"
    PAGES_DIR = "pages"

    @staticmethod
    def original(filename: str) -> str:
        """`original/<name>`: the dropped file, under its safe name."""
        return f"{PayloadNames.ORIGINAL_DIR}/{safe_name(filename)}"

    @staticmethod
    def sidecar(filename: str) -> str:
        """`original/<name>.yaml`: the archivist's metadata for the dropped file."""
        return f"{PayloadNames.original(filename)}.yaml"

    @staticmethod
    def hocr(page: int) -> str:
        """`pages/0001.hocr`: Tesseract's words and boxes for one page."""
        return f"{PayloadNames.PAGES_DIR}/{page:04d}.hocr"

    @staticmethod
    def alto(page: int) -> str:
        """`pages/0001.alto.xml`."""
        return f"{PayloadNames.PAGES_DIR}/{page:04d}.alto.xml"

    @staticmethod
    def page_image(page: int) -> str:
        """`pages/0001.jpg`: the page for reading (web size)."""
        return f"{PayloadNames.PAGES_DIR}/{page:04d}.jpg"

    @staticmethod
    def thumbnail(page: int) -> str:
        """`pages/0001.thumb.jpg`."""
        return f"{PayloadNames.PAGES_DIR}/{page:04d}.thumb.jpg"


class TranscriptSpeaker(BaseModel):
    """A voice listed in `transcript.json`."""

    model_config = ConfigDict(extra="allow")

    id: str
    name: str = ""


class TranscriptSegment(BaseModel):
    """A timed segment of `transcript.json` (its words, if any, are kept as extra keys)."""

    model_config = ConfigDict(extra="allow")

    start: float
    end: float
    text: str = ""
    speaker: str | None = None


class TranscriptFile(BaseModel):
    """What the portal, the index and re-linking read of `transcript.json` (written by `asr.writers.to_json`)."""

    model_config = ConfigDict(extra="allow")

    segments: list[TranscriptSegment] = Field(default_factory=list)
    speakers: list[TranscriptSpeaker] = Field(default_factory=list)

    def speaker_names(self) -> dict[str, str]:
        """Speaker id to the name shown."""
        return {sp.id: sp.name for sp in self.speakers}


@dataclass(frozen=True)
class PublishedBag:
    """One bag on disk (`items/<id>/`, or a copy being built or replaced)."""

    root: Path

    @property
    def item_id(self) -> str:
        """The bag folder's name: the item id."""
        return self.root.name

    @property
    def data(self) -> Path:
        """The payload folder."""
        return self.root / DATA

    def path(self, relative: str) -> Path:
        """A payload file by its path under `data/` (a `PayloadNames` name)."""
        return self.data / relative

    @property
    def metadata_path(self) -> Path:
        """`data/metadata.json`."""
        return self.path(PayloadNames.METADATA)

    @property
    def text_path(self) -> Path:
        """`data/text.txt`."""
        return self.path(PayloadNames.TEXT)

    @property
    def transcript_path(self) -> Path:
        """`data/transcript.json`."""
        return self.path(PayloadNames.TRANSCRIPT_JSON)

    @property
    def manifest_path(self) -> Path:
        """`manifest-sha256.txt`: the sha256 of every payload file."""
        return self.root / "manifest-sha256.txt"

    @property
    def tagmanifest_path(self) -> Path:
        """`tagmanifest-sha256.txt`: the sha256 of the tag files; which version of the bag this is."""
        return self.root / "tagmanifest-sha256.txt"

    def original_path(self, filename: str) -> Path:
        """`data/original/<safe name>`."""
        return self.path(PayloadNames.original(filename))

    def sidecar_path(self, filename: str) -> Path:
        """`data/original/<safe name>.yaml`."""
        return self.path(PayloadNames.sidecar(filename))

    def hocr_path(self, page: int) -> Path:
        """`data/pages/0001.hocr`."""
        return self.path(PayloadNames.hocr(page))

    def exists(self) -> bool:
        """Whether this is a published item: its `metadata.json` is there."""
        return self.metadata_path.is_file()

    def record(self) -> ItemRecord:
        """The item record; OSError when absent, ValueError (`pydantic.ValidationError`) when unreadable."""
        return ItemRecord.from_json(self.metadata_path.read_bytes())

    def record_or_none(self) -> ItemRecord | None:
        """The item record, or None when the bag has none or it cannot be read."""
        try:
            return self.record()
        except (OSError, ValueError):
            return None

    def has_transcript(self) -> bool:
        """Whether the item is a recording with a timed transcript."""
        return self.transcript_path.exists()

    def transcript(self) -> TranscriptFile:
        """`transcript.json`: segments and speakers."""
        return TranscriptFile.model_validate_json(self.transcript_path.read_bytes())

    def segments(self) -> list[TranscriptSegment]:
        """The transcript's segments, in order."""
        return self.transcript().segments

    def text(self) -> str:
        """`text.txt`: the item's whole text."""
        return self.text_path.read_text(encoding="utf-8")

    def page_texts(self) -> list[str]:
        """A document's text per page (`text.txt` split at form feeds: page N is the N-th part)."""
        return self.text().split("\f")

    def payload_files(self) -> list[tuple[str, int]]:
        """Every payload file as (path under `data/`, bytes), sorted; links are left out."""
        return [(p.relative_to(self.data).as_posix(), p.stat().st_size)
                for p in sorted(self.data.rglob("*")) if p.is_file() and not p.is_symlink()]


def record_file(record: ItemRecord) -> dict[str, bytes]:
    """The payload entry that writes an item record: `{"metadata.json": ...}`."""
    return {PayloadNames.METADATA: record.to_json().encode("utf-8")}

