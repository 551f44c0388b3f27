"""Shared set-up for benchmarks: a fresh, migrated database on the configured server."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fresh_database(name: str, *, keep: bool = False) -> str:
    """Point Django at database `name` on the configured server (embedded or DATABASE_URL), recreate it, migrate.

    With keep=True an existing database is reused (no drop, no migrate).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rcm.settings")
    url = os.environ.get("DATABASE_URL")
    if url:
        parts = urlparse(url)
        os.environ["DATABASE_URL"] = urlunparse(parts._replace(path=f"/{name}"))
    else:
        os.environ["RCM_EMBEDDED_DB"] = name
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if not keep:
        connection.close()
        with connection._nodb_cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{name}"')
        if not url:
            from rcm import embedded_pg

            embedded_pg._known_databases.add(name)
        call_command("migrate", verbosity=0, interactive=False)
    return name


def emit(figures: dict[str, Any]) -> None:
    """The last line of every benchmark: one JSON object of figures."""
    print(json.dumps(figures))


def signed_in_client(user: Any) -> Any:
    """A test client signed in as `user` with both factors passed, as a real sign-in would leave the session."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench authenticator", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
