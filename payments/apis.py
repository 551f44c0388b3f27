"""The payments API: ERAs, exceptions, ledger, manual posting and credits, deposits and reconciliation,
underpayments, statements. Thin over the same services as the pages; scoping by `rcm.api`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from billing.models import ChargeLine, Patient, Payer
from claims.models import Claim
from payments import selectors
from payments.models import (
    BankDeposit,
    Denial,
    LedgerEntry,
    Payment,
    PaymentAllocation,
    PaymentBatch,
    RemitClaim,
    RemitException,
    RemitLine,
    Remittance,
    RemitTransaction,
    Statement,
    StatementRun,
    Underpayment,
)
from payments.services import deposits as deposit_services
from payments.services import era as era_services
from payments.services import manual, statements, underpayments
from rcm import tenancy
from rcm.api import PracticeScopedViewSet
from rcm.apis import JobSerializer
from rcm.audit import access_record
from rcm.idempotency import idempotent
from rcm.jobs import job_enqueue
from rcm.roles import Perm
from rcm.uploads import refusal_for, text_check, upload_read


# --- ERAs ---------------------------------------------------------------------------------------------
class RemitLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = RemitLine
        fields = ["seq", "code", "modifiers", "charge", "paid", "units", "service_date", "line_control_number",
                  "claim_line", "charge_line", "match", "adjustments", "remarks"]


class RemitClaimSerializer(serializers.ModelSerializer):
    outcome = serializers.CharField(read_only=True, help_text="posted, exception, duplicate, resolved, dismissed")
    lines = RemitLineSerializer(many=True, read_only=True)
    exception = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = RemitClaim
        fields = ["id", "seq", "pcn", "status_code", "charge", "paid", "patient_responsibility", "payer_claim_number",
                  "patient_name", "claim", "outcome", "note", "lines", "exception"]


class RemitTransactionSerializer(serializers.ModelSerializer):
    claims = RemitClaimSerializer(many=True, read_only=True)

    class Meta:
        model = RemitTransaction
        fields = ["id", "control_number", "payer", "payer_name", "payer_identifier", "trace_number", "payment_method",
                  "total_paid", "payment_date", "claim_count", "claims"]


class RemittanceSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="received, rejected, posted, exceptions, duplicate")

    class Meta:
        model = Remittance
        fields = ["id", "practice", "filename", "sha256", "source", "status", "problems", "summary", "payer_names",
                  "total_paid", "created_at", "posted_at"]
        read_only_fields = fields


class RemittanceDetailSerializer(RemittanceSerializer):
    transactions = RemitTransactionSerializer(many=True, read_only=True)

    class Meta(RemittanceSerializer.Meta):
        fields = [*RemittanceSerializer.Meta.fields, "transactions"]
        read_only_fields = fields


class EraUploadSerializer(serializers.Serializer):
    file = serializers.FileField(required=False, help_text="the 835 file (multipart)")
    content = serializers.CharField(required=False, help_text="or the 835 text itself")
    filename = serializers.CharField(required=False, default="remittance.835")
    wait = serializers.BooleanField(required=False, default=False,
                                    help_text="post now and answer with the result instead of a job")


class ImportResultSerializer(serializers.Serializer):
    files = serializers.IntegerField()
    claims = serializers.IntegerField()
    claims_matched = serializers.IntegerField()
    lines_posted = serializers.IntegerField()
    paid = serializers.CharField()
    adjusted = serializers.CharField()
    patient_responsibility = serializers.CharField()
    plb = serializers.CharField()
    exceptions = serializers.IntegerField()
    already_posted = serializers.IntegerField()
    remittance = serializers.IntegerField()
    problems = serializers.ListField(child=serializers.CharField())


class RemittanceViewSet(PracticeScopedViewSet):
    """835 remittances: upload (a job, or `wait` to post at once), list, and what each claim became."""

    queryset = Remittance.objects.defer("content")
    read_perm = Perm.BILL
    write_perm = Perm.BILL
    audit_type = "remittance"
    audit_patient_attr = None
    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["status", "practice"]

    def get_serializer_class(self) -> Any:
        return RemittanceDetailSerializer if self.action == "retrieve" else RemittanceSerializer

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related("transactions__claims__lines", "transactions__claims__exception")
        return qs.order_by("-created_at", "-id")

    @extend_schema(request=EraUploadSerializer, responses={202: JobSerializer, 200: ImportResultSerializer,
                                                           201: ImportResultSerializer},
                   parameters=[OpenApiParameter("practice", int)])
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        practice_id = tenancy.active_practice_for(request, Perm.BILL)
        body = EraUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data.get("file")
        if upload is None and not body.validated_data.get("content") and not refusal_for(request):
            raise exceptions.ValidationError({"file": "Send the 835 as `file` or `content`."})
        if upload is not None or refusal_for(request):
            content, name = upload_read(upload, kind="x12", request=request)
        else:
            content = text_check(body.validated_data["content"].encode("latin-1", "replace"), kind="x12")
            name = body.validated_data["filename"]
        if body.validated_data["wait"]:
            result = era_services.era_import(practice_id=practice_id, content=content, filename=name, source="api",
                                             user=request.user)
            data = {**result.as_dict(), "remittance": result.remittance_ids[0], "problems": result.problems}
            return Response(data, status=status.HTTP_201_CREATED if not result.already_posted or result.claims_matched
                            else status.HTTP_200_OK)
        with transaction.atomic():
            remittance, created = era_services.remittance_store(practice_id=practice_id, content=content, filename=name,
                                                                source="api", user=request.user)
            if not created:
                result = era_services._already(remittance)
                return Response({**result.as_dict(), "remittance": remittance.pk, "problems": result.problems})
            job = job_enqueue(kind="payments.era_post", practice_id=practice_id, params={"remittance_id": remittance.pk},
                              total=1, user=request.user, idempotency_key=f"era_post:{remittance.pk}")
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


# --- exceptions ---------------------------------------------------------------------------------------
class RemitExceptionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="open, resolved, dismissed")
    kind = serializers.CharField(read_only=True, help_text="no_claim, payer_mismatch, not_sent, line_unmatched, "
                                 "line_ambiguous, reversal_unmatched, duplicate, no_service_line")
    remit_claim = RemitClaimSerializer(read_only=True)
    data = serializers.JSONField(source="remit_claim.data", read_only=True)

    class Meta:
        model = RemitException
        fields = ["id", "practice", "kind", "message", "candidates", "status", "resolution", "resolved_at", "created_at",
                  "remit_claim", "data"]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    claim = serializers.IntegerField(help_text="our claim id to post to")
    lines = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField()), required=False,
                                  help_text="optional: ERA service index (0-based) -> our claim line ids")


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class RemitExceptionViewSet(PracticeScopedViewSet):
    queryset = RemitException.objects.select_related("remit_claim").prefetch_related("remit_claim__lines")
    serializer_class = RemitExceptionSerializer
    read_perm = Perm.BILL
    write_perm = Perm.BILL
    audit_type = "remit_exception"
    audit_patient_attr = None
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["status", "kind", "practice"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed("POST", detail="Exceptions come from ERAs; resolve or dismiss one.")

    @extend_schema(request=ResolveSerializer, responses=RemitExceptionSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        exc = self.get_object()
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        claim = Claim.objects.filter(pk=body.validated_data["claim"], practice_id=exc.practice_id).first()
        if claim is None:
            raise exceptions.ValidationError({"claim": "Not found in this practice."})
        lines = {int(k): v for k, v in body.validated_data.get("lines", {}).items()} or None
        era_services.exception_resolve(exception=exc, claim=claim, lines=lines, user=request.user)
        return Response(RemitExceptionSerializer(self.get_queryset().get(pk=exc.pk)).data)

    @extend_schema(request=DismissSerializer, responses=RemitExceptionSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        exc = self.get_object()
        body = DismissSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        era_services.exception_dismiss(exception=exc, reason=body.validated_data["reason"], user=request.user)
        return Response(RemitExceptionSerializer(self.get_queryset().get(pk=exc.pk)).data)


# --- ledger -------------------------------------------------------------------------------------------
class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ["id", "txn", "line", "encounter", "patient", "claim", "claim_line", "payer", "bucket", "kind", "category",
                  "amount", "cas_group", "carc", "rarc", "reverses", "remit_line", "allocation", "posted_on", "created_at"]
        read_only_fields = fields


class LedgerEntryViewSet(PracticeScopedViewSet):
    """Ledger entries (read-only: entries are never changed; corrections are new entries)."""

    queryset = LedgerEntry.objects.order_by("id")
    serializer_class = LedgerEntrySerializer
    read_perm = Perm.BILL
    audit_type = "ledger"
    http_method_names = ["get", "head", "options"]
    filterset_fields = ["line", "claim", "patient", "kind", "bucket"]


class LineBalanceSerializer(serializers.Serializer):
    line_id = serializers.IntegerField()
    line__code = serializers.CharField()
    encounter__date_of_service = serializers.DateField()
    balance = serializers.DecimalField(max_digits=12, decimal_places=2)
    patient = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    insurance = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)


class PatientLedgerSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    totals = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2))
    aging = serializers.DictField(child=serializers.DecimalField(max_digits=14, decimal_places=2))
    lines = LineBalanceSerializer(many=True)
    entries = LedgerEntrySerializer(many=True)


@extend_schema(responses=PatientLedgerSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def patient_ledger_api(request: Request, pk: int) -> Response:
    """A patient's ledger: totals (charges, payments, adjustments, what insurance and the patient owe), aging, lines."""
    patient = tenancy.get_scoped_or_404(Patient.objects.all(), request.user, Perm.VIEW_PHI, pk=pk)
    access_record(user=request.user, practice_id=patient.practice_id, object_type="ledger", object_ids=[patient.pk],
                  patient_ids=[patient.pk], request=request, via="api")
    ledger = selectors.patient_ledger(patient_id=patient.pk)
    aging = selectors.patient_balances(practice_id=patient.practice_id, as_of=dt.date.today(), minimum=Decimal("-1e9"),
                                       patient_ids=[patient.pk])
    return Response(PatientLedgerSerializer({
        "patient": patient.pk, "totals": ledger["totals"], "aging": aging[0].aging if aging else {},
        "lines": selectors.open_lines_for_patient(patient_id=patient.pk), "entries": ledger["entries"]}).data)


