"""Patient statements: a run (a Celery job) makes one PDF per patient who owes, and a batch file for mailing.

Dunning follows the age of the oldest amount still owed: under 30 days a plain statement, then a reminder
(30), past due (60) and a final notice (90). A patient who was sent a statement in the last 28 days is
skipped (one cycle a month), and every statement sent is kept (PDF, amount, aging, level) as the history.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum

from billing.models import Patient, Practice
from payments.models import Bucket, LedgerBalance, LedgerEntry, Statement, StatementRun
from payments.selectors import _lines_of, patient_balances
from payments.services.ledger import ledger_sync_charges
from payments.statement_pdf import StatementData, StatementItem, render_statement_pdf

ZERO = Decimal("0.00")
CYCLE_DAYS = 28
JOB_KIND = "payments.statements"


def dunning_level(oldest: dt.date | None, as_of: dt.date) -> int:
    age = (as_of - oldest).days if oldest else 0
    return 90 if age > 90 else 60 if age > 60 else 30 if age > 30 else 0


def statement_run_start(*, practice_id: int, as_of: dt.date, minimum: Decimal = Decimal("5.00"), user: Any = None
                        ) -> StatementRun:
    """Create the run and its job; the worker makes the statements after this transaction commits."""
    from rcm.jobs import job_enqueue

    with transaction.atomic():
        run = StatementRun.objects.create(practice_id=practice_id, as_of=as_of, minimum_balance=minimum,
                                          created_by=user if getattr(user, "is_authenticated", False) else None)
        job = job_enqueue(kind=JOB_KIND, practice_id=practice_id, params={"run_id": run.pk}, user=user,
                          idempotency_key=f"statements:{run.pk}")
        StatementRun.objects.filter(pk=run.pk).update(job=job)
        run.job = job
    return run


def statement_run_execute(*, run_id: int, progress: Any = None) -> dict[str, Any]:
    """Make the run's statements (idempotent: patients already in the run are skipped)."""
    run = StatementRun.objects.select_related("practice").get(pk=run_id)
    if run.status == StatementRun.Status.DONE:
        return {"statements": run.statement_count, "total_due": f"{run.total_due:.2f}"}
    ledger_sync_charges(practice_id=run.practice_id, self_pay=True)
    balances = patient_balances(practice_id=run.practice_id, as_of=run.as_of, minimum=run.minimum_balance)
    recent = dict(Statement.objects.filter(practice_id=run.practice_id, patient_id__in=[b.patient_id for b in balances])
                  .exclude(run=run).values_list("patient_id").annotate(last=Max("sent_on")).order_by())
    todo = [b for b in balances if not (b.patient_id in recent and (run.as_of - recent[b.patient_id]).days < CYCLE_DAYS)]
    done_ids = set(Statement.objects.filter(run=run).values_list("patient_id", flat=True))
    patients = Patient.objects.in_bulk([b.patient_id for b in todo])
    practice = run.practice
    for i in range(0, len(todo), 200):
        chunk = [b for b in todo[i:i + 200] if b.patient_id not in done_ids]
        items = _items([b.patient_id for b in chunk])
        rows = []
        for b in chunk:
            p = patients[b.patient_id]
            level = dunning_level(b.oldest, run.as_of)
            data = StatementData(
                practice_name=practice.name, practice_address=_address(practice), practice_phone=_phone(practice.phone),
                patient_name=f"{p.first_name} {p.last_name}", patient_address=_address(p), account=p.mrn,
                statement_date=run.as_of.strftime("%m/%d/%Y"), amount_due=b.balance, aging=b.aging, level=level,
                items=items.get(b.patient_id, []))
            rows.append(Statement(practice_id=run.practice_id, run=run, patient_id=b.patient_id, amount_due=b.balance,
                                  aging={k: f"{v:.2f}" for k, v in b.aging.items()}, level=level,
                                  lines=[_item_json(it) for it in data.items], pdf=render_statement_pdf(data),
                                  sent_on=run.as_of))
        Statement.objects.bulk_create(rows, ignore_conflicts=True)
        if progress:
            progress(min(len(todo), i + 200), len(todo))
    return _finish(run)


def _finish(run: StatementRun) -> dict[str, Any]:
    statements = list(Statement.objects.filter(run=run).select_related("patient").order_by("patient__last_name", "pk"))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["statement", "account", "first_name", "last_name", "address_line1", "address_line2", "city", "state", "zip",
                "amount_due", "level", "current", "31_60", "61_90", "over_90"])
    for s in statements:
        p = s.patient
        w.writerow([s.pk, p.mrn, p.first_name, p.last_name, p.address_line1, p.address_line2, p.city, p.state, p.zip_code,
                    f"{s.amount_due:.2f}", s.level, *[s.aging.get(k, "0.00") for k in ("current", "31_60", "61_90", "over_90")]])
    total = sum((s.amount_due for s in statements), ZERO)
    StatementRun.objects.filter(pk=run.pk).update(status=StatementRun.Status.DONE, statement_count=len(statements),
                                                  total_due=total, batch_file=buf.getvalue())
    return {"statements": len(statements), "total_due": f"{total:.2f}"}


def _items(patient_ids: list[int]) -> dict[int, list[StatementItem]]:
    """Itemized service lines that still have a patient balance (or patient activity)."""
    agg: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for line_id, category, bucket, amount in LedgerEntry.objects.filter(line_id__in=_lines_of(patient_ids)).values_list(
            "line_id", "category", "bucket").annotate(s=Sum("amount")).order_by():
        row = agg[line_id]
        if category == "charge":
            row["charge"] += amount
        elif category == "payment":
            row["insurance_paid" if bucket == Bucket.INSURANCE else "patient_paid"] -= amount
        elif category == "adjustment":
            row["adjustments"] -= amount
    due = dict(LedgerBalance.objects.filter(patient_id__in=patient_ids, bucket=Bucket.PATIENT)
               .values_list("line_id").annotate(b=Sum("balance")).order_by())
    out: dict[int, list[StatementItem]] = defaultdict(list)
    from billing.models import ChargeLine

    for line in ChargeLine.objects.filter(pk__in=[lid for lid, b in due.items() if b]).select_related("encounter").order_by(
            "encounter__date_of_service", "line_number"):
        a = agg[line.pk]
        out[line.encounter.patient_id].append(StatementItem(
            date=line.encounter.date_of_service.strftime("%m/%d/%Y"), code=line.code, description=_label(line.code),
            charge=a["charge"], insurance_paid=a["insurance_paid"], adjustments=a["adjustments"],
            patient_paid=a["patient_paid"], due=due[line.pk]))
    return out


def _label(code: str) -> str:
    if code.startswith("992"):
        return "Office visit"
    if code.startswith(("111", "113", "114", "116")):
        return "Skin procedure"
    if code.startswith("17"):
        return "Lesion treatment"
    return "Service"


def _item_json(it: StatementItem) -> dict[str, str]:
    return {"date": it.date, "code": it.code, "charge": f"{it.charge:.2f}", "insurance_paid": f"{it.insurance_paid:.2f}",
            "adjustments": f"{it.adjustments:.2f}", "patient_paid": f"{it.patient_paid:.2f}", "due": f"{it.due:.2f}"}


def _address(obj: Patient | Practice) -> list[str]:
    lines = [obj.address_line1, obj.address_line2, f"{obj.city}, {obj.state} {obj.zip_code[:5]}"]
    return [x for x in lines if x]


def _phone(phone: str) -> str:
    return f"({phone[:3]}) {phone[3:6]}-{phone[6:]}" if len(phone) == 10 else phone
