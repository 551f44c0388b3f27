"""In a real browser with Chromium's virtual authenticator: add a security key, then sign in with it."""

from __future__ import annotations

from typing import Any

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Page, expect

from tests import factories as f
from tests.e2e.auth import PASSWORD, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
CEREMONY_MS = 20_000  # key generation in the virtual authenticator plus two round trips, on a busy CI machine


def _virtual_authenticator(page: Page) -> None:
    """A platform authenticator that says yes (DevTools' WebAuthn domain), as a fingerprint reader would."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})


def _password_step(page: Page, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_user_adds_a_key_and_signs_in_with_it(live_server: Any, page: Page) -> None:
    user = f.UserFactory(username="web_key")
    f.MembershipFactory(user=user, role="biller")
    _virtual_authenticator(page)
    sign_in(page, live_server, "web_key")
    page.get_by_role("link", name="Sign-in security").click()
    expect(page.get_by_role("heading", name="Sign-in security")).to_be_visible()
    page.get_by_role("button", name="Add a security key").click()
    expect(page.locator("table")).not_to_contain_text("No security keys yet", timeout=CEREMONY_MS)
    assert WebAuthnCredential.objects.filter(user=user, confirmed=True).count() == 1

    page.locator(".who").get_by_role("button", name="Sign out").click()
    _password_step(page, live_server, "web_key")
    expect(page.get_by_label("One-time code")).to_be_visible()  # the app's code still works too
    page.get_by_role("button", name="Use security key").click()
    expect(page.get_by_role("heading", name="Claims queue")).to_be_visible(timeout=CEREMONY_MS)
    assert WebAuthnCredential.objects.get(user=user).last_used_at is not None


def test_a_new_user_enrols_with_a_key_instead_of_an_app(live_server: Any, page: Page) -> None:
    user = f.UserFactory(username="web_key_new", totp=False)
    f.MembershipFactory(user=user, role="coder")
    _virtual_authenticator(page)
    _password_step(page, live_server, "web_key_new")
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    page.get_by_role("button", name="Add a security key").click()
    expect(page.get_by_role("heading", name="Coding queue")).to_be_visible(timeout=CEREMONY_MS)
    page.goto(f"{live_server.url}/account/security/")
    expect(page.get_by_role("heading", name="Sign-in security")).to_be_visible()
    expect(page.locator("table")).not_to_contain_text("No security keys yet")
