"""Pages and API: the owner / colleague / outsider matrix, uploads, and each endpoint's happy path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from payments.models import LedgerEntry, PaymentBatch, RemitException, Remittance, Statement
from payments.services import era_import
from payments.services.statements import statement_run_execute, statement_run_start
from rcm import jobs
from rcm.models import AccessLog, Job
from tests import factories as f
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db


@pytest.fixture
def money(world: Any) -> dict[str, Any]:
    payer = f.PayerFactory(practice=world.practice, name="Aetna", payer_id="60054")
    claim = pf.sent_claim(practice=world.practice, payer=payer)
    bad = pf.paid_claim(claim).model_copy(update={"pcn": "UNKNOWN1"})
    era_import(practice_id=world.practice.pk, content=pf.era_file([pf.transaction([pf.paid_claim(claim), bad], payer=payer,
                                                                                  payment_date=dt.date(2025, 4, 1))]))
    remittance = Remittance.objects.get()
    exc = RemitException.objects.get()
    batch = PaymentBatch.objects.create(practice=world.practice, kind="patient", name="Desk", expected_total=0,
                                        deposit_date=dt.date(2025, 4, 2))
    run = statement_run_start(practice_id=world.practice.pk, as_of=dt.date(2025, 5, 1))
    statement_run_execute(run_id=run.pk)
    return {"payer": payer, "claim": claim, "remittance": remittance, "exception": exc, "batch": batch, "run": run,
            "statement": Statement.objects.get()}


def _object_urls(m: dict[str, Any]) -> list[str]:
    return [reverse("payments:era_detail", args=[m["remittance"].pk]), reverse("payments:era_download", args=[m["remittance"].pk]),
            reverse("payments:exception_detail", args=[m["exception"].pk]),
            reverse("payments:batch_detail", args=[m["batch"].pk]),
            reverse("payments:patient_ledger", args=[m["claim"].patient_id]),
            reverse("payments:statement_run", args=[m["run"].pk]), reverse("payments:statement_pdf", args=[m["statement"].pk])]


LIST_URLS = ["payments:eras", "payments:exceptions", "payments:batches", "payments:deposits", "payments:underpayments",
             "payments:statements"]


def test_owner_sees_every_page(world: Any, money: dict[str, Any], client_for: Any) -> None:
    client = client_for(world.biller)
    for name in LIST_URLS:
        assert client.get(reverse(name)).status_code == 200, name
    for url in _object_urls(money):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("payments:era_detail", args=[money["remittance"].pk])).content.decode()
    import re

    rows = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert money["claim"].pcn in rows, rows[-1500:]
    assert "UNKNOWN1" in rows and "No claim UNKNOWN1 in this practice" in rows
    assert AccessLog.objects.filter(object_type="remittance", username="a_biller").exists()
    ledger = client.get(reverse("payments:patient_ledger", args=[money["claim"].patient_id])).content.decode()
    assert "34.80" in ledger


def test_colleague_without_billing_role_is_refused(world: Any, money: dict[str, Any], client_for: Any) -> None:
    client = client_for(world.coder)
    for name in ["payments:eras", "payments:exceptions", "payments:batches", "payments:underpayments", "payments:statements"]:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("payments:deposits")).status_code == 403
    assert client_for(world.manager).get(reverse("payments:deposits")).status_code == 200


def test_outsider_gets_404_for_every_object(world: Any, money: dict[str, Any], client_for: Any) -> None:
    client = client_for(world.outsider)
    for url in _object_urls(money):
        assert client.get(url).status_code == 404, url
    page = client.get(reverse("payments:eras")).content.decode()
    assert money["remittance"].filename not in page
    resp = client.post(reverse("payments:exception_dismiss", args=[money["exception"].pk]), {"reason": "x"})
    assert resp.status_code == 404
    assert RemitException.objects.get().status == "open"


def test_upload_page_stores_then_a_job_posts(world: Any, client_for: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "_send", lambda job_id: None)
    payer = f.PayerFactory(practice=world.practice, name="Aetna", payer_id="60054")
    claim = pf.sent_claim(practice=world.practice, payer=payer)
    text = pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer)])
    client = client_for(world.biller)
    resp = client.post(reverse("payments:eras"), {"file": SimpleUploadedFile("era.835", text.encode())})
    assert resp.status_code == 302
    remittance = Remittance.objects.get()
    assert remittance.status == "received"
    assert not LedgerEntry.objects.exclude(kind="charge").exists()  # the claim's charges only: nothing posted yet
    job = Job.objects.get(kind="payments.era_post")
    assert jobs.job_execute(job.pk).result["claims_matched"] == 1  # type: ignore[union-attr]
    remittance.refresh_from_db()
    assert remittance.status == "posted"
    again = client.post(reverse("payments:eras"), {"file": SimpleUploadedFile("again.835", text.encode())}, follow=True)
    assert "already imported" in again.content.decode()
    assert Remittance.objects.count() == 1


def test_api_upload_and_read(world: Any, api_for: Any) -> None:
    payer = f.PayerFactory(practice=world.practice, name="Aetna", payer_id="60054")
    claim = pf.sent_claim(practice=world.practice, payer=payer)
    text = pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer)])
    api = api_for(world.biller)
    resp = api.post("/api/v1/eras/", {"content": text, "filename": "api.835", "wait": True}, format="json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["paid"] == "139.20" and resp.json()["claims_matched"] == 1
    era_id = resp.json()["remittance"]
    detail = api.get(f"/api/v1/eras/{era_id}/").json()
    assert detail["transactions"][0]["claims"][0]["outcome"] == "posted"
    assert api.get("/api/v1/ledger/", {"claim": claim.pk}).json()["count"] == 10
    ledger = api.get(f"/api/v1/patients/{claim.patient_id}/ledger/").json()
    assert ledger["totals"]["patient"] == "34.80"
    outsider = api_for(world.outsider)
    assert outsider.get(f"/api/v1/eras/{era_id}/").status_code == 404
    assert outsider.get(f"/api/v1/patients/{claim.patient_id}/ledger/").status_code == 404
    assert outsider.get("/api/v1/eras/").json()["count"] == 0
    assert api_for(world.coder).get("/api/v1/eras/").json()["count"] == 0


def test_api_exceptions_batches_reconciliation_and_statements(world: Any, money: dict[str, Any], api_for: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "_send", lambda job_id: None)
    api = api_for(world.biller)
    exc = money["exception"]
    assert api.get("/api/v1/payment-exceptions/", {"status": "open"}).json()["count"] == 1
    assert api_for(world.outsider).post(f"/api/v1/payment-exceptions/{exc.pk}/dismiss/", {"reason": "x"}).status_code == 404
    resp = api.post(f"/api/v1/payment-exceptions/{exc.pk}/dismiss/", {"reason": "not ours"}, format="json")
    assert resp.status_code == 200 and resp.json()["status"] == "dismissed"

    line = money["claim"].lines.order_by("line_number").first().charge_line_id
    batch = api.post("/api/v1/payment-batches/", {"kind": "patient", "name": "Desk", "expected_total": "18.00",
                                                   "deposit_date": "2025-04-10"}, format="json").json()
    pay = api.post(f"/api/v1/payment-batches/{batch['id']}/payments/", {
        "method": "card", "amount": "18.00", "received_on": "2025-04-10", "patient": money["claim"].patient_id,
        "allocations": [{"line": line, "amount": "18.00"}]}, format="json")
    assert pay.status_code == 201, pay.content
    committed = api.post(f"/api/v1/payment-batches/{batch['id']}/commit/").json()
    assert committed["status"] == "committed"
    assert LedgerEntry.objects.filter(kind="pat_payment").get().amount == D("-18.00")

    rec = api.get("/api/v1/reconciliation/", {"start": "2025-04-01", "end": "2025-04-30"}).json()
    assert rec["reconciles"] is False and len(rec["unmatched_eras"]) == 1 and len(rec["unmatched_batches"]) == 1
    assert api_for(world.manager).post("/api/v1/reconciliation/close/", {"start": "2025-04-01", "end": "2025-04-30"},
                                        format="json").status_code == 400
    assert api.post("/api/v1/reconciliation/close/", {"start": "2025-04-01", "end": "2025-04-30"},
                    format="json").status_code == 403

    run = api.post("/api/v1/statement-runs/", {"as_of": "2025-06-01"}, format="json")
    assert run.status_code == 202 and run.json()["job"]["kind"] == "payments.statements"
    assert api.get("/api/v1/statements/").json()["count"] == 1
    pdf = api.get(f"/api/v1/statements/{money['statement'].pk}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert api_for(world.outsider).get(f"/api/v1/statements/{money['statement'].pk}/pdf/").status_code == 404
    assert api.get("/api/v1/denials/").json()["count"] == 0
    assert api.get("/api/v1/underpayments/").json()["count"] == 0
