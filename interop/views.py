"""Interop pages: the inbox of received messages, uploads, CSV import with column mapping, sender mappings,
and exports. Thin: parse input, call one service or selector, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from claims.models import Claim
from interop import selectors
from interop.forms import CsvUploadForm, MappingForm, MessageFilterForm, SenderForm, UploadForm
from interop.models import Channel, CsvImport, Format, Hl7Sender, InboundMessage
from interop.services import csv_import, exports, files, senders
from interop.services.apply import validation_text
from interop.services.fhir import fhir_message_process
from interop.services.messages import message_process
from rcm import tenancy
from rcm.audit import access_record
from rcm.exports import FORMATS, export_response
from rcm.models import Job
from rcm.roles import Perm
from rcm.uploads import UploadRefused, upload_read


def _log_messages(request: HttpRequest, practice_id: int, items: list[InboundMessage], action: str = "list") -> None:
    if items:
        access_record(user=request.user, practice_id=practice_id, object_type="inbound_message",
                      object_ids=[m.pk for m in items], patient_ids={p for m in items for p in m.patient_ids},
                      action=action, request=request)


# --- inbox ---------------------------------------------------------------------------------------------
@tenancy.require_perm(Perm.BILL)
def inbox(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    form = MessageFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.messages_for(practice_id=practice_id, status=data.get("status", ""), fmt=data.get("format", ""),
                                query=data.get("q", ""))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    _log_messages(request, practice_id, list(page.object_list))
    counts = selectors.message_counts(practice_id=practice_id)
    job = None
    if request.GET.get("job", "").isdigit():
        job = Job.objects.filter(pk=int(request.GET["job"]), practice_id=practice_id, kind="interop.import").first()
    return render(request, "interop/inbox.html", {
        "page": page, "form": form, "upload": UploadForm(), "job": job,
        "stats": [(label, counts.get(status, 0)) for status, label in InboundMessage.Status.choices],
        "senders": selectors.senders_for(practice_id=practice_id),
    })


@tenancy.require_perm(Perm.BILL)
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    form = UploadForm(request.POST, request.FILES)
    try:
        chosen = (form.cleaned_data["files"] if form.is_valid() else None) or [None]  # None: say why it is missing
        checked = [upload_read(f, kind="hl7_or_fhir", request=request)[::-1] for f in chosen]
    except UploadRefused as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("interop:inbox")
    with transaction.atomic():
        job, problems = files.files_import(practice_id=practice_id, channel=Channel.UPLOAD, user=request.user,
                                           files=checked)
    for problem in problems:
        messages.error(request, problem)
    if job is None:
        return redirect("interop:inbox")
    messages.success(request, f"{job.total} message(s) stored; processing.")
    return redirect(reverse("interop:inbox") + f"?job={job.pk}")


@tenancy.require_perm(Perm.BILL)
def job_status(request: HttpRequest, pk: int) -> HttpResponse:
    job = tenancy.get_scoped_or_404(Job.objects.filter(kind="interop.import"), request.user, Perm.BILL, pk=pk)
    return render(request, "interop/job_progress.html", {"job": job})


def _message(request: HttpRequest, pk: int) -> InboundMessage:
    return tenancy.get_scoped_or_404(InboundMessage.objects.all(), request.user, Perm.BILL, pk=pk)


@tenancy.require_perm(Perm.BILL)
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    message = _message(request, pk)
    _log_messages(request, message.practice_id, [message], action="view")
    ack = message.ack
    if message.format == Format.FHIR and ack:
        ack = json.dumps(json.loads(ack), indent=2)
    raw = message.raw.replace("\r", "\n") if message.format == Format.HL7V2 else message.raw
    return render(request, "interop/message_detail.html", {
        "message": message, "raw": raw, "ack": ack.replace("\r", "\n"), "outcomes": message.outcomes,
        "links": {"patient": "billing:patient_detail", "encounter": "billing:encounter_detail"},
    })


@tenancy.require_perm(Perm.BILL)
@require_POST
def message_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply a message that failed again (after the practice added the missing provider, payer …)."""
    message = _message(request, pk)
    if message.status not in (InboundMessage.Status.ERROR, InboundMessage.Status.PARTIAL):
        messages.error(request, "Only messages that failed can be retried.")
        return redirect("interop:message", pk=pk)
    if message.format == Format.FHIR:
        fhir_message_process(message_id=message.pk, user=request.user)
    else:
        message_process(message_id=message.pk, user=request.user)
    message.refresh_from_db()
    (messages.success if message.ack_code == "AA" else messages.error)(
        request, f"Retried: {message.get_status_display()}{' — ' + message.error if message.error else ''}")
    return redirect("interop:message", pk=pk)


@tenancy.require_perm(Perm.BILL)
def messages_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404("No such format.")
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    form = MessageFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.messages_for(practice_id=practice_id, status=data.get("status", ""), fmt=data.get("format", ""),
                                query=data.get("q", ""))
    return export_response(rows=qs.iterator(chunk_size=2000), columns=exports.MESSAGE_COLUMNS, fmt=fmt,
                           filename=f"interop-messages-{timezone.localdate():%Y%m%d}", title="Messages")


