"""API twins of the dashboard and its drill-down lists (/api/v1/reports/...), same filters and role gates.

Amounts and ratios are strings (exact decimals); every number that has a list behind it carries `drill` (the
API list) and `drill_page` (the HTML list) links under the same filters.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from rcm import tenancy
from rcm.audit import access_record
from rcm.roles import Perm
from reports import columns, selectors
from reports.forms import ListParamsForm, ReportFilterForm
from reports.links import drill_url
from reports.views import dashboard_data

FILTER_PARAMS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="First date of service (default: 12 months ago)"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last date of service (default: today)"),
    OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM instead of the range"),
    OpenApiParameter("provider", OpenApiTypes.INT), OpenApiParameter("location", OpenApiTypes.INT),
    OpenApiParameter("payer", OpenApiTypes.STR, description="A payer id, or `none` for self-pay"),
    OpenApiParameter("basis", OpenApiTypes.STR, enum=["dos", "submission"], description="Age A/R from"),
    OpenApiParameter("practice", OpenApiTypes.INT, description="Another of your practices (default: the active one)"),
]


def plain(value: Any) -> Any:
    """JSON-ready: Decimals as exact strings (money to the cent, ratios to 6 places), dates as ISO."""
    if isinstance(value, Decimal):
        exp = value.as_tuple().exponent
        places = Decimal("0.01") if isinstance(exp, int) and exp >= -2 else Decimal("0.000001")
        return str(value.quantize(places))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _filters(request: Request, practice_id: int) -> selectors.ReportFilters:
    data = {k: v for k, v in request.query_params.items() if k in ReportFilterForm.base_fields}
    form = ReportFilterForm(data or None, practice_id=practice_id)
    filters = form.to_filters()
    if filters is None:
        raise exceptions.ValidationError(form.errors)
    return filters


def _links(filters: selectors.ReportFilters, kind: str, **params: Any) -> dict[str, str]:
    return {"drill": drill_url(filters, kind, api=True, **params), "drill_page": drill_url(filters, kind, **params)}


def dashboard_payload(data: dict[str, Any]) -> dict[str, Any]:
    f = data["filters"]
    kpis = []
    for k in data["kpis"]:
        row = {key: k[key] for key in ("key", "name", "value", "kind", "formula", "definition", "source")}
        for extra in ("num", "den", "den_days", "den_minus", "dollars", "amount"):
            if extra in k:
                row[extra] = k[extra]
        if "drill" in k:
            d = dict(k["drill"])
            row.update(_links(f, d.pop("kind"), **d))
        if "minus_drill" in k:
            d = dict(k["minus_drill"])
            row["minus_drill"] = drill_url(f, d.pop("kind"), api=True, **d)
        if "den_drill" in k:
            d = dict(k["den_drill"])
            links = _links(f, d.pop("kind"), **d)
            row["den_drill"], row["den_drill_page"] = links["drill"], links["drill_page"]
        kpis.append(row)
    ar = data["ar"]
    buckets = [{**b, "ins_drill": drill_url(f, "ar", api=True, age=b["key"], bucket="ins"),
                "pat_drill": drill_url(f, "ar", api=True, age=b["key"], bucket="pat"),
                **_links(f, "ar", age=b["key"])} for b in ar["buckets"]]

    def table(rows: list[dict[str, Any]], dim: str) -> list[dict[str, Any]]:
        out = []
        for r in rows:
            extra: dict[str, Any] = {"bucket": "pat"} if r.get("patient") else {dim: r["id"]}
            if dim == "payer" and not r.get("patient"):
                extra["bucket"] = "ins"
            out.append({"id": r["id"], "name": r["name"], "total": r["total"],
                        "ages": dict(zip(ar["keys"], r["ages"], strict=True)), **_links(f, "ar", **extra)})
        return out

    queues = [{**q, **_links(f, "claims", status=q["status"]),
               "overdue_drill": drill_url(f, "claims", api=True, status=q["status"], overdue=True)}
              for q in data["queues"]]
    trends = [{**m, "charges_drill": drill_url(f, "money", api=True, measure="charges", in_month=m["month"].isoformat()),
               "payments_drill": drill_url(f, "money", api=True, measure="payments", in_month=m["month"].isoformat()),
               "adjustments_drill": drill_url(f, "money", api=True, measure="adjustments", in_month=m["month"].isoformat()),
               "denials_drill": drill_url(f, "denials", api=True, in_month=m["month"].isoformat())}
              for m in data["trends"]]
    den = data["denials"]
    state = data["state"]
    return plain({
        "as_of": data["as_of"], "snapshot_at": state.snapshot_at if state else None,
        "filters": f.query(),
        "kpis": kpis,
        "ar": {"basis": ar["basis"], "total": ar["total"], "insurance": ar["ins"], "patient": ar["pat"],
               "over_90": ar["over_90"], "buckets": buckets, "by_payer": table(ar["by_payer"], "payer"),
               "by_provider": table(ar["by_provider"], "provider"), "by_location": table(ar["by_location"], "location")},
        "queues": queues,
        "trends": trends,
        "denials": {"total": den["total"],
                    "by_category": [{**c, **_links(f, "denials", category=c["category"])} for c in den["by_category"]],
                    "by_carc": [{**c, **_links(f, "denials", group=c["group"], carc=c["carc"])} for c in den["by_carc"]]},
        "coding": {"total": data["coding"]["total"],
                   "coders": [{**c, **_links(f, "coding", coder=c["coder_id"])} for c in data["coding"]["coders"]]},
    })


@extend_schema(parameters=FILTER_PARAMS, responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def dashboard_api(request: Request) -> Response:
    """Everything the dashboard page shows, under the same filters (managers and admins)."""
    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    filters = _filters(request, practice_id)
    return Response(dashboard_payload(dashboard_data(practice_id=practice_id, filters=filters)))


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")


@extend_schema(parameters=[*FILTER_PARAMS, OpenApiParameter("page", OpenApiTypes.INT),
                           OpenApiParameter("age", OpenApiTypes.STR), OpenApiParameter("bucket", OpenApiTypes.STR),
                           OpenApiParameter("kpi", OpenApiTypes.STR), OpenApiParameter("status", OpenApiTypes.STR),
                           OpenApiParameter("overdue", OpenApiTypes.BOOL), OpenApiParameter("category", OpenApiTypes.STR),
                           OpenApiParameter("carc", OpenApiTypes.STR), OpenApiParameter("group", OpenApiTypes.STR),
                           OpenApiParameter("in_month", OpenApiTypes.DATE), OpenApiParameter("measure", OpenApiTypes.STR),
                           OpenApiParameter("coder", OpenApiTypes.INT)],
               responses=OpenApiTypes.OBJECT)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def list_api(request: Request, kind: str) -> Response:
    """The rows behind a dashboard number (ar, claims, denials, money, coding), 100 a page, with their totals."""
    if kind not in selectors.LIST_KINDS:
        raise Http404("No such list.")
    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    filters = _filters(request, practice_id)
    params_form = ListParamsForm({k: v for k, v in request.query_params.items() if k in ListParamsForm.base_fields})
    params = params_form.to_params()
    if params is None:
        raise exceptions.ValidationError(params_form.errors)
    qs = selectors.report_list(kind=kind, practice_id=practice_id, filters=filters, params=params)
    page = Paginator(qs, 100).get_page(request.query_params.get("page"))
    cols = columns.COLUMNS[kind]
    object_type, object_id, patient_id = columns.AUDIT[kind]
    if page.object_list:
        access_record(user=request.user, practice_id=practice_id, object_type=object_type,
                      object_ids=[object_id(r) for r in page.object_list],
                      patient_ids=[patient_id(r) for r in page.object_list], action="list", request=request, via="api")
    results = [{"id": object_id(r), **{_key(c.header): c.value(r) for c in cols}} for r in page.object_list]
    return Response(plain({"kind": kind, "count": page.paginator.count, "page": page.number,
                           "pages": page.paginator.num_pages, "totals": selectors.list_totals(kind, qs),
                           "filters": {**filters.query(), **params.query()}, "results": results}))
