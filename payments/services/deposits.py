"""Bank deposits: import (CSV with a column mapping, or BAI2), match to ERAs and batches, reconcile, close.

A deposit matches an ERA when its reference is the ERA's TRN02 (the EFT trace, or the check number of a
paper remittance), and a manual batch when its reference is the check number of one of the batch's
payments. The period's reconciliation lists matched pairs with their differences, ERAs and batches with
no deposit, and deposits with no ERA or batch; a manager closes the period only when all three are empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from payments.models import (
    BankDeposit,
    BankImport,
    Payment,
    PaymentBatch,
    PeriodClose,
    Remittance,
    RemitTransaction,
)
from rcm.money import to_money

ZERO = Decimal("0.00")
TRACE_IN_TEXT = re.compile(r"TRN\*1\*([A-Za-z0-9]+)")


@dataclass(frozen=True)
class DepositIn:
    deposited_on: dt.date
    amount: Decimal
    reference: str = ""
    description: str = ""


@dataclass(frozen=True)
class CsvMapping:
    """Which column holds what, and how dates are written (strptime format)."""

    date: str = "Date"
    amount: str = "Amount"
    reference: str = "Reference"
    description: str = "Description"
    date_format: str = "%Y-%m-%d"


def parse_csv(text: str, mapping: CsvMapping) -> list[DepositIn]:
    """Credits from a bank CSV export; debits (negative amounts) are skipped. Errors name the row."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in (mapping.date, mapping.amount) if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError({"mapping": f"The file has no column {', '.join(repr(m) for m in missing)} "
                                          f"(columns: {', '.join(reader.fieldnames or [])})."})
    out = []
    for n, row in enumerate(reader, start=2):
        try:
            day = dt.datetime.strptime(row[mapping.date].strip(), mapping.date_format).date()
            amount = to_money(row[mapping.amount])
        except (ValueError, TypeError) as exc:
            raise ValidationError(f"Row {n}: {exc}") from exc
        if amount <= 0:
            continue
        out.append(DepositIn(day, amount, (row.get(mapping.reference) or "").strip()[:80],
                             (row.get(mapping.description) or "").strip()[:200]))
    return out


def parse_bai2(text: str) -> list[DepositIn]:
    """Credit transactions (type codes 100-399) of every account in a BAI2 file, via the `bai2` library."""
    from bai2 import bai2
    from bai2.constants import TypeCodeTransaction

    try:
        parsed = bai2.parse_from_string(text, check_integrity=True)
    except Exception as exc:  # the library raises its own ParsingException / IntegrityException
        raise ValidationError(f"Not a valid BAI2 file: {exc}") from exc
    out = []
    for group in parsed.children:
        day = group.header.as_of_date
        for account in group.children:
            for detail in account.children:
                if detail.type_code.transaction != TypeCodeTransaction.credit:
                    continue
                text_field = detail.text or ""
                found = TRACE_IN_TEXT.search(text_field)
                reference = found.group(1) if found else (detail.customer_reference or detail.bank_reference or "")
                out.append(DepositIn(day, (Decimal(detail.amount) / 100).quantize(Decimal("0.01")), reference.strip()[:80],
                                     text_field.strip()[:200]))
    return out


