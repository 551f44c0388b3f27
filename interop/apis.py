"""Interop API, under /api/v1/: FHIR R4 endpoints (`fhir/…`, FHIR-style paths without a trailing slash) and
the app's own resources (`interop/…`). Thin: scoping in rcm.tenancy, work in the services."""

from __future__ import annotations

import contextlib
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import parsers, serializers, status
from rest_framework.decorators import action, api_view, parser_classes, permission_classes
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from billing.models import Coverage, Location, Patient
from claims.models import Claim
from interop.fhir import writer
from interop.hl7 import reader as hl7
from interop.models import Channel, CsvImport, Hl7Sender, InboundMessage
from interop.services import csv_import, exports, senders
from interop.services.apply import validation_text
from interop.services.fhir import fhir_bundle_receive
from interop.services.messages import hl7_text_receive
from rcm import tenancy
from rcm.api import PracticeOwnedSerializer, PracticeScopedViewSet, ScopedRelatedField
from rcm.audit import access_record
from rcm.roles import Perm
from rcm.uploads import body_read, upload_read

PRACTICE = OpenApiParameter("practice", int, description="Practice to import into (default: your active practice)")
FHIR_JSON = "application/fhir+json"


class RawParser(parsers.BaseParser):
    """Hands the body over as bytes: FHIR JSON and HL7 text are parsed (with their own encoding rules) by the services."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> bytes:
        return body_read(stream, kind="hl7_or_fhir")


def _practice(request: Request, perm: Perm = Perm.BILL) -> int:
    return tenancy.active_practice_for(request, perm)  # type: ignore[arg-type]


def _fhir(payload: dict[str, Any], code: int = 200) -> Response:
    return Response(payload, status=code, content_type=FHIR_JSON)


# --- FHIR ----------------------------------------------------------------------------------------------
@extend_schema(
    summary="Import a FHIR R4 Bundle (transaction: all or nothing; batch/collection: resource by resource)",
    request={FHIR_JSON: OpenApiTypes.OBJECT, "application/json": OpenApiTypes.OBJECT},
    responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="batch-response / transaction-response Bundle"),
               400: OpenApiResponse(OpenApiTypes.OBJECT, description="OperationOutcome")},
    parameters=[PRACTICE], tags=["fhir"])
@api_view(["POST"])
@parser_classes([RawParser])
@permission_classes([IsAuthenticated])
def fhir_bundle_api(request: Request) -> Response:
    result = fhir_bundle_receive(practice_id=_practice(request), content=request.data or b"", channel=Channel.API,
                                 user=request.user)
    return _fhir(result.response, result.http_status)


def _claims(request: Request) -> Any:
    return tenancy.scope(Claim.objects.select_related("patient", "coverage__payer", "payer", "practice"),
                         request.user, Perm.BILL)


def _log(request: Request, practice_id: int, object_type: str, object_ids: list[int], patient_ids: list[int],
         action: str = "view") -> None:
    if object_ids:
        access_record(user=request.user, practice_id=practice_id, object_type=object_type, object_ids=object_ids,
                      patient_ids=patient_ids, action=action, request=request, via="api")  # type: ignore[arg-type]


@extend_schema(operation_id="fhir_eob_read", summary="A claim and its adjudication as a FHIR ExplanationOfBenefit",
               responses={200: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT}, tags=["fhir"])
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def eob_read_api(request: Request, pk: int) -> Response:
    claim = tenancy.get_scoped_or_404(_claims(request), request.user, Perm.BILL, pk=pk)
    _log(request, claim.practice_id, "claim", [claim.pk], [claim.patient_id])
    return _fhir(exports.claim_eob(claim))


@extend_schema(operation_id="fhir_eob_search", summary="ExplanationOfBenefit search: a Bundle of EOBs (newest claims first, at most 100), with "
                       "the patients, coverages and organizations they reference",
               parameters=[OpenApiParameter("patient", int, description="our patient id"),
                           OpenApiParameter("claim", str, description="patient control number (CLM01)")],
               responses={200: OpenApiTypes.OBJECT}, tags=["fhir"])
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def eob_search_api(request: Request) -> Response:
    qs = _claims(request).order_by("-created_at", "-id")
    patient = request.query_params.get("patient", "")
    if patient:
        if not patient.isdigit():
            raise ValidationError({"patient": "An id."})
        qs = qs.filter(patient_id=int(patient))
    if request.query_params.get("claim"):
        qs = qs.filter(pcn__iexact=request.query_params["claim"])
    claims = list(qs[:100])
    for practice_id in {c.practice_id for c in claims}:
        mine = [c for c in claims if c.practice_id == practice_id]
        _log(request, practice_id, "claim", [c.pk for c in mine], [c.patient_id for c in mine], "list")
    return _fhir(exports.claims_eob_bundle(claims))


@extend_schema(summary="A patient as a FHIR Patient", responses={200: OpenApiTypes.OBJECT}, tags=["fhir"])
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def patient_read_api(request: Request, pk: int) -> Response:
    patient = tenancy.get_scoped_or_404(Patient.objects.all(), request.user, Perm.VIEW_PHI, pk=pk)
    _log(request, patient.practice_id, "patient", [patient.pk], [patient.pk])
    return _fhir(writer.patient_resource(patient))


@extend_schema(summary="A coverage as a FHIR Coverage", responses={200: OpenApiTypes.OBJECT}, tags=["fhir"])
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def coverage_read_api(request: Request, pk: int) -> Response:
    coverage = tenancy.get_scoped_or_404(Coverage.objects.select_related("payer"), request.user, Perm.VIEW_PHI, pk=pk)
    _log(request, coverage.practice_id, "coverage", [coverage.pk], [coverage.patient_id])
    return _fhir(writer.coverage_resource(coverage))


@extend_schema(summary="Patients' balances as FHIR Invoice resources (with their Patient resources)",
               parameters=[PRACTICE], responses={200: OpenApiTypes.OBJECT}, tags=["fhir"])
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def invoice_search_api(request: Request) -> Response:
    from django.utils import timezone

    practice_id = _practice(request)
    payload = exports.balances_bundle(practice_id=practice_id, as_of=timezone.localdate())
    ids = [int(e["resource"]["id"]) for e in payload.get("entry", []) if e["resource"]["resourceType"] == "Patient"]
    _log(request, practice_id, "patient_balance", ids, ids, "export")
    return _fhir(payload)


# --- HL7 v2 over HTTPS ---------------------------------------------------------------------------------
@extend_schema(
    summary="Submit HL7 v2 message(s) as text (one or many, segments separated by CR or LF); each is ACKed",
    request={"text/plain": OpenApiTypes.STR, "x-application/hl7-v2+er7": OpenApiTypes.STR},
    responses={200: inline_serializer("Hl7AckList", {"acks": serializers.ListField(child=inline_serializer(
        "Hl7Ack", {"control_id": serializers.CharField(), "ack_code": serializers.CharField(),
                   "message_id": serializers.IntegerField(allow_null=True), "ack": serializers.CharField()}))})},
    parameters=[PRACTICE], tags=["interop"])
@api_view(["POST"])
@parser_classes([RawParser])
@permission_classes([IsAuthenticated])
def hl7_api(request: Request) -> Response:
    practice_id = _practice(request)
    body: bytes = request.data or b""
    try:
        text = hl7.decode(body)
    except hl7.Hl7Reject as exc:
        raise ValidationError({"detail": str(exc)}) from exc
    pieces = hl7.split_file(text)
    if not pieces:
        raise ValidationError({"detail": "No HL7 message (MSH segment) in the body."})
    acks = []
    for piece in pieces:
        received = hl7_text_receive(text=piece, channel=Channel.API, practice_id=practice_id, user=request.user)
        header = None
        with contextlib.suppress(hl7.Hl7Reject):
            header = hl7.read_header(piece)
        acks.append({"control_id": header.control_id if header else "", "ack_code": received.ack_code,
                     "message_id": received.message.pk if received.message else None,
                     "ack": received.ack.replace("\r", "\n").strip()})
    return Response({"acks": acks}, status=status.HTTP_200_OK)


# --- the app's own resources ---------------------------------------------------------------------------
class InboundMessageSerializer(serializers.ModelSerializer):
    # Plain strings in the schema (the values are documented on the model), so enum names never collide.
    format = serializers.CharField(read_only=True, help_text="hl7v2 | fhir")
    channel = serializers.CharField(read_only=True, help_text="mllp | upload | folder | api | demo")
    status = serializers.CharField(read_only=True, help_text="received | processed | partial | error | rejected")
    ack_code = serializers.CharField(read_only=True, help_text="AA | AE | AR")

    class Meta:
        model = InboundMessage
        fields = ["id", "practice", "format", "channel", "sender", "control_id", "message_type", "reference",
                  "message_time", "status", "ack_code", "error", "counts", "received_at", "processed_at", "attempts"]
        read_only_fields = fields


class InboundMessageDetailSerializer(InboundMessageSerializer):
    class Meta(InboundMessageSerializer.Meta):
        fields = [*InboundMessageSerializer.Meta.fields, "raw", "ack", "outcomes", "patient_ids"]
        read_only_fields = fields


class InboundMessageViewSet(PracticeScopedViewSet):
    """Messages received (HL7 v2 and FHIR), newest first; the raw text and outcomes on the detail."""

    queryset = InboundMessage.objects.all().order_by("-received_at", "-id")
    read_perm = Perm.BILL
    audit_type = "inbound_message"
    audit_patient_attr = None
    http_method_names = ["get", "head", "options"]
    filterset_fields = ["status", "channel", "control_id"]  # not "format": DRF reads ?format= as the renderer

    def get_serializer_class(self) -> Any:
        return InboundMessageDetailSerializer if self.action == "retrieve" else InboundMessageSerializer

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        return qs if self.action == "retrieve" else qs.defer("raw", "ack", "outcomes")


class Hl7SenderSerializer(PracticeOwnedSerializer):
    default_location = ScopedRelatedField(queryset=Location.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Hl7Sender
        fields = ["id", "practice", "sending_facility", "sending_application", "default_location", "is_active",
                  "created_at"]
        read_only_fields = ["practice", "created_at"]


class Hl7SenderViewSet(PracticeScopedViewSet):
    """MLLP routing: a sending facility (MSH-4) and the practice its messages belong to."""

    queryset = Hl7Sender.objects.all().order_by("sending_facility")
    serializer_class = Hl7SenderSerializer
    read_perm = Perm.BILL
    write_perm = Perm.ADMIN

    def perform_create(self, serializer: Any) -> None:
        practice_id = _practice(self.request, Perm.ADMIN)  # type: ignore[arg-type]
        self.check_create_allowed(practice_id)
        data = {k: v for k, v in serializer.validated_data.items() if k != "practice"}
        try:
            serializer.instance = senders.sender_create(practice_id=practice_id, **data)
        except Exception as exc:
            _reraise(exc)

    def perform_update(self, serializer: Any) -> None:
        data = {k: v for k, v in serializer.validated_data.items() if k != "practice"}
        try:
            serializer.instance = senders.sender_update(sender=serializer.instance, data=data)
        except Exception as exc:
            _reraise(exc)


def _reraise(exc: Exception) -> None:
    from django.core.exceptions import ValidationError as DjangoValidationError

    if isinstance(exc, DjangoValidationError):
        raise ValidationError({"detail": validation_text(exc)}) from exc
    raise exc


class CsvImportSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="patients | coverage | charges")
    status = serializers.CharField(read_only=True, help_text="uploaded | valid | invalid | committed")

    class Meta:
        model = CsvImport
        fields = ["id", "practice", "kind", "filename", "headers", "mapping", "status", "row_count", "preview", "errors",
                  "created_at", "committed_at"]
        read_only_fields = fields


class CsvUploadSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="patients | coverage | charges")
    file = serializers.FileField()

    def validate_kind(self, value: str) -> str:
        if value not in CsvImport.Kind.values:
            raise serializers.ValidationError("Choose patients, coverage or charges.")
        return value


class CsvMappingSerializer(serializers.Serializer):
    mapping = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False,
                                   help_text="our field -> the file's column; omit to keep the current mapping")


class CsvImportViewSet(PracticeScopedViewSet):
    """CSV import: upload (the mapping is guessed), preview with a mapping (nothing written), commit (all or nothing)."""

    queryset = CsvImport.objects.all().order_by("-created_at", "-id")
    serializer_class = CsvImportSerializer
    read_perm = Perm.BILL
    write_perm = Perm.BILL
    parser_classes = [parsers.MultiPartParser, parsers.JSONParser]
    http_method_names = ["get", "post", "head", "options"]

    @extend_schema(request={"multipart/form-data": CsvUploadSerializer}, responses={201: CsvImportSerializer},
                   parameters=[PRACTICE])
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = CsvUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        practice_id = _practice(request)
        content, name = upload_read(upload.validated_data["file"], kind="csv", request=request)
        try:
            imp = csv_import.csv_import_create(practice_id=practice_id, kind=upload.validated_data["kind"],
                                               filename=name, content=content, user=request.user)
        except csv_import.CsvFileError as exc:
            raise ValidationError({"file": str(exc)}) from exc
        return Response(CsvImportSerializer(imp).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CsvMappingSerializer, responses={200: CsvImportSerializer})
    @action(detail=True, methods=["post"])
    def preview(self, request: Request, pk: str | None = None) -> Response:
        imp = self.get_object()
        body = CsvMappingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            imp = csv_import.csv_import_preview(imp=imp, mapping=body.validated_data.get("mapping"), user=request.user)
        except Exception as exc:
            _reraise(exc)
        return Response(CsvImportSerializer(imp).data)

    @extend_schema(request=None, responses={200: CsvImportSerializer, 400: CsvImportSerializer})
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str | None = None) -> Response:
        imp = self.get_object()
        try:
            imp = csv_import.csv_import_commit(imp=imp, user=request.user)
        except Exception as exc:
            _reraise(exc)
        code = status.HTTP_200_OK if imp.status == CsvImport.Status.COMMITTED else status.HTTP_400_BAD_REQUEST
        return Response(CsvImportSerializer(imp).data, status=code)
