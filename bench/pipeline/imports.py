"""What a worker's item run spends importing before its flow starts (issue 14), by `python -X importtime`.

    PYTHONPATH=$PWD/src:$PWD .venv/bin/python bench/pipeline/imports.py [--repeats 3] [--name imports]

A `prefect worker` starts every item run as `python -m prefect.engine`, which imports Prefect's engine and then
loads the flow from `flows/inbox.py` (all of `flows` and `samizdat` it imports). Each repeat is a fresh
interpreter: first `import prefect.flow_engine` alone, then it and `flows.inbox`; the difference is what
Samizdat's flows add, split by top-level package. Writes <name>.md/.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from statistics import median


def _import_times(code: str) -> dict[str, int]:
    """Microseconds of each module's own import (`self` column), by module name."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True,
                          check=True, env=os.environ)
    times: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        times[name.strip()] = int(own)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--name", default="imports")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args()
    engine_s, flows_s, by_package = [], [], []
    for _ in range(args.repeats):
        engine = _import_times("import prefect.flow_engine")
        both = _import_times("import prefect.flow_engine, flows.inbox")
        added = {name: us for name, us in both.items() if name not in engine}
        packages: Counter[str] = Counter()
        for name, us in added.items():
            packages[name.split(".")[0]] += us
        engine_s.append(sum(engine.values()) / 1e6)
        flows_s.append(sum(added.values()) / 1e6)
        by_package.append(packages)
    top = sorted({p for c in by_package for p in c}, key=lambda p: -median(c.get(p, 0) for c in by_package))[:10]
    adds_by_package = {p: round(median(c.get(p, 0) for c in by_package) / 1e6, 3) for p in top}
    result = {
        "prefect_flow_engine_s": [round(x, 2) for x in engine_s],
        "flows_inbox_adds_s": [round(x, 2) for x in flows_s],
        "flows_inbox_adds_by_package_s": adds_by_package,
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    (args.out / f"{args.name}.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Imports of a worker's item run (bench/pipeline/imports.py)", "",
        f"- `import prefect.flow_engine`: {result['prefect_flow_engine_s']} s",
        f"- `flows.inbox` adds: {result['flows_inbox_adds_s']} s",
        "- of which, by package (median s): "
        + ", ".join(f"{p} {s}" for p, s in adds_by_package.items()),
        f"- load average at the end (1, 5, 15 min): {result['load_average']}",
    ]
    (args.out / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
