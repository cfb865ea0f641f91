"""A throwaway PostgreSQL server (Debian's binaries) for the tests and the bench: loopback, temp dir, free port.

PostgreSQL refuses to run as root, so as root every server command runs as the `postgres` user
through `runuser`. Nothing is left behind: `stop()` shuts the server down and removes its folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

DATABASE = "samizdat"
USER = "samizdat"


class PostgresUnavailableError(RuntimeError):
    """The PostgreSQL server programs are not installed (or cannot run here)."""


def find_pg_bin() -> Path | None:
    """The folder holding `initdb` and `pg_ctl`: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(os.path.realpath(on_path)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[4]))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalPostgres:
    """`with LocalPostgres() as url:` gives `postgresql://samizdat@127.0.0.1:PORT/samizdat` until the block ends."""

    def __init__(self, max_connections: int = 30) -> None:
        bin_dir = find_pg_bin()
        if bin_dir is None:
            raise PostgresUnavailableError(
                "PostgreSQL server binaries (initdb, pg_ctl) not found; install Debian's `postgresql` package"
            )
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="samizdat-pg-"))
        self.data_dir = self.root / "data"
        self.port = _free_port()
        self.max_connections = max_connections
        self._as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self.url = f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise PostgresUnavailableError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")

    def start(self) -> str:
        """initdb, start on 127.0.0.1, create the database; return its URL."""
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data_dir), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-locale")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off -c max_connections={self.max_connections}")
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.root / "server.log"), "-o", options, "-w",
                  "-t", "60", "start")
        return self.create_database(DATABASE)

    def create_database(self, name: str) -> str:
        """A new empty database on this server (one per test keeps tests apart); its URL."""
        import psycopg

        if not name.replace("_", "").isalnum():
            raise ValueError(f"database name {name!r}: letters, digits and underscores only")
        with psycopg.connect(f"postgresql://{USER}@127.0.0.1:{self.port}/postgres", autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder."""
        if (self.data_dir / "postmaster.pid").exists():
            with contextlib.suppress(PostgresUnavailableError):  # already gone: nothing left to stop
                self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> str:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
