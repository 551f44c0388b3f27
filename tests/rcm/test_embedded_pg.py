"""With no DATABASE_URL the app starts its own PostgreSQL (pgserver) on demand, and reuses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, time; t=time.perf_counter(); from django.db import connection; "
    "cur=connection.cursor(); cur.execute('select version(), pg_postmaster_start_time()::text, current_database()'); "
    "v, started, db = cur.fetchone(); print(json.dumps({'version': v, 'started': started, 'db': db, "
    "'seconds': time.perf_counter()-t, 'vendor': connection.vendor}))"
)


def _run(env: dict[str, str], code: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_embedded_default_starts_from_nothing_and_is_reused(tmp_path: Path) -> None:
    data = tmp_path / "pgdata"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(RCM_PGDATA=str(data), RCM_PGRUN=str(tmp_path / "pgrun"), RCM_EMBEDDED_DB="rcm_embedded_test",
               DJANGO_SETTINGS_MODULE="rcm.settings")
    assert not data.exists()
    try:
        first = _run(env, PROBE)
        assert first["vendor"] == "postgresql" and str(first["version"]).startswith("PostgreSQL 16")
        assert first["db"] == "rcm_embedded_test"
        assert (data / "PG_VERSION").exists()
        t = time.perf_counter()
        second = _run(env, PROBE)
        assert second["started"] == first["started"]  # the same server, not a new one
        assert time.perf_counter() - t < 30
        migrated = subprocess.run([sys.executable, "manage.py", "migrate", "--check"], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=120)
        assert migrated.returncode == 1  # unapplied migrations detected: proves the command reached the new database
    finally:
        subprocess.run([sys.executable, "-c", "from rcm.embedded_pg import stop_server; stop_server()"], cwd=ROOT, env=env,
                       capture_output=True, timeout=60)
