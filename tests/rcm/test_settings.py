"""Production settings refuse to start without a secret and pass Django's deployment checklist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRONG = "k3y-" + "a1B2c3D4e5F6g7H8i9J0" * 3


def _manage(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "RCM_ENV", "DEBUG", "ALLOWED_HOSTS")}
    env.update(extra)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_secret_key() -> None:
    out = _manage("check", RCM_ENV="production", ALLOWED_HOSTS="rcm.example.org")
    assert out.returncode != 0
    assert "SECRET_KEY must be set" in out.stderr


def test_production_refuses_a_weak_secret_key() -> None:
    out = _manage("check", RCM_ENV="production", SECRET_KEY="short", ALLOWED_HOSTS="rcm.example.org")
    assert out.returncode != 0 and "at least 50 characters" in out.stderr


def test_production_passes_check_deploy_with_no_warnings() -> None:
    out = _manage("check", "--deploy", "--fail-level", "WARNING", RCM_ENV="production", SECRET_KEY=STRONG,
                  ALLOWED_HOSTS="rcm.example.org")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_non_postgres_database_url_is_refused() -> None:
    out = _manage("check", DATABASE_URL="sqlite:///x.db")
    assert out.returncode != 0 and "must be a PostgreSQL URL" in out.stderr


def test_bad_boolean_is_a_clear_error() -> None:
    out = _manage("check", DEBUG="maybe")
    assert out.returncode != 0 and "DEBUG must be true or false" in out.stderr


def test_openapi_schema_is_valid_without_warnings(tmp_path: Path) -> None:
    out = _manage("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert out.returncode == 0, out.stderr[-3000:]
    assert "/api/v1/patients/" in (tmp_path / "schema.yml").read_text()
