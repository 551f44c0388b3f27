"""Two-step sign-in (TOTP through django-otp) for every user; nothing is reachable with the password alone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories as f
from tests.e2e.auth import PASSWORD, totp_code

pytestmark = pytest.mark.django_db


def _password_step(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post("/login/", {"username": username, "password": password, "next": "/patients/"})


def test_password_alone_reaches_only_the_second_step(world: Any) -> None:
    client = Client()
    response = _password_step(client, world.biller.username)
    assert response.status_code == 302
    for url in ("/patients/", f"/patients/{world.patient.pk}/", "/claims/queue/", "/"):
        page = client.get(url)
        assert page.status_code == 302 and page["Location"].startswith("/mfa/verify/"), url
    api = client.get("/api/v1/patients/")
    assert api.status_code == 403 and "Second factor" in api.json()["detail"]


def test_the_code_completes_sign_in_with_a_new_session_key(world: Any) -> None:
    client = Client()
    _password_step(client, world.biller.username)
    key_after_password = client.cookies["sessionid"].value
    response = client.post("/mfa/verify/", {"token": totp_code(world.biller.username), "next": "/patients/"})
    assert response.status_code == 302 and response["Location"] == "/patients/"
    assert client.cookies["sessionid"].value != key_after_password
    assert client.get("/patients/").status_code == 200
    assert client.get("/api/v1/patients/").status_code == 200


def test_a_wrong_or_replayed_code_is_refused(world: Any) -> None:
    client = Client()
    _password_step(client, world.biller.username)
    code = totp_code(world.biller.username)
    assert client.post("/mfa/verify/", {"token": code}).status_code == 302
    # the same code in another session (e.g. shoulder-surfed) is refused: django-otp remembers the step
    other = Client()
    _password_step(other, world.biller.username)
    assert other.post("/mfa/verify/", {"token": code}).status_code == 400
    assert other.get("/patients/").status_code == 302


def test_wrong_codes_are_refused_and_throttled(world: Any) -> None:
    client = Client()
    _password_step(client, world.biller.username)
    assert client.post("/mfa/verify/", {"token": "000000"}).status_code == 400
    # right after a failure even the right code waits (django-otp's exponential throttle against guessing)
    assert client.post("/mfa/verify/", {"token": totp_code(world.biller.username)}).status_code == 400
    assert client.get("/patients/").status_code == 302


def test_a_user_without_a_device_must_enrol_first(world: Any) -> None:
    user = f.UserFactory(username="newcomer", totp=False)
    f.MembershipFactory(user=user, practice=world.practice, role="biller")
    client = Client()
    _password_step(client, "newcomer")
    page = client.get("/patients/")
    assert page["Location"].startswith("/mfa/setup/")
    setup = client.get(page["Location"])
    assert setup.status_code == 200 and b"<svg" in setup.content
    secret = re.search(rb'class="totp-secret">([A-Z2-7]+)<', setup.content).group(1).decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    code = f"{TOTP(device.bin_key).token():06d}"
    response = client.post("/mfa/setup/", {"token": code, "next": "/patients/"})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get("/patients/").status_code == 200


def test_a_stolen_password_cannot_enrol_a_new_device(world: Any) -> None:
    client = Client()
    _password_step(client, world.biller.username)
    response = client.get("/mfa/setup/")
    assert response.status_code == 302 and response["Location"].startswith("/mfa/verify/")
    assert client.post("/mfa/setup/", {"token": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=world.biller, confirmed=False).count() == 0


def test_a_password_reset_does_not_skip_the_code(world: Any) -> None:
    """Whoever resets the password (an administrator, or a reset link), signing in still asks for the code:
    there is no sign-in path that ends in a session without a verified device."""
    world.biller.set_password("a-brand-new-pass-2026")
    world.biller.save()
    client = Client()
    _password_step(client, world.biller.username, "a-brand-new-pass-2026")
    assert client.get("/patients/")["Location"].startswith("/mfa/verify/")
    from django.contrib.auth import views as auth_views

    assert auth_views.PasswordResetConfirmView.post_reset_login is False  # a reset never signs anyone in


def test_the_admin_site_login_also_needs_the_code() -> None:
    admin = f.UserFactory(username="platform", is_staff=True, is_superuser=True)
    client = Client()
    client.post("/admin/login/", {"username": admin.username, "password": PASSWORD, "next": "/admin/"})
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/mfa/verify/")
    client.post("/mfa/verify/", {"token": totp_code(admin.username)})
    assert client.get("/admin/").status_code == 200


def test_api_token_needs_the_code_too(world: Any) -> None:
    client = Client()
    no_code = client.post("/api/v1/auth/token/", {"username": world.biller.username, "password": PASSWORD})
    assert no_code.status_code == 400 and "otp" in no_code.json()["detail"]
    ok = client.post("/api/v1/auth/token/", {"username": world.biller.username, "password": PASSWORD,
                                             "otp": totp_code(world.biller.username)})
    assert ok.status_code == 200
    token = ok.json()["token"]
    assert Client().get("/api/v1/patients/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def test_demo_logins_have_the_printed_key(db: Any) -> None:
    import base64

    from billing.demo import DEMO_TOTP_SECRET, demo_users

    users = demo_users()
    for user in users.values():
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        assert device.bin_key == base64.b32decode(DEMO_TOTP_SECRET)
        assert not user.is_staff
