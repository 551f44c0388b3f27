"""Reads of the payments app: balances (from the indexed summary), aging, ledgers, queues."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet, Sum

from payments.models import (
    Bucket,
    LedgerBalance,
    LedgerEntry,
    Payment,
    PaymentBatch,
    RemitClaim,
    RemitException,
    Remittance,
    Underpayment,
)

ZERO = Decimal("0.00")
AGING_KEYS = ("current", "31_60", "61_90", "over_90")


def _bucket_of(age: int) -> str:
    return "current" if age <= 30 else "31_60" if age <= 60 else "61_90" if age <= 90 else "over_90"


@dataclass
class PatientBalance:
    patient_id: int
    balance: Decimal
    aging: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(AGING_KEYS, ZERO))
    oldest: dt.date | None = None


def patient_balances(*, practice_id: int, as_of: dt.date, minimum: Decimal = Decimal("0.01"),
                     patient_ids: Iterable[int] | None = None) -> list[PatientBalance]:
    """Patients owing at least `minimum`, with FIFO aging: payments and credits settle the oldest amounts first."""
    qs = LedgerBalance.objects.filter(practice_id=practice_id, bucket=Bucket.PATIENT)
    if patient_ids is not None:
        qs = qs.filter(patient_id__in=list(patient_ids))
    owing = {pid: bal for pid, bal in qs.values_list("patient_id").annotate(b=Sum("balance")).order_by()
             if bal >= minimum}
    if not owing:
        return []
    increases: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    decreases: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for pid, day, positive, amount in _patient_movements(practice_id, list(owing)):
        if positive:
            increases[pid].append((day, amount))
        else:
            decreases[pid] += -amount
    out = []
    for pid, balance in owing.items():
        pb = PatientBalance(pid, balance)
        paid = decreases[pid]
        for day, amount in sorted(increases[pid]):
            used = min(paid, amount)
            paid -= used
            left = amount - used
            if left > 0:
                pb.aging[_bucket_of((as_of - day).days)] += left
                pb.oldest = pb.oldest or day
        out.append(pb)
    out.sort(key=lambda p: (-p.balance, p.patient_id))
    return out


def _patient_movements(practice_id: int, patient_ids: list[int]) -> list[tuple[int, dt.date, bool, Decimal]]:
    rows = (LedgerEntry.objects.filter(line_id__in=_lines_of(patient_ids), bucket=Bucket.PATIENT)
            .values_list("patient_id", "posted_on").annotate(pos=Sum("amount", filter=_positive()),
                                                             neg=Sum("amount", filter=~_positive())).order_by())
    out = []
    for pid, day, pos, neg in rows:
        if pos:
            out.append((pid, day, True, pos))
        if neg:
            out.append((pid, day, False, neg))
    return out


def _lines_of(patient_ids: list[int]) -> Any:
    """The service lines of these patients (entries are indexed by line, not by patient)."""
    return LedgerBalance.objects.filter(patient_id__in=patient_ids).values("line_id").distinct()


def _positive() -> Any:
    from django.db.models import Q

    return Q(amount__gt=0)


def patient_ledger(*, patient_id: int) -> dict[str, Any]:
    """A patient's service lines with every entry and the balances by bucket."""
    entries = list(LedgerEntry.objects.filter(line_id__in=_lines_of([patient_id])).select_related("line", "payer", "claim",
                                                                                                  "encounter")
                   .order_by("encounter__date_of_service", "line_id", "id"))
    lines: dict[int, dict[str, Any]] = {}
    for e in entries:
        row = lines.setdefault(e.line_id, {"line": e.line, "encounter": e.encounter, "entries": [],
                                           "insurance": ZERO, "patient": ZERO, "balance": ZERO})
        row["entries"].append(e)
        row["balance"] += e.amount
        row["insurance" if e.bucket == Bucket.INSURANCE else "patient"] += e.amount
    totals = LedgerBalance.objects.filter(patient_id=patient_id).aggregate(
        t_charges=Sum("charges"), t_payments=Sum("payments"), t_adjustments=Sum("adjustments"), t_balance=Sum("balance"),
        t_patient=Sum("balance", filter=_bucket(Bucket.PATIENT)), t_insurance=Sum("balance", filter=_bucket(Bucket.INSURANCE)))
    return {"lines": list(lines.values()), "totals": {k[2:]: v or ZERO for k, v in totals.items()}, "entries": entries}


def _bucket(bucket: str) -> Any:
    from django.db.models import Q

    return Q(bucket=bucket)


def line_balances(*, line_ids: Iterable[int]) -> dict[int, dict[str, Decimal]]:
    out: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"insurance": ZERO, "patient": ZERO, "balance": ZERO,
                                                             "charges": ZERO})
    for line_id, bucket, balance, charges in LedgerBalance.objects.filter(line_id__in=list(line_ids)).values_list(
            "line_id", "bucket", "balance", "charges"):
        out[line_id]["insurance" if bucket == Bucket.INSURANCE else "patient"] += balance
        out[line_id]["balance"] += balance
        out[line_id]["charges"] += charges
    return out


def payer_balances(*, practice_id: int) -> list[dict[str, Any]]:
    return list(LedgerBalance.objects.filter(practice_id=practice_id, bucket=Bucket.INSURANCE)
                .values("payer_id", "payer__name").annotate(owed=Sum("balance"), billed=Sum("charges"),
                                                            paid=Sum("payments")).order_by("-owed"))


def remittances_for(*, practice_id: int) -> QuerySet[Remittance]:
    return Remittance.objects.filter(practice_id=practice_id).defer("content").order_by("-created_at", "-id")


def remittance_detail(*, remittance: Remittance) -> dict[str, Any]:
    claims = list(RemitClaim.objects.filter(transaction__remittance=remittance)
                  .select_related("transaction", "claim", "exception").prefetch_related("lines")
                  .order_by("transaction_id", "seq"))
    return {"transactions": list(remittance.transactions.select_related("payer").prefetch_related("provider_adjustments")),
            "claims": claims}


def exceptions_for(*, practice_id: int, status: str = RemitException.Status.OPEN) -> QuerySet[RemitException]:
    qs = RemitException.objects.filter(practice_id=practice_id).select_related("remit_claim__transaction__remittance")
    return qs.filter(status=status) if status else qs


def underpayments_for(*, practice_id: int, status: str = "") -> QuerySet[Underpayment]:
    qs = Underpayment.objects.filter(practice_id=practice_id).select_related("payer", "claim")
    return qs.filter(status=status) if status else qs


def credits_for(*, practice_id: int) -> QuerySet[Payment]:
    """Payments of committed batches with money not yet applied or refunded."""
    return (Payment.objects.filter(practice_id=practice_id, batch__status=PaymentBatch.Status.COMMITTED,
                                   amount__gt=F("allocated") + F("refunded"))
            .select_related("batch", "payer", "patient").order_by("received_on", "pk"))


def open_lines_for_patient(*, patient_id: int) -> list[dict[str, Any]]:
    """Service lines with a balance, for the allocation form."""
    rows = (LedgerBalance.objects.filter(patient_id=patient_id).values("line_id", "line__code", "encounter__date_of_service")
            .annotate(t_balance=Sum("balance"), patient=Sum("balance", filter=_bucket(Bucket.PATIENT)),
                      insurance=Sum("balance", filter=_bucket(Bucket.INSURANCE)))
            .order_by("encounter__date_of_service", "line_id"))
    return [{**r, "balance": r.pop("t_balance")} for r in rows if r["t_balance"]]