def deposits_import(*, practice_id: int, content: bytes | str, filename: str, kind: str, mapping: CsvMapping | None = None,
                    user: Any = None) -> dict[str, int]:
    """Store the deposits of a bank file (once per file and once per deposit), then match them."""
    raw = content if isinstance(content, bytes) else content.encode()
    text = raw.decode("utf-8", errors="replace")
    rows = parse_bai2(text) if kind == BankImport.Kind.BAI2 else parse_csv(text, mapping or CsvMapping())
    digest = hashlib.sha256(raw).hexdigest()
    with transaction.atomic():
        try:
            with transaction.atomic():
                imp = BankImport.objects.create(practice_id=practice_id, kind=kind, filename=filename[:200], sha256=digest,
                                                rows=len(rows), created_by=user if getattr(user, "is_authenticated", False)
                                                else None)
        except IntegrityError:
            return {"deposits": 0, "duplicates": len(rows), "matched": 0, "already_imported": 1}
        closed = _closed_ranges(practice_id)
        created = dupes = 0
        for i, r in enumerate(rows):
            if any(a <= r.deposited_on <= b for a, b in closed):
                raise ValidationError(f"A deposit on {r.deposited_on} falls in a closed period; nothing was imported.")
            identity = hashlib.sha256(f"{r.deposited_on}|{r.amount}|{r.reference}|{r.description}|"
                                      f"{sum(1 for x in rows[:i] if x == r)}".encode()).hexdigest()
            _obj, made = BankDeposit.objects.get_or_create(
                practice_id=practice_id, identity=identity,
                defaults={"bank_import": imp, "deposited_on": r.deposited_on, "amount": r.amount, "reference": r.reference,
                          "description": r.description})
            created += made
            dupes += not made
        matched = deposits_match(practice_id=practice_id)
    return {"deposits": created, "duplicates": dupes, "matched": matched, "already_imported": 0}


def deposit_add(*, practice_id: int, deposit: DepositIn) -> BankDeposit:
    identity = hashlib.sha256(f"manual|{deposit.deposited_on}|{deposit.amount}|{deposit.reference}|"
                              f"{BankDeposit.objects.filter(practice_id=practice_id).count()}".encode()).hexdigest()
    obj = BankDeposit.objects.create(practice_id=practice_id, identity=identity, deposited_on=deposit.deposited_on,
                                     amount=to_money(deposit.amount), reference=deposit.reference[:80],
                                     description=deposit.description[:200])
    deposits_match(practice_id=practice_id)
    obj.refresh_from_db()
    return obj


def deposits_match(*, practice_id: int) -> int:
    """Link unmatched deposits to unmatched ERAs (TRN02) and batches (a payment's check number)."""
    matched = 0
    with transaction.atomic():
        taken_txn = set(BankDeposit.objects.filter(practice_id=practice_id, remit_transaction__isnull=False)
                        .values_list("remit_transaction_id", flat=True))
        taken_batch = set(BankDeposit.objects.filter(practice_id=practice_id, batch__isnull=False)
                          .values_list("batch_id", flat=True))
        for dep in BankDeposit.objects.select_for_update().filter(practice_id=practice_id, remit_transaction__isnull=True,
                                                                  batch__isnull=True).exclude(reference="").order_by("pk"):
            txn = (RemitTransaction.objects.filter(practice_id=practice_id, trace_number=dep.reference)
                   .exclude(pk__in=taken_txn).exclude(remittance__status=Remittance.Status.REJECTED).order_by("pk").first())
            if txn is not None:
                dep.remit_transaction, dep.match_method = txn, "trace"
                taken_txn.add(txn.pk)
            else:
                pay = (Payment.objects.filter(practice_id=practice_id, reference=dep.reference,
                                              batch__status=PaymentBatch.Status.COMMITTED)
                       .exclude(batch_id__in=taken_batch).order_by("pk").first())
                if pay is None:
                    continue
                dep.batch_id, dep.match_method = pay.batch_id, "check"
                taken_batch.add(pay.batch_id)
            dep.save(update_fields=["remit_transaction", "batch", "match_method"])
            matched += 1
    return matched


def deposit_link(*, deposit: BankDeposit, remit_transaction: RemitTransaction | None = None,
                 batch: PaymentBatch | None = None) -> BankDeposit:
    """A biller pairs a deposit by hand (a trace the bank shortened, a batch deposited under another number)."""
    if (remit_transaction is None) == (batch is None):
        raise ValidationError("Choose one ERA payment or one batch.")
    for obj in (remit_transaction, batch):
        if obj is not None and obj.practice_id != deposit.practice_id:
            raise ValidationError("Not found in this practice.")
    if remit_transaction is not None and BankDeposit.objects.filter(remit_transaction=remit_transaction).exclude(
            pk=deposit.pk).exists():
        raise ValidationError("That ERA payment is already matched to another deposit.")
    deposit.remit_transaction, deposit.batch, deposit.match_method = remit_transaction, batch, "manual"
    deposit.save(update_fields=["remit_transaction", "batch", "match_method"])
    return deposit


