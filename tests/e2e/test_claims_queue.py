"""In a real browser: a biller filters the queue, scrubs a batch and watches its progress bar, fixes an error
on the claim page (edit and re-scrub in place) and exports an 837P file that pyx12 accepts.

Jobs are held (not run on commit) so the page is seen polling a queued job; the test then runs the job
the way a worker would, and the bar moves to done without a reload. The real worker is covered by
tests/claims/test_batch_jobs.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from claims.models import Claim
from claims.x12.validate import validate_x12
from rcm import jobs
from rcm.models import Job
from tests import factories as f
from tests.claims import factories as cf
from tests.claims.fakes import fake_code_index
from tests.e2e.auth import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _run_queued_job(kind: str) -> Job:
    job = Job.objects.filter(kind=kind, status="queued").latest("pk")
    done = jobs.job_execute(job.pk)
    assert done is not None and done.status == "done", done and done.error
    return done


def test_biller_scrubs_fixes_and_exports(live_server: Any, page: Page, monkeypatch: pytest.MonkeyPatch) -> None:
    from claims.scrub import data as scrub_data

    monkeypatch.setattr(scrub_data, "default_code_index", lambda: fake_code_index)
    monkeypatch.setattr(jobs, "_send", lambda job_id: None)  # hold jobs: the test plays the worker
    practice = cf.practice(name="Riverbend Dermatology")
    f.MembershipFactory(user=f.UserFactory(username="web_biller"), practice=practice, role="biller")
    aetna = f.PayerFactory(practice=practice, name="Aetna", payer_id="60054")
    cigna = f.PayerFactory(practice=practice, name="Cigna", payer_id="62308")
    clean = cf.claim_for(cf.coded_encounter(practice_obj=practice, payer=aetna))
    broken = cf.claim_for(cf.coded_encounter(practice_obj=practice, payer=aetna, lines=(
        ("99213", (), 1, (1,), "150.00"), ("17000", (), 1, (1,), "140.00"))))
    cf.claim_for(cf.coded_encounter(practice_obj=practice, payer=cigna))

    sign_in(page, live_server, "web_biller")
    expect(page.get_by_role("heading", level=1)).to_have_text("Claims queue")
    expect(page.locator("tr[data-claim]")).to_have_count(3)

    # Filter by payer (htmx swaps the results), then scrub every claim matching the filter.
    page.locator("select[name=payer]").select_option(label="Aetna")
    expect(page.locator("tr[data-claim]")).to_have_count(2)
    page.get_by_label("all claims matching the filter").check()
    page.get_by_role("button", name="Scrub", exact=True).click()
    bar = page.get_by_role("progressbar", name="Job progress")
    expect(bar).to_be_visible()
    expect(page.locator(".job-progress")).to_have_attribute("data-status", "queued")
    job = _run_queued_job("claims.scrub")
    assert job.params["claim_ids"] == sorted([clean.pk, broken.pk])
    expect(bar).to_have_attribute("aria-valuenow", "100")
    summary = page.get_by_test_id("job-summary")
    expect(summary).to_contain_text("1 clean")
    expect(summary).to_contain_text("1 with errors")
    expect(summary).to_contain_text("EM_NEEDS_25")

    # Open the claim with the error: the finding and its fix sit next to the line.
    summary.get_by_role("link", name="EM_NEEDS_25").click()
    expect(page.locator("tr[data-claim]")).to_have_count(1)
    page.get_by_role("link", name=broken.pcn).click()
    expect(page.get_by_test_id("claim-status")).to_have_text("Scrub errors")
    expect(page.locator(".line-finding")).to_contain_text("add 25 to the E/M line")
    page.locator("input[name='line1-modifiers']").fill("25")
    page.get_by_role("button", name="Save and re-scrub").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("Clean")
    expect(page.get_by_test_id("findings")).to_contain_text("No findings: the claim is clean.")
    expect(page.get_by_test_id("history")).to_contain_text("edited: line 1 modifiers")

    # Back to the queue: export the two Aetna claims as one 837P.
    page.goto(f"{live_server.url}/claims/queue/?payer={aetna.pk}&status=clean")
    expect(page.locator("tr[data-claim]")).to_have_count(2)
    page.get_by_label(f"Select {clean.pcn}").check()
    page.get_by_label(f"Select {broken.pcn}").check()
    page.get_by_role("button", name="Export 837P").click()
    expect(page.locator(".job-progress")).to_have_attribute("data-status", "queued")
    export = _run_queued_job("claims.export_837")
    expect(page.get_by_test_id("job-summary")).to_contain_text("1 file with 2 claims")
    filename = export.result["batches"][0]["filename"]
    with page.expect_download() as info:
        page.get_by_role("link", name=filename).click()
    content = info.value.path().read_text()
    assert content.startswith("ISA*00*") and validate_x12(content)
    assert set(Claim.objects.filter(payer=aetna).values_list("status", flat=True)) == {"queued"}
