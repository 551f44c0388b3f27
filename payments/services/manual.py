"""Manual posting: insurance checks and patient payments, allocated across service lines, in batches that
must balance before they commit; what is not allocated stays an unapplied credit until applied or refunded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from billing.models import ChargeLine, Patient, Payer
from payments.models import (
    CAS_GROUPS,
    Bucket,
    Category,
    CreditRefund,
    EntryKind,
    LedgerBalance,
    LedgerTransaction,
    Payment,
    PaymentAllocation,
    PaymentBatch,
)
from payments.services.ledger import (
    Entry,
    Txn,
    claim_balances_refresh,
    line_context,
    transfer_pair,
    txns_write,
)
from rcm.money import to_money

ZERO = Decimal("0.00")


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def batch_create(*, practice_id: int, kind: str, name: str, expected_total: Decimal | str, deposit_date: dt.date,
                 user: Any = None) -> PaymentBatch:
    if kind not in PaymentBatch.Kind.values:
        raise ValidationError({"kind": "Choose insurance checks or patient payments."})
    total = to_money(expected_total)
    if total < 0:
        raise ValidationError({"expected_total": "The batch total cannot be negative."})
    return PaymentBatch.objects.create(practice_id=practice_id, kind=kind, name=name.strip()[:80] or f"Batch {deposit_date}",
                                       expected_total=total, deposit_date=deposit_date, created_by=_user(user))


@dataclass(frozen=True)
class AllocationIn:
    line_id: int
    amount: Decimal
    adjustment: Decimal = ZERO
    adjustment_group: str = ""
    adjustment_reason: str = ""
    patient_responsibility: Decimal = ZERO


def payment_add(*, batch: PaymentBatch, method: str, amount: Decimal | str, received_on: dt.date, reference: str = "",
                payer: Payer | None = None, patient: Patient | None = None,
                allocations: Sequence[AllocationIn] = ()) -> Payment:
    """Add a payment (and its planned allocations) to an open batch. Nothing posts until the batch commits."""
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != PaymentBatch.Status.OPEN:
            raise ValidationError("This batch is committed; start a new one.")
        if batch.kind == PaymentBatch.Kind.INSURANCE and payer is None:
            raise ValidationError({"payer": "An insurance check needs its payer."})
        if batch.kind == PaymentBatch.Kind.PATIENT and patient is None:
            raise ValidationError({"patient": "A patient payment needs its patient."})
        for obj in (payer, patient):
            if obj is not None and obj.practice_id != batch.practice_id:
                raise ValidationError("Not found in this practice.")
        if method not in ("check", "cash", "card", "eft"):
            raise ValidationError({"method": "Choose check, cash, card or EFT."})
        money = to_money(amount)
        if money <= 0:
            raise ValidationError({"amount": "A payment is more than zero."})
        payment = Payment.objects.create(practice_id=batch.practice_id, batch=batch, method=method, payer=payer,
                                         patient=patient, reference=reference.strip()[:50], amount=money,
                                         received_on=received_on)
        _allocations_add(payment, allocations)
    return payment


def _allocations_add(payment: Payment, allocations: Sequence[AllocationIn]) -> list[PaymentAllocation]:
    lines = {ln.pk: ln for ln in ChargeLine.objects.filter(pk__in=[a.line_id for a in allocations],
                                                             practice_id=payment.practice_id).select_related("encounter")}
    planned = PaymentAllocation.objects.filter(payment=payment, posted=False).aggregate(s=Sum("amount"))["s"] or ZERO
    total = planned + sum((to_money(a.amount) for a in allocations), ZERO)
    if total > payment.amount - payment.allocated - payment.refunded:
        raise ValidationError({"allocations": f"Allocations (${total}) exceed what is left of the payment "
                                              f"(${payment.amount - payment.allocated - payment.refunded})."})
    out = []
    for a in allocations:
        line = lines.get(a.line_id)
        if line is None:
            raise ValidationError({"allocations": f"Service line {a.line_id} is not in this practice."})
        if payment.patient_id and line.encounter.patient_id != payment.patient_id:
            raise ValidationError({"allocations": f"Service line {a.line_id} is not this patient's."})
        adj = to_money(a.adjustment)
        if adj and a.adjustment_group not in CAS_GROUPS:
            raise ValidationError({"allocations": "An adjustment needs its group (CO, PR, OA, PI)."})
        if to_money(a.amount) < 0 or to_money(a.patient_responsibility) < 0:
            raise ValidationError({"allocations": "Amounts cannot be negative."})
        out.append(PaymentAllocation(practice_id=payment.practice_id, payment=payment, line=line, amount=to_money(a.amount),
                                     adjustment=adj, adjustment_group=a.adjustment_group if adj else "",
                                     adjustment_reason=a.adjustment_reason[:5] if adj else "",
                                     patient_responsibility=to_money(a.patient_responsibility)))
    return PaymentAllocation.objects.bulk_create(out)


def batch_totals(batch: PaymentBatch) -> dict[str, Decimal]:
    entered = batch.payments.aggregate(s=Sum("amount"))["s"] or ZERO
    return {"expected": batch.expected_total, "entered": entered, "difference": batch.expected_total - entered}


def batch_commit(*, batch: PaymentBatch, user: Any = None) -> PaymentBatch:
    """Post every planned allocation, only when the payments add up to the batch total."""
    with transaction.atomic():
        batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != PaymentBatch.Status.OPEN:
            raise ValidationError("This batch is already committed.")
        totals = batch_totals(batch)
        if totals["difference"] != ZERO:
            raise ValidationError(f"The batch does not balance: expected ${totals['expected']}, entered "
                                  f"${totals['entered']} (difference ${totals['difference']}). Nothing was posted.")
        for payment in Payment.objects.select_for_update().filter(batch=batch).order_by("pk"):
            _post_allocations(payment, PaymentAllocation.objects.filter(payment=payment, posted=False).order_by("pk"),
                              day=batch.deposit_date, user=user)
        batch.status = PaymentBatch.Status.COMMITTED
        batch.committed_at = timezone.now()
        batch.committed_by = _user(user)
        batch.save()
    return batch


def _post_allocations(payment: Payment, allocations: Any, *, day: dt.date, user: Any) -> Decimal:
    rows = list(allocations)
    if not rows:
        return ZERO
    ctx = line_context(a.line_id for a in rows)
    payers = _line_payers([a.line_id for a in rows])
    txns = []
    claims: set[int] = set()
    for a in rows:
        practice, encounter, patient = ctx[a.line_id]
        base = {"practice_id": practice, "line_id": a.line_id, "encounter_id": encounter, "patient_id": patient,
                "posted_on": day, "allocation_id": a.pk}
        key = f"alloc:{a.pk}"
        txn = Txn(practice_id=practice, kind=LedgerTransaction.Kind.MANUAL, source_key=key, payment_id=payment.pk,
                  description=f"{payment.get_method_display()} {payment.reference}".strip())
        if payment.payer_id:
            if a.amount:
                txn.entries.append(Entry(**base, bucket=Bucket.INSURANCE, payer_id=payment.payer_id,
                                         kind=EntryKind.INSURANCE_PAYMENT, category=Category.PAYMENT, amount=-a.amount,
                                         source_key=f"{key}:pay"))
            if a.adjustment:
                txn.entries.append(Entry(**base, bucket=Bucket.INSURANCE, payer_id=payment.payer_id,
                                         kind=EntryKind.ADJUSTMENT, category=Category.ADJUSTMENT, amount=-a.adjustment,
                                         cas_group=a.adjustment_group, carc=a.adjustment_reason, source_key=f"{key}:adj"))
            if a.patient_responsibility:
                txn.entries += transfer_pair(base, amount=a.patient_responsibility, kind=EntryKind.TRANSFER_TO_PATIENT,
                                             from_payer=payment.payer_id, to_payer=None, key=f"{key}:pr", cas_group="PR")
            claims.update(payers.get(a.line_id, ()))
        else:
            txn.entries.append(Entry(**base, bucket=Bucket.PATIENT, payer_id=None, kind=EntryKind.PATIENT_PAYMENT,
                                     category=Category.PAYMENT, amount=-a.amount, source_key=f"{key}:pay"))
        txns.append(txn)
    txns_write(txns, user=user)
    total = sum((a.amount for a in rows), ZERO)
    PaymentAllocation.objects.filter(pk__in=[a.pk for a in rows]).update(posted=True)
    Payment.objects.filter(pk=payment.pk).update(allocated=F("allocated") + total)
    claim_balances_refresh(claim_ids=claims)
    return total


def _line_payers(line_ids: list[int]) -> dict[int, set[int]]:
    from claims.models import ClaimLine

    out: dict[int, set[int]] = {}
    for line_id, claim_id in ClaimLine.objects.filter(charge_line_id__in=line_ids).values_list("charge_line_id", "claim_id"):
        out.setdefault(line_id, set()).add(claim_id)
    return out


def credit_apply(*, payment: Payment, allocations: Sequence[AllocationIn], user: Any = None) -> Payment:
    """Apply part of an unapplied credit (of a committed batch) to service lines now."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("batch").get(pk=payment.pk)
        if payment.batch.status != PaymentBatch.Status.COMMITTED:
            raise ValidationError("Allocate in the batch; credits exist once the batch is committed.")
        created = _allocations_add(payment, allocations)
        _post_allocations(payment, PaymentAllocation.objects.filter(pk__in=[a.pk for a in created]),
                          day=timezone.localdate(), user=user)
        payment.refresh_from_db()
    return payment