@dataclass
class Reconciliation:
    start: dt.date
    end: dt.date
    matched: list[dict[str, Any]] = field(default_factory=list)
    unmatched_eras: list[RemitTransaction] = field(default_factory=list)
    unmatched_batches: list[PaymentBatch] = field(default_factory=list)
    unmatched_deposits: list[BankDeposit] = field(default_factory=list)
    closed: PeriodClose | None = None

    @property
    def differences(self) -> list[dict[str, Any]]:
        return [m for m in self.matched if m["difference"] != ZERO]

    @property
    def reconciles(self) -> bool:
        return not (self.unmatched_eras or self.unmatched_batches or self.unmatched_deposits or self.differences)

    def summary(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "matched": len(self.matched),
                "unmatched_eras": len(self.unmatched_eras), "unmatched_batches": len(self.unmatched_batches),
                "unmatched_deposits": len(self.unmatched_deposits), "differences": len(self.differences),
                "deposited": f"{sum((m['deposit'].amount for m in self.matched), ZERO):.2f}", "reconciles": self.reconciles}


def reconciliation(*, practice_id: int, start: dt.date, end: dt.date) -> Reconciliation:
    rec = Reconciliation(start, end)
    deposits = list(BankDeposit.objects.filter(practice_id=practice_id, deposited_on__range=(start, end))
                    .select_related("remit_transaction", "batch").order_by("deposited_on", "pk"))
    for d in deposits:
        if d.remit_transaction_id:
            expected = d.remit_transaction.total_paid  # type: ignore[union-attr]
            what = f"ERA {d.remit_transaction.payer_name} {d.remit_transaction.trace_number}"  # type: ignore[union-attr]
        elif d.batch_id:
            expected = d.batch.expected_total  # type: ignore[union-attr]
            what = f"Batch {d.batch.name}"  # type: ignore[union-attr]
        else:
            rec.unmatched_deposits.append(d)
            continue
        rec.matched.append({"deposit": d, "what": what, "expected": expected, "difference": d.amount - expected})
    rec.unmatched_eras = list(RemitTransaction.objects.filter(practice_id=practice_id, payment_date__range=(start, end),
                                                              total_paid__gt=0, deposits__isnull=True)
                              .exclude(remittance__status=Remittance.Status.REJECTED).order_by("payment_date", "pk"))
    rec.unmatched_batches = list(PaymentBatch.objects.filter(practice_id=practice_id, deposit_date__range=(start, end),
                                                             status=PaymentBatch.Status.COMMITTED, deposits__isnull=True)
                                 .order_by("deposit_date", "pk"))
    rec.closed = PeriodClose.objects.filter(practice_id=practice_id, period_start=start).first()
    return rec


def period_close(*, practice_id: int, start: dt.date, end: dt.date, user: Any = None) -> PeriodClose:
    """Close a reconciled period; refused (and nothing written) while anything is unmatched or differs."""
    if end < start:
        raise ValidationError("The period ends before it starts.")
    with transaction.atomic():
        if PeriodClose.objects.filter(practice_id=practice_id).filter(Q(period_start__lte=end, period_end__gte=start)).exists():
            raise ValidationError("This period (or part of it) is already closed.")
        rec = reconciliation(practice_id=practice_id, start=start, end=end)
        if not rec.reconciles:
            s = rec.summary()
            raise ValidationError(f"The period does not reconcile: {s['unmatched_eras']} ERA payment(s) and "
                                  f"{s['unmatched_batches']} batch(es) without a deposit, {s['unmatched_deposits']} "
                                  f"deposit(s) without an ERA or batch, {s['differences']} amount difference(s).")
        return PeriodClose.objects.create(practice_id=practice_id, period_start=start, period_end=end, summary=rec.summary(),
                                          closed_by=user if getattr(user, "is_authenticated", False) else None)


def _closed_ranges(practice_id: int) -> list[tuple[dt.date, dt.date]]:
    return list(PeriodClose.objects.filter(practice_id=practice_id).values_list("period_start", "period_end"))
