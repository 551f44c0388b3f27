"""One way for browser tests to sign in, so a change to the sign-in flow lands in one place.

Signing in is the password, then the current TOTP code of the device tests.factories.UserFactory gives
every user (a known key), exactly as a person would type it."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Page, expect

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory's password


def totp_code(username: str) -> str:
    """The code an authenticator app would show now for the user's device, never one already used.

    django-otp refuses a code from a time step it has already accepted (replay protection) and accepts one
    step of drift; a second sign-in within 30 seconds therefore uses the next step's code."""
    from django.contrib.auth import get_user_model
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        raise AssertionError(f"{username} has no TOTP device (tests.factories.UserFactory makes one)")
    while True:
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
        needed = max(0, device.last_t + 1 - totp.t())
        if needed <= device.tolerance:
            totp.drift = needed
            return f"{totp.token():0{device.digits}d}"
        time.sleep(1)
        device.refresh_from_db()


def sign_in(page: Page, live_server: Any, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("One-time code")).to_be_visible()
    page.get_by_label("One-time code").fill(totp_code(username))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_label("One-time code")).to_have_count(0)
