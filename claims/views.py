"""Biller pages: the claims queue (filters, bulk actions with live progress, CSV) and the claim page."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from claims import selectors, services
from claims.forms import BulkActionForm, ClaimEditForm, LineEditForm, QueueFilterForm
from claims.models import Claim, ClaimStatus, X12Batch
from claims.scrub import RULES
from rcm import tenancy
from rcm.audit import access_record, access_record_many
from rcm.models import Job
from rcm.roles import Perm

PAGE_SIZE = 50


def _queue(request: HttpRequest, practice_id: int) -> tuple[QueueFilterForm, Any]:
    form = QueueFilterForm(request.GET or None, practice_id=practice_id)
    filters = form.to_filters()
    qs = selectors.claims_for_queue(practice_id=practice_id, filters=filters) if filters else Claim.objects.none()
    return form, qs


@tenancy.require_perm(Perm.BILL)
def queue(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    form, qs = _queue(request, practice_id)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    access_record_many(user=request.user, objects=rows, object_type="claim", action="list", request=request, via="page")
    job = None
    if request.GET.get("job", "").isdigit():
        job = Job.objects.filter(pk=int(request.GET["job"]), practice_id=practice_id).first()
    context = {"page": page, "rows": rows, "form": form, "total": page.paginator.count,
               "today": timezone.localdate(), "query": request.GET.urlencode(), "job": job}
    if request.htmx and request.htmx.target == "results":
        return render(request, "claims/queue.html#results", context)
    context.update(counts=selectors.claim_status_counts(practice_id=practice_id),
                   pending=selectors.encounters_awaiting_claims(practice_id=practice_id),
                   statuses=ClaimStatus.choices)
    return render(request, "claims/queue.html", context)


@tenancy.require_perm(Perm.BILL)
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        return _bulk_error(request, "Choose an action.")
    if form.cleaned_data["all_matching"]:
        _filter_form, qs = _queue(_with_get(request, request.POST.get("query", "")), practice_id)
        ids = list(qs.values_list("pk", flat=True))
    else:
        ids = list(Claim.objects.filter(practice_id=practice_id, pk__in=form.claim_ids()).values_list("pk", flat=True))
    action = form.cleaned_data["action"]
    if not ids:
        return _bulk_error(request, "Select at least one claim (or “all matching”).")
    if action == "queue":
        moved = services.claims_queue_for_submission(claim_ids=ids, user=request.user)
        msg = f"{len(moved)} of {len(ids)} claims queued for submission" + (
            "" if len(moved) == len(ids) else " (only clean claims can be queued)") + "."
        if request.htmx:
            return render(request, "claims/_bulk_message.html", {"message": msg, "refresh": True})
        messages.success(request, msg)
        return redirect(reverse("claims:queue") + "?" + request.POST.get("query", ""))
    with transaction.atomic():
        job = services.claims_enqueue_batch(action=action, practice_id=practice_id, claim_ids=ids, user=request.user)
    if request.htmx:
        return render(request, "claims/job_progress.html", {"job": job})
    return redirect(reverse("claims:queue") + f"?job={job.pk}")


def _with_get(request: HttpRequest, query: str) -> HttpRequest:
    from django.http import QueryDict

    clone = HttpRequest()
    clone.GET = QueryDict(query)
    clone.user = request.user
    return clone


def _bulk_error(request: HttpRequest, message: str) -> HttpResponse:
    if request.htmx:
        return render(request, "claims/_bulk_message.html", {"message": message, "error": True})
    messages.error(request, message)
    return redirect("claims:queue")


@tenancy.require_perm(Perm.BILL)
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    """A claims job's progress bar and, when finished, its summary; polls itself while running."""
    job = tenancy.get_scoped_or_404(Job.objects.filter(kind__startswith="claims."), request.user, Perm.BILL, pk=pk)
    return render(request, "claims/job_progress.html", {"job": job})


@tenancy.require_perm(Perm.BILL)
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    with transaction.atomic():
        job = services.claims_enqueue_batch(action="generate", practice_id=practice_id, user=request.user)
    if request.htmx:
        return render(request, "claims/job_progress.html", {"job": job})
    return redirect(reverse("claims:queue") + f"?job={job.pk}")


@tenancy.require_perm(Perm.BILL)
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    _form, qs = _queue(request, practice_id)
    ids = list(qs.values_list("pk", "patient_id"))
    if ids:
        access_record(user=request.user, practice_id=practice_id, object_type="claim", object_ids=[i for i, _ in ids],
                      patient_ids=[p for _, p in ids], action="export", request=request, via="page")

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def rows() -> Iterator[str]:
        yield writer.writerow(["claim", "status", "date_of_service", "patient", "mrn", "payer", "provider", "total_charge",
                               "balance", "filing_deadline", "scrub_errors", "scrub_rules"])
        for c in qs.iterator(chunk_size=2000):
            yield writer.writerow([c.pcn, c.get_status_display(), c.date_of_service.isoformat(),
                                   f"{c.patient.last_name}, {c.patient.first_name}", c.patient.mrn, c.payer.name,
                                   str(c.rendering_provider), f"{c.total_charge:.2f}", f"{c.balance:.2f}",
                                   c.filing_deadline.isoformat(), c.scrub_errors, " ".join(c.scrub_rules)])

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="claims-{timezone.localdate():%Y%m%d}.csv"'
    return response


# --- the claim page ---------------------------------------------------------------------------------
def _claim(request: HttpRequest, pk: int) -> Claim:
    return tenancy.get_scoped_or_404(
        Claim.objects.select_related("patient", "payer", "rendering_provider", "facility", "coverage", "batch",
                                     "original_claim", "prior_claim", "practice"),
        request.user, Perm.BILL, pk=pk)


