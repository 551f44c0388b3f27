"""Reads for the dashboard: a handful of aggregates over the summary cells, and the drill-down lists.

The dashboard never reads claims or the ledger directly: every number is a SQL aggregate over the practice's
cells (`reports.models`), filtered by the page's filters. Python only turns the few dozen grouped rows into
tables. The drill-down lists read the facts (or, for ledger entries and worksheets, the live rows up to the
snapshot time), with exactly the predicates the numbers were summed with, so a list adds up to its number.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from billing.models import Location, Payer, Provider
from reports.definitions import AGING_BUCKETS, CONTRACTUAL_CARCS, KPI_BY_KEY, QUEUE_TARGETS, QUEUE_WHY, UNSENT
from reports.models import (
    ArFact,
    ClaimCell,
    ClaimFact,
    CodingCell,
    DenialFact,
    FlowCell,
    RefreshState,
)

ZERO = Decimal("0.00")
NO_PAYER = 0  # the payer filter's value for "no payer" (self-pay balances)
BASES = ("dos", "submission")


@dataclass(frozen=True)
class ReportFilters:
    """What the page's filter form selects; every number and list applies all of it."""

    date_from: dt.date
    date_to: dt.date
    provider_id: int | None = None
    payer_id: int | None = None  # NO_PAYER: lines billed to no payer
    location_id: int | None = None
    basis: str = "dos"  # aging from the date of service, or from the first submission

    @classmethod
    def default(cls, today: dt.date | None = None) -> ReportFilters:
        """The last twelve months, to today."""
        today = today or timezone.localdate()
        start = (today.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
        return cls(date_from=start, date_to=today)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def query(self) -> dict[str, str]:
        """As URL parameters (the same names the form reads)."""
        out = {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat()}
        for name, value in (("provider", self.provider_id), ("payer", self.payer_id), ("location", self.location_id)):
            if value is not None:
                out[name] = "none" if name == "payer" and value == NO_PAYER else str(value)
        if self.basis != "dos":
            out["basis"] = self.basis
        return out


def _cell_filter(f: ReportFilters) -> Q:
    q = Q(dos__gte=f.date_from, dos__lte=f.date_to)
    if f.provider_id is not None:
        q &= Q(provider_id=f.provider_id)
    if f.location_id is not None:
        q &= Q(location_id=f.location_id)
    if f.payer_id is not None:
        q &= Q(payer_id__isnull=True) if f.payer_id == NO_PAYER else Q(payer_id=f.payer_id)
    return q


def _cell_sql(f: ReportFilters, practice_id: int) -> tuple[str, list[Any]]:
    sql = ["practice_id = %s", "dos BETWEEN %s AND %s"]
    params: list[Any] = [practice_id, f.date_from, f.date_to]
    for column, value in (("provider_id", f.provider_id), ("location_id", f.location_id)):
        if value is not None:
            sql.append(f"{column} = %s")
            params.append(value)
    if f.payer_id is not None:
        if f.payer_id == NO_PAYER:
            sql.append("payer_id IS NULL")
        else:
            sql.append("payer_id = %s")
            params.append(f.payer_id)
    return " AND ".join(sql), params


def refresh_state(*, practice_id: int) -> RefreshState | None:
    return RefreshState.objects.filter(practice_id=practice_id).first()


def as_of_date(state: RefreshState | None) -> dt.date:
    """Ages are counted to the snapshot's day (local time), so they match the balances they age."""
    return timezone.localdate(state.snapshot_at) if state else timezone.localdate()


def _ratio(num: Decimal | int, den: Decimal | int) -> Decimal | None:
    return (Decimal(num) / Decimal(den)) if den else None


def _kpi(key: str, value: Any, kind: str, **extra: Any) -> dict[str, Any]:
    d = KPI_BY_KEY[key]
    return {"key": key, "name": d.name, "value": value, "kind": kind, "formula": d.formula, "definition": d.definition,
            "source": d.source, **extra}


# --- the dashboard -------------------------------------------------------------------------------------------
def dashboard(*, practice_id: int, filters: ReportFilters) -> dict[str, Any]:
    """Everything the page shows, in five aggregate queries over the cells (plus the refresh state)."""
    state = refresh_state(practice_id=practice_id)
    as_of = as_of_date(state)
    ar = _ar(practice_id, filters, as_of)
    claims, queues = _claims_and_queues(practice_id, filters, as_of)
    flows = _flows(practice_id, filters)
    denials = _denials(practice_id, filters, claims)
    coding = _coding(practice_id, filters)

    money = flows["totals"]
    charges = money["charges"]
    payments = money["payments"]
    kpis = [
        _kpi("ar_total", ar["total"], "money", drill={"kind": "ar"}),
        _kpi("ar_over_90", _ratio(ar["over_90"], ar["total"]) if ar["total"] > 0 else None, "percent",
             num=ar["over_90"], den=ar["total"], num_kind="money", drill={"kind": "ar", "age": "over_90"},
             den_drill={"kind": "ar"}),
        _kpi("days_in_ar", (ar["total"] / (charges / filters.days)) if charges > 0 else None, "days",
             num=ar["total"], den=charges, den_days=filters.days, num_kind="money",
             drill={"kind": "ar"}, den_drill={"kind": "money", "measure": "charges"}),
        _kpi("clean_claim_rate", _ratio(claims["clean"], claims["answered"]), "percent", num=claims["clean"],
             den=claims["answered"], drill={"kind": "claims", "kpi": "clean"},
             den_drill={"kind": "claims", "kpi": "answered"}),
        _kpi("first_pass_rate", _ratio(claims["first_pass"], claims["adjudicated"]), "percent",
             num=claims["first_pass"], den=claims["adjudicated"], drill={"kind": "claims", "kpi": "first_pass"},
             den_drill={"kind": "claims", "kpi": "adjudicated"}),
        _kpi("initial_denial_rate", _ratio(claims["denied_initial"], claims["adjudicated"]), "percent",
             num=claims["denied_initial"], den=claims["adjudicated"],
             dollars=_ratio(claims["denied_initial_amount"], claims["adjudicated_charges"]),
             amount=claims["denied_initial_amount"], drill={"kind": "claims", "kpi": "denied_initial"},
             den_drill={"kind": "claims", "kpi": "adjudicated"}),
        _kpi("final_denial_rate", _ratio(claims["denied_final"], claims["adjudicated"]), "percent",
             num=claims["denied_final"], den=claims["adjudicated"],
             dollars=_ratio(claims["denied_final_amount"], claims["adjudicated_charges"]),
             amount=claims["denied_final_amount"], drill={"kind": "claims", "kpi": "denied_final"},
             den_drill={"kind": "claims", "kpi": "adjudicated"}),
        _kpi("net_collection_rate", _ratio(payments, charges - money["contractual"]), "percent", num=payments,
             den=charges, den_minus=money["contractual"], num_kind="money", drill={"kind": "money", "measure": "payments"},
             den_drill={"kind": "money", "measure": "charges"},
             minus_drill={"kind": "money", "measure": "contractual"}),
        _kpi("gross_collection_rate", _ratio(payments, charges), "percent", num=payments, den=charges,
             num_kind="money", drill={"kind": "money", "measure": "payments"},
             den_drill={"kind": "money", "measure": "charges"}),
        _kpi("days_to_payment", _ratio(claims["days_to_payment"], claims["paid"]), "days", num=claims["paid"],
             drill={"kind": "claims", "kpi": "paid"}),
        _kpi("charge_lag", _ratio(claims["charge_lag"], claims["lagged"]), "days", num=claims["lagged"],
             drill={"kind": "claims", "kpi": "lagged"}),
        _kpi("suggestion_acceptance", _ratio(coding["total"]["accepted"], coding["total"]["suggested"]), "percent",
             num=coding["total"]["accepted"], den=coding["total"]["suggested"], drill={"kind": "coding"},
             den_drill={"kind": "coding"}),
        _kpi("coder_throughput", coding["total"]["per_day"], "number", num=coding["total"]["worksheets"],
             drill={"kind": "coding"}),
    ]
    return {"state": state, "as_of": as_of, "filters": filters, "kpis": kpis, "ar": ar, "claims": claims,
            "queues": queues, "trends": flows["months"], "money": money, "denials": denials, "coding": coding}


def _age_case(basis: str) -> str:
    column = "submitted_on" if basis == "submission" else "dos"
    whens = [f"WHEN {column} IS NULL THEN '{UNSENT}'"]
    for key, _label, _lo, hi in AGING_BUCKETS:
        if hi is not None:
            whens.append(f"WHEN %(as_of)s - {column} <= {hi} THEN '{key}'")
    return "CASE " + " ".join(whens) + f" ELSE '{AGING_BUCKETS[-1][0]}' END"


def _ar(practice_id: int, f: ReportFilters, as_of: dt.date) -> dict[str, Any]:
    where, params = _cell_sql(f, practice_id)
    named = {f"w{i}": v for i, v in enumerate(params)}
    where_named = where
    for i in range(len(params)):
        where_named = where_named.replace("%s", f"%(w{i})s", 1)
    sql = (f"SELECT {_age_case(f.basis)} AS age, bucket, payer_id, provider_id, location_id, "  # noqa: S608
           "GROUPING(bucket, payer_id, provider_id, location_id) AS g, sum(balance) FROM reports_arcell "
           f"WHERE {where_named} GROUP BY GROUPING SETS ((age, bucket, payer_id), (age, provider_id), (age, location_id))")
    with connection.cursor() as cur:
        cur.execute(sql, {**named, "as_of": as_of})
        rows = cur.fetchall()
    keys = [b[0] for b in AGING_BUCKETS] + ([UNSENT] if f.basis == "submission" else [])
    labels = {b[0]: b[1] for b in AGING_BUCKETS} | {UNSENT: "Not submitted"}

    def empty() -> dict[str, Decimal]:
        return dict.fromkeys(keys, ZERO)

    ins, pat = empty(), empty()
    by: dict[str, dict[int | None, dict[str, Decimal]]] = {"payer": defaultdict(empty), "provider": defaultdict(empty),
                                                          "location": defaultdict(empty)}
    for age, bucket, payer_id, provider_id, location_id, g, total in rows:
        if g == 0b0011:  # (age, bucket, payer)
            (ins if bucket == "ins" else pat)[age] += total
            if bucket == "ins":
                by["payer"][payer_id][age] += total
        elif g == 0b1101:  # (age, provider)
            by["provider"][provider_id][age] += total
        elif g == 0b1110:  # (age, location)
            by["location"][location_id][age] += total
    names = _names(practice_id)
    buckets = [{"key": k, "label": labels[k], "ins": ins[k], "pat": pat[k], "total": ins[k] + pat[k]} for k in keys]
    total = sum((b["total"] for b in buckets), ZERO)
    over_90 = sum((b["total"] for b in buckets if b["key"] in ("91_120", "over_120")), ZERO)

    def table(dim: str) -> list[dict[str, Any]]:
        out = []
        for pk, ages in by[dim].items():
            out.append({"id": pk, "name": names[dim].get(pk, "—"), "ages": [ages[k] for k in keys],
                        "total": sum(ages.values(), ZERO)})
        out.sort(key=lambda r: (-r["total"], r["name"]))
        return out

    payers = table("payer")
    patient_row = {"id": None, "name": "Patients", "ages": [pat[k] for k in keys], "total": sum(pat.values(), ZERO),
                   "patient": True}
    return {"keys": keys, "labels": [labels[k] for k in keys], "buckets": buckets, "total": total,
            "ins": sum(ins.values(), ZERO), "pat": sum(pat.values(), ZERO), "over_90": over_90,
            "by_payer": [*payers, patient_row] if patient_row["total"] or not payers else payers,
            "by_provider": table("provider"), "by_location": table("location"), "basis": f.basis}


def _names(practice_id: int) -> dict[str, dict[int | None, str]]:
    return {"payer": dict(Payer.objects.filter(practice_id=practice_id).values_list("pk", "name")) | {None: "No payer"},
            "provider": {p.pk: str(p) for p in Provider.objects.filter(practice_id=practice_id)},
            "location": dict(Location.objects.filter(practice_id=practice_id).values_list("pk", "name"))}


CLAIM_SUMS = ("claims", "charges", "balance", "submitted", "answered", "clean", "adjudicated", "adjudicated_charges",
              "first_pass", "denied_initial", "denied_initial_amount", "denied_final", "denied_final_amount", "paid",
              "days_to_payment", "lagged", "charge_lag")


def queue_targets() -> dict[str, int]:
    return {**QUEUE_TARGETS, **getattr(settings, "REPORTS_QUEUE_TARGETS", {})}


def _claims_and_queues(practice_id: int, f: ReportFilters, as_of: dt.date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Claim KPI sums and work-queue health in one query grouped by status."""
    targets = queue_targets()
    age = RawSQL("(%s::date - status_since)", [as_of], output_field=IntegerField())
    rows = (ClaimCell.objects.filter(_cell_filter(f), practice_id=practice_id).values("status")
            .annotate(**{f"s_{k}": Sum(k) for k in CLAIM_SUMS}, age_sum=Sum(F("claims") * age),
                      oldest_since=Min("status_since"),
                      overdue=Sum(Case(When(_overdue_q(targets, as_of), then=F("claims")), default=Value(0))))
            .order_by())
    totals: dict[str, Any] = dict.fromkeys(CLAIM_SUMS, 0)
    labels = dict(_status_choices())
    queues = []
    for r in rows:
        for k in CLAIM_SUMS:
            totals[k] += r[f"s_{k}"] or 0
        status = r["status"]
        if status in targets:
            n = r["s_claims"] or 0
            queues.append({"status": status, "label": labels.get(status, status), "claims": n,
                           "balance": r["s_balance"] or ZERO, "charges": r["s_charges"] or ZERO,
                           "avg_age": (Decimal(r["age_sum"]) / n) if n else None,
                           "oldest": (as_of - r["oldest_since"]).days if r["oldest_since"] else None,
                           "target": targets[status], "overdue": r["overdue"] or 0, "why": QUEUE_WHY.get(status, "")})
    order = list(targets)
    queues.sort(key=lambda q: order.index(q["status"]))
    for k in ("charges", "balance", "adjudicated_charges", "denied_initial_amount", "denied_final_amount"):
        totals[k] = Decimal(totals[k] or 0)
    return totals, queues


def _overdue_q(targets: dict[str, int], as_of: dt.date) -> Q:
    """Cells whose claims have waited in their status longer than its target."""
    q = Q(pk__in=[])
    for status, days in targets.items():
        q |= Q(status=status, status_since__lt=as_of - dt.timedelta(days=days))
    return q


def _status_choices() -> list[tuple[str, str]]:
    from claims.models import ClaimStatus

    return list(ClaimStatus.choices)


MONEY_SUMS = ("charges", "ins_payments", "pat_payments", "contractual", "other_adjustments")


def _flows(practice_id: int, f: ReportFilters) -> dict[str, Any]:
    """Money by month (one query) and its totals; denials by month are merged in by `_denials`."""
    rows = (FlowCell.objects.filter(_cell_filter(f), practice_id=practice_id).values("month")
            .annotate(**{f"s_{k}": Sum(k) for k in MONEY_SUMS}).order_by("month"))
    months = []
    totals = dict.fromkeys(MONEY_SUMS, ZERO)
    for r in rows:
        m = {"month": r["month"], **{k: r[f"s_{k}"] or ZERO for k in MONEY_SUMS}}
        m["payments"] = m["ins_payments"] + m["pat_payments"]
        m["adjustments"] = m["contractual"] + m["other_adjustments"]
        m["denied_amount"] = ZERO
        m["denials"] = 0
        months.append(m)
        for k in MONEY_SUMS:
            totals[k] += m[k]
    totals["payments"] = totals["ins_payments"] + totals["pat_payments"]
    totals["adjustments"] = totals["contractual"] + totals["other_adjustments"]
    return {"months": months, "totals": totals}


def category_label(category: str) -> str:
    from claims.denials import categories

    labels = getattr(categories, "LABELS", {})
    return labels.get(category) or category.replace("_", " ").capitalize()


def _denials(practice_id: int, f: ReportFilters, claims: dict[str, Any]) -> dict[str, Any]:
    """Denials by category, by CARC and by month in one GROUPING SETS query."""
    where, params = _cell_sql(f, practice_id)
    sql = ('SELECT category, "group", carc, month, GROUPING(category, "group", carc, month), sum(denials), '  # noqa: S608
           "sum(amount), sum(claims), sum(claims_in_category), sum(claims_with_carc) FROM reports_denialcell "
           f'WHERE {where} GROUP BY GROUPING SETS ((category), ("group", carc), (month), ())')
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    adjudicated, adj_charges = claims["adjudicated"], claims["adjudicated_charges"]
    by_category, by_carc, by_month = [], [], {}
    total = {"denials": 0, "amount": ZERO, "claims": 0}
    for category, group, carc, month, g, n, amount, n_claims, in_cat, with_carc in rows:
        if g == 0b0111:
            by_category.append({"category": category, "label": category_label(category), "denials": n,
                                "amount": amount, "claims": in_cat, "rate": _ratio(in_cat, adjudicated),
                                "dollars": _ratio(amount, adj_charges)})
        elif g == 0b1001:
            by_carc.append({"group": group, "carc": carc, "denials": n, "amount": amount, "claims": with_carc,
                            "rate": _ratio(with_carc, adjudicated), "dollars": _ratio(amount, adj_charges)})
        elif g == 0b1110:
            by_month[month] = {"denials": n, "amount": amount, "claims": n_claims}
        elif g == 0b1111:
            total = {"denials": n or 0, "amount": amount or ZERO, "claims": n_claims or 0}  # () has a row even on no rows
    by_category.sort(key=lambda r: (-r["amount"], r["category"]))
    by_carc.sort(key=lambda r: (-r["amount"], r["carc"]))
    return {"by_category": by_category, "by_carc": by_carc, "by_month": by_month, "total": total}


def _coding(practice_id: int, f: ReportFilters) -> dict[str, Any]:
    rows = (CodingCell.objects.filter(_cell_filter(f), practice_id=practice_id).values("coder_id", "coder__username")
            .annotate(worksheets=Sum("worksheets"), suggested=Sum("suggested"), accepted=Sum("accepted"),
                      edited=Sum("edited"), rejected=Sum("rejected"), added=Sum("added"),
                      days=Count("completed_on", distinct=True))
            .order_by("coder__username"))
    coders = []
    total = {"worksheets": 0, "suggested": 0, "accepted": 0, "edited": 0, "rejected": 0, "added": 0, "days": 0}
    for r in rows:
        row = {"coder_id": r["coder_id"], "coder": r["coder__username"] or "—",
               **{k: r[k] or 0 for k in ("worksheets", "suggested", "accepted", "edited", "rejected", "added", "days")}}
        row["per_day"] = _ratio(row["worksheets"], row["days"])
        row["acceptance"] = _ratio(row["accepted"], row["suggested"])
        coders.append(row)
        for k in total:
            total[k] += row[k]
    total["per_day"] = _ratio(total["worksheets"], total["days"])
    total["acceptance"] = _ratio(total["accepted"], total["suggested"])
    return {"coders": coders, "total": total}


def merge_denials_into_trends(data: dict[str, Any]) -> None:
    """Add each month's denials to the money trend (months with denials but no money get a row)."""
    months = {m["month"]: m for m in data["trends"]}
    for month, d in data["denials"]["by_month"].items():
        row = months.get(month)
        if row is None:
            row = {"month": month, **dict.fromkeys((*MONEY_SUMS, "payments", "adjustments"), ZERO)}
            months[month] = row
        row["denials"] = d["denials"]
        row["denied_amount"] = d["amount"]
    for row in months.values():
        row.setdefault("denials", 0)
        row.setdefault("denied_amount", ZERO)
    data["trends"] = [months[k] for k in sorted(months)]


def filter_choices(*, practice_id: int) -> dict[str, Any]:
    return {"providers": list(Provider.objects.filter(practice_id=practice_id)),
            "payers": list(Payer.objects.filter(practice_id=practice_id).exclude(kind=Payer.Kind.SELF_PAY)),
            "locations": list(Location.objects.filter(practice_id=practice_id))}


# --- drill-down lists ---------------------------------------------------------------------------------------
LIST_KINDS = ("ar", "claims", "denials", "money", "coding")
CLAIM_KPIS = ("claims", "submitted", "answered", "clean", "adjudicated", "first_pass", "denied_initial",
              "denied_final", "paid", "lagged")
MONEY_MEASURES = ("charges", "payments", "ins_payments", "pat_payments", "adjustments", "contractual",
                  "other_adjustments")


@dataclass(frozen=True)
class ListParams:
    """What a drill-down link adds to the page's filters."""

    age: str = ""  # an aging key, "over_90", or UNSENT
    bucket: str = ""  # ins | pat
    kpi: str = ""
    status: str = ""
    overdue: bool = False
    category: str = ""
    carc: str = ""
    group: str = ""
    month: dt.date | None = None
    measure: str = ""
    coder_id: int | None = None

    def query(self) -> dict[str, str]:
        out = {}
        for k, v in asdict(self).items():
            if v in ("", None, False):
                continue
            out[{"coder_id": "coder", "month": "in_month"}.get(k, k)] = "1" if v is True else (v.isoformat() if isinstance(v, dt.date) else str(v))
        return out


def _age_range(key: str, as_of: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The basis dates (inclusive) of an aging bucket."""
    if key == "over_90":
        return None, as_of - dt.timedelta(days=91)
    for k, _label, lo, hi in AGING_BUCKETS:
        if k == key:
            return (as_of - dt.timedelta(days=hi) if hi is not None else None), as_of - dt.timedelta(days=lo)
    raise ValueError(f"unknown aging bucket {key!r}")


def ar_list(*, practice_id: int, filters: ReportFilters, params: ListParams) -> QuerySet[ArFact]:
    qs = ArFact.objects.filter(_cell_filter(filters), practice_id=practice_id)
    if params.bucket:
        qs = qs.filter(bucket=params.bucket)
    if params.age:
        field = "submitted_on" if filters.basis == "submission" else "dos"
        if params.age == UNSENT:
            qs = qs.filter(submitted_on__isnull=True)
        else:
            lo, hi = _age_range(params.age, as_of_date(refresh_state(practice_id=practice_id)))
            qs = qs.filter(**{f"{field}__lte": hi, **({f"{field}__gte": lo} if lo else {})})
    return qs.select_related("patient", "payer", "claim", "line", "provider").order_by("-balance", "id")


def claims_list(*, practice_id: int, filters: ReportFilters, params: ListParams) -> QuerySet[ClaimFact]:
    qs = ClaimFact.objects.filter(_cell_filter(filters), practice_id=practice_id)
    kpi = params.kpi
    if kpi == "paid":
        qs = qs.filter(first_paid_on__isnull=False)
    elif kpi == "lagged":
        qs = qs.filter(charge_lag__isnull=False)
    elif kpi and kpi != "claims":
        qs = qs.filter(**{kpi: True})
    if params.status:
        qs = qs.filter(status=params.status)
        if params.overdue:
            days = queue_targets().get(params.status)
            if days is not None:
                as_of = as_of_date(refresh_state(practice_id=practice_id))
                qs = qs.filter(status_since__lt=as_of - dt.timedelta(days=days))
    return qs.select_related("patient", "payer", "provider", "claim").order_by("dos", "claim_id")


def denials_list(*, practice_id: int, filters: ReportFilters, params: ListParams) -> QuerySet[DenialFact]:
    qs = DenialFact.objects.filter(_cell_filter(filters), practice_id=practice_id)
    if params.category:
        qs = qs.filter(category=params.category)
    if params.carc:
        qs = qs.filter(carc=params.carc)
    if params.group:
        qs = qs.filter(group=params.group)
    if params.month:
        qs = qs.filter(month=params.month)
    return qs.select_related("patient", "payer", "line").order_by("-amount", "id")


def money_list(*, practice_id: int, filters: ReportFilters, params: ListParams) -> QuerySet[Any]:
    """Ledger entries behind a money figure, as the snapshot saw them (entries are append-only)."""
    from payments.models import Bucket, Category, LedgerBalance, LedgerEntry

    state = refresh_state(practice_id=practice_id)
    qs = LedgerEntry.objects.filter(practice_id=practice_id, encounter__date_of_service__gte=filters.date_from,
                                    encounter__date_of_service__lte=filters.date_to)
    if state is not None:
        qs = qs.filter(created_at__lte=state.snapshot_at)
    if filters.provider_id is not None:
        qs = qs.filter(encounter__provider_id=filters.provider_id)
    if filters.location_id is not None:
        qs = qs.filter(encounter__location_id=filters.location_id)
    if filters.payer_id is not None:
        billed = Subquery(LedgerBalance.objects.filter(line_id=OuterRef("line_id"), bucket=Bucket.INSURANCE,
                                                       charges__gt=0).order_by("-payer_id").values("payer_id")[:1])
        qs = qs.annotate(report_payer=Case(When(bucket=Bucket.INSURANCE, then=F("payer_id")), default=billed))
        qs = qs.filter(report_payer__isnull=True) if filters.payer_id == NO_PAYER else qs.filter(
            report_payer=filters.payer_id)
    measure = params.measure or "payments"
    contractual = Q(carc__in=CONTRACTUAL_CARCS)
    q = {"charges": Q(category=Category.CHARGE), "payments": Q(category=Category.PAYMENT),
         "ins_payments": Q(category=Category.PAYMENT, bucket=Bucket.INSURANCE),
         "pat_payments": Q(category=Category.PAYMENT, bucket=Bucket.PATIENT),
         "adjustments": Q(category=Category.ADJUSTMENT), "contractual": Q(category=Category.ADJUSTMENT) & contractual,
         "other_adjustments": Q(category=Category.ADJUSTMENT) & ~contractual}[measure]
    qs = qs.filter(q)
    if params.month:
        end = (params.month + dt.timedelta(days=32)).replace(day=1)
        day = "encounter__date_of_service" if measure == "charges" else "posted_on"
        qs = qs.filter(**{f"{day}__gte": params.month, f"{day}__lt": end})
    # Shown as the figure counts it: charges as they are, payments and adjustments as positive amounts.
    sign = 1 if measure == "charges" else -1
    return (qs.annotate(shown=F("amount") * Value(sign)).select_related("encounter", "patient", "payer", "claim", "line")
            .order_by("posted_on", "id"))


def coding_list(*, practice_id: int, filters: ReportFilters, params: ListParams) -> QuerySet[Any]:
    """Completed worksheets behind the coding figures (as of the snapshot)."""
    from claims.models import Claim
    from coding.models import CodingLine, Worksheet

    state = refresh_state(practice_id=practice_id)
    qs = Worksheet.objects.filter(practice_id=practice_id, status=Worksheet.Status.COMPLETED, completed_at__isnull=False,
                                  encounter__date_of_service__gte=filters.date_from,
                                  encounter__date_of_service__lte=filters.date_to)
    if state is not None:
        qs = qs.filter(completed_at__lte=state.snapshot_at)
    if filters.provider_id is not None:
        qs = qs.filter(encounter__provider_id=filters.provider_id)
    if filters.location_id is not None:
        qs = qs.filter(encounter__location_id=filters.location_id)
    if filters.payer_id is not None:
        payer = Subquery(Claim.objects.filter(encounter_id=OuterRef("encounter_id"), responsibility="P", frequency="1")
                         .order_by("-payer_id").values("payer_id")[:1])
        qs = qs.annotate(report_payer=payer)
        qs = qs.filter(report_payer__isnull=True) if filters.payer_id == NO_PAYER else qs.filter(
            report_payer=filters.payer_id)
    if params.coder_id is not None:
        qs = qs.filter(completed_by_id=params.coder_id)
    suggested = ~Q(lines__suggested_code="")
    return (qs.annotate(n_suggested=Count("lines", filter=suggested),
                        n_accepted=Count("lines", filter=Q(lines__decision=CodingLine.Decision.ACCEPTED)))
            .select_related("encounter__patient", "encounter__provider", "completed_by").order_by("completed_at", "id"))


def list_totals(kind: str, qs: QuerySet[Any]) -> dict[str, Any]:
    """The sums a list shows above its rows (and that tests compare with the dashboard)."""
    qs = qs.order_by()
    if kind == "ar":
        t = qs.aggregate(rows=Count("id"), balance=Sum("balance"))
    elif kind == "claims":
        t = qs.aggregate(rows=Count("id"), charges=Sum("total_charge"), balance=Sum("balance"),
                         denied_initial_amount=Sum("denied_initial_amount"), denied_final_amount=Sum("denied_final_amount"))
    elif kind == "denials":
        t = qs.aggregate(rows=Count("id"), amount=Sum("amount"), claims=Count("claim_id", distinct=True))
    elif kind == "money":
        t = qs.aggregate(rows=Count("id"), amount=Sum("shown"))
    else:
        from coding.models import CodingLine

        lines = CodingLine.objects.filter(worksheet__in=qs.values("pk"))
        t = {"rows": qs.count(), **lines.aggregate(suggested=Count("id", filter=~Q(suggested_code="")),
                                                   accepted=Count("id", filter=Q(decision=CodingLine.Decision.ACCEPTED)))}
    return {k: (v if v is not None else (ZERO if k not in ("rows", "claims", "suggested", "accepted") else 0))
            for k, v in t.items()}


LISTS = {"ar": ar_list, "claims": claims_list, "denials": denials_list, "money": money_list, "coding": coding_list}


def report_list(*, kind: str, practice_id: int, filters: ReportFilters, params: ListParams) -> QuerySet[Any]:
    if kind not in LISTS:
        raise ValueError(f"unknown list {kind!r}")
    return LISTS[kind](practice_id=practice_id, filters=filters, params=params)


def monthly_filters(filters: ReportFilters, month: dt.date) -> ReportFilters:
    """The same filters narrowed to one calendar month (the monthly report)."""
    end = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return replace(filters, date_from=month.replace(day=1), date_to=end)


def coder_name(user_id: int | None) -> str:
    if user_id is None:
        return ""
    return get_user_model().objects.filter(pk=user_id).values_list("username", flat=True).first() or ""


