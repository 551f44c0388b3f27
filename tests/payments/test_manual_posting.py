"""Manual posting: batches balance before they commit; allocations post; credits stay visible until used."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from payments.models import CreditRefund, LedgerBalance, LedgerEntry, Payment, PaymentAllocation
from payments.selectors import credits_for
from payments.services import era_import, ledger_sync_charges, manual
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid() -> tuple:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer)
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer)]))
    lines = [ln.charge_line_id for ln in claim.lines.order_by("line_number")]
    return practice, payer, claim, lines


def test_patient_batch_commits_only_when_it_balances(paid: tuple) -> None:
    practice, _payer, claim, lines = paid
    batch = manual.batch_create(practice_id=practice.pk, kind="patient", name="Front desk", expected_total="50.00",
                                deposit_date=pf.DOS)
    manual.payment_add(batch=batch, method="card", amount="30.00", received_on=pf.DOS, patient=claim.patient,
                       allocations=[manual.AllocationIn(line_id=lines[0], amount=D("18.00")),
                                    manual.AllocationIn(line_id=lines[1], amount=D("10.00"))])
    with pytest.raises(ValidationError, match="does not balance"):
        manual.batch_commit(batch=batch)
    assert LedgerEntry.objects.filter(kind="pat_payment").count() == 0
    manual.payment_add(batch=batch, method="cash", amount="20.00", received_on=pf.DOS, patient=claim.patient)
    manual.batch_commit(batch=batch)
    assert list(LedgerEntry.objects.filter(kind="pat_payment").order_by("id").values_list("amount", "bucket")) == [
        (D("-18.00"), "pat"), (D("-10.00"), "pat")]
    pat = dict(LedgerBalance.objects.filter(bucket="pat").values_list("line_id", "balance"))
    assert pat == {lines[0]: D("0.00"), lines[1]: D("6.80")}
    credits = list(credits_for(practice_id=practice.pk))
    assert [(p.method, p.unapplied) for p in credits] == [("card", D("2.00")), ("cash", D("20.00"))]
    with pytest.raises(ValidationError):
        manual.batch_commit(batch=batch)


def test_credit_applied_later_and_refunded(paid: tuple) -> None:
    practice, _payer, claim, lines = paid
    batch = manual.batch_create(practice_id=practice.pk, kind="patient", name="Mail", expected_total="40.00",
                                deposit_date=pf.DOS)
    payment = manual.payment_add(batch=batch, method="check", amount="40.00", received_on=pf.DOS, reference="1001",
                                 patient=claim.patient)
    manual.batch_commit(batch=batch)
    manual.credit_apply(payment=payment, allocations=[manual.AllocationIn(line_id=lines[1], amount=D("16.80"))])
    payment.refresh_from_db()
    assert (payment.allocated, payment.unapplied) == (D("16.80"), D("23.20"))
    with pytest.raises(ValidationError):
        manual.credit_refund(payment=payment, amount="23.21")
    manual.credit_refund(payment=payment, amount="23.20", reason="patient asked")
    payment.refresh_from_db()
    assert payment.unapplied == D("0.00")
    assert CreditRefund.objects.get().amount == D("23.20")
    assert list(credits_for(practice_id=practice.pk)) == []


def test_overallocation_is_refused_and_leaves_nothing(paid: tuple) -> None:
    practice, _payer, claim, lines = paid
    batch = manual.batch_create(practice_id=practice.pk, kind="patient", name="x", expected_total="10.00",
                                deposit_date=pf.DOS)
    with pytest.raises(ValidationError, match="exceed"):
        manual.payment_add(batch=batch, method="cash", amount="10.00", received_on=pf.DOS, patient=claim.patient,
                           allocations=[manual.AllocationIn(line_id=lines[0], amount=D("10.01"))])
    assert Payment.objects.count() == 0 and PaymentAllocation.objects.count() == 0


def test_insurance_check_posts_payment_adjustment_and_patient_share() -> None:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer)
    ledger_sync_charges(claim_ids=[claim.pk])
    line = claim.lines.order_by("line_number").first().charge_line_id
    batch = manual.batch_create(practice_id=practice.pk, kind="insurance", name="Paper checks", expected_total="72.00",
                                deposit_date=pf.DOS)
    manual.payment_add(batch=batch, method="check", amount="72.00", received_on=pf.DOS, reference="CHK55", payer=payer,
                       allocations=[manual.AllocationIn(line_id=line, amount=D("72.00"), adjustment=D("60.00"),
                                                        adjustment_group="CO", adjustment_reason="45",
                                                        patient_responsibility=D("18.00"))])
    manual.batch_commit(batch=batch)
    got = dict(LedgerBalance.objects.filter(line_id=line).values_list("bucket", "balance"))
    assert got == {"ins": D("0.00"), "pat": D("18.00")}
    claim.refresh_from_db()
    assert claim.balance == D("140.00")


def test_a_patient_payment_for_another_patients_line_is_refused(paid: tuple) -> None:
    practice, _payer, claim, lines = paid
    other = pf.sent_claim(practice=practice, payer=claim.payer)
    batch = manual.batch_create(practice_id=practice.pk, kind="patient", name="x", expected_total="5.00",
                                deposit_date=pf.DOS)
    with pytest.raises(ValidationError, match="not this patient"):
        manual.payment_add(batch=batch, method="cash", amount="5.00", received_on=pf.DOS, patient=other.patient,
                           allocations=[manual.AllocationIn(line_id=lines[0], amount=D("5.00"))])
    assert Payment.objects.count() == 0
