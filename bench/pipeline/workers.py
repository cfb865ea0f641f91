"""An inbox of one-page letters on K workers of a PostgreSQL-backed Prefect server, against plain Tesseract (issue 14).

    .venv/bin/python bench/pipeline/workers.py --workers 4 --files 40 --name server-4-workers
    .venv/bin/python bench/pipeline/workers.py --workers 1 --files 200 --name inbox-1-worker

What runs: a throwaway PostgreSQL (tests/support/postgres.py), `prefect server start` on it with the database pool
the README gives (`--pool-size`/`--max-overflow`), `samizdat deploy --pool`, K `prefect worker start --limit L`
processes on this machine, the letters moved into the inbox at once. Measured until every file is published:
wall time, pages/min, item runs per file and their states (Prefect API), the server's database connections (sampled
from `pg_stat_activity` every 0.5 s), errors the server and workers logged (HTTP 5xx, pool exhausted, crashes).
Before that, in the same run, plain Tesseract reads the same pages: `tesseract PAGE stdout -l eng+rus`, one process
per core, `OMP_THREAD_LIMIT=1` (the fastest setting on this machine, NOTES.md). Writes <name>.md/.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository: tests.support

from samizdat.settings import cores
from tests.support.letters import write_letter
from tests.support.postgres import LocalPostgres
from tests.support.served import post, wait_for

BIN = Path(sys.executable).parent
LANGS = "eng+rus"  # Settings.ocr.langs' default: what the pipeline reads a letter with
# Lines in the server's and workers' logs that mean the server failed a request or a run was lost.
ERROR_PATTERNS = {
    "http_5xx": re.compile(r"\b50[0-4]\b.*(Server Error|Service Unavailable|Gateway)|Server error '5\d\d"),
    "pool_exhausted": re.compile(r"QueuePool limit"),
    "crashed": re.compile(r"Crash|crashed", re.IGNORECASE),
    "traceback": re.compile(r"^Traceback"),
}


@dataclass
class Result:
    """What one bench run measured."""

    workers: int
    worker_limit: int
    files: int
    pool_size: int
    max_overflow: int
    tesseract_s: float = 0.0
    tesseract_pages_per_min: float = 0.0
    pipeline_wall_s: float = 0.0
    pipeline_pages_per_min: float = 0.0
    published: int = 0
    runs_per_file: dict[str, int] = field(default_factory=dict)
    run_states: dict[str, int] = field(default_factory=dict)
    db_connections_max: int = 0
    db_active_max: int = 0
    log_errors: dict[str, int] = field(default_factory=dict)
    error_lines: list[str] = field(default_factory=list)
    not_completed: list[str] = field(default_factory=list)
    load_average: list[float] = field(default_factory=list)
    note: str = ""


def _tesseract(pages: list[Path], out: Path) -> float:
    """Seconds for plain Tesseract to read every page, one single-threaded process per core."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def read(page: Path) -> None:
        subprocess.run(["tesseract", str(page), str(out / page.stem), "-l", LANGS], env=env, check=True,
                       capture_output=True, timeout=300)

    began = time.perf_counter()
    with ThreadPoolExecutor(cores()) as pool:
        list(pool.map(read, pages))
    return time.perf_counter() - began


class ConnectionSampler(threading.Thread):
    """The most connections (and active ones) the Prefect server held on its database, sampled every 0.5 s."""

    def __init__(self, url: str, database: str) -> None:
        super().__init__(daemon=True)
        self.url, self.database = url, database
        self.most = self.most_active = 0
        self.done = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            while not self.done.wait(0.5):
                rows = db.execute("SELECT state, count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> "
                                  "pg_backend_pid() GROUP BY state", (self.database,)).fetchall()
                counts = {state: n for state, n in rows}
                self.most = max(self.most, sum(counts.values()))
                self.most_active = max(self.most_active, counts.get("active", 0))


def _runs_by_name(api: str, names: list[str]) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    for start in range(0, len(names), 50):
        batch = names[start:start + 50]
        runs += post(f"{api}/flow_runs/filter", {"flow_runs": {"name": {"any_": batch}}, "limit": 200}, 60)
    return runs


def _log_errors(logs: Path) -> tuple[dict[str, int], list[str]]:
    """Lines of each kind per log, and the last line of each traceback (what went wrong)."""
    counts: Counter[str] = Counter()
    last_lines: list[str] = []
    for log in logs.glob("*.log"):
        lines = log.read_text(errors="replace").splitlines()
        for n, line in enumerate(lines):
            for kind, pattern in ERROR_PATTERNS.items():
                if pattern.search(line):
                    counts[f"{log.stem}:{kind}"] += 1
            if line.startswith("Traceback"):
                end = next((m for m in range(n + 1, len(lines)) if not lines[m].startswith((" ", "Traceback"))), n)
                last_lines.append(f"{log.stem}: {lines[end][:300]}")
    return dict(sorted(counts.items())), last_lines[:20]


