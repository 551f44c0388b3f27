"""Pages for the shared model: landing, dashboard, patients, encounters."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing import selectors, services
from billing.forms import CoverageForm, PatientForm
from billing.models import Coverage, Encounter, Patient
from rcm import tenancy
from rcm.audit import access_record, access_record_many
from rcm.roles import LANDING, Perm


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own work queue."""
    role = getattr(request, "role", None)
    if role is None:
        if request.user.is_superuser:
            return redirect("admin:index")
        return render(request, "billing/no_practice.html", status=403)
    return redirect(LANDING[role])


@login_required
@require_POST
def practice_switch(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("practice", "")
    if not wanted.isdigit() or tenancy.role_in(request.user, int(wanted)) is None:
        raise PermissionDenied("You are not a member of that practice.")
    request.session[tenancy.SESSION_KEY] = int(wanted)
    return redirect("home")


@tenancy.require_perm(Perm.MANAGE)
def dashboard(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    summary = selectors.dashboard_summary(practice_id=practice_id)
    return render(request, "billing/dashboard.html", {"summary": summary})


@tenancy.require_perm(Perm.VIEW_PHI)
def patient_list(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.VIEW_PHI)
    query = request.GET.get("q", "")
    qs = selectors.patients_search(practice_ids=[practice_id], query=query)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    access_record_many(user=request.user, objects=page.object_list, object_type="patient", action="list",
                       request=request, via="page", patient_attr="self")
    template = "billing/patient_list.html#results" if request.htmx else "billing/patient_list.html"
    return render(request, template, {"page": page, "query": query})


@tenancy.require_perm(Perm.VIEW_PHI)
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = tenancy.get_scoped_or_404(Patient.objects.all(), request.user, Perm.VIEW_PHI, pk=pk)
    access_record(user=request.user, practice_id=patient.practice_id, object_type="patient", object_ids=[patient.pk],
                  patient_ids=[patient.pk], request=request)
    encounters = selectors.encounters_with_totals(patient.encounters.order_by("-date_of_service"))[:100]
    return render(request, "billing/patient_detail.html", {
        "patient": patient,
        "coverages": patient.coverages.select_related("payer").order_by("priority", "-effective_from"),
        "encounters": encounters,
        "can_edit": tenancy.has_perm(request.user, patient.practice_id, Perm.BILL),
    })


@tenancy.require_perm(Perm.BILL)
def patient_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    patient = tenancy.get_scoped_or_404(Patient.objects.all(), request.user, Perm.BILL, pk=pk) if pk else None
    practice_id = patient.practice_id if patient else tenancy.active_practice_for(request, Perm.BILL)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.Meta.fields}
        try:
            if patient:
                patient = services.patient_update(patient=patient, data=data)
            else:
                patient = services.patient_create(practice_id=practice_id, **data)
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, "Patient saved.")
            return redirect("billing:patient_detail", pk=patient.pk)
    return render(request, "billing/form.html", {"form": form, "title": "Edit patient" if patient else "New patient",
                                                 "cancel": reverse("billing:patient_detail", args=[pk]) if pk
                                                 else reverse("billing:patients")})


@tenancy.require_perm(Perm.BILL)
def coverage_edit(request: HttpRequest, patient_pk: int, pk: int | None = None) -> HttpResponse:
    patient = tenancy.get_scoped_or_404(Patient.objects.all(), request.user, Perm.BILL, pk=patient_pk)
    coverage = tenancy.get_scoped_or_404(Coverage.objects.filter(patient=patient), request.user, Perm.BILL, pk=pk) if pk else None
    form = CoverageForm(request.POST or None, instance=coverage, practice_id=patient.practice_id)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.Meta.fields}
        try:
            if coverage:
                services.coverage_update(coverage=coverage, data=data)
            else:
                services.coverage_create(practice_id=patient.practice_id, patient=patient, **data)
        except ValidationError as exc:
            _attach_errors(form, exc)
        else:
            messages.success(request, "Coverage saved.")
            return redirect("billing:patient_detail", pk=patient.pk)
    return render(request, "billing/form.html", {"form": form, "title": f"Coverage for {patient.first_name} {patient.last_name}",
                                                 "cancel": reverse("billing:patient_detail", args=[patient.pk])})


@tenancy.require_perm(Perm.VIEW_PHI)
def encounter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    encounter = tenancy.get_scoped_or_404(
        Encounter.objects.select_related("patient", "provider", "location", "coded_by"), request.user, Perm.VIEW_PHI, pk=pk)
    access_record(user=request.user, practice_id=encounter.practice_id, object_type="encounter", object_ids=[encounter.pk],
                  patient_ids=[encounter.patient_id], request=request)
    lines = list(encounter.charge_lines.all())
    return render(request, "billing/encounter_detail.html", {
        "encounter": encounter,
        "notes": encounter.notes.all(),
        "diagnoses": encounter.diagnoses.all(),
        "lines": lines,
        "total": sum((line.charge_amount for line in lines), start=Decimal("0.00")),
        "coverage": selectors.coverage_active(patient=encounter.patient, on=encounter.date_of_service),
    })


def _attach_errors(form: PatientForm | CoverageForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
