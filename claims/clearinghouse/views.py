"""Biller pages of the clearinghouse loop: the connection, submissions sent, files received, eligibility
checks and CMS-1500 paper claims. Thin: each parses input, calls one service or selector and renders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from billing.models import Coverage, Encounter
from claims.clearinghouse import services
from claims.clearinghouse.forms import ConnectionForm, ResendForm, UploadForm
from claims.clearinghouse.models import ClearinghouseConnection, InboundFile, Submission
from claims.eligibility.models import EligibilityCheck
from claims.models import Claim, X12Batch
from rcm import tenancy
from rcm.audit import access_record
from rcm.roles import Perm
from rcm.uploads import UploadRefused, upload_read

P = Perm.BILL


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- connection -------------------------------------------------------------------------------------------
@tenancy.require_perm(P)
def connection_settings(request: HttpRequest) -> HttpResponse:
    """The practice's connection. Secrets are write-only: the form shows 'set', never the value."""
    practice_id = tenancy.active_practice_for(request, P)
    conn = ClearinghouseConnection.objects.filter(practice_id=practice_id, is_active=True).first() \
        or ClearinghouseConnection(practice_id=practice_id, kind="sandbox", name="Sandbox clearinghouse")
    form = ConnectionForm(request.POST or None, instance=conn)
    if request.method == "POST" and form.is_valid():
        conn = form.save(commit=False)
        conn.options = form.cleaned_data["options_json"]
        try:
            services.connection_save(connection=conn, secrets=form.secrets())
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, f"Saved {conn.name}.")
            return redirect("claims:ch_connection")
    return render(request, "claims/clearinghouse/connection.html", {"form": form, "connection": conn})


# --- submissions ------------------------------------------------------------------------------------------
@tenancy.require_perm(P)
def submissions(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, P)
    qs = Submission.objects.filter(practice_id=practice_id).select_related("connection", "batch__payer")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    queued = Claim.objects.filter(practice_id=practice_id, status="queued").count()
    return render(request, "claims/clearinghouse/submissions.html", {"page": page, "queued": queued})


@tenancy.require_perm(P)
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sub = tenancy.get_scoped_or_404(Submission.objects.select_related("connection", "batch__payer"), request.user, P,
                                    pk=pk)
    claims = list(sub.batch.claims.select_related("patient").order_by("pk")) if sub.batch_id else []  # type: ignore[union-attr]
    return render(request, "claims/clearinghouse/submission.html", {
        "sub": sub, "attempts": sub.attempt_rows.all(), "claims": claims,
        "inquiries": sub.inquiries.select_related("claim"), "resend_form": ResendForm()})


@tenancy.require_perm(P)
@require_POST
def submit_now(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, P)
    try:
        result = services.claims_submit(practice_id=practice_id, user=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, f"{result.batches} file(s) with {result.claims_sent} claim(s) queued for sending"
                         + (f"; {result.claims_skipped} skipped" if result.claims_skipped else "") + ".")
    return redirect("claims:ch_submissions")


