"""Repeated wrong passwords lock the account (django-axes); admin accounts are separate from practice ones."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from billing.models import Membership
from tests import factories as f
from tests.e2e.auth import PASSWORD

pytestmark = pytest.mark.django_db


def test_five_failures_lock_the_account_with_a_clear_message(world: Any) -> None:
    client = Client()
    for _ in range(4):
        response = client.post("/login/", {"username": world.biller.username, "password": "wrong"})
        assert response.status_code == 200 and b"did not match" in response.content
    locked = client.post("/login/", {"username": world.biller.username, "password": "wrong"})
    assert locked.status_code == 429 and b"Too many failed sign-in attempts" in locked.content
    # now even the right password is refused, from another browser too
    again = Client().post("/login/", {"username": world.biller.username, "password": PASSWORD})
    assert again.status_code == 429
    assert "_auth_user_id" not in Client().session
    # another account is not affected
    other = Client().post("/login/", {"username": world.coder.username, "password": PASSWORD})
    assert other.status_code == 302


def test_the_api_token_endpoint_counts_failures_too(world: Any) -> None:
    client = Client()
    for _ in range(5):
        client.post("/api/v1/auth/token/", {"username": world.biller.username, "password": "wrong"})
    response = client.post("/login/", {"username": world.biller.username, "password": PASSWORD})
    assert response.status_code == 429


def test_lockout_ends_after_the_cool_off(world: Any, settings: Any) -> None:
    import datetime as dt

    from axes.models import AccessAttempt

    for _ in range(5):
        Client().post("/login/", {"username": world.biller.username, "password": "wrong"})
    assert Client().post("/login/", {"username": world.biller.username, "password": PASSWORD}).status_code == 429
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    assert Client().post("/login/", {"username": world.biller.username, "password": PASSWORD}).status_code == 302


def test_a_practice_user_cannot_use_the_admin_site(world: Any, client_for: Any) -> None:
    world.admin.is_staff = True  # even if someone flags a practice admin as staff …
    world.admin.save()
    client = client_for(world.admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # … and that staff flag also takes away the practice role: one account is never both
    assert client.get(f"/patients/{world.patient.pk}/").status_code in (302, 403, 404)


def test_a_platform_admin_has_no_practice_access(world: Any, client_for: Any) -> None:
    sysadmin = f.UserFactory(username="sysadmin", is_staff=True, is_superuser=True)
    Membership.objects.create(user=sysadmin, practice=world.practice, role="admin")  # sneaked in
    client = client_for(sysadmin)
    assert client.get(f"/patients/{world.patient.pk}/").status_code in (403, 404)
    assert client.get("/api/v1/patients/").json()["count"] == 0
    Membership.objects.filter(user=sysadmin).delete()
    assert client.get("/admin/").status_code == 200
