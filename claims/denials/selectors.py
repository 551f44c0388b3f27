"""Reads of the denial work: the queue grouped by category, and denial rates for the analytics page.

A denial rate is denial cases (277CA rejections and 835 denials) over claims submitted, both counted in
the same window: by payer, by rendering provider, by month; categories and codes are shares of the cases.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from claims.denials.categories import CATEGORIES, LABELS, next_action
from claims.denials.models import DenialCase
from claims.models import ClaimStatusEvent

OPEN = ("open", "appealed")


def denial_queue(*, practice_id: int, status: str = "open", category: str = "") -> list[dict[str, Any]]:
    """Cases grouped by category (in the categories' order), each with the recommended next action."""
    qs = DenialCase.objects.filter(practice_id=practice_id).select_related("claim__patient", "payer", "provider")
    if status == "open":
        qs = qs.filter(status__in=OPEN)
    elif status != "all":
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    by_cat: dict[str, list[DenialCase]] = defaultdict(list)
    for case in qs.order_by("appeal_deadline", "-amount", "id")[:2000]:
        by_cat[case.category].append(case)
    return [{"category": c, "label": LABELS[c], "next_action": next_action(c), "cases": by_cat[c],
             "count": len(by_cat[c]), "amount": sum((x.amount for x in by_cat[c]), Decimal("0.00"))}
            for c in CATEGORIES if by_cat.get(c)]


def _rate(denied: int, submitted: int) -> float | None:
    return round(100.0 * denied / submitted, 1) if submitted else None


def denial_analytics(*, practice_id: int, months: int = 6, today: dt.date | None = None) -> dict[str, Any]:
    """Denial rate by payer, provider and month; cases by category and code; over the last `months` months."""
    today = today or timezone.localdate()
    start = (today.replace(day=1) - dt.timedelta(days=31 * (months - 1))).replace(day=1)
    cases = DenialCase.objects.filter(practice_id=practice_id, denied_on__gte=start)
    submitted = ClaimStatusEvent.objects.filter(practice_id=practice_id, to_status="submitted",
                                                at__date__gte=start)

    sub_payer = dict(submitted.values_list("claim__payer__name").annotate(n=Count("claim_id", distinct=True)))
    den_payer = dict(cases.values_list("payer__name").annotate(n=Count("id")))
    sub_prov = {f"{a}, {b}": n for a, b, n in submitted.values_list(
        "claim__rendering_provider__last_name", "claim__rendering_provider__first_name").annotate(
        n=Count("claim_id", distinct=True))}
    den_prov = {f"{a}, {b}": n for a, b, n in cases.values_list("provider__last_name", "provider__first_name")
                .annotate(n=Count("id"))}
    sub_month = {m.date() if hasattr(m, "date") else m: n for m, n in submitted.annotate(m=TruncMonth("at"))
                 .values_list("m").annotate(n=Count("claim_id", distinct=True))}
    den_month = {m.date() if hasattr(m, "date") else m: n for m, n in cases.annotate(m=TruncMonth("denied_on"))
                 .values_list("m").annotate(n=Count("id"))}

    def rows(sub: dict[Any, int], den: dict[Any, int]) -> list[dict[str, Any]]:
        keys = sorted(set(sub) | set(den), key=lambda k: (-(den.get(k) or 0), str(k)))
        return [{"name": k, "submitted": sub.get(k, 0), "denied": den.get(k, 0),
                 "rate": _rate(den.get(k, 0), sub.get(k, 0))} for k in keys]

    month_keys = []
    cursor = start
    while cursor <= today:
        month_keys.append(cursor)
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    by_month = [{"name": m, "submitted": sub_month.get(m, 0), "denied": den_month.get(m, 0),
                 "rate": _rate(den_month.get(m, 0), sub_month.get(m, 0))} for m in month_keys]
    by_category = [{"name": c, "label": LABELS[c], "denied": n, "amount": a or Decimal("0.00")}
                   for c, n, a in cases.values_list("category").annotate(n=Count("id"), a=Sum("amount"))
                   .order_by("-n", "category")]
    by_code = []
    for group, carc, status_code, n in cases.values_list("group", "carc", "status_code").annotate(
            n=Count("id")).order_by("-n")[:25]:
        by_code.append({"name": f"{group}-{carc}" if carc else f"277CA {status_code}", "denied": n})
    total_sub, total_den = sum(sub_payer.values()), cases.count()
    return {"start": start, "submitted": total_sub, "denied": total_den, "rate": _rate(total_den, total_sub),
            "by_payer": rows(sub_payer, den_payer), "by_provider": rows(sub_prov, den_prov), "by_month": by_month,
            "by_category": by_category, "by_code": by_code}
