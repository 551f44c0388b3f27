"""The embedded PostgreSQL used when no DATABASE_URL is set.

It comes from the `pgserver` wheel, keeps its data in `.pgdata/` inside the project
and is started on the first database connection of any process (app, management
command, test run, worker). `pgserver` holds a file lock while starting, so
concurrent starters share one server; `cleanup_mode=None` keeps it running after
the starting process exits, which is what lets a second start reuse it.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("RCM_PGDATA", BASE_DIR / ".pgdata"))
RUN_DIR = Path(os.environ.get("RCM_PGRUN", BASE_DIR / ".pgrun"))

_lock = threading.Lock()
_server: EmbeddedServer | None = None


@dataclass(frozen=True)
class EmbeddedServer:
    socket_dir: str
    port: int

    def url(self, database: str) -> str:
        """A DATABASE_URL another process can use (the socket folder URL-encoded as host)."""
        return f"postgres://postgres@{quote(self.socket_dir, safe='')}:{self.port}/{database}"


def _repair_handle_file() -> None:
    """A killed process can leave `.handle_pids.json` empty; pgserver then fails to start."""
    handle = DATA_DIR / ".handle_pids.json"
    if handle.exists():
        try:
            json.loads(handle.read_text() or "x")
        except (ValueError, OSError):
            handle.write_text("[]")


def ensure_server(database: str | None = None) -> EmbeddedServer:
    """Start (or attach to) the embedded server and make sure `database` exists."""
    global _server
    with _lock:
        if _server is None:
            RUN_DIR.mkdir(mode=0o700, exist_ok=True)
            os.environ.setdefault("XDG_RUNTIME_DIR", str(RUN_DIR))
            DATA_DIR.mkdir(exist_ok=True)
            _repair_handle_file()
            import pgserver  # imported late: only processes that use the embedded server pay for it

            srv = pgserver.get_server(DATA_DIR, cleanup_mode=None)
            info = srv.get_postmaster_info()
            _server = EmbeddedServer(socket_dir=str(info.socket_dir), port=int(info.port))
        if database:
            _ensure_database(_server, database)
        return _server


_known_databases: set[str] = set()


def _ensure_database(server: EmbeddedServer, name: str) -> None:
    if name in _known_databases or name == "postgres":
        return
    import psycopg2

    conn = psycopg2.connect(host=server.socket_dir, port=server.port, user="postgres", dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is None:
                # Another process may create it between our check and create.
                with contextlib.suppress(psycopg2.errors.DuplicateDatabase):
                    cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    _known_databases.add(name)


def stop_server() -> None:
    """Stop the embedded server (used by `manage.py pgserver stop`)."""
    import subprocess

    import pgserver

    pg_ctl = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl"
    cmd = [str(pg_ctl), "-D", str(DATA_DIR), "stop", "-m", "fast"]
    if os.geteuid() == 0:  # pg_ctl refuses root; pgserver runs postgres as the `pgserver` user
        cmd = ["su", "pgserver", "-s", "/bin/sh", "-c", " ".join(quote_sh(c) for c in cmd)]
    subprocess.run(cmd, check=False)


def quote_sh(value: str) -> str:
    import shlex

    return shlex.quote(value)
