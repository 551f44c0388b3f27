"""In a real browser, each role signs in and lands on its own page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests import factories as f
from tests.e2e.auth import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

LANDINGS = {"coder": "Coding queue", "biller": "Claims queue", "manager": "Practice dashboard",
            "admin": "Practice dashboard"}


def test_each_role_signs_in_and_sees_its_page(live_server: Any, page: Page) -> None:
    practice = f.PracticeFactory(name="Browser Practice")
    patient = f.PatientFactory(practice=practice, last_name="Okonkwo")
    f.EncounterFactory(patient=patient)
    for role, heading in LANDINGS.items():
        f.MembershipFactory(user=f.UserFactory(username=f"web_{role}"), practice=practice, role=role)
        sign_in(page, live_server, f"web_{role}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.locator(".who")).to_contain_text(role)
        if role == "coder":
            expect(page.get_by_role("cell", name="Okonkwo, Pat")).to_be_visible()
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_is_refused(live_server: Any, page: Page) -> None:
    f.MembershipFactory(user=f.UserFactory(username="web_x"), role="coder")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("web_x")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("did not match")).to_be_visible()
