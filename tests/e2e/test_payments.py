"""In a real browser: a biller uploads an ERA, resolves the exception it raised, imports the bank deposit that
reconciles it, and prints a patient statement.

Jobs are held (not run on commit) so the test plays the worker, as in test_claims_queue.py; the real worker
path is covered by tests/integration.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from payments.models import LedgerEntry, RemitException
from rcm import jobs
from rcm.models import Job
from tests import factories as f
from tests.e2e.auth import sign_in
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db(transaction=True)
PAID_ON = dt.date(2025, 4, 1)


def _run(kind: str) -> Job:
    job = Job.objects.filter(kind=kind, status="queued").latest("pk")
    done = jobs.job_execute(job.pk)
    assert done is not None and done.status == "done", done and done.error
    return done


def test_biller_posts_an_era_resolves_reconciles_and_prints(live_server: Any, page: Page,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "_send", lambda job_id: None)
    practice, payer = pf.practice_with_payer()
    f.MembershipFactory(user=f.UserFactory(username="web_biller"), practice=practice, role="biller")
    good = pf.sent_claim(practice=practice, payer=payer)
    typo = pf.sent_claim(practice=practice, payer=payer)
    misnumbered = pf.paid_claim(typo).model_copy(update={"pcn": typo.pcn + "9"})
    era = pf.era_file([pf.transaction([pf.paid_claim(good), misnumbered], payer=payer, trace="EFT4242",
                                      payment_date=PAID_ON)])

    sign_in(page, live_server, "web_biller")

    # Upload the ERA: stored at once, posted by the job, one claim posted and one excepted.
    page.get_by_role("link", name="ERAs (835)").click()
    page.set_input_files("input[name=file]", files=[{"name": "aetna.835", "mimeType": "text/plain",
                                                     "buffer": era.encode()}])
    page.get_by_role("button", name="Upload and post").click()
    expect(page.get_by_test_id("era-status")).to_have_text("Received")
    expect(page.locator(".job-progress")).to_have_attribute("data-status", "queued")
    _run("payments.era_post")
    page.reload()
    expect(page.get_by_test_id("era-status")).to_have_text("Posted with exceptions")
    expect(page.locator(f"tr[data-remit-claim='{good.pcn}']")).to_contain_text("Posted")
    expect(page.locator(f"tr[data-remit-claim='{typo.pcn}9']")).to_contain_text("No claim")

    # Resolve the exception: the best candidate is the claim the payer misnumbered.
    page.get_by_role("link", name="Payment exceptions").click()
    page.get_by_role("link", name=f"{typo.pcn}9").click()
    expect(page.get_by_test_id("candidates")).to_contain_text(typo.pcn)
    page.get_by_test_id("candidates").get_by_role("link", name=typo.pcn).click()
    page.get_by_role("button", name="Post to this claim").click()
    expect(page.locator(".messages")).to_contain_text(f"Posted to claim {typo.pcn}")
    expect(page.locator("tr[data-exception]")).to_have_count(0)
    assert RemitException.objects.get().status == "resolved"
    assert LedgerEntry.objects.filter(kind="ins_payment").count() == 4

    # The bank deposit carries the ERA's trace: import it and the month reconciles.
    page.get_by_role("link", name="Deposits").click()
    page.get_by_label("Format", exact=True).select_option("csv")
    page.set_input_files("input[name=file]", files=[{"name": "bank.csv", "mimeType": "text/csv", "buffer":
                                                     b"Date,Amount,Reference,Description\n2025-04-03,278.40,EFT4242,ACH\n"}])
    page.get_by_role("button", name="Import bank file").click()
    expect(page.locator(".messages")).to_contain_text("1 deposit(s) imported, 1 matched")
    page.get_by_label("Start").fill("2025-04-01")
    page.get_by_label("End").fill("2025-04-30")
    page.get_by_role("button", name="Show period").click()
    expect(page.get_by_test_id("reconciles")).to_have_text("Reconciles")
    expect(page.get_by_test_id("unmatched-eras")).to_have_text("0")

    # Statements: run them, then open one patient's PDF.
    page.get_by_role("link", name="Statements").click()
    page.get_by_label("Statement date").fill("2025-05-15")
    page.get_by_role("button", name="Run statements").click()
    _run("payments.statements")
    page.reload()
    expect(page.get_by_test_id("run-status")).to_have_text("Done")
    expect(page.locator("tr[data-statement]")).to_have_count(2)
    link = page.locator("tr[data-statement]").first.get_by_role("link", name="PDF")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