# --- manual posting -----------------------------------------------------------------------------------
class AllocationSerializer(serializers.ModelSerializer):
    line = serializers.PrimaryKeyRelatedField(queryset=ChargeLine.objects.all())

    class Meta:
        model = PaymentAllocation
        fields = ["id", "line", "amount", "adjustment", "adjustment_group", "adjustment_reason", "patient_responsibility",
                  "posted"]
        read_only_fields = ["id", "posted"]


class PaymentSerializer(serializers.ModelSerializer):
    allocations = AllocationSerializer(many=True, read_only=True)
    unapplied = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "batch", "method", "payer", "patient", "reference", "amount", "received_on", "allocated", "refunded",
                  "unapplied", "allocations"]
        read_only_fields = fields


class BatchSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="open, committed")
    kind = serializers.RegexField(r"^(insurance|patient)$", help_text="insurance (checks) or patient (payments)")
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta:
        model = PaymentBatch
        fields = ["id", "practice", "kind", "name", "expected_total", "deposit_date", "status", "committed_at", "payments"]
        read_only_fields = ["id", "practice", "status", "committed_at", "payments"]


class AllocationInSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0"))
    adjustment = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, default=Decimal("0"))
    adjustment_group = serializers.CharField(max_length=2, required=False, default="")
    adjustment_reason = serializers.CharField(max_length=5, required=False, default="")
    patient_responsibility = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, default=Decimal("0"))

    def to_allocation(self) -> manual.AllocationIn:
        d = self.validated_data
        return manual.AllocationIn(line_id=d["line"], amount=d["amount"], adjustment=d["adjustment"],
                                   adjustment_group=d["adjustment_group"], adjustment_reason=d["adjustment_reason"],
                                   patient_responsibility=d["patient_responsibility"])


