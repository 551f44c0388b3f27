"""Start the scaled-out topology's processes for real: gunicorn and a Celery worker (and beat)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def database_url_for_tests() -> str:
    """The URL of the database this test run uses (the test database), for child processes."""
    s = connection.settings_dict
    if s["ENGINE"] == "rcm.db.embedded":
        from rcm.embedded_pg import ensure_server

        return ensure_server().url(s["NAME"])
    auth = quote(s["USER"] or "postgres") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    host = s["HOST"] or "localhost"
    host = quote(host, safe="") if host.startswith("/") else host
    return f"postgres://{auth}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


def child_env(redis_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url_for_tests(), REDIS_URL=redis_url, DJANGO_SETTINGS_MODULE="rcm.settings",
               PYTHONUNBUFFERED="1", **extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def celery_worker(redis_url: str, *, queues: str = "celery", extra_env: dict[str, str] | None = None,
                  ) -> Iterator[subprocess.Popen[str]]:
    cmd = [str(BIN / "celery"), "-A", "rcm", "worker", "--pool", "solo", "-c", "1", "--without-gossip",
           "--without-mingle", "--without-heartbeat", "-Q", queues, "--loglevel", "INFO"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=child_env(redis_url, **(extra_env or {})), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for_line(proc, " ready.", timeout=60)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def gunicorn(redis_url: str) -> Iterator[str]:
    port = free_port()
    cmd = [str(BIN / "gunicorn"), "rcm.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2",
           "--no-control-socket", "--timeout", "60"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=child_env(redis_url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("gunicorn exited:\n" + (proc.stdout.read() if proc.stdout else "")) from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait_for_line(proc: subprocess.Popen[str], marker: str, timeout: float) -> None:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    os.set_blocking(proc.stdout.fileno(), True)
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise RuntimeError("process exited before it was ready:\n" + "".join(seen[-50:]))
            continue
        seen.append(line)
        if marker in line:
            _drain(proc)
            return
    raise TimeoutError(f"no {marker!r} within {timeout}s:\n" + "".join(seen[-50:]))


def _drain(proc: subprocess.Popen[str]) -> None:
    """Keep reading the child's output in the background so a full pipe never blocks it."""
    import threading

    def pump() -> None:
        assert proc.stdout is not None
        for _ in proc.stdout:
            pass

    threading.Thread(target=pump, daemon=True).start()
