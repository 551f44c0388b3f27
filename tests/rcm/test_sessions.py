"""Sessions: a new key at sign-in, idle and absolute logoff, disabled users cut off at once."""

from __future__ import annotations

from typing import Any

import pytest

from rcm import middleware
from tests.e2e.auth import PASSWORD

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(middleware.time, "time", c)
    return c


def _sign_in(client: Any, user: Any) -> None:
    client.force_login(user)
    assert client.get("/").status_code in (200, 302)


def test_sign_in_gives_a_new_session_key(client: Any, world: Any) -> None:
    # given an anonymous session that already has a key (e.g. planted by an attacker)
    session = client.session
    session["planted"] = "x"
    session.save()
    before = session.session_key
    # when the user signs in with the password form
    response = client.post("/login/", {"username": world.biller.username, "password": PASSWORD})
    # then the session key changed (Django's login() cycles it) and the old key is gone
    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after and after != before
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=before).exists()


def test_idle_session_is_signed_out_after_15_minutes(client: Any, world: Any, clock: Clock) -> None:
    _sign_in(client, world.biller)
    clock.now += 14 * 60
    assert client.get("/patients/").status_code == 200  # activity within the limit keeps it alive
    clock.now += 14 * 60
    assert client.get("/patients/").status_code == 200
    clock.now += 15 * 60 + 1
    response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_idle_timeout_is_configurable(client: Any, world: Any, clock: Clock, settings: Any) -> None:
    settings.RCM_SESSION_IDLE_SECONDS = 60
    _sign_in(client, world.biller)
    clock.now += 61
    assert client.get("/patients/").status_code == 302


def test_idle_minutes_come_from_the_environment() -> None:
    import subprocess
    import sys

    from tests.rcm.test_settings import ROOT

    out = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                          "from django.conf import settings; print(settings.RCM_SESSION_IDLE_SECONDS)"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "RCM_SESSION_IDLE_MINUTES": "5"})
    assert out.stdout.strip().splitlines()[-1] == "300", out.stderr[-2000:]


def test_absolute_limit_signs_out_an_active_session(client: Any, world: Any, clock: Clock) -> None:
    _sign_in(client, world.biller)
    for _ in range(12 * 6):  # a request every 10 minutes for 12 hours: never idle
        clock.now += 600
        if client.get("/patients/").status_code != 200:
            break
    # 72 steps of 10 minutes is exactly 12 h; the next request is past the absolute limit
    clock.now += 600
    response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_disabled_user_is_cut_off_on_the_next_request(client: Any, world: Any, api_for: Any) -> None:
    _sign_in(client, world.biller)
    assert client.get("/patients/").status_code == 200
    world.biller.is_active = False
    world.biller.save(update_fields=["is_active"])
    response = client.get("/patients/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/api/v1/patients/").status_code in (401, 403)


def test_disabled_user_token_is_refused(world: Any) -> None:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token = Token.objects.create(user=world.biller)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/patients/").status_code == 200
    world.biller.is_active = False
    world.biller.save(update_fields=["is_active"])
    response = api.get("/api/v1/patients/")
    assert response.status_code in (401, 403) and "inactive" in response.json()["detail"].lower()