@tenancy.require_perm(P)
@require_POST
def submission_resend(request: HttpRequest, pk: int) -> HttpResponse:
    sub = tenancy.get_scoped_or_404(Submission.objects.all(), request.user, P, pk=pk)
    form = ResendForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Say why the file is sent again.")
        new = services.submission_resend(submission=sub, reason=form.cleaned_data["reason"], user=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("claims:ch_submission", pk=sub.pk)
    messages.success(request, "Resend queued.")
    return redirect("claims:ch_submission", pk=new.pk)


# --- files received ---------------------------------------------------------------------------------------
FLAGGED = (InboundFile.Status.ERROR, InboundFile.Status.UNKNOWN, InboundFile.Status.PROBLEMS,
           InboundFile.Status.DUPLICATE)


@tenancy.require_perm(P)
def inbound_files(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, P)
    qs = InboundFile.objects.filter(practice_id=practice_id).defer("content")
    if request.GET.get("flagged"):
        qs = qs.filter(status__in=FLAGGED)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    flagged = InboundFile.objects.filter(practice_id=practice_id, status__in=FLAGGED).count()
    return render(request, "claims/clearinghouse/inbound.html", {"page": page, "flagged": flagged,
                                                                  "upload_form": UploadForm()})


@tenancy.require_perm(P)
def inbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = tenancy.get_scoped_or_404(InboundFile.objects.select_related("connection"), request.user, P, pk=pk)
    responses = row.responses.select_related("claim").order_by("claim_id", "id")
    text = row.text
    return render(request, "claims/clearinghouse/inbound_detail.html", {
        "row": row, "responses": responses, "segments": text.replace("~", "~\n") if len(text) < 200_000 else text})


@tenancy.require_perm(P)
def inbound_download(request: HttpRequest, pk: int) -> HttpResponse:
    row = tenancy.get_scoped_or_404(InboundFile.objects.all(), request.user, P, pk=pk)
    response = HttpResponse(bytes(row.content), content_type="application/edi-x12")
    response["Content-Disposition"] = f'attachment; filename="{row.filename}"'
    return response


@tenancy.require_perm(P)
@require_POST
def inbound_upload(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, P)
    form = UploadForm(request.POST, request.FILES)
    try:
        content, name = upload_read(form.cleaned_data["file"] if form.is_valid() else None, kind="x12",
                                    request=request)
    except UploadRefused as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("claims:ch_inbound")
    result = services.inbound_upload(practice_id=practice_id, content=content, filename=name,
                                     user=request.user)
    for problem in result.problems[:10]:
        messages.warning(request, problem)
    if result.files:
        messages.success(request, f"{name}: {result.accepted} accepted, {result.rejected} rejected, "
                                  f"{result.status_updates} status updates, {result.remittances_posted} remittances.")
    return redirect("claims:ch_inbound")


@tenancy.require_perm(P)
@require_POST
def poll_now(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, P)
    try:
        conn = services.connection_for(practice_id=practice_id)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("claims:ch_inbound")
    result = services.clearinghouse_poll(connection=conn, user=request.user)
    messages.success(request, f"{result.files} file(s): {result.accepted} accepted, {result.rejected} rejected, "
                              f"{result.status_updates} status updates, {result.remittances_posted} remittances, "
                              f"{result.errors} errors.")
    return redirect("claims:ch_inbound")


@tenancy.require_perm(P)
@require_POST
def inbound_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    row = tenancy.get_scoped_or_404(InboundFile.objects.all(), request.user, P, pk=pk)
    try:
        services.inbound_reprocess(inbound=row, user=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("claims:ch_inbound_detail", pk=row.pk)


# --- eligibility ------------------------------------------------------------------------------------------
@tenancy.require_perm(P)
def eligibility(request: HttpRequest, coverage_pk: int) -> HttpResponse:
    """A coverage's eligibility checks (newest first) and the button that asks the payer now."""
    from claims.eligibility.services import eligibility_check

    coverage = tenancy.get_scoped_or_404(Coverage.objects.select_related("patient", "payer"), request.user, P,
                                         pk=coverage_pk)
    encounter = None
    if request.GET.get("encounter") or request.POST.get("encounter"):
        encounter = tenancy.get_scoped_or_404(Encounter.objects.all(), request.user, P,
                                              pk=request.GET.get("encounter") or request.POST.get("encounter"),
                                              patient_id=coverage.patient_id)
    if request.method == "POST":
        raw = request.POST.get("service_date") or ""
        try:
            day = dt.date.fromisoformat(raw) if raw else (encounter.date_of_service if encounter else dt.date.today())
            check = eligibility_check(coverage=coverage, service_date=day, encounter=encounter, user=request.user)
        except ValueError:
            messages.error(request, "Give the date of service as YYYY-MM-DD.")
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, f"Eligibility on {check.service_date:%m/%d/%Y}: {check.verdict}.")
        url = request.path + (f"?encounter={encounter.pk}" if encounter else "")
        return redirect(url)
    access_record(user=request.user, practice_id=coverage.practice_id, object_type="coverage", object_ids=[coverage.pk],
                  patient_ids=[coverage.patient_id], action="view", request=request, via="page")
    checks = EligibilityCheck.objects.filter(coverage=coverage).order_by("-requested_at", "-id")[:50]
    return render(request, "claims/clearinghouse/eligibility.html", {"coverage": coverage, "checks": checks,
                                                                      "encounter": encounter})


# --- CMS-1500 ---------------------------------------------------------------------------------------------
def _pdf(request: HttpRequest, claims: list[Claim], name: str) -> HttpResponse:
    from claims.paper.cms1500 import cms1500_pdf

    red = request.GET.get("red") == "1"
    pdf = cms1500_pdf([(c, list(c.lines.order_by("line_number"))) for c in claims], red_form=red)
    access_record(user=request.user, practice_id=claims[0].practice_id, object_type="claim",
                  object_ids=[c.pk for c in claims], patient_ids=[c.patient_id for c in claims], action="export",
                  request=request, via="page")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}{"-red" if red else ""}.pdf"'
    return response


@tenancy.require_perm(P)
def claim_cms1500(request: HttpRequest, pk: int) -> HttpResponse:
    claim = tenancy.get_scoped_or_404(_printable(), request.user, P, pk=pk)
    return _pdf(request, [claim], f"CMS1500-{claim.pcn}")


@tenancy.require_perm(P)
def batch_cms1500(request: HttpRequest, pk: int) -> HttpResponse:
    batch = tenancy.get_scoped_or_404(X12Batch.objects.all(), request.user, P, pk=pk)
    claims = list(_printable().filter(batch=batch).order_by("pk"))
    if not claims:
        from django.http import Http404

        raise Http404("This file holds no claims.")
    return _pdf(request, claims, f"CMS1500-batch-{batch.control_number}")


def _printable() -> Any:
    return Claim.objects.select_related("patient", "payer", "rendering_provider", "facility", "coverage", "practice",
                                        "original_claim")
