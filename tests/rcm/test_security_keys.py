"""Security keys and passkeys (WebAuthn) as a second factor: where they can be added, used and removed.

The ceremonies themselves run in a real browser with a virtual authenticator (tests/e2e/test_security_keys.py);
here, the rules around them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from tests.e2e.auth import PASSWORD

pytestmark = pytest.mark.django_db


def _key(user: Any, name: str = "YubiKey") -> WebAuthnCredential:
    return WebAuthnCredential.objects.create(user=user, name=name, credential_id=f"id-{user.pk}-{name}".encode(),
                                             public_key=b"\xa5\x01\x02", confirmed=True)


def _password_only(username: str) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_stolen_password_cannot_register_a_key(world: Any) -> None:
    client = _password_only(world.biller.username)
    response = client.post("/mfa/webauthn/registration/begin/")
    assert response.status_code == 403
    assert response.json()["code"] == "user_not_verified"
    assert not WebAuthnCredential.objects.filter(user=world.biller).exists()


def test_a_key_alone_is_not_a_way_in(db: Any) -> None:
    response = Client().post("/mfa/webauthn/authentication/begin/")
    assert response.status_code == 403
    assert response.json()["code"] == "passwordless_login_disabled"


def test_the_second_step_offers_the_key_and_the_code_the_user_has(world: Any) -> None:
    _key(world.biller)
    page = _password_only(world.biller.username).get("/mfa/verify/").content.decode()
    assert 'id="passkey-verification-placeholder"' in page and 'name="token"' in page
    assert "otp_webauthn_auth.js" in page

    TOTPDevice.objects.filter(user=world.coder).delete()
    _key(world.coder)
    page = _password_only(world.coder.username).get("/mfa/verify/").content.decode()
    assert 'id="passkey-verification-placeholder"' in page and 'name="token"' not in page


def test_a_session_with_only_the_password_cannot_reach_the_security_page(world: Any) -> None:
    response = _password_only(world.biller.username).get("/account/security/")
    assert response.status_code == 302 and response["Location"].startswith("/mfa/verify/")


def test_the_security_page_lists_and_removes_keys(world: Any, client_for: Any) -> None:
    key = _key(world.biller, "Desk key")
    client = client_for(world.biller)
    page = client.get("/account/security/")
    assert page.status_code == 200 and "Desk key" in page.content.decode()
    assert 'id="passkey-registration-placeholder"' in page.content.decode()
    response = client.post(f"/account/security/keys/{key.pk}/remove/")
    assert response.status_code == 302
    assert not WebAuthnCredential.objects.filter(pk=key.pk).exists()


def _signed_in_with_key(client: Client, user: Any, key: WebAuthnCredential) -> Client:
    from django_otp import DEVICE_ID_SESSION_KEY

    client.force_login(user)
    TOTPDevice.objects.filter(user=user).delete()
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = key.persistent_id
    session.save()
    return client


def test_the_last_second_factor_cannot_be_removed(world: Any) -> None:
    key = _key(world.biller)
    client = _signed_in_with_key(Client(), world.biller, key)
    assert client.get("/account/security/").status_code == 200  # verified by the key
    response = client.post(f"/account/security/keys/{key.pk}/remove/")
    assert response.status_code == 400 and "only second factor" in response.content.decode()
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()


def test_another_users_key_is_not_found(world: Any, client_for: Any, api_for: Any) -> None:
    key = _key(world.outsider)
    assert client_for(world.biller).post(f"/account/security/keys/{key.pk}/remove/").status_code == 404
    assert api_for(world.biller).delete(f"/api/v1/auth/factors/keys/{key.pk}/").status_code == 404
    assert WebAuthnCredential.objects.filter(pk=key.pk).exists()


def test_the_api_twin_lists_and_removes(world: Any, api_for: Any) -> None:
    key = _key(world.manager, "Laptop passkey")
    api = api_for(world.manager)
    body = api.get("/api/v1/auth/factors/").json()
    assert body["totp"] is True
    assert [k["name"] for k in body["keys"]] == ["Laptop passkey"]
    assert api.delete(f"/api/v1/auth/factors/keys/{key.pk}/").status_code == 204
    assert api.get("/api/v1/auth/factors/").json()["keys"] == []

    TOTPDevice.objects.filter(user=world.manager).delete()
    last = _key(world.manager, "Only key")
    response = api.delete(f"/api/v1/auth/factors/keys/{last.pk}/")
    assert response.status_code == 400 and "only second factor" in response.json()["detail"]
