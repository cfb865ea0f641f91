"""The library never loads the orchestrator: `src/samizdat` runs and tests without Prefect (STYLE.md)."""

from __future__ import annotations

import subprocess
import sys

LIBRARY_MODULES = ("samizdat.pipeline", "samizdat.portal", "samizdat.search", "samizdat.kinds", "samizdat.preflight")


def test_importing_the_library_loads_no_prefect() -> None:
    imports = "; ".join(f"import {module}" for module in LIBRARY_MODULES)
    check = f"import sys; {imports}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'prefect'))"
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
