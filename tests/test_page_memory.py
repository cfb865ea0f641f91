"""A huge page is refused from its header, before it is decoded: memory stays bounded (issue 13)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from samizdat.pipeline import Pipeline
from samizdat.settings import Settings

pytestmark = pytest.mark.slow

GIB = 2**30


def _huge_png(path: Path) -> None:
    Image.new("1", (28000, 28000), 1).save(path)  # 784 megapixels, a few hundred KB on disk


_CHILD = """
import sys
from pathlib import Path
from samizdat.pipeline import Pipeline
from samizdat.settings import Settings
settings = Settings(inbox=Path(sys.argv[1]), processed=Path(sys.argv[2]), settle_s=0)
Pipeline(settings).process_file(Path(sys.argv[3]))
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def _process_in_child(settings: Settings, path: Path) -> int:
    """Process `path` in a fresh Python process; return its peak resident memory in bytes.

    Read from the child's own `VmHWM` (its address space's high-water mark since exec): the kernel's `ru_maxrss`
    would also count the pages of the test process it was forked from.
    """
    run = [sys.executable, "-c", _CHILD, str(settings.inbox), str(settings.processed), str(path)]
    result = subprocess.run(run, capture_output=True, text=True, check=True)
    return int(result.stdout.strip().splitlines()[-1]) * 1024


def test_a_784_megapixel_png_is_refused_with_little_memory(settings: Settings) -> None:
    path = settings.inbox / "huge.png"
    _huge_png(path)
    Pipeline(settings).prepare()
    peak = _process_in_child(settings, path)
    assert peak < 1 * GIB, f"peak {peak / GIB:.2f} GiB"
    [report] = settings.quarantine_dir.glob("*.error.json")
    error = json.loads(report.read_text())
    assert "784 megapixels" in error["error"] and "dpi" in error["hint"]