def credit_refund(*, payment: Payment, amount: Decimal | str, reason: str = "", reference: str = "",
                  user: Any = None) -> CreditRefund:
    """Give back part of a payment's unapplied credit."""
    money = to_money(amount)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("batch").get(pk=payment.pk)
        if payment.batch.status != PaymentBatch.Status.COMMITTED:
            raise ValidationError("Only money of a committed batch can be refunded.")
        left = payment.amount - payment.allocated - payment.refunded
        if money <= 0 or money > left:
            raise ValidationError({"amount": f"Refund between $0.01 and the unapplied ${left}."})
        refund = CreditRefund.objects.create(practice_id=payment.practice_id, payment=payment, amount=money,
                                             reason=reason[:200], reference=reference[:50], created_by=_user(user))
        Payment.objects.filter(pk=payment.pk).update(refunded=F("refunded") + money)
    return refund


def line_refund(*, line: ChargeLine, amount: Decimal | str, reason: str = "", user: Any = None) -> None:
    """Refund a patient's credit balance on a service line (the line was overpaid): a refund entry."""
    money = to_money(amount)
    with transaction.atomic():
        row = LedgerBalance.objects.select_for_update().filter(line=line, bucket=Bucket.PATIENT).first()
        credit = -(row.balance if row else ZERO)
        if money <= 0 or money > credit:
            raise ValidationError({"amount": f"The patient's credit on this line is ${max(credit, ZERO)}."})
        practice, encounter, patient = line_context([line.pk])[line.pk]
        n = LedgerTransaction.objects.filter(source_key__startswith=f"refund:{line.pk}:").count() + 1
        txn = Txn(practice_id=practice, kind=LedgerTransaction.Kind.REFUND, source_key=f"refund:{line.pk}:{n}",
                  description=reason[:200] or "patient refund")
        txn.entries.append(Entry(practice_id=practice, line_id=line.pk, encounter_id=encounter, patient_id=patient,
                                 bucket=Bucket.PATIENT, payer_id=None, kind=EntryKind.REFUND, category=Category.PAYMENT,
                                 amount=money, source_key=f"refund:{line.pk}:{n}:pay", posted_on=timezone.localdate()))
        txns_write([txn], user=user)


def payment_allocate(*, payment: Payment, allocations: Sequence[AllocationIn], user: Any = None) -> Payment:
    """Plan allocations on an open batch's payment (posted at commit), or apply a committed payment's credit now."""
    if not allocations:
        raise ValidationError({"allocations": "Enter an amount for at least one line."})
    if payment.batch.status == PaymentBatch.Status.COMMITTED:
        return credit_apply(payment=payment, allocations=allocations, user=user)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if PaymentBatch.objects.get(pk=locked.batch_id).status != PaymentBatch.Status.OPEN:
            raise ValidationError("This batch was committed meanwhile; reload.")
        _allocations_add(locked, allocations)
    return locked
