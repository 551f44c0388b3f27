"""In a real browser: a biller submits a batch to the sandbox clearinghouse, sees the acknowledgements arrive,
works the rejected claim (corrected and resubmitted in a new file), and prints a CMS-1500.

The clearinghouse poll is beat's task; the test plays beat and runs it in process, as test_payments.py runs
jobs. Submission tasks run in process on commit (tests/conftest.py); real workers are covered by
tests/claims/test_ch_worker_kill.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from claims.clearinghouse.models import ClearinghouseConnection, SandboxFile, Submission
from claims.models import Claim
from claims.tasks import poll_all
from tests import factories as f
from tests.claims import ch_helpers as ch
from tests.claims import factories as cf
from tests.e2e.auth import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fake_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    from claims.scrub import data as scrub_data
    from tests.claims.fakes import fake_code_index

    monkeypatch.setattr(scrub_data, "default_code_index", lambda: fake_code_index)


def test_biller_submits_sees_answers_reworks_a_rejection_and_prints(live_server: Any, page: Page) -> None:
    practice = cf.practice()
    f.MembershipFactory(user=f.UserFactory(username="web_biller"), practice=practice, role="biller")
    good, bad = ch.queued_claims(practice, 2)
    conn = ch.sandbox(practice, unenrolled_npis=[bad.rendering_npi])

    sign_in(page, live_server, "web_biller")
    nav = page.get_by_role("navigation")

    # Submit the queued claims: one 837 file, sent once.
    nav.get_by_role("link", name="Submissions").click()
    page.get_by_role("button", name="Submit queued claims (2)").click()
    expect(page.locator(".messages")).to_contain_text("1 file(s) with 2 claim(s) queued for sending")
    sub = Submission.objects.get()
    row = page.locator(f"tr[data-submission='{sub.pk}']")
    expect(row).to_contain_text("Sent")
    expect(row).to_contain_text(sub.interchange_control)

    # Beat polls the clearinghouse: 999, 277CA and the 835 arrive.
    assert poll_all()["files"] == 3
    nav.get_by_role("link", name="Files received").click()
    expect(page.locator("tr[data-kind='999']")).to_contain_text("Processed")
    expect(page.locator("tr[data-kind='277ca']")).to_contain_text("Processed")
    expect(page.locator("tr[data-kind='835']")).to_contain_text("Processed")
    page.locator("tr[data-kind='277ca'] a").click()
    expect(page.locator("body")).to_contain_text(re.compile("not enrolled", re.IGNORECASE))

    # The rejection waits in the denial queue with its reason, the segment and the next action.
    nav.get_by_role("link", name="Denials", exact=True).click()
    group = page.locator("section[data-category='missing_information']")
    expect(group).to_contain_text("Add the missing or corrected information")
    group.get_by_role("link", name=bad.pcn).click()
    expect(page.locator("body")).to_contain_text("NM1")
    page.get_by_label("Note / reason").fill("rendering provider now enrolled")
    page.get_by_role("button", name="Correct and resubmit").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("Draft")

    # The payer finished enrolling the provider; the biller scrubs, queues and sends the claim again.
    conn.options = {**conn.options, "unenrolled_npis": []}
    conn.save()
    page.get_by_role("button", name="Re-scrub", exact=True).click()
    expect(page.get_by_test_id("claim-status")).to_have_text("Clean")
    page.get_by_role("button", name="Queue for submission").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("Queued")
    nav.get_by_role("link", name="Submissions").click()
    page.get_by_role("button", name="Submit queued claims (1)").click()
    expect(page.locator("tr[data-submission]")).to_have_count(2)
    assert Claim.objects.get(pk=bad.pk).status == "submitted"
    assert SandboxFile.objects.filter(connection=conn, direction="in").count() == 2
    assert poll_all()["accepted"] == 1
    assert Claim.objects.get(pk=bad.pk).status == "paid" and Claim.objects.get(pk=good.pk).status == "paid"

    # Paper: the claim's CMS-1500, plain and for the red form.
    page.goto(f"{live_server.url}/claims/{bad.pk}/")
    href = page.get_by_test_id("cms1500").get_attribute("href")
    assert href
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    red = page.request.get(f"{live_server.url}{href}?red=1")
    assert red.ok and red.body().startswith(b"%PDF") and len(red.body()) < len(pdf.body())
    assert ClearinghouseConnection.objects.get(pk=conn.pk).last_error == ""
