"""Coder pages: the queue, the workbench for one encounter, code search and the acceptance report.

Every page works as plain forms; htmx only swaps the coding panel and the search results in place.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from billing.forms import EncounterFilterForm
from billing.models import Encounter
from billing.services import EDITABLE_CODING_STATUSES
from coding import codesets, selectors
from coding.forms import AcceptanceFilterForm, LineAddForm, LineDecisionForm, split_codes
from coding.models import CodingLine, Worksheet
from coding.services import worksheet as ws
from rcm import tenancy
from rcm.audit import access_record, access_record_many
from rcm.roles import Perm


@tenancy.require_perm(Perm.CODE)
def queue(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.CODE)
    form = EncounterFilterForm(request.GET or None, practice_id=practice_id)
    qs = selectors.encounters_awaiting_coding(practice_id=practice_id)
    if form.is_bound:
        qs = form.filter(qs)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    access_record_many(user=request.user, objects=page.object_list, object_type="encounter", action="list",
                       request=request, via="page")
    template = "coding/queue.html#results" if request.htmx else "coding/queue.html"
    return render(request, template, {"page": page, "form": form, "total": page.paginator.count})


@tenancy.require_perm(Perm.CODE)
@require_POST
def next_encounter(request: HttpRequest) -> HttpResponse:
    """Claim the next encounter for this coder (the queue filters apply) and open it."""
    practice_id = tenancy.active_practice_for(request, Perm.CODE)
    form = EncounterFilterForm(request.POST or None, practice_id=practice_id)
    base = form.filter(Encounter.objects.all()) if form.is_bound and any(request.POST.get(k) for k in form.fields) else None
    encounter = ws.encounter_claim_next(practice_id=practice_id, user=request.user, queryset=base)
    if encounter is None:
        messages.info(request, "Nothing is waiting for coding. Well done.")
        return redirect("coding:queue")
    return redirect("coding:workbench", pk=encounter.pk)


def _encounter(request: HttpRequest, pk: int) -> Encounter:
    return tenancy.get_scoped_or_404(Encounter.objects.select_related("patient", "provider", "location"),
                                     request.user, Perm.CODE, pk=pk)


def _panel_context(request: HttpRequest, encounter: Encounter, worksheet: Worksheet) -> dict[str, Any]:
    dxs, pxs = selectors.worksheet_lines(worksheet=worksheet)
    dx_codes = [d.code for d in dxs if d.decision != CodingLine.Decision.REJECTED]
    validation = ws.worksheet_validate(worksheet=worksheet) if worksheet.status == Worksheet.Status.OPEN else []
    return {
        "encounter": encounter, "worksheet": worksheet, "diagnoses": dxs, "procedures": pxs, "dx_codes": dx_codes,
        "validation": validation, "errors": [m for m in validation if m.severity == "error"],
        "editable": worksheet.status == Worksheet.Status.OPEN and encounter.status in EDITABLE_CODING_STATUSES,
        "claimed_by": ws.claimed_by_other(encounter=encounter, user=request.user),
    }


@tenancy.require_perm(Perm.CODE)
def workbench(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    access_record(user=request.user, practice_id=encounter.practice_id, object_type="encounter", object_ids=[encounter.pk],
                  patient_ids=[encounter.patient_id], request=request)
    worksheet = ws.worksheet_open(encounter=encounter, user=request.user)
    context = _panel_context(request, encounter, worksheet)
    text = ws.note_text(encounter)
    query = request.GET.get("q", "").strip()
    context.update({
        "segments": selectors.note_segments(text=text, lines=[*context["diagnoses"], *context["procedures"]]),
        "has_note": bool(text.strip()),
        "query": query,
        "hits": codesets.code_search(query=query, on=encounter.date_of_service) if query else [],
        "patient_age": encounter.patient.age_on(encounter.date_of_service),
    })
    return render(request, "coding/workbench.html", context)


def _after_change(request: HttpRequest, encounter: Encounter, worksheet: Worksheet) -> HttpResponse:
    if request.htmx:
        return render(request, "coding/workbench.html#panel", _panel_context(request, encounter, worksheet))
    return redirect("coding:workbench", pk=encounter.pk)


def _report(request: HttpRequest, exc: ValidationError) -> None:
    for text in (exc.messages if hasattr(exc, "messages") else [str(exc)]):
        messages.error(request, text)


@tenancy.require_perm(Perm.CODE)
@require_POST
def line_decide(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    worksheet = ws.worksheet_open(encounter=encounter, user=request.user)
    line = tenancy.get_scoped_or_404(CodingLine.objects.filter(worksheet=worksheet), request.user, Perm.CODE, pk=line_pk)
    dx_codes = list(worksheet.lines.filter(kind=CodingLine.Kind.DIAGNOSIS).values_list("code", flat=True))
    form = LineDecisionForm(request.POST, diagnoses=dx_codes)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    else:
        try:
            ws.coding_line_decide(line=line, user=request.user, decision=form.cleaned_data["decision"],
                                  code=form.cleaned_data.get("code") or None, units=form.cleaned_data.get("units"),
                                  modifiers=form.modifier_list(), pointers=form.pointer_list())
        except ValidationError as exc:
            _report(request, exc)
    return _after_change(request, encounter, worksheet)


@tenancy.require_perm(Perm.CODE)
@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    worksheet = ws.worksheet_open(encounter=encounter, user=request.user)
    dx_codes = list(worksheet.lines.filter(kind=CodingLine.Kind.DIAGNOSIS).values_list("code", flat=True))
    form = LineAddForm(request.POST, diagnoses=dx_codes)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    else:
        data = form.cleaned_data
        try:
            ws.coding_line_add(worksheet=worksheet, user=request.user, kind=data["kind"], code=data["code"],
                               units=data.get("units") or 1, modifiers=split_codes(data.get("modifiers") or ""),
                               pointers=data.get("pointers") or [])
        except ValidationError as exc:
            _report(request, exc)
    return _after_change(request, encounter, worksheet)


@tenancy.require_perm(Perm.CODE)
@require_POST
def accept_all(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    worksheet = ws.worksheet_open(encounter=encounter, user=request.user)
    try:
        ws.coding_line_accept_all(worksheet=worksheet, user=request.user)
    except ValidationError as exc:
        _report(request, exc)
    return _after_change(request, encounter, worksheet)


@tenancy.require_perm(Perm.CODE)
@require_POST
def resuggest(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    worksheet = ws.worksheet_open(encounter=encounter, user=request.user)
    try:
        ws.worksheet_resuggest(worksheet=worksheet, user=request.user)
    except ValidationError as exc:
        _report(request, exc)
    return redirect("coding:workbench", pk=encounter.pk)


@tenancy.require_perm(Perm.CODE)
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    worksheet = ws.worksheet_open(encounter=encounter, user=request.user)
    try:
        encounter = ws.worksheet_complete(worksheet=worksheet, user=request.user)
    except ValidationError as exc:
        _report(request, exc)
        target = reverse("coding:workbench", args=[encounter.pk])
    else:
        messages.success(request, f"Encounter {encounter.pk} coded: {encounter.charge_lines.count()} charge line(s) "
                                  f"priced from the fee schedule.")
        target = reverse("billing:encounter_detail", args=[encounter.pk])
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@tenancy.require_perm(Perm.CODE)
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = _encounter(request, pk)
    ws.encounter_claim_release(encounter=encounter, user=request.user)
    messages.info(request, f"Encounter {encounter.pk} released back to the queue.")
    return redirect("coding:queue")


@tenancy.require_perm(Perm.CODE)
def code_search(request: HttpRequest) -> HttpResponse:
    """Typeahead over codes and words; the results fragment for htmx, or a small page without it."""
    query = request.GET.get("q", "").strip()
    try:
        on = dt.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        on = timezone.localdate()
    encounter_pk = request.GET.get("encounter")
    encounter = _encounter(request, int(encounter_pk)) if encounter_pk and encounter_pk.isdigit() else None
    hits = codesets.code_search(query=query, on=encounter.date_of_service if encounter else on) if query else []
    context = {"hits": hits, "query": query, "encounter": encounter, "editable": encounter is not None}
    if encounter is not None:
        worksheet = ws.worksheet_open(encounter=encounter, user=request.user)
        context["dx_codes"] = list(worksheet.lines.filter(kind=CodingLine.Kind.DIAGNOSIS)
                                   .exclude(decision=CodingLine.Decision.REJECTED).values_list("code", flat=True))
    return render(request, "coding/code_search.html#results" if request.htmx else "coding/code_search.html", context)


def _report_practice(request: HttpRequest) -> int:
    for perm in (Perm.MANAGE, Perm.CODE):
        if tenancy.has_perm(request.user, getattr(request, "practice_id", None), perm):
            return tenancy.active_practice_for(request, perm)
    ids = tenancy.practice_ids(request.user, Perm.MANAGE) or tenancy.practice_ids(request.user, Perm.CODE)
    if not ids:
        raise PermissionDenied("Coders and managers see the acceptance report.")
    return ids[0]


@tenancy.require_perm(Perm.VIEW_PHI)
def acceptance(request: HttpRequest) -> HttpResponse:
    """How often coders keep the engine's suggestions, by code family or by coder."""
    practice_id = _report_practice(request)
    form = AcceptanceFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    group = data.get("group") or "family"
    rows = selectors.acceptance_rates(practice_id=practice_id, date_from=data.get("date_from"),
                                      date_to=data.get("date_to"), group=group)
    totals = {k: sum(getattr(r, k) for r in rows) for k in ("suggested", "accepted", "edited", "rejected", "added")}
    rate = totals["accepted"] / totals["suggested"] if totals["suggested"] else None
    return render(request, "coding/acceptance.html", {"form": form, "rows": rows, "totals": totals, "rate": rate,
                                                      "group": group})
