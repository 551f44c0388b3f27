"""In a real browser: the two-step sign-in, enrolment, and pages that work under the strict CSP."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests import factories as f
from tests.e2e.auth import PASSWORD, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_pages_run_under_the_csp_and_scripts_still_work(live_server: Any, page: Page) -> None:
    a = f.PracticeFactory(name="Alder Clinic")
    b = f.PracticeFactory(name="Birch Clinic")
    user = f.UserFactory(username="web_two")
    f.MembershipFactory(user=user, practice=a, role="admin")
    f.MembershipFactory(user=user, practice=b, role="admin")
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    sign_in(page, live_server, "web_two")
    for path in ("/patients/", "/claims/queue/", "/payments/exceptions/", "/api/docs/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("#swagger-ui")).to_be_visible()
    page.goto(f"{live_server.url}/patients/")
    assert page.evaluate("typeof window.htmx") == "object"  # the vendored htmx loaded from 'self'
    # the practice switcher submits on change through static/js/app.js (no inline handler)
    current = page.locator(".who").inner_text()
    other = "Birch Clinic" if "Alder Clinic" in current else "Alder Clinic"
    page.get_by_label("Practice").select_option(label=other)
    expect(page.locator(".who")).to_contain_text(other)
    assert violations == []


def test_a_new_user_enrols_an_authenticator_in_the_browser(live_server: Any, page: Page) -> None:
    user = f.UserFactory(username="web_new", totp=False)
    f.MembershipFactory(user=user, role="biller")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("web_new")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator(".totp-secret").inner_text()
    code = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8))).token()
    page.get_by_label("One-time code").fill(f"{code:06d}")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Claims queue")).to_be_visible()


def test_password_alone_is_stopped_at_the_code(live_server: Any, page: Page) -> None:
    f.MembershipFactory(user=f.UserFactory(username="web_pw"), role="biller")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("web_pw")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/patients/")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
