"""API twins of the clearinghouse, eligibility and denial pages (under /api/v1/). Thin over the same services;
reads are scoped to the practices where the user may bill, so another practice's row is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from billing.models import Coverage, Encounter
from claims.clearinghouse import services
from claims.clearinghouse.models import ClearinghouseConnection, InboundFile, Submission, SubmissionAttempt
from claims.denials import selectors as denial_selectors
from claims.denials import services as denial_services
from claims.denials.categories import next_action
from claims.denials.models import Appeal, DenialAction, DenialCase
from claims.eligibility.models import EligibilityCheck
from rcm import tenancy
from rcm.api import PracticeScopedViewSet
from rcm.roles import Perm
from rcm.uploads import upload_read

P = Perm.BILL


def _practice(request: Request) -> int:
    raw = request.query_params.get("practice") or request.data.get("practice") if hasattr(request, "data") else None
    ids = tenancy.practice_ids(request.user, P)
    if raw:
        if not str(raw).isdigit() or int(raw) not in ids:
            raise exceptions.NotFound("No such practice.")
        return int(raw)
    active = getattr(request, "practice_id", None)
    if active in ids:
        return int(active)
    if not ids:
        raise exceptions.PermissionDenied("Your role does not allow this (bill).")
    return ids[0]


def _drf(exc: ValidationError) -> exceptions.ValidationError:
    return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


# --- connection ---------------------------------------------------------------------------------------------
class ConnectionSerializer(serializers.ModelSerializer):
    secrets = serializers.DictField(child=serializers.CharField(allow_blank=True, allow_null=True), write_only=True,
                                    required=False, help_text="password, private_key, api_key …: a value replaces, "
                                                              "null removes; never returned")

    class Meta:
        model = ClearinghouseConnection
        fields = ["id", "practice", "name", "kind", "is_active", "host", "port", "username", "host_key", "upload_dir",
                  "download_dir", "archive_dir", "base_url", "sender_id", "receiver_id", "options", "credentials_set",
                  "last_polled_at", "last_error", "secrets"]
        read_only_fields = ["id", "practice", "credentials_set", "last_polled_at", "last_error"]


class ConnectionViewSet(PracticeScopedViewSet):
    serializer_class = ConnectionSerializer
    queryset = ClearinghouseConnection.objects.all()
    read_perm = P
    write_perm = P
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer: Any) -> None:
        practice_id = _practice(self.request)
        self.check_create_allowed(practice_id)
        secrets = serializer.validated_data.pop("secrets", None)
        conn = ClearinghouseConnection(practice_id=practice_id, **serializer.validated_data)
        try:
            serializer.instance = services.connection_save(connection=conn, secrets=secrets)
        except ValidationError as exc:
            raise _drf(exc) from exc

    def perform_update(self, serializer: Any) -> None:
        secrets = serializer.validated_data.pop("secrets", None)
        conn = serializer.instance
        for k, v in serializer.validated_data.items():
            setattr(conn, k, v)
        try:
            services.connection_save(connection=conn, secrets=secrets)
        except ValidationError as exc:
            raise _drf(exc) from exc


# --- submissions --------------------------------------------------------------------------------------------
class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubmissionAttempt
        fields = ["number", "worker", "started_at", "finished_at", "outcome", "detail"]


class SubmissionSerializer(serializers.ModelSerializer):
    attempt_rows = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Submission
        fields = ["id", "practice", "connection", "kind", "batch", "sequence", "filename", "interchange_control",
                  "group_control", "status", "attempts", "remote_ref", "error", "reason", "claim_count", "sent_at",
                  "created_at", "attempt_rows"]
        read_only_fields = fields


class SubmitResultSerializer(serializers.Serializer):
    batches = serializers.IntegerField()
    claims_sent = serializers.IntegerField()
    claims_skipped = serializers.IntegerField()


class SubmissionViewSet(PracticeScopedViewSet):
    serializer_class = SubmissionSerializer
    queryset = Submission.objects.prefetch_related("attempt_rows")
    read_perm = P
    write_perm = P
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["practice", "kind", "status", "batch"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed("POST", detail="Use submit/ to send queued claims.")

    @extend_schema(request=None, responses={202: SubmitResultSerializer},
                   parameters=[OpenApiParameter("practice", int)])
    @action(detail=False, methods=["post"])
    def submit(self, request: Request) -> Response:
        """Every clean queued claim into 837 files; each file is sent once by a worker."""
        try:
            result = services.claims_submit(practice_id=_practice(request), user=request.user)
        except ValidationError as exc:
            raise _drf(exc) from exc
        return Response(result.as_dict(), status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=serializers.Serializer, responses={202: SubmissionSerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk: str | None = None) -> Response:
        sub = self.get_object()
        try:
            new = services.submission_resend(submission=sub, reason=str(request.data.get("reason", "")),
                                             user=request.user)
        except ValidationError as exc:
            raise _drf(exc) from exc
        return Response(SubmissionSerializer(new).data, status=status.HTTP_202_ACCEPTED)


# --- files received -----------------------------------------------------------------------------------------
class InboundFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = InboundFile
        fields = ["id", "practice", "connection", "filename", "remote_name", "kind", "sha256", "size", "sender_id",
                  "interchange_control", "group_control", "status", "problems", "summary", "received_at",
                  "processed_at"]
        read_only_fields = fields


class PollResultSerializer(serializers.Serializer):
    files = serializers.IntegerField()
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    status_updates = serializers.IntegerField()
    remittances_posted = serializers.IntegerField()
    errors = serializers.IntegerField()


class InboundFileViewSet(PracticeScopedViewSet):
    serializer_class = InboundFileSerializer
    queryset = InboundFile.objects.defer("content")
    read_perm = P
    write_perm = P
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["practice", "kind", "status"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Upload a file downloaded from the clearinghouse's portal (multipart `file`)."""
        content, name = upload_read(request.FILES.get("file"), kind="x12", request=request)
        result = services.inbound_upload(practice_id=_practice(request), content=content, filename=name,
                                         user=request.user)
        return Response({**result.as_dict(), "duplicates": result.duplicates, "problems": result.problems,
                         "file_ids": result.file_ids}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PollResultSerializer}, parameters=[OpenApiParameter("practice", int)])
    @action(detail=False, methods=["post"])
    def poll(self, request: Request) -> Response:
        try:
            conn = services.connection_for(practice_id=_practice(request))
        except ValidationError as exc:
            raise _drf(exc) from exc
        return Response(services.clearinghouse_poll(connection=conn, user=request.user).as_dict())

    @extend_schema(responses={(200, "application/edi-x12"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"])
    def raw(self, request: Request, pk: str | None = None) -> HttpResponse:
        row = self.get_object()
        response = HttpResponse(bytes(InboundFile.objects.get(pk=row.pk).content), content_type="application/edi-x12")
        response["Content-Disposition"] = f'attachment; filename="{row.filename}"'
        return response


# --- denials ------------------------------------------------------------------------------------------------
class DenialActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DenialAction
        fields = ["kind", "note", "amount", "data", "user", "at"]


class AppealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = ["id", "level", "deadline", "status", "details", "sent_on", "outcome_note", "created_at"]


class DenialCaseSerializer(serializers.ModelSerializer):
    next_action = serializers.SerializerMethodField()
    actions = DenialActionSerializer(many=True, read_only=True)
    appeals = AppealSerializer(many=True, read_only=True)

    class Meta:
        model = DenialCase
        fields = ["id", "practice", "claim", "payer", "provider", "source", "category", "next_action", "group", "carc",
                  "rarcs", "status_code", "category_code", "reason", "segment", "field", "amount", "denied_on",
                  "appeal_deadline", "status", "new_claim", "resolved_at", "actions", "appeals"]
        read_only_fields = fields

    def get_next_action(self, obj: DenialCase) -> str:
        return next_action(obj.category)


class DenialActSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["correct", "void", "write_off", "transfer", "appeal", "note", "close",
                                              "reopen"])
    note = serializers.CharField(required=False, allow_blank=True, default="")
    argument = serializers.CharField(required=False, allow_blank=True, default="")
    attachments = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    contact = serializers.CharField(required=False, allow_blank=True, default="")


class DenialCaseViewSet(PracticeScopedViewSet):
    serializer_class = DenialCaseSerializer
    queryset = DenialCase.objects.prefetch_related("actions", "appeals")
    read_perm = P
    write_perm = P
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["practice", "status", "category", "payer", "source"]
    audit_type = "claim"
    audit_patient_attr = None

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed("POST", detail="Denials are opened by 277CA rejections and 835 denials.")

    @extend_schema(request=DenialActSerializer, responses={200: DenialCaseSerializer})
    @action(detail=True, methods=["post"])
    def act(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        ser = DenialActSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        s, user = denial_services, request.user
        try:
            what = d["action"]
            if what == "correct":
                s.denial_correct(case=case, user=user, note=d["note"])
            elif what == "void":
                s.denial_void(case=case, user=user, note=d["note"])
            elif what == "write_off":
                s.denial_write_off(case=case, reason=d["note"], user=user)
            elif what == "transfer":
                s.denial_transfer_to_patient(case=case, reason=d["note"], user=user)
            elif what == "appeal":
                s.denial_appeal(case=case, argument=d["argument"], attachments=d["attachments"], contact=d["contact"],
                                user=user)
            elif what == "note":
                s.denial_note(case=case, note=d["note"], user=user)
            elif what == "close":
                s.denial_close(case=case, note=d["note"], user=user)
            else:
                s.denial_reopen(case=case, note=d["note"], user=user)
        except ValidationError as exc:
            raise _drf(exc) from exc
        return Response(DenialCaseSerializer(DenialCase.objects.get(pk=case.pk)).data)


@extend_schema(parameters=[OpenApiParameter("practice", int), OpenApiParameter("months", int)],
               responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def denial_analytics_api(request: Request) -> Response:
    try:
        months = max(1, min(24, int(request.query_params.get("months") or 6)))
    except ValueError as exc:
        raise exceptions.ValidationError({"months": "A number of months."}) from exc
    return Response(denial_selectors.denial_analytics(practice_id=_practice(request), months=months))


# --- eligibility --------------------------------------------------------------------------------------------
class EligibilitySerializer(serializers.ModelSerializer):
    verdict = serializers.CharField(read_only=True)

    class Meta:
        model = EligibilityCheck
        fields = ["id", "practice", "coverage", "patient", "payer", "encounter", "service_date", "trace", "source",
                  "status", "verdict", "active", "plan_name", "group_number", "plan_begin", "plan_end", "copay",
                  "coinsurance_percent", "deductible", "deductible_remaining", "out_of_pocket",
                  "out_of_pocket_remaining", "errors", "requested_at", "answered_at"]
        read_only_fields = fields


class EligibilityAskSerializer(serializers.Serializer):
    coverage = serializers.IntegerField()
    service_date = serializers.DateField(required=False)
    encounter = serializers.IntegerField(required=False)


class EligibilityViewSet(PracticeScopedViewSet):
    serializer_class = EligibilitySerializer
    queryset = EligibilityCheck.objects.all()
    read_perm = P
    write_perm = P
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["practice", "coverage", "patient", "encounter", "status"]
    audit_type = "eligibility"

    @extend_schema(request=EligibilityAskSerializer, responses={201: EligibilitySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Ask the payer now (270); the answer is stored with the check (at once from real-time adapters)."""
        from claims.eligibility.services import eligibility_check

        ser = EligibilityAskSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        coverage = tenancy.scope(Coverage.objects.select_related("payer"), request.user, P).filter(
            pk=d["coverage"]).first()
        if coverage is None:
            raise exceptions.NotFound("No such coverage.")
        encounter = None
        if d.get("encounter"):
            encounter = tenancy.scope(Encounter.objects.all(), request.user, P).filter(
                pk=d["encounter"], patient_id=coverage.patient_id).first()
            if encounter is None:
                raise exceptions.NotFound("No such encounter.")
        day = d.get("service_date") or (encounter.date_of_service if encounter else dt.date.today())
        try:
            check = eligibility_check(coverage=coverage, service_date=day, encounter=encounter, user=request.user)
        except ValidationError as exc:
            raise _drf(exc) from exc
        return Response(EligibilitySerializer(check).data, status=status.HTTP_201_CREATED)
