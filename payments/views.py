"""Payments pages: ERAs, exceptions, manual posting and credits, deposits and reconciliation, underpayments,
patient ledger, statements. Thin: parse, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from billing.models import ChargeLine, Patient
from claims.models import Claim, ClaimLine
from payments import selectors
from payments.forms import (
    BatchForm,
    DepositImportForm,
    DismissForm,
    EraUploadForm,
    ExceptionResolveForm,
    PaymentForm,
    PeriodForm,
    RefundForm,
    StatementRunForm,
)
from payments.models import (
    BankDeposit,
    Payment,
    PaymentBatch,
    RemitException,
    Remittance,
    Statement,
    StatementRun,
    Underpayment,
)
from payments.services import deposits as deposit_services
from payments.services import era as era_services
from payments.services import manual, statements, underpayments
from payments.x12.reader_835 import RemitClaimIn
from rcm import tenancy
from rcm.audit import access_record, access_record_many
from rcm.jobs import job_enqueue
from rcm.models import Job
from rcm.roles import Perm
from rcm.uploads import UploadRefused, refusal_for, refused_form, upload_read

PAGE = 50


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# --- ERAs ---------------------------------------------------------------------------------------------
@tenancy.require_perm(Perm.BILL)
def eras(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    form = EraUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and (why := refusal_for(request)):
        form = refused_form(EraUploadForm, "file", why)
    elif request.method == "POST" and form.is_valid():
        try:
            content, name = upload_read(form.cleaned_data["file"], kind="x12", request=request)
        except UploadRefused as exc:
            form.add_error("file", exc.messages)
            content = b""
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            remittance, created = era_services.remittance_store(practice_id=practice_id, content=content,
                                                                filename=name, source="upload", user=request.user)
            if not created:
                messages.warning(request, f"This file was already imported ({remittance.filename}); nothing was posted again.")
                return redirect("payments:era_detail", pk=remittance.pk)
            job = job_enqueue(kind="payments.era_post", practice_id=practice_id, params={"remittance_id": remittance.pk},
                              total=1, user=request.user, idempotency_key=f"era_post:{remittance.pk}")
        return redirect(reverse("payments:era_detail", args=[remittance.pk]) + f"?job={job.pk}")
    page = Paginator(selectors.remittances_for(practice_id=practice_id), PAGE).get_page(request.GET.get("page"))
    open_exceptions = selectors.exceptions_for(practice_id=practice_id).count()
    return render(request, "payments/eras.html", {"page": page, "form": form, "open_exceptions": open_exceptions})


@tenancy.require_perm(Perm.BILL)
def era_detail(request: HttpRequest, pk: int) -> HttpResponse:
    remittance = tenancy.get_scoped_or_404(Remittance.objects.defer("content"), request.user, Perm.BILL, pk=pk)
    detail = selectors.remittance_detail(remittance=remittance)
    patient_ids = [c.claim.patient_id for c in detail["claims"] if c.claim_id]
    access_record(user=request.user, practice_id=remittance.practice_id, object_type="remittance",
                  object_ids=[remittance.pk], patient_ids=patient_ids, request=request)
    job = None
    if request.GET.get("job", "").isdigit():
        job = Job.objects.filter(pk=int(request.GET["job"]), practice_id=remittance.practice_id).first()
    return render(request, "payments/era_detail.html", {"remittance": remittance, **detail, "job": job})


@tenancy.require_perm(Perm.BILL)
def era_download(request: HttpRequest, pk: int) -> HttpResponse:
    remittance = tenancy.get_scoped_or_404(Remittance.objects.all(), request.user, Perm.BILL, pk=pk)
    access_record(user=request.user, practice_id=remittance.practice_id, object_type="remittance",
                  object_ids=[remittance.pk], action="export", request=request)
    response = HttpResponse(remittance.content, content_type="application/edi-x12")
    response["Content-Disposition"] = f'attachment; filename="{remittance.filename}"'
    return response


# --- exceptions ---------------------------------------------------------------------------------------
@tenancy.require_perm(Perm.BILL)
def exceptions(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    status = request.GET.get("status", RemitException.Status.OPEN)
    qs = selectors.exceptions_for(practice_id=practice_id, status=status if status != "all" else "")
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(request, "payments/exceptions.html", {"page": page, "status": status,
                                                        "statuses": RemitException.Status.choices})


@tenancy.require_perm(Perm.BILL)
def exception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exc = tenancy.get_scoped_or_404(RemitException.objects.select_related("remit_claim__transaction__remittance"),
                                    request.user, Perm.BILL, pk=pk)
    cin = RemitClaimIn.model_validate(exc.remit_claim.data)
    pcn = request.POST.get("claim") or request.GET.get("claim") or next(
        (c.get("pcn") for c in exc.candidates if c.get("pcn")), "") or cin.pcn
    claim = Claim.objects.filter(practice_id=exc.practice_id, pcn=pcn.strip()).select_related("patient").first()
    lines = list(ClaimLine.objects.filter(claim=claim).order_by("line_number")) if claim else []
    if claim:
        access_record(user=request.user, practice_id=exc.practice_id, object_type="claim", object_ids=[claim.pk],
                      patient_ids=[claim.patient_id], request=request)
    form = ExceptionResolveForm(request.POST or None, initial={"claim": pcn})
    if request.method == "POST" and request.POST.get("action") == "resolve" and form.is_valid():
        if claim is None:
            messages.error(request, f"No claim {pcn} in this practice.")
        else:
            mapping: dict[int, list[int]] | None = None
            if cin.services and any(f"svc{i}" in request.POST for i in range(len(cin.services))):
                mapping = {i: [int(x) for x in request.POST.getlist(f"svc{i}") if x.isdigit()]
                           for i in range(len(cin.services))}
            try:
                era_services.exception_resolve(exception=exc, claim=claim, lines=mapping, user=request.user)
            except ValidationError as err:
                _errors(request, err)
            else:
                messages.success(request, f"Posted to claim {claim.pcn}.")
                return redirect("payments:exceptions")
    return render(request, "payments/exception_detail.html", {
        "exception": exc, "cin": cin, "claim": claim, "lines": lines, "form": form, "dismiss": DismissForm(),
        "services": list(enumerate(cin.services))})


@tenancy.require_perm(Perm.BILL)
@require_POST
def exception_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    exc = tenancy.get_scoped_or_404(RemitException.objects.all(), request.user, Perm.BILL, pk=pk)
    try:
        era_services.exception_dismiss(exception=exc, reason=request.POST.get("reason", ""), user=request.user)
    except ValidationError as err:
        _errors(request, err)
        return redirect("payments:exception_detail", pk=pk)
    messages.success(request, "Dismissed; nothing was posted.")
    return redirect("payments:exceptions")


# --- manual posting -----------------------------------------------------------------------------------
@tenancy.require_perm(Perm.BILL)
def batches(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    form = BatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = manual.batch_create(practice_id=practice_id, user=request.user, **form.cleaned_data)
        except ValidationError as err:
            _errors(request, err)
        else:
            return redirect("payments:batch_detail", pk=batch.pk)
    page = Paginator(PaymentBatch.objects.filter(practice_id=practice_id), PAGE).get_page(request.GET.get("page"))
    credits = selectors.credits_for(practice_id=practice_id)[:200]
    return render(request, "payments/batches.html", {"page": page, "form": form, "credits": credits})


@tenancy.require_perm(Perm.BILL)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = tenancy.get_scoped_or_404(PaymentBatch.objects.all(), request.user, Perm.BILL, pk=pk)
    form = PaymentForm(request.POST or None, practice_id=batch.practice_id)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        patient = None
        if d["patient_mrn"]:
            patient = Patient.objects.filter(practice_id=batch.practice_id, mrn__iexact=d["patient_mrn"].strip()).first()
            if patient is None:
                form.add_error("patient_mrn", "No patient with this MRN.")
        if not form.errors:
            try:
                payment = manual.payment_add(batch=batch, method=d["method"], amount=d["amount"],
                                             received_on=d["received_on"], reference=d["reference"], payer=d["payer"],
                                             patient=patient)
            except ValidationError as err:
                _errors(request, err)
            else:
                messages.success(request, "Payment added; allocate it to service lines.")
                return redirect("payments:payment_allocate", pk=payment.pk)
    payments = list(batch.payments.select_related("payer", "patient").prefetch_related("allocations"))
    return render(request, "payments/batch_detail.html", {"batch": batch, "form": form, "payments": payments,
                                                          "totals": manual.batch_totals(batch)})


@tenancy.require_perm(Perm.BILL)
@require_POST
def batch_commit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = tenancy.get_scoped_or_404(PaymentBatch.objects.all(), request.user, Perm.BILL, pk=pk)
    try:
        manual.batch_commit(batch=batch, user=request.user)
    except ValidationError as err:
        _errors(request, err)
    else:
        messages.success(request, "Batch committed: its allocations are posted; anything left is an unapplied credit.")
    return redirect("payments:batch_detail", pk=pk)


def _money(value: str) -> Decimal:
    try:
        return Decimal(value.strip() or "0").quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise ValidationError(f"{value!r} is not an amount.") from exc


@tenancy.require_perm(Perm.BILL)
def payment_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    payment = tenancy.get_scoped_or_404(Payment.objects.select_related("batch", "payer", "patient"), request.user,
                                        Perm.BILL, pk=pk)
    pcn = request.GET.get("claim", "").strip()
    if payment.patient_id:
        lines = selectors.open_lines_for_patient(patient_id=payment.patient_id)
    elif pcn:
        charge_ids = list(ClaimLine.objects.filter(claim__practice_id=payment.practice_id, claim__pcn=pcn)
                          .values_list("charge_line_id", flat=True))
        balances = selectors.line_balances(line_ids=charge_ids)
        lines = [{"line_id": cl.pk, "line__code": cl.code, "encounter__date_of_service": cl.encounter.date_of_service,
                  **balances[cl.pk]} for cl in ChargeLine.objects.filter(pk__in=charge_ids).select_related("encounter")]
    else:
        lines = []
    if request.method == "POST":
        try:
            allocations = []
            for key, value in request.POST.items():
                if key.startswith("amount_") and key[7:].isdigit():
                    line_id = int(key[7:])
                    amount, adj, pr = (_money(value), _money(request.POST.get(f"adj_{line_id}", "")),
                                       _money(request.POST.get(f"pr_{line_id}", "")))
                    if amount or adj or pr:
                        allocations.append(manual.AllocationIn(line_id=line_id, amount=amount, adjustment=adj,
                                                               adjustment_group="CO" if adj else "",
                                                               adjustment_reason="45" if adj else "",
                                                               patient_responsibility=pr))
            manual.payment_allocate(payment=payment, allocations=allocations, user=request.user)
        except ValidationError as err:
            _errors(request, err)
        else:
            messages.success(request, "Allocated." if payment.batch.status == PaymentBatch.Status.OPEN
                             else "Credit applied and posted.")
            return redirect("payments:batch_detail", pk=payment.batch_id)
    if payment.patient_id:
        access_record(user=request.user, practice_id=payment.practice_id, object_type="patient",
                      object_ids=[payment.patient_id], patient_ids=[payment.patient_id], request=request)
    payment.refresh_from_db()
    return render(request, "payments/payment_allocate.html", {"payment": payment, "lines": lines, "pcn": pcn,
                                                              "refund": RefundForm()})


@tenancy.require_perm(Perm.BILL)
@require_POST
def payment_refund(request: HttpRequest, pk: int) -> HttpResponse:
    payment = tenancy.get_scoped_or_404(Payment.objects.all(), request.user, Perm.BILL, pk=pk)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            manual.credit_refund(payment=payment, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"],
                                 user=request.user)
        except ValidationError as err:
            _errors(request, err)
        else:
            messages.success(request, f"Refunded ${form.cleaned_data['amount']:.2f}.")
    return redirect("payments:batches")


# --- deposits and reconciliation ----------------------------------------------------------------------
def _period(request: HttpRequest) -> tuple[dt.date, dt.date, PeriodForm]:
    start, end = PeriodForm.default()
    form = PeriodForm(request.GET or None, initial={"start": start, "end": end})
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return start, end, form


@tenancy.require_perm(Perm.VIEW_PHI)
def deposits(request: HttpRequest) -> HttpResponse:
    """Billers import and match; managers close the period. Either may look."""
    practice_id = _bill_or_manage(request)
    can_bill = tenancy.has_perm(request.user, practice_id, Perm.BILL)
    form = DepositImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_bill:
            raise PermissionDenied("Importing deposits needs the billing role.")
        if (why := refusal_for(request)):
            form = refused_form(DepositImportForm, "file", why)
        if form.is_valid():
            try:
                content, name = upload_read(form.cleaned_data["file"], kind="bank", request=request)
                result = deposit_services.deposits_import(practice_id=practice_id, content=content,
                                                          filename=name, kind=form.cleaned_data["kind"],
                                                          mapping=form.mapping(), user=request.user)
            except ValidationError as err:
                _errors(request, err)
            else:
                if result["already_imported"]:
                    messages.warning(request, "This bank file was already imported; nothing added.")
                else:
                    messages.success(request, f"{result['deposits']} deposit(s) imported, {result['matched']} matched.")
                return redirect(request.get_full_path())
    start, end, period_form = _period(request)
    rec = deposit_services.reconciliation(practice_id=practice_id, start=start, end=end)
    return render(request, "payments/deposits.html", {
        "form": form, "period_form": period_form, "rec": rec, "start": start, "end": end, "can_bill": can_bill,
        "can_close": tenancy.has_perm(request.user, practice_id, Perm.MANAGE),
        "recent": BankDeposit.objects.filter(practice_id=practice_id).select_related("remit_transaction", "batch")[:50]})


def _bill_or_manage(request: HttpRequest) -> int:
    for perm in (Perm.BILL, Perm.MANAGE):
        try:
            return tenancy.active_practice_for(request, perm)
        except PermissionDenied:
            continue
    raise PermissionDenied("Deposits are for billers and managers.")


@tenancy.require_perm(Perm.MANAGE)
@require_POST
def period_close(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    try:
        start = dt.date.fromisoformat(request.POST.get("start", ""))
        end = dt.date.fromisoformat(request.POST.get("end", ""))
        deposit_services.period_close(practice_id=practice_id, start=start, end=end, user=request.user)
    except ValueError:
        messages.error(request, "Give the period's start and end dates.")
        return redirect("payments:deposits")
    except ValidationError as err:
        _errors(request, err)
    else:
        messages.success(request, f"Period {start} to {end} closed.")
    return redirect(reverse("payments:deposits") + f"?start={start}&end={end}")


# --- underpayments ------------------------------------------------------------------------------------
@tenancy.require_perm(Perm.BILL)
def underpayments_page(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    status = request.GET.get("status", Underpayment.Status.OPEN)
    qs = selectors.underpayments_for(practice_id=practice_id, status="" if status == "all" else status)
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(request, "payments/underpayments.html", {"page": page, "status": status,
                                                           "statuses": Underpayment.Status.choices})


@tenancy.require_perm(Perm.BILL)
@require_POST
def underpayment_act(request: HttpRequest, pk: int) -> HttpResponse:
    item = tenancy.get_scoped_or_404(Underpayment.objects.all(), request.user, Perm.BILL, pk=pk)
    try:
        underpayments.underpayment_act(underpayment=item, action=request.POST.get("action", ""),
                                       note=request.POST.get("note", ""), user=request.user)
    except ValidationError as err:
        _errors(request, err)
    else:
        messages.success(request, "Saved.")
    return redirect("payments:underpayments")


# --- patient ledger -----------------------------------------------------------------------------------
@tenancy.require_perm(Perm.VIEW_PHI)
def patient_ledger(request: HttpRequest, pk: int) -> HttpResponse:
    patient = tenancy.get_scoped_or_404(Patient.objects.all(), request.user, Perm.VIEW_PHI, pk=pk)
    access_record(user=request.user, practice_id=patient.practice_id, object_type="ledger", object_ids=[patient.pk],
                  patient_ids=[patient.pk], request=request)
    ledger = selectors.patient_ledger(patient_id=patient.pk)
    aging = selectors.patient_balances(practice_id=patient.practice_id, as_of=dt.date.today(), minimum=Decimal("-1e9"),
                                       patient_ids=[patient.pk])
    history = Statement.objects.filter(patient=patient).select_related("run").defer("pdf")
    return render(request, "payments/patient_ledger.html", {"patient": patient, **ledger,
                                                            "aging": aging[0] if aging else None, "history": history})


# --- statements ---------------------------------------------------------------------------------------
@tenancy.require_perm(Perm.BILL)
def statement_runs(request: HttpRequest) -> HttpResponse:
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    form = StatementRunForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        run = statements.statement_run_start(practice_id=practice_id, as_of=form.cleaned_data["as_of"],
                                             minimum=form.cleaned_data["minimum"], user=request.user)
        return redirect("payments:statement_run", pk=run.pk)
    runs = StatementRun.objects.filter(practice_id=practice_id).select_related("job")[:50]
    balances = selectors.patient_balances(practice_id=practice_id, as_of=dt.date.today())
    patients = Patient.objects.in_bulk([b.patient_id for b in balances[:200]])
    rows = [(patients[b.patient_id], b) for b in balances[:200]]
    access_record_many(user=request.user, objects=[p for p, _b in rows], object_type="patient", action="list",
                       request=request, via="page", patient_attr="self")
    totals = {k: sum((b.aging[k] for b in balances), Decimal("0.00")) for k in selectors.AGING_KEYS}
    return render(request, "payments/statements.html", {"form": form, "runs": runs, "rows": rows, "totals": totals,
                                                        "owing": len(balances)})


@tenancy.require_perm(Perm.BILL)
def statement_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = tenancy.get_scoped_or_404(StatementRun.objects.select_related("job"), request.user, Perm.BILL, pk=pk)
    items = list(run.statements.select_related("patient").defer("pdf").order_by("patient__last_name", "pk"))
    access_record_many(user=request.user, objects=items, object_type="statement", action="list", request=request,
                       via="page")
    return render(request, "payments/statement_run.html", {"run": run, "statements": items, "job": run.job})


@tenancy.require_perm(Perm.BILL)
def statement_run_file(request: HttpRequest, pk: int) -> HttpResponse:
    run = tenancy.get_scoped_or_404(StatementRun.objects.all(), request.user, Perm.BILL, pk=pk)
    items = list(run.statements.defer("pdf"))
    access_record_many(user=request.user, objects=items, object_type="statement", action="export", request=request,
                       via="page")
    response = HttpResponse(run.batch_file, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="statements-{run.as_of}-{run.pk}.csv"'
    return response


@tenancy.require_perm(Perm.VIEW_PHI)
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    item = tenancy.get_scoped_or_404(Statement.objects.all(), request.user, Perm.VIEW_PHI, pk=pk)
    access_record(user=request.user, practice_id=item.practice_id, object_type="statement", object_ids=[item.pk],
                  patient_ids=[item.patient_id], action="print", request=request)
    response = HttpResponse(bytes(item.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{item.pk}.pdf"'
    return response


