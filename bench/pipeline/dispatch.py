"""One run per file, measured (issue 14).

The CLI's fixed cost with and without a running server, drop-to-published latency in `samizdat serve`, and item runs
per file when many files land at once.

    .venv/bin/python bench/pipeline/dispatch.py [--files 10] [--drops 5] [--out bench/pipeline]
    .venv/bin/python bench/pipeline/dispatch.py --drops-only --name drops-after   # drop-to-published only

Starts a real `samizdat serve` (its own Prefect server, on SQLite) in a temp folder. Writes <name>.md/.json
(default dispatch). Each drop's time is split by its item run's timestamps on the server: created (settle and the
watcher), pending (the runner took it), running (its process began the flow), each stage task's start and end, and
ended. Also kept: the 1-minute load average at each drop, and how many requests the server answered 503 "database
is locked" (each costs a client 2 s, then 4 s). `--pause` waits between a drop's publication and the next drop;
`--serve-log` keeps the output of `samizdat serve` (the watcher logs each hand-off there).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import datetime
from pathlib import Path
from statistics import median
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: tests.support

from PIL import Image, ImageDraw, ImageFont

from tests.support.served import post, wait_for

BIN = Path(sys.executable).parent
SETTLE_S = 2


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _letter(path: Path, words: str) -> None:
    image = Image.new("L", (1400, 300), 255)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 48)
    ImageDraw.Draw(image).text((40, 120), words, font=font, fill=0)
    partial = path.with_name(f".{path.name}.part")
    image.save(partial, format="PNG", dpi=(300, 300))
    os.replace(partial, path)


def _cli_empty_pass(env: dict[str, str], inbox: Path) -> float:
    began = time.perf_counter()
    done = subprocess.run([str(BIN / "samizdat"), "process", "--inbox", str(inbox)], env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise RuntimeError(f"samizdat process failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--drops", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--name", default="dispatch", help="results file name, without .md/.json")
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between one drop's publication and the next")
    parser.add_argument("--serve-log", type=Path, help="write the output of `samizdat serve` here")
    parser.add_argument("--drops-only", action="store_true", help="only drop-to-published (no CLI, no batch)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="samizdat-dispatch-"))
    inbox, processed, empty = root / "inbox", root / "processed", root / "empty"
    for folder in (inbox, empty):
        folder.mkdir()
    port = _port()
    env = {**os.environ, "SAMIZDAT_INBOX": str(inbox), "SAMIZDAT_PROCESSED": str(processed),
           "SAMIZDAT_SETTLE_S": str(SETTLE_S), "SAMIZDAT_SERVE_INTERVAL_S": "3600", "SAMIZDAT_PREFECT_PORT": str(port),
           "PREFECT_HOME": str(root / "prefect-home"), "PREFECT_API_LOG_RETRYABLE_ERRORS": "true"}
    env.pop("PREFECT_API_URL", None)
    results: dict[str, Any] = {"settle_s": SETTLE_S}
    if not args.drops_only:
        results["cli_private_server_s"] = [
            round(_cli_empty_pass({**env, "SAMIZDAT_PREFECT_PORT": str(_port())}, empty), 2) for _ in range(2)]
    serve_log = root / "serve.log"
    with serve_log.open("wb") as log:
        serve = subprocess.Popen([str(BIN / "samizdat"), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    try:
        wait_for(lambda: urllib.request.urlopen(f"{api}/health", timeout=2).status == 200, 180, "the server", 0.1)
        wait_for(lambda: len(post(f"{api}/deployments/filter", {}, 30)) >= 2, 120, "the deployments", 0.1)
        time.sleep(3)
        if not args.drops_only:
            results["cli_running_server_s"] = [round(_cli_empty_pass(env, empty), 2) for _ in range(3)]
        latencies, drops, loads = [], [], []
        for n in range(args.drops):
            _letter(inbox / f"drop-{n}.png", f"Dropped letter number {n}")
            dropped, dropped_at = time.perf_counter(), time.time()
            wait_for(lambda n=n: not (inbox / f"drop-{n}.png").exists(), 300, "the drop taken", 0.1)
            latencies.append(round(time.perf_counter() - dropped, 2))
            drops.append((f"drop-{n}.png", dropped_at))
            loads.append(round(os.getloadavg()[0], 1))
            time.sleep(args.pause)
        time.sleep(3)  # the server records task runs' ends a moment after they happen
        results["drop_to_published_s"] = latencies
        results["drop_phases_s"] = [_phases(api, name, dropped_at) for name, dropped_at in drops]
        results["load_1min_at_each_drop"] = loads
        if not args.drops_only:
            names = [f"batch-{n:02d}.png" for n in range(args.files)]
            began = time.perf_counter()
            for n, name in enumerate(names):
                _letter(inbox / name, f"Batch letter {n} from Kiev")
            wait_for(lambda: not any((inbox / name).exists() for name in names), 1200, "the batch taken", 0.1)
            results["batch_files"] = args.files
            results["batch_wall_s"] = round(time.perf_counter() - began, 1)
            time.sleep(5)
            runs = post(f"{api}/flow_runs/filter", {"flow_runs": {"name": {"any_": names}}, "limit": 200}, 30)
            per_file = Counter(r["name"] for r in runs)
            results["runs_per_file"] = sorted(set(per_file.values()))
            results["states"] = dict(Counter(r["state"]["type"] for r in runs))
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
        # Requests the server answered 503 "database is locked" (PREFECT_API_LOG_RETRYABLE_ERRORS): each cost its
        # client a back-off of 2 s, then 4 s.
        results["server_503s"] = serve_log.read_text(errors="replace").count("Encountered retryable exception")
        if args.serve_log:
            shutil.copyfile(serve_log, args.serve_log)
        shutil.rmtree(root, ignore_errors=True)
    _write(args, results)


def _phases(api: str, name: str, dropped_at: float) -> dict[str, float]:
    """Seconds from the drop to each step of its item run, from the server's timestamps.

    created (settle and the watcher's dispatch), pending (the runner took it), running (its process started and
    the flow began), each stage task's start and end (`detect.start`, `extract.end`, ...), ended (the run's end).
    """
    def final_run() -> Any:
        runs = post(f"{api}/flow_runs/filter", {"flow_runs": {"name": {"any_": [name]}}, "limit": 5}, 30)
        run = max(runs, key=lambda r: r["created"])
        return run if run["end_time"] else None  # the file leaves the inbox a moment before its run ends

    run = wait_for(final_run, 60, "the run ended", 0.1)
    stamps = {"created": run["created"]}
    with urllib.request.urlopen(f"{api}/flow_run_states/?flow_run_id={run['id']}", timeout=30) as response:
        for state in json.loads(response.read()):
            stamps.setdefault(state["type"].lower(), state["timestamp"])
    tasks = post(f"{api}/task_runs/filter", {"task_runs": {"flow_run_id": {"any_": [run["id"]]}}, "limit": 50}, 30)
    for task in sorted(tasks, key=lambda t: t["start_time"] or ""):
        stage = task["name"].rsplit("-", 1)[0]
        if task["start_time"]:
            stamps[f"{stage}.start"] = task["start_time"]
        if task["end_time"]:
            stamps[f"{stage}.end"] = task["end_time"]
    stamps["ended"] = run["end_time"]
    return {phase: round(datetime.fromisoformat(stamp).timestamp() - dropped_at, 2)
            for phase, stamp in stamps.items() if stamp}


def _write(args: argparse.Namespace, results: dict[str, Any]) -> None:
    results["load_average"] = os.getloadavg()
    (args.out / f"{args.name}.json").write_text(json.dumps(results, indent=2) + "\n")
    latencies = results["drop_to_published_s"]
    lines = [f"# One run per file (bench/pipeline/dispatch.py{' --drops-only' if args.drops_only else ''})", ""]
    if "cli_private_server_s" in results:
        lines += [
            f"- `samizdat process` on an empty inbox, private temporary server: {results['cli_private_server_s']} s",
            f"- the same against a running `samizdat serve`: {results['cli_running_server_s']} s",
        ]
    lines += [
        f"- drop to published in `serve` (settle {SETTLE_S} s, one-page letter): {latencies} s, "
        f"median {median(latencies):.1f} s = settle + {median(latencies) - SETTLE_S:.1f} s",
        "- seconds after the drop that its item run was created / started / ended: "
        + "; ".join(f"{p.get('created')} / {p.get('started')} / {p.get('ended')}" for p in results["drop_phases_s"]),
    ]
    if "batch_files" in results:
        lines.append(f"- {args.files} letters dropped at once: all published in {results['batch_wall_s']} s; item "
                     f"runs per file: {results['runs_per_file']}; run states {results['states']}")
    lines.append(f"- requests the server answered 503 (SQLite locked): {results.get('server_503s')}")
    lines.append(f"- load average at the end (1, 5, 15 min): {[round(x, 1) for x in results['load_average']]}")
    (args.out / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