def measure(args: argparse.Namespace, root: Path) -> Result:
    result = Result(args.workers, args.limit, args.files, args.pool_size, args.max_overflow)
    staged, inbox, processed, logs = root / "staged", root / "inbox", root / "processed", root / "logs"
    for folder in (staged, inbox, logs, root / "tesseract"):
        folder.mkdir()
    names = [f"letter-{n:03d}.png" for n in range(args.files)]
    for n, name in enumerate(names):
        write_letter(staged / name, f"Letter {n} from Leningrad, 1952")
    result.tesseract_s = round(_tesseract(sorted(staged.iterdir()), root / "tesseract"), 1)
    result.tesseract_pages_per_min = round(args.files / result.tesseract_s * 60, 1)
    print(f"plain Tesseract: {args.files} pages in {result.tesseract_s} s", flush=True)

    postgres = LocalPostgres(max_connections=300)
    postgres.start()
    started: list[subprocess.Popen[bytes]] = []
    try:
        database = postgres.create_database("prefect")
        port = int(args.port)
        api = f"http://127.0.0.1:{port}/api"
        env = {**os.environ, "PREFECT_HOME": str(root / "prefect-home"), "PREFECT_API_URL": api,
               "PREFECT_API_DATABASE_CONNECTION_URL": database.replace("postgresql://", "postgresql+asyncpg://"),
               "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_WORKER_QUERY_SECONDS": "2",
               "PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE": str(args.pool_size),
               "PREFECT_SERVER_DATABASE_SQLALCHEMY_MAX_OVERFLOW": str(args.max_overflow),
               "PREFECT_LOGGING_LEVEL": "INFO", "SAMIZDAT_INBOX": str(inbox), "SAMIZDAT_PROCESSED": str(processed),
               "SAMIZDAT_SERVE_INTERVAL_S": "10", "SAMIZDAT_SETTLE_S": "1"}

        def start(name: str, *command: str) -> None:
            with (logs / f"{name}.log").open("wb") as log:
                started.append(subprocess.Popen(list(command), env=env, stdout=log, stderr=subprocess.STDOUT,
                                                start_new_session=True))

        start("server", str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port))
        wait_for(lambda: urllib.request.urlopen(f"{api}/health", timeout=2).status == 200, 300, "the server", 0.5)
        deployed = subprocess.run([str(BIN / "samizdat"), "deploy", "--pool", "bench"], env=env, timeout=300,
                                  capture_output=True, text=True)
        if deployed.returncode != 0:
            raise RuntimeError(f"samizdat deploy failed:\n{deployed.stdout[-2000:]}\n{deployed.stderr[-2000:]}")
        sampler = ConnectionSampler(postgres.url.rsplit("/", 1)[0] + "/postgres", "prefect")
        sampler.start()
        for k in range(args.workers):
            start(f"worker-{k + 1}", str(BIN / "prefect"), "worker", "start", "--pool", "bench", "--type", "process",
                  "--limit", str(args.limit), "--name", f"worker-{k + 1}")
        began = time.perf_counter()
        for name in names:
            os.replace(staged / name, inbox / name)
        items = processed / "items"
        try:
            wait_for(lambda: items.exists() and len(list(items.iterdir())) >= args.files, args.timeout,
                     "all published", 0.5)
        except TimeoutError:
            result.note = f"stopped after {args.timeout} s"
        result.pipeline_wall_s = round(time.perf_counter() - began, 1)
        result.published = len(list(items.iterdir())) if items.exists() else 0
        result.pipeline_pages_per_min = round(result.published / result.pipeline_wall_s * 60, 1)
        time.sleep(3)
        sampler.done.set()
        sampler.join(timeout=5)
        result.db_connections_max, result.db_active_max = sampler.most, sampler.most_active
        runs = _runs_by_name(api, names)
        per_file = Counter(Counter(r["name"] for r in runs).values())
        result.runs_per_file = {str(runs_of_a_file): files for runs_of_a_file, files in sorted(per_file.items())}
        result.run_states = dict(Counter(r["state"]["type"] for r in runs))
        result.not_completed = [f"{r['name']}: {r['state']['type']}: {r['state'].get('message') or ''}"[:300]
                                for r in runs if r["state"]["type"] != "COMPLETED"]
        result.load_average = [round(x, 1) for x in os.getloadavg()]
    finally:
        for process in reversed(started):
            subprocess.run(["pkill", "-TERM", "-s", str(process.pid)], check=False)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                subprocess.run(["pkill", "-KILL", "-s", str(process.pid)], check=False)
        result.log_errors, result.error_lines = _log_errors(logs)
        postgres.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--limit", type=int, default=cores() + 1, help="item runs at once per worker (README)")
    parser.add_argument("--files", type=int, default=40)
    parser.add_argument("--pool-size", type=int, default=20)
    parser.add_argument("--max-overflow", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=1500.0, help="stop waiting after this many seconds")
    parser.add_argument("--port", default="4391")
    parser.add_argument("--name", default="workers")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (logs, inbox, processed)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="samizdat-workers-"))
    try:
        result = measure(args, root)
    finally:
        if args.keep:
            print(f"kept {root}", flush=True)
        else:
            shutil.rmtree(root, ignore_errors=True)
    (args.out / f"{args.name}.json").write_text(json.dumps(asdict(result), indent=2) + "\n")
    lines = [
        f"# {args.files} one-page letters on {args.workers} worker(s) (bench/pipeline/workers.py)", "",
        f"- plain Tesseract ({LANGS}, one process per core, {cores()} cores): {result.tesseract_s} s = "
        f"**{result.tesseract_pages_per_min} pages/min**",
        f"- pipeline, {args.workers} `prefect worker` × `--limit {args.limit}`, server pool {args.pool_size} + "
        f"{args.max_overflow}: {result.published}/{args.files} published in {result.pipeline_wall_s} s = "
        f"**{result.pipeline_pages_per_min} pages/min** {result.note}",
        f"- item runs per file (runs: files): {result.runs_per_file}; run states: {result.run_states}",
        f"- the server's database connections: at most {result.db_connections_max} open, "
        f"{result.db_active_max} active at once",
        f"- errors in the logs (log:kind: lines): {result.log_errors or 'none'}",
        *(f"  - {line}" for line in result.error_lines),
        f"- runs not COMPLETED (name: state: message): {result.not_completed or 'none'}",
        f"- load average at the end (1, 5, 15 min): {result.load_average}",
    ]
    (args.out / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
