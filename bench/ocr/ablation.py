"""Which page steps earn their place: CER per file with each step switched off, and with clean-up forced on.

Run: `.venv/bin/python bench/ocr/ablation.py` (writes bench/ocr/ablation.md and ablation.json).
Same material and languages as run.py. A step stays in the pipeline only if it lowers CER where it
runs and never raises it on clean pages; `cleanup=forced` shows what binarising every page would cost.
"""

from __future__ import annotations

import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import Item, corpus_items, degraded_items  # noqa: E402
from scoring import cer  # noqa: E402

from samizdat.kinds.base import ExtractRequest  # noqa: E402
from samizdat.kinds.image import IMAGE  # noqa: E402
from samizdat.kinds.pdf import PDF  # noqa: E402
from samizdat.ocr import preprocess  # noqa: E402
from samizdat.settings import OcrOptions, Settings  # noqa: E402

VARIANTS: dict[str, dict[str, Any]] = {
    "no steps": {"orientation": False, "deskew": False, "cleanup": False},
    "no clean-up": {"cleanup": False},
    "full (as shipped)": {},
    "cleanup forced on every page": {"force_cleanup": True},
}


def _extract(item: Item, options: OcrOptions) -> str:
    kind = PDF if item.path.endswith(".pdf") else IMAGE
    request = ExtractRequest(Path(item.path), "application/pdf" if kind is PDF else "image/png",
                             Settings(ocr=options), languages=[item.lang])
    return kind.extract(request).text


def main() -> None:
    """Run every variant over every file; write the table."""
    with tempfile.TemporaryDirectory(prefix="samizdat-ablation-") as tmp:
        items = corpus_items() + degraded_items(Path(tmp))
        table: dict[str, dict[str, float]] = {}
        original_assess = preprocess.assess
        for name, spec in VARIANTS.items():
            spec = dict(spec)
            forced = spec.pop("force_cleanup", False)
            if forced:
                def always(image: Any) -> preprocess.CleanupPlan:
                    plan = original_assess(image)
                    return preprocess.CleanupPlan(True, "forced", plan.contrast, plan.unevenness, plan.noise)

                preprocess.assess = always  # type: ignore[assignment]
            options = OcrOptions(**spec)
            print(f"variant {name} ...", file=sys.stderr, flush=True)
            with ThreadPoolExecutor(len(items)) as pool:
                texts = list(pool.map(_extract, items, [options] * len(items)))
            preprocess.assess = original_assess  # type: ignore[assignment]
            table[name] = {item.name: cer(item.truth, text) for item, text in zip(items, texts, strict=True)}
    names = list(VARIANTS)
    lines = ["# Page steps, one at a time (CER %)", "",
             "| file | group | " + " | ".join(names) + " |", "|---|---|" + "---:|" * len(names)]
    for item in items:
        lines.append(f"| {item.name} | {item.group} | " +
                     " | ".join(f"{table[n][item.name] * 100:.1f}" for n in names) + " |")
    for group in ("corpus-image", "corpus-pdf", "degraded"):
        members = [i.name for i in items if i.group == group]
        lines.append(f"| **mean {group}** | | " + " | ".join(
            f"**{sum(table[n][m] for m in members) / len(members) * 100:.1f}**" for n in names) + " |")
    (HERE / "ablation.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (HERE / "ablation.json").write_text(json.dumps(table, indent=2), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