def _allocations(data: Any) -> list[manual.AllocationIn]:
    out = []
    for item in data or []:
        s = AllocationInSerializer(data=item)
        s.is_valid(raise_exception=True)
        out.append(s.to_allocation())
    return out


class PaymentInSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=["check", "cash", "card", "eft"])
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    received_on = serializers.DateField()
    reference = serializers.CharField(max_length=50, required=False, default="")
    payer = serializers.IntegerField(required=False, allow_null=True)
    patient = serializers.IntegerField(required=False, allow_null=True)
    allocations = AllocationInSerializer(many=True, required=False)


class PaymentBatchViewSet(PracticeScopedViewSet):
    """Manual posting batches: create, add payments with allocations, commit when they add up."""

    queryset = PaymentBatch.objects.prefetch_related("payments__allocations")
    serializer_class = BatchSerializer
    read_perm = Perm.BILL
    write_perm = Perm.BILL
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["status", "kind"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        practice_id = tenancy.active_practice_for(request, Perm.BILL)
        body = BatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        batch = manual.batch_create(practice_id=practice_id, kind=d["kind"], name=d.get("name", ""),
                                    expected_total=d["expected_total"], deposit_date=d["deposit_date"], user=request.user)
        return Response(BatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PaymentInSerializer, responses={201: PaymentSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def payments(self, request: Request, pk: str | None = None) -> Response:
        batch = self.get_object()
        body = PaymentInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        payer = Payer.objects.filter(pk=d.get("payer"), practice_id=batch.practice_id).first() if d.get("payer") else None
        patient = Patient.objects.filter(pk=d.get("patient"), practice_id=batch.practice_id).first() \
            if d.get("patient") else None
        if (d.get("payer") and payer is None) or (d.get("patient") and patient is None):
            raise exceptions.ValidationError("Not found in this practice.")
        payment = manual.payment_add(batch=batch, method=d["method"], amount=d["amount"], received_on=d["received_on"],
                                     reference=d["reference"], payer=payer, patient=patient,
                                     allocations=_allocations(request.data.get("allocations")))
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=BatchSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def commit(self, request: Request, pk: str | None = None) -> Response:
        batch = manual.batch_commit(batch=self.get_object(), user=request.user)
        return Response(BatchSerializer(self.get_queryset().get(pk=batch.pk)).data)


class ApplySerializer(serializers.Serializer):
    allocations = AllocationInSerializer(many=True)


class RefundSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    reason = serializers.CharField(max_length=200, required=False, default="")


class CreditViewSet(PracticeScopedViewSet):
    """Payments with money not yet applied: apply it to lines, or refund it."""

    queryset = Payment.objects.all()
    serializer_class = PaymentSerializer
    read_perm = Perm.BILL
    write_perm = Perm.BILL
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> Any:
        ids = tenancy.practice_ids(self.request.user, Perm.BILL)
        qs = Payment.objects.none()
        for practice_id in ids:
            qs = qs | selectors.credits_for(practice_id=practice_id)
        return qs.prefetch_related("allocations").order_by("received_on", "pk")

    def get_object(self) -> Any:
        obj = tenancy.get_scoped_or_404(Payment.objects.select_related("batch"), self.request.user, Perm.BILL,
                                        pk=self.kwargs["pk"])
        return obj

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed("POST", detail="Credits come from payments of committed batches.")

    @extend_schema(request=ApplySerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def apply(self, request: Request, pk: str | None = None) -> Response:
        payment = manual.credit_apply(payment=self.get_object(), allocations=_allocations(request.data.get("allocations")),
                                      user=request.user)
        return Response(PaymentSerializer(Payment.objects.get(pk=payment.pk)).data)

    @extend_schema(request=RefundSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def refund(self, request: Request, pk: str | None = None) -> Response:
        payment = self.get_object()  # first: another practice's credit is a 404 whatever the body says
        body = RefundSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        manual.credit_refund(payment=payment, amount=body.validated_data["amount"], reason=body.validated_data["reason"],
                             user=request.user)
        return Response(PaymentSerializer(Payment.objects.get(pk=payment.pk)).data)


# --- deposits -----------------------------------------------------------------------------------------
class DepositSerializer(serializers.ModelSerializer):
    class Meta:
        model = BankDeposit
        fields = ["id", "deposited_on", "amount", "reference", "description", "remit_transaction", "batch", "match_method"]
        read_only_fields = fields


class DepositImportSerializer(serializers.Serializer):
    kind = serializers.RegexField(r"^(csv|bai2)$", help_text="csv or bai2")
    file = serializers.FileField()
    date_column = serializers.CharField(required=False, default="Date")
    amount_column = serializers.CharField(required=False, default="Amount")
    reference_column = serializers.CharField(required=False, default="Reference")
    description_column = serializers.CharField(required=False, default="Description")
    date_format = serializers.CharField(required=False, default="%Y-%m-%d")


class DepositImportResultSerializer(serializers.Serializer):
    deposits = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    matched = serializers.IntegerField()
    already_imported = serializers.IntegerField()


class BankDepositViewSet(PracticeScopedViewSet):
    queryset = BankDeposit.objects.all()
    serializer_class = DepositSerializer
    read_perm = Perm.BILL
    write_perm = Perm.BILL
    http_method_names = ["get", "post", "head", "options"]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=DepositImportSerializer, responses={201: DepositImportResultSerializer},
                   parameters=[OpenApiParameter("practice", int)])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Import a bank file (CSV with a column mapping, or BAI2); deposits are matched to ERAs and batches."""
        practice_id = tenancy.active_practice_for(request, Perm.BILL)
        body = DepositImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        content, name = upload_read(d["file"], kind="bank", request=request)
        mapping = deposit_services.CsvMapping(date=d["date_column"], amount=d["amount_column"],
                                              reference=d["reference_column"], description=d["description_column"],
                                              date_format=d["date_format"])
        result = deposit_services.deposits_import(practice_id=practice_id, content=content,
                                                  filename=name, kind=d["kind"], mapping=mapping,
                                                  user=request.user)
        return Response(result, status=status.HTTP_201_CREATED)


class ReconciliationSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    reconciles = serializers.BooleanField()
    closed = serializers.BooleanField()
    matched = serializers.ListField(child=serializers.DictField())
    unmatched_eras = serializers.ListField(child=serializers.DictField())
    unmatched_batches = serializers.ListField(child=serializers.DictField())
    unmatched_deposits = serializers.ListField(child=serializers.DictField())


def _period(request: Request) -> tuple[dt.date, dt.date]:
    try:
        return (dt.date.fromisoformat(request.query_params.get("start") or request.data.get("start", "")),
                dt.date.fromisoformat(request.query_params.get("end") or request.data.get("end", "")))
    except (ValueError, TypeError) as exc:
        raise exceptions.ValidationError({"start": "Give start and end as YYYY-MM-DD."}) from exc


def _rec_data(rec: deposit_services.Reconciliation) -> dict[str, Any]:
    return {"start": rec.start, "end": rec.end, "reconciles": rec.reconciles, "closed": rec.closed is not None,
            "matched": [{"deposit": m["deposit"].pk, "what": m["what"], "amount": f"{m['deposit'].amount:.2f}",
                         "expected": f"{m['expected']:.2f}", "difference": f"{m['difference']:.2f}"} for m in rec.matched],
            "unmatched_eras": [{"id": t.pk, "payer": t.payer_name, "trace": t.trace_number,
                                "amount": f"{t.total_paid:.2f}", "date": t.payment_date} for t in rec.unmatched_eras],
            "unmatched_batches": [{"id": b.pk, "name": b.name, "amount": f"{b.expected_total:.2f}"}
                                  for b in rec.unmatched_batches],
            "unmatched_deposits": [{"id": d.pk, "reference": d.reference, "amount": f"{d.amount:.2f}",
                                    "date": d.deposited_on} for d in rec.unmatched_deposits]}


@extend_schema(responses=ReconciliationSerializer,
               parameters=[OpenApiParameter("start", OpenApiTypes.DATE), OpenApiParameter("end", OpenApiTypes.DATE),
                           OpenApiParameter("practice", int)])
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def reconciliation_api(request: Request) -> Response:
    """Matched deposits with differences, ERAs and batches with no deposit, deposits with no ERA or batch."""
    try:
        practice_id = tenancy.active_practice_for(request, Perm.BILL)
    except Exception:
        practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    start, end = _period(request)
    return Response(ReconciliationSerializer(_rec_data(deposit_services.reconciliation(
        practice_id=practice_id, start=start, end=end))).data)


class CloseSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


@extend_schema(request=CloseSerializer, responses={201: ReconciliationSerializer},
               parameters=[OpenApiParameter("practice", int)])
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def period_close_api(request: Request) -> Response:
    """Close a period (managers); refused with the reasons unless it reconciles."""
    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    body = CloseSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    start, end = body.validated_data["start"], body.validated_data["end"]
    deposit_services.period_close(practice_id=practice_id, start=start, end=end, user=request.user)
    return Response(ReconciliationSerializer(_rec_data(deposit_services.reconciliation(
        practice_id=practice_id, start=start, end=end))).data, status=status.HTTP_201_CREATED)


# --- underpayments and denials ------------------------------------------------------------------------
class UnderpaymentSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="open, appeal, accepted, written_off")
    class Meta:
        model = Underpayment
        fields = ["id", "claim", "charge_line", "payer", "code", "units", "expected", "allowed", "difference", "status",
                  "note", "resolved_at", "created_at"]
        read_only_fields = fields


class UnderpaymentActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["appeal", "accept", "write_off"])
    note = serializers.CharField(max_length=300, required=False, default="")


class UnderpaymentViewSet(PracticeScopedViewSet):
    queryset = Underpayment.objects.all()
    serializer_class = UnderpaymentSerializer
    read_perm = Perm.BILL
    write_perm = Perm.BILL
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["status", "payer"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed("POST", detail="Underpayments are found while posting ERAs.")

    @extend_schema(request=UnderpaymentActionSerializer, responses=UnderpaymentSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def act(self, request: Request, pk: str | None = None) -> Response:
        underpayment = self.get_object()  # first: another practice's item is a 404 whatever the body says
        body = UnderpaymentActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = underpayments.underpayment_act(underpayment=underpayment, action=body.validated_data["action"],
                                              note=body.validated_data["note"], user=request.user)
        return Response(UnderpaymentSerializer(item).data)


class DenialSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="open, appealed, corrected, written_off, closed")
    class Meta:
        model = Denial
        fields = ["id", "claim", "claim_line", "charge_line", "payer", "group", "reason", "remarks", "amount", "status",
                  "created_at"]
        read_only_fields = fields


class DenialViewSet(PracticeScopedViewSet):
    """Structured denials from ERAs (group, CARC, RARC per line), for the denial queue."""

    queryset = Denial.objects.all()
    serializer_class = DenialSerializer
    read_perm = Perm.BILL
    http_method_names = ["get", "head", "options"]
    filterset_fields = ["status", "reason", "group", "payer", "claim"]


# --- statements ---------------------------------------------------------------------------------------
class StatementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Statement
        fields = ["id", "run", "patient", "amount_due", "aging", "level", "lines", "sent_on"]
        read_only_fields = fields


class StatementRunSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="queued, done")
    job = JobSerializer(read_only=True)

    class Meta:
        model = StatementRun
        fields = ["id", "practice", "as_of", "status", "minimum_balance", "statement_count", "total_due", "job",
                  "created_at"]
        read_only_fields = ["id", "practice", "status", "statement_count", "total_due", "job", "created_at"]


class StatementRunViewSet(PracticeScopedViewSet):
    """Statement runs: POST starts one (a job); each statement's PDF is at /statements/{id}/pdf/."""

    queryset = StatementRun.objects.select_related("job")
    serializer_class = StatementRunSerializer
    read_perm = Perm.BILL
    write_perm = Perm.BILL
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request=StatementRunSerializer, responses={202: StatementRunSerializer},
                   parameters=[OpenApiParameter("practice", int)])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        practice_id = tenancy.active_practice_for(request, Perm.BILL)
        body = StatementRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = statements.statement_run_start(practice_id=practice_id, as_of=body.validated_data["as_of"],
                                             minimum=body.validated_data.get("minimum_balance", Decimal("5.00")),
                                             user=request.user)
        return Response(StatementRunSerializer(StatementRun.objects.get(pk=run.pk)).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"], url_path="batch-file")
    def batch_file(self, request: Request, pk: str | None = None) -> HttpResponse:
        run = self.get_object()
        return HttpResponse(StatementRun.objects.get(pk=run.pk).batch_file, content_type="text/csv")


class StatementViewSet(PracticeScopedViewSet):
    queryset = Statement.objects.defer("pdf")
    serializer_class = StatementSerializer
    read_perm = Perm.BILL
    audit_type = "statement"
    http_method_names = ["get", "head", "options"]
    filterset_fields = ["run", "patient", "level"]

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        item = self.get_object()
        access_record(user=request.user, practice_id=item.practice_id, object_type="statement", object_ids=[item.pk],
                      patient_ids=[item.patient_id], action="print", request=request, via="api")
        return HttpResponse(bytes(Statement.objects.get(pk=item.pk).pdf), content_type="application/pdf")