def _forms(claim: Claim, lines: list[Any], data: Any = None) -> tuple[ClaimEditForm, list[tuple[Any, LineEditForm]]]:
    initial = {name: getattr(claim, name) for name in ClaimEditForm.base_fields}
    initial["diagnosis_codes"] = " ".join(claim.diagnosis_codes)
    form = ClaimEditForm(data, initial=initial)
    line_forms = [(ln, LineEditForm(data, prefix=f"line{ln.line_number}", initial={
        "code": ln.code, "modifiers": " ".join(ln.modifiers), "units": ln.units,
        "diagnosis_pointers": ",".join(map(str, ln.diagnosis_pointers)), "charge_amount": ln.charge_amount}))
        for ln in lines]
    return form, line_forms


def _findings_by_field(claim: Claim) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in claim.scrub_findings:
        field = f["field"]
        out.setdefault(field, []).append(f)
        if field.startswith("diagnosis_codes."):
            out.setdefault("diagnosis_codes", []).append(f)
        if field.startswith("lines.") and f.get("line") is not None:
            out.setdefault(f"line{f['line']}", []).append(f)
    return out


def _render_claim(request: HttpRequest, claim: Claim, *, form: ClaimEditForm | None = None,
                  line_forms: list[Any] | None = None, status: int = 200) -> HttpResponse:
    detail = selectors.claim_detail(claim=claim)
    if form is None or line_forms is None:
        form, line_forms = _forms(claim, detail["lines"])
    context = {"claim": claim, **detail, "form": form, "line_forms": line_forms, "by_field": _findings_by_field(claim),
               "editable": claim.is_editable, "rules": RULES, "today": timezone.localdate()}
    template = "claims/detail.html#claim-body" if request.htmx and request.htmx.target == "claim-body" else "claims/detail.html"
    return render(request, template, context, status=status)


@tenancy.require_perm(Perm.BILL)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    access_record(user=request.user, practice_id=claim.practice_id, object_type="claim", object_ids=[claim.pk],
                  patient_ids=[claim.patient_id], request=request)
    if request.method != "POST":
        return _render_claim(request, claim)
    lines = list(claim.lines.all())
    form, line_forms = _forms(claim, lines, request.POST)
    if not (form.is_valid() and all(lf.is_valid() for _, lf in line_forms)):
        return _render_claim(request, claim, form=form, line_forms=line_forms, status=422)
    data = {k: v for k, v in form.cleaned_data.items()}
    for key in ("subscriber_date_of_birth", "onset_date"):
        data[key] = data[key] or None
    line_data = {ln.line_number: lf.cleaned_data for ln, lf in line_forms}
    try:
        claim = services.claim_update(claim=claim, data=data, lines=line_data, user=request.user)
        services.claim_scrub(claim=claim, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return _render_claim(request, claim, form=form, line_forms=line_forms, status=422)
    claim = _claim(request, pk)
    messages.success(request, "Saved and re-scrubbed: " + (
        f"{claim.scrub_errors} error(s) left." if claim.scrub_errors else "no errors."))
    return _render_claim(request, claim)


@tenancy.require_perm(Perm.BILL)
@require_POST
def scrub(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim(request, pk)
    if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.SCRUBBED_ERRORS, ClaimStatus.CLEAN, ClaimStatus.QUEUED) \
            or claim.batch_id:
        messages.error(request, "Only claims not yet sent can be scrubbed.")
    else:
        services.claim_scrub(claim=claim, user=request.user)
        messages.success(request, "Scrubbed.")
    return _render_claim(request, _claim(request, pk))


@tenancy.require_perm(Perm.BILL)
@require_POST
def action(request: HttpRequest, pk: int) -> HttpResponse:
    """Single-claim moves: queue, take off the queue, void, and corrected claims (replace / void to payer)."""
    claim = _claim(request, pk)
    what = request.POST.get("action", "")
    try:
        if what == "queue":
            services.claim_transition(claim, ClaimStatus.QUEUED, reason="queued for submission", source="user",
                                      user=request.user)
        elif what == "unqueue":
            services.claim_unqueue(claim=claim, user=request.user)
        elif what == "void":
            services.claim_void(claim=claim, user=request.user, reason=request.POST.get("reason", ""))
        elif what in ("replace", "void_claim"):
            new = services.claim_generate(encounter=claim.encounter, coverage=claim.coverage,
                                          frequency="7" if what == "replace" else "8", original_claim=claim,
                                          user=request.user)
            messages.success(request, f"Created {new.get_frequency_display().lower()} claim {new.pcn}.")
            return redirect("claims:detail", pk=new.pk)
        else:
            raise Http404("Unknown action.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Done.")
    return redirect("claims:detail", pk=claim.pk)


@tenancy.require_perm(Perm.BILL)
def batches(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    page = Paginator(selectors.batches_for(practice_id=practice_id), 50).get_page(request.GET.get("page"))
    return render(request, "claims/batches.html", {"page": page})


@tenancy.require_perm(Perm.BILL)
def batch_download(request: HttpRequest, pk: int) -> HttpResponse:
    batch = tenancy.get_scoped_or_404(X12Batch.objects.all(), request.user, Perm.BILL, pk=pk)
    ids = list(batch.claims.values_list("pk", "patient_id"))
    access_record(user=request.user, practice_id=batch.practice_id, object_type="claim", object_ids=[i for i, _ in ids],
                  patient_ids=[p for _, p in ids], action="export", request=request, via="page")
    response = HttpResponse(batch.content, content_type="application/edi-x12")
    response["Content-Disposition"] = f'attachment; filename="{batch.filename}"'
    return response
