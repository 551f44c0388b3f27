"""Idempotency-Key on money-moving API calls: a retry replays the first answer and posts nothing twice."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from payments import apis as payment_apis
from payments.models import LedgerEntry, Payment, Remittance
from rcm.models import IdempotencyRecord
from tests import factories as f
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db

# Every money-moving API call, by view and method: a new one must be added here (and decorated).
MONEY_CALLS = [
    (payment_apis.RemittanceViewSet, "create"),  # ERA upload / post
    (payment_apis.RemitExceptionViewSet, "resolve"),  # posts an exception's claim
    (payment_apis.PaymentBatchViewSet, "payments"),  # manual payment
    (payment_apis.PaymentBatchViewSet, "commit"),  # posts a batch to the ledger
    (payment_apis.CreditViewSet, "apply"),  # moves unapplied credit onto lines (a transfer)
    (payment_apis.CreditViewSet, "refund"),
    (payment_apis.UnderpaymentViewSet, "act"),  # write-off
]


@pytest.mark.parametrize(("view", "method"), MONEY_CALLS)
def test_every_money_call_honours_the_key(view: Any, method: str) -> None:
    assert getattr(getattr(view, method), "idempotent", False), f"{view.__name__}.{method} is not @idempotent"


def _batch(api: Any) -> dict[str, Any]:
    resp = api.post("/api/v1/payment-batches/", {"kind": "patient", "name": "Desk", "expected_total": "30.00",
                                                 "deposit_date": "2025-04-10"}, format="json")
    assert resp.status_code == 201
    return resp.json()


def _pay(api: Any, batch: dict[str, Any], line: int, patient: int, amount: str, key: str | None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api.post(f"/api/v1/payment-batches/{batch['id']}/payments/", {
        "method": "card", "amount": amount, "received_on": "2025-04-10", "patient": patient,
        "allocations": [{"line": line, "amount": amount}]}, format="json", **headers)


def test_manual_payment_retry_replays_and_a_changed_body_is_refused(world: Any, api_for: Any) -> None:
    claim = pf.sent_claim(practice=world.practice, payer=f.PayerFactory(practice=world.practice))
    line = claim.lines.order_by("line_number").first().charge_line_id
    api = api_for(world.biller)
    batch = _batch(api)

    first = _pay(api, batch, line, claim.patient_id, "18.00", "pay-1")
    again = _pay(api, batch, line, claim.patient_id, "18.00", "pay-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1

    changed = _pay(api, batch, line, claim.patient_id, "12.00", "pay-1")
    assert changed.status_code == 422
    assert "already used for a different request" in changed.json()["detail"]
    assert Payment.objects.count() == 1

    other = _pay(api, batch, line, claim.patient_id, "12.00", "pay-2")
    assert other.status_code == 201 and Payment.objects.count() == 2
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [D("12.00"), D("18.00")]

    # Commit twice with one key: one posting.
    api.post(f"/api/v1/payment-batches/{batch['id']}/commit/", HTTP_IDEMPOTENCY_KEY="commit-1")
    replay = api.post(f"/api/v1/payment-batches/{batch['id']}/commit/", HTTP_IDEMPOTENCY_KEY="commit-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert LedgerEntry.objects.filter(kind="pat_payment").count() == 2


def test_keys_are_per_user_and_without_a_key_nothing_is_stored(world: Any, api_for: Any) -> None:
    claim = pf.sent_claim(practice=world.practice, payer=f.PayerFactory(practice=world.practice))
    line = claim.lines.order_by("line_number").first().charge_line_id
    admin = api_for(world.admin)
    biller = api_for(world.biller)
    batch = _batch(biller)
    assert _pay(biller, batch, line, claim.patient_id, "5.00", "same").status_code == 201
    assert _pay(admin, batch, line, claim.patient_id, "6.00", "same").status_code == 201  # another user's key space
    assert _pay(biller, batch, line, claim.patient_id, "7.00", None).status_code == 201
    assert _pay(biller, batch, line, claim.patient_id, "7.00", None).status_code == 201  # no key: two payments
    assert Payment.objects.count() == 4
    assert IdempotencyRecord.objects.count() == 2


def test_a_call_still_running_gets_409_and_a_failed_call_can_be_retried(world: Any, api_for: Any) -> None:
    claim = pf.sent_claim(practice=world.practice, payer=f.PayerFactory(practice=world.practice))
    line = claim.lines.order_by("line_number").first().charge_line_id
    api = api_for(world.biller)
    batch = _batch(api)
    bad = api.post(f"/api/v1/payment-batches/{batch['id']}/payments/", {"method": "card"}, format="json",
                   HTTP_IDEMPOTENCY_KEY="k")
    assert bad.status_code == 400 and not IdempotencyRecord.objects.exists()  # refused input keeps no record
    ok = _pay(api, batch, line, claim.patient_id, "5.00", "k2")
    assert ok.status_code == 201
    IdempotencyRecord.objects.filter(key="k2").update(status_code=None, response=None)  # as if still running
    busy = _pay(api, batch, line, claim.patient_id, "5.00", "k2")
    assert busy.status_code == 409 and "still being processed" in busy.json()["detail"]
    assert Payment.objects.count() == 1


def test_era_upload_with_a_key_replays_the_posting_result(world: Any, api_for: Any) -> None:
    payer = f.PayerFactory(practice=world.practice, name="Aetna", payer_id="60054")
    claim = pf.sent_claim(practice=world.practice, payer=payer)
    text = pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer)])
    api = api_for(world.biller)
    body = {"content": text, "filename": "api.835", "wait": True}
    first = api.post("/api/v1/eras/", body, format="json", HTTP_IDEMPOTENCY_KEY="era-1")
    again = api.post("/api/v1/eras/", body, format="json", HTTP_IDEMPOTENCY_KEY="era-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and first.json()["claims_matched"] == 1
    assert Remittance.objects.count() == 1 and LedgerEntry.objects.filter(kind="ins_payment").count() == 2
    other = api.post("/api/v1/eras/", {**body, "filename": "renamed.835"}, format="json", HTTP_IDEMPOTENCY_KEY="era-1")
    assert other.status_code == 422


def test_key_must_be_sane(world: Any, api_for: Any) -> None:
    api = api_for(world.biller)
    batch = _batch(api)
    resp = api.post(f"/api/v1/payment-batches/{batch['id']}/commit/", HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert resp.status_code == 400 and "at most 255" in resp.json()["detail"]
