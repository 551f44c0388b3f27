"""Reads for interop pages, the API and the exports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum

from interop.models import CsvImport, Hl7Sender, InboundMessage

ZERO = Decimal("0.00")


def messages_for(*, practice_id: int, status: str = "", fmt: str = "", query: str = "") -> QuerySet[InboundMessage]:
    qs = InboundMessage.objects.filter(practice_id=practice_id).defer("raw", "ack")
    if status:
        qs = qs.filter(status=status)
    if fmt:
        qs = qs.filter(format=fmt)
    if query.strip():
        q = query.strip()
        qs = qs.filter(control_id__icontains=q) | qs.filter(message_type__icontains=q) | qs.filter(reference__icontains=q)
    return qs.order_by("-received_at", "-id")


def message_counts(*, practice_id: int) -> dict[str, int]:
    rows = InboundMessage.objects.filter(practice_id=practice_id).values_list("status").annotate(n=Count("id")).order_by()
    return {status: n for status, n in rows}


def senders_for(*, practice_id: int) -> QuerySet[Hl7Sender]:
    return Hl7Sender.objects.filter(practice_id=practice_id).select_related("default_location")


def csv_imports_for(*, practice_id: int) -> QuerySet[CsvImport]:
    return CsvImport.objects.filter(practice_id=practice_id).defer("content").order_by("-created_at", "-id")


# --- adjudication, read from the payments ledger ------------------------------------------------------
@dataclass
class LineAdjudication:
    paid: Decimal = ZERO
    adjustments: dict[tuple[str, str], Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    patient_responsibility: dict[str, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    last_paid_on: dt.date | None = None


def claim_adjudication(*, claim: Any) -> dict[int, LineAdjudication]:
    """Per claim line: what the payer paid, what it adjusted (by CAS group and reason) and what it made the
    patient's (PR, by reason), netting reversals, from the append-only ledger the 835 posting writes."""
    from payments.models import Bucket, Category, LedgerEntry

    out: dict[int, LineAdjudication] = defaultdict(LineAdjudication)
    rows = (LedgerEntry.objects.filter(claim_id=claim.pk, claim_line__isnull=False).exclude(category=Category.CHARGE)
            .values_list("claim_line_id", "category", "bucket", "payer_id", "cas_group", "carc")
            .annotate(total=Sum("amount")).order_by())
    for line_id, category, bucket, payer_id, group, carc, total in rows:
        adj = out[line_id]
        if category == Category.PAYMENT and bucket == Bucket.INSURANCE:
            adj.paid += -total
        elif category == Category.ADJUSTMENT:
            adj.adjustments[(group or "OA", carc or "")] += -total
        elif category == Category.TRANSFER and group == "PR" and not (bucket == Bucket.INSURANCE and payer_id == claim.payer_id):
            adj.patient_responsibility[carc or ""] += total
    for line_id, day in (LedgerEntry.objects.filter(claim_id=claim.pk, category=Category.PAYMENT, claim_line__isnull=False)
                         .order_by("claim_line_id", "posted_on").values_list("claim_line_id", "posted_on")):
        out[line_id].last_paid_on = day
    return dict(out)