# --- CSV import ----------------------------------------------------------------------------------------
@tenancy.require_perm(Perm.BILL)
def csv_list(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            content, name = upload_read(form.cleaned_data["file"], kind="csv", request=request)
            imp = csv_import.csv_import_create(practice_id=practice_id, kind=form.cleaned_data["kind"],
                                               filename=name, content=content, user=request.user)
        except (csv_import.CsvFileError, UploadRefused) as exc:
            form.add_error("file", " ".join(getattr(exc, "messages", None) or [str(exc)]))
        else:
            return redirect("interop:csv_detail", pk=imp.pk)
    imports = selectors.csv_imports_for(practice_id=practice_id)[:20]
    return render(request, "interop/csv_list.html", {"form": form, "imports": imports})


def _csv(request: HttpRequest, pk: int) -> CsvImport:
    return tenancy.get_scoped_or_404(CsvImport.objects.all(), request.user, Perm.BILL, pk=pk)


@tenancy.require_perm(Perm.BILL)
def csv_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Map the file's columns to our fields; preview (htmx swaps the preview in); import whole or not at all."""
    imp = _csv(request, pk)
    access_record(user=request.user, practice_id=imp.practice_id, object_type="csv_import", object_ids=[imp.pk],
                  request=request)
    form = MappingForm(request.POST or None, imp=imp)
    if request.method == "POST" and imp.status != CsvImport.Status.COMMITTED and form.is_valid():
        if request.POST.get("action") == "commit":
            try:
                imp = csv_import.csv_import_commit(imp=imp, user=request.user)
            except ValidationError as exc:
                messages.error(request, validation_text(exc))
            else:
                if imp.status == CsvImport.Status.COMMITTED:
                    messages.success(request, f"Imported {imp.row_count} row(s).")
                else:
                    messages.error(request, "Nothing was imported: fix the rows listed below and upload the file again.")
            return redirect("interop:csv_detail", pk=imp.pk)
        imp = csv_import.csv_import_preview(imp=imp, mapping=form.mapping(), user=request.user)
        form = MappingForm(imp=imp)
    template = "interop/csv_detail.html#preview" if request.htmx else "interop/csv_detail.html"
    return render(request, template, {"imp": imp, "form": form, "targets": csv_import.TARGETS[imp.kind]})


# --- senders -------------------------------------------------------------------------------------------
@tenancy.require_perm(Perm.ADMIN)
def sender_list(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.ADMIN)
    sender = tenancy.get_scoped_or_404(Hl7Sender.objects.all(), request.user, Perm.ADMIN, pk=pk) if pk else None
    if sender is not None:
        practice_id = sender.practice_id
    form = SenderForm(request.POST or None, instance=sender, practice_id=practice_id)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in SenderForm.Meta.fields}
        try:
            if sender:
                senders.sender_update(sender=sender, data=data)
            else:
                senders.sender_create(practice_id=practice_id, **data)
        except ValidationError as exc:
            form.add_error(None, validation_text(exc))
        else:
            messages.success(request, "Sender saved.")
            return redirect("interop:senders")
    return render(request, "interop/senders.html", {
        "form": form, "sender": sender, "senders": selectors.senders_for(practice_id=practice_id)})


# --- exports -------------------------------------------------------------------------------------------
@tenancy.require_perm(Perm.BILL)
def exports_page(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    pcn = request.GET.get("claim", "").strip()
    if pcn:
        claim = Claim.objects.filter(practice_id=practice_id, pcn__iexact=pcn).first()
        if claim is not None:
            return redirect("interop:eob", pk=claim.pk)
        messages.error(request, f"No claim {pcn} in this practice.")
    return render(request, "interop/exports.html", {"today": timezone.localdate()})


@tenancy.require_perm(Perm.BILL)
def balances_export(request: HttpRequest, fmt: str) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    as_of = timezone.localdate()
    if fmt == "json":
        payload = exports.balances_bundle(practice_id=practice_id, as_of=as_of)
        patient_ids = [e["resource"]["id"] for e in payload.get("entry", []) if e["resource"]["resourceType"] == "Patient"]
        _log_export(request, practice_id, "patient_balance", [int(i) for i in patient_ids])
        return _fhir_download(payload, f"patient-balances-{as_of:%Y%m%d}.json")
    if fmt not in FORMATS:
        raise Http404("No such format.")
    rows = exports.balances_rows(practice_id=practice_id, as_of=as_of)
    _log_export(request, practice_id, "patient_balance", [r["patient"].pk for r in rows])
    return export_response(rows=rows, columns=exports.BALANCE_COLUMNS, fmt=fmt, title="Patient balances",
                           filename=f"patient-balances-{as_of:%Y%m%d}")


@tenancy.require_perm(Perm.BILL)
def eob(request: HttpRequest, pk: int) -> HttpResponse:
    claim = tenancy.get_scoped_or_404(Claim.objects.select_related("patient", "coverage", "payer", "practice"),
                                      request.user, Perm.BILL, pk=pk)
    _log_export(request, claim.practice_id, "claim", [claim.patient_id], object_ids=[claim.pk])
    return _fhir_download(exports.claims_eob_bundle([claim]), f"eob-{claim.pcn}.json")


def _log_export(request: HttpRequest, practice_id: int, object_type: str, patient_ids: list[int],
                object_ids: list[int] | None = None) -> None:
    if patient_ids:
        access_record(user=request.user, practice_id=practice_id, object_type=object_type,
                      object_ids=object_ids or patient_ids, patient_ids=patient_ids, action="export", request=request)


def _fhir_download(payload: dict[str, Any], filename: str) -> HttpResponse:
    response = JsonResponse(payload, content_type="application/fhir+json", json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
