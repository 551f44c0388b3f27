"""Reads of the shared model. Callers pass the practice ids the user may see."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from billing.models import ChargeLine, Coverage, Encounter, FeeScheduleEntry, Patient


def fee_for(*, practice_id: int, code: str, modifiers: list[str], on: dt.date, payer_id: int | None = None) -> Decimal | None:
    """The unit fee for a code on a date: the practice's charge, or a payer's allowed amount when payer_id is given.

    An entry for the line's first modifier wins over the code's plain entry.
    """
    qs = FeeScheduleEntry.objects.filter(
        practice_id=practice_id, code=code.upper(), schedule__effective_from__lte=on,
    ).filter(Q(schedule__effective_to__isnull=True) | Q(schedule__effective_to__gte=on))
    qs = qs.filter(schedule__kind="allowed", schedule__payer_id=payer_id) if payer_id else qs.filter(schedule__kind="charge")
    wanted = [m for m in modifiers[:1]] + [""]
    rows = {e.modifier: e.amount for e in qs.filter(modifier__in=wanted).order_by("-schedule__effective_from")}
    for modifier in wanted:
        if modifier in rows:
            return rows[modifier]
    return None


def patients_search(*, practice_ids: list[int], query: str = "") -> QuerySet[Patient]:
    qs = Patient.objects.filter(practice_id__in=practice_ids)
    query = query.strip()
    if query:
        terms = query.replace(",", " ").split()
        for term in terms:
            qs = qs.filter(Q(last_name__istartswith=term) | Q(first_name__istartswith=term) | Q(mrn__iexact=term))
    return qs.order_by("last_name", "first_name", "id")


def coverage_active(*, patient: Patient, on: dt.date, priority: int = 1) -> Coverage | None:
    return (
        Coverage.objects.filter(patient=patient, priority=priority, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .select_related("payer")
        .order_by("-effective_from")
        .first()
    )


def encounters_with_totals(qs: QuerySet[Encounter]) -> QuerySet[Encounter]:
    return qs.select_related("patient", "provider", "location").annotate(
        total_charge=Sum("charge_lines__charge_amount"), line_count=Count("charge_lines", distinct=True))


def dashboard_summary(*, practice_id: int) -> dict[str, Any]:
    """Counts and charge totals by encounter status, computed in two aggregate queries."""
    counts = dict(Encounter.objects.filter(practice_id=practice_id).values_list("status").annotate(n=Count("id")))
    totals = dict(
        ChargeLine.objects.filter(practice_id=practice_id).values_list("encounter__status").annotate(t=Sum("charge_amount"))
    )
    rows = []
    for status, label in Encounter.Status.choices:
        rows.append({"status": status, "label": label, "encounters": counts.get(status, 0),
                     "charges": totals.get(status) or Decimal("0.00")})
    return {
        "rows": rows,
        "encounters": sum(r["encounters"] for r in rows),
        "charges": sum((r["charges"] for r in rows), Decimal("0.00")),
    }
