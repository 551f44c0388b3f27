"""Fixtures shared by every test: an owner / colleague / outsider world, Redis, and the browser.

Tests run on PostgreSQL only: the embedded server from `pgserver` when DATABASE_URL
is unset (started on demand), or the server DATABASE_URL names (CI).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class World:
    """Practice A with one user per role, and practice B with an outsider."""

    practice: Any
    other_practice: Any
    coder: Any
    biller: Any
    manager: Any
    admin: Any
    outsider: Any  # admin of practice B only
    patient: Any
    encounter: Any
    other_patient: Any
    other_encounter: Any


@pytest.fixture
def world(db: Any) -> World:
    a = f.PracticeFactory(name="Practice A")
    b = f.PracticeFactory(name="Practice B")
    users = {}
    for role in ("coder", "biller", "manager", "admin"):
        users[role] = f.UserFactory(username=f"a_{role}")
        f.MembershipFactory(user=users[role], practice=a, role=role)
    outsider = f.UserFactory(username="b_admin")
    f.MembershipFactory(user=outsider, practice=b, role="admin")
    patient = f.PatientFactory(practice=a)
    f.CoverageFactory(patient=patient)
    encounter = f.EncounterFactory(patient=patient)
    f.ChartNoteFactory(encounter=encounter)
    other_patient = f.PatientFactory(practice=b)
    f.CoverageFactory(patient=other_patient)
    other_encounter = f.EncounterFactory(patient=other_patient)
    f.ChartNoteFactory(encounter=other_encounter)
    return World(a, b, users["coder"], users["biller"], users["manager"], users["admin"], outsider, patient, encounter,
                 other_patient, other_encounter)


@pytest.fixture(autouse=True)
def _force_login_is_fully_signed_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """`client.force_login(user)` stands for a finished sign-in: password and second factor.

    Like force_login skipping the password form, this skips the code form (tests/rcm/test_mfa.py drives the
    real two steps); the session carries a device of the user's, so django-otp verifies it on every request."""
    from django.test.client import ClientMixin
    from django_otp import DEVICE_ID_SESSION_KEY

    original = ClientMixin.force_login

    def force_login(self: Any, user: Any, backend: str | None = None) -> None:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        original(self, user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="test authenticator", key=f.TEST_TOTP_KEY, confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login)


@pytest.fixture
def client_for(client: Any) -> Any:
    """Return a logged-in Django test client for a user."""

    def login(user: Any) -> Any:
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_for() -> Any:
    from rest_framework.test import APIClient

    def make(user: Any) -> Any:
        """Signed in with a real token (the path clients take, including the row-level-security scope)."""
        from rest_framework.authtoken.models import Token

        token, _ = Token.objects.get_or_create(user=user)
        return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")

    return make


# --- Celery ------------------------------------------------------------------------------------
@pytest.fixture(autouse=True, scope="session")
def _tasks_run_in_process() -> Iterator[None]:
    """Enqueued tasks run in the test process even when REDIS_URL is set (CI): each test's data sits in a
    transaction no outside worker can see. Tests of real workers start their own processes with their own
    settings (tests/integration/stack.py), so they still exercise the broker."""
    from rcm.celery import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


# --- Redis -------------------------------------------------------------------------------------
def _redis_ping(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A reachable Redis: REDIS_URL, else a private redis-server, else localhost:6379; skip if none."""
    url = os.environ.get("REDIS_URL")
    if url:
        if not _redis_ping(url):
            pytest.fail(f"REDIS_URL={url} is set but Redis does not answer")
        yield url
        return
    binary = shutil.which("redis-server")
    if binary:
        port = _free_port()
        folder = tmp_path_factory.mktemp("redis")
        proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                                 "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"redis://127.0.0.1:{port}/0"
        for _ in range(100):
            if _redis_ping(url):
                break
            time.sleep(0.05)
        try:
            yield url
        finally:
            proc.terminate()
            proc.wait(10)
        return
    if _redis_ping("redis://127.0.0.1:6379/15"):
        yield "redis://127.0.0.1:6379/15"
        return
    pytest.skip("Redis is absent: no REDIS_URL, no redis-server binary, nothing on 127.0.0.1:6379")


# --- Browser -----------------------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or (("/usr/bin/chromium") if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]}


def _is_browser_test(item: Any) -> bool:
    return "tests/e2e/" in str(item.fspath).replace(os.sep, "/")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Mark browser tests and run them last: Playwright's session-wide event loop stays in the main thread
    once started, and Django refuses synchronous database calls while a loop is running."""
    browser = [item for item in items if _is_browser_test(item)]
    for item in browser:
        item.add_marker(pytest.mark.browser)
    items[:] = [item for item in items if not _is_browser_test(item)] + browser


# Playwright's sync API runs an event loop in the test thread, so Django's async guard must be relaxed for
# browser tests — from before their fixtures are set up until after they are torn down, and for them only
# (the flag must not leak into other tests or the subprocesses they start).
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: Any) -> None:
    if _is_browser_test(item):
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: Any, nextitem: Any) -> Iterator[None]:
    yield
    if _is_browser_test(item):
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
