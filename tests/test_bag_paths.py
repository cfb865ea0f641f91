"""The files inside a bag are named in one module, `samizdat.bag`; every other module asks it (issue 19)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OWNER = ROOT / "src" / "samizdat" / "bag.py"
# A quoted bag file name, or the payload folder joined onto a path.
BAG_PATH = re.compile(
    r'"(metadata\.json|text\.txt|searchable\.pdf|transcript\.(json|vtt|srt|ohms\.xml)|(tag)?manifest-sha256\.txt)"'
    r'|f?"(pages|original)/|/ "(data|pages|original)"'
)
NOT_A_BAG = {
    ROOT / "src" / "samizdat" / "asr" / "model_store.py": "the package's own data folder",
}


def _spellings() -> list[str]:
    found = []
    for path in sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "flows").rglob("*.py")]):
        if path == OWNER or path in NOT_A_BAG:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BAG_PATH.search(line.split("#", 1)[0]):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_only_the_bag_module_spells_paths_inside_a_bag() -> None:
    assert _spellings() == [], "use samizdat.bag.PayloadNames / PublishedBag"


def test_the_check_finds_a_spelled_path() -> None:
    assert BAG_PATH.search('meta = bag / "data" / "metadata.json"')
    assert BAG_PATH.search('files[f"pages/{n:04d}.hocr"] = hocr')
    assert not BAG_PATH.search("files[PayloadNames.TEXT] = text")
