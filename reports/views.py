"""The practice manager's dashboard, its drill-down lists (with CSV/XLSX), the monthly PDF and "refresh now".

Thin: parse the filters, call `reports.selectors`, render. Managers and admins only (Perm.MANAGE); another
practice (`?practice=`) is a 404 through `rcm.tenancy`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from rcm import tenancy
from rcm.audit import access_record
from rcm.exports import FORMATS, export_response
from rcm.roles import Perm
from reports import columns, selectors
from reports.forms import ListParamsForm, ReportFilterForm

PAGE_SIZE = 100


def filters_from(request: HttpRequest, practice_id: int) -> tuple[ReportFilterForm, selectors.ReportFilters | None]:
    """The filter form bound to the query string (unbound when there is none: the defaults)."""
    data = {k: v for k, v in request.GET.items() if k in ReportFilterForm.base_fields}
    form = ReportFilterForm(data or None, practice_id=practice_id)
    return form, form.to_filters()


def dashboard_data(*, practice_id: int, filters: selectors.ReportFilters) -> dict[str, Any]:
    """The dashboard's numbers; the summaries are built on the first visit of a practice (then by beat)."""
    if selectors.refresh_state(practice_id=practice_id) is None:
        from reports.services import summaries_refresh

        summaries_refresh(practice_id=practice_id)
    data = selectors.dashboard(practice_id=practice_id, filters=filters)
    selectors.merge_denials_into_trends(data)
    return data


def chart_data(data: dict[str, Any]) -> dict[str, Any]:
    """What the charts draw (static/js/reports.js reads it from a json_script block)."""
    ar = data["ar"]
    return {
        "aging": {"labels": ar["labels"], "insurance": [float(b["ins"]) for b in ar["buckets"]],
                  "patient": [float(b["pat"]) for b in ar["buckets"]]},
        "trends": {"labels": [m["month"].strftime("%b %Y") for m in data["trends"]],
                   "charges": [float(m["charges"]) for m in data["trends"]],
                   "payments": [float(m["payments"]) for m in data["trends"]],
                   "adjustments": [float(m["adjustments"]) for m in data["trends"]],
                   "denied": [float(m["denied_amount"]) for m in data["trends"]],
                   "denials": [m["denials"] for m in data["trends"]]},
        "denials": {"labels": [c["label"] for c in data["denials"]["by_category"]],
                    "amount": [float(c["amount"]) for c in data["denials"]["by_category"]]},
    }


@tenancy.require_perm(Perm.MANAGE)
def dashboard(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    form, filters = filters_from(request, practice_id)
    if filters is None:
        return render(request, "reports/dashboard.html", {"form": form, "data": None}, status=400)
    data = dashboard_data(practice_id=practice_id, filters=filters)
    query = filters.query()
    return render(request, "reports/dashboard.html", {
        "form": form, "data": data, "filters": filters, "charts": chart_data(data), "query": query,
        "scope": filter_labels(form, filters),
        "ar_tables": [("payer", data["ar"]["by_payer"], "payer"), ("provider", data["ar"]["by_provider"], "provider"),
                      ("location", data["ar"]["by_location"], "location")],
        "pdf_url": f"{reverse('reports:pdf')}?{urlencode(query)}",
    })


@tenancy.require_perm(Perm.MANAGE)
def dashboard_pdf(request: HttpRequest) -> HttpResponse:
    """The page as a PDF (the monthly report: `?month=YYYY-MM`, or the page's own range)."""
    from reports.pdf import dashboard_pdf as build

    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    form, filters = filters_from(request, practice_id)
    if filters is None:
        return HttpResponseBadRequest("Invalid filters: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    from billing.models import Practice

    data = dashboard_data(practice_id=practice_id, filters=filters)
    practice = Practice.objects.get(pk=practice_id)
    response = HttpResponse(build(data=data, practice_name=practice.name, filter_labels=filter_labels(form, filters)),
                            content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="dashboard-{filters.date_from:%Y%m%d}-'
                                       f'{filters.date_to:%Y%m%d}.pdf"')
    return response


def filter_labels(form: ReportFilterForm, filters: selectors.ReportFilters) -> list[str]:
    """The filters in words, for the PDF's heading."""
    out = [f"Services {filters.date_from:%d %b %Y} to {filters.date_to:%d %b %Y}"]
    for name, value in (("provider", filters.provider_id), ("payer", filters.payer_id), ("location", filters.location_id)):
        if value is None:
            continue
        key = "none" if name == "payer" and value == selectors.NO_PAYER else str(value)
        label = dict((str(k), v) for k, v in form.fields[name].choices).get(key, key)
        out.append(f"{name.capitalize()}: {label}")
    out.append("A/R aged from " + ("first submission" if filters.basis == "submission" else "date of service"))
    return out


@tenancy.require_perm(Perm.MANAGE)
def report_list(request: HttpRequest, kind: str) -> HttpResponse:
    """The rows behind a number: the same filters and predicates, so its total is the number."""
    if kind not in selectors.LIST_KINDS:
        raise Http404("No such list.")
    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    form, filters = filters_from(request, practice_id)
    params_form = ListParamsForm({k: v for k, v in request.GET.items() if k in ListParamsForm.base_fields})
    params = params_form.to_params()
    if filters is None or params is None:
        errors = {**form.errors, **params_form.errors}
        return HttpResponseBadRequest("Invalid filters: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
    qs = selectors.report_list(kind=kind, practice_id=practice_id, filters=filters, params=params)
    cols = columns.COLUMNS[kind]
    fmt = request.GET.get("format", "")
    object_type, object_id, patient_id = columns.AUDIT[kind]
    if fmt:
        if fmt not in FORMATS:
            raise Http404("No such format.")
        rows = list(qs)
        access_record(user=request.user, practice_id=practice_id, object_type=object_type,
                      object_ids=[object_id(r) for r in rows], patient_ids=[patient_id(r) for r in rows],
                      action="export", request=request)
        return export_response(rows=rows, columns=[c.export() for c in cols], fmt=fmt, title=columns.TITLES[kind],
                               filename=f"{kind}-{timezone.localdate():%Y%m%d}")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    if page.object_list:
        access_record(user=request.user, practice_id=practice_id, object_type=object_type,
                      object_ids=[object_id(r) for r in page.object_list],
                      patient_ids=[patient_id(r) for r in page.object_list], action="list", request=request)
    query = {**filters.query(), **params.query()}
    return render(request, "reports/list.html", {
        "kind": kind, "title": columns.TITLES[kind], "columns": cols, "page": page,
        "rows": [[(c.value(r), c.kind, c.href(r) if c.href else None) for c in cols] for r in page.object_list],
        "totals": selectors.list_totals(kind, qs), "filters": filters, "params": params,
        "describe": describe(filters, params, form), "query": query,
        "back": f"{reverse('reports:dashboard')}?{urlencode(filters.query())}",
    })


def describe(filters: selectors.ReportFilters, params: selectors.ListParams, form: ReportFilterForm) -> list[str]:
    """What the list is filtered by, in words."""
    out = filter_labels(form, filters)
    for key, value in params.query().items():
        out.append(f"{key.replace('_', ' ')}: {value.replace('_', ' ')}")
    return out


@tenancy.require_perm(Perm.MANAGE)
@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    """Rebuild the practice's summaries now (on a worker when there is one; the page shows the snapshot time)."""
    from reports.tasks import summaries_refresh_practice

    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    transaction.on_commit(lambda: summaries_refresh_practice.delay(practice_id))
    messages.success(request, "Refreshing the dashboard's figures; reload in a moment to see the new snapshot time.")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/reports/") else "reports:dashboard")
