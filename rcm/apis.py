"""API twins of the cross-cutting pages: audit trail and jobs."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from rcm import tenancy
from rcm.audit import access_log_for, change_events_for
from rcm.jobs import job_enqueue
from rcm.mfa import factors_for, remove_security_key
from rcm.models import AccessLog, Job
from rcm.roles import Perm


class AccessLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessLog
        fields = ["id", "practice", "username", "action", "object_type", "object_ids", "patient_ids", "path", "via", "ip", "at"]


class AccessLogPageSerializer(serializers.Serializer):
    """A page of the access log, as DRF's page-number pagination returns it."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AccessLogSerializer(many=True)


class ChangeEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    model = serializers.CharField()
    object_id = serializers.IntegerField()
    event = serializers.CharField()
    user = serializers.CharField()
    url = serializers.CharField()
    data = serializers.DictField()


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Job
        fields = ["id", "practice", "kind", "status", "total", "done", "percent", "result", "error", "created_at",
                  "started_at", "finished_at"]


@extend_schema(responses=AccessLogPageSerializer,
               parameters=[OpenApiParameter("practice", int), OpenApiParameter("user", str), OpenApiParameter("patient", int)])
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def access_log_api(request: Request) -> Response:
    """Who viewed or exported PHI (managers and admins)."""
    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    qs = access_log_for(practice_ids=[practice_id])
    if request.query_params.get("user"):
        qs = qs.filter(username=request.query_params["user"])
    patient = request.query_params.get("patient", "")
    if patient.isdigit():
        qs = qs.filter(patient_ids__contains=[int(patient)])
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(qs, request)
    return paginator.get_paginated_response(AccessLogSerializer(page, many=True).data)


@extend_schema(responses=ChangeEventSerializer(many=True),
               parameters=[OpenApiParameter("practice", int), OpenApiParameter("model", str), OpenApiParameter("object", int)])
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def change_log_api(request: Request) -> Response:
    """Changes to PHI records (insert, update, delete), recorded by database triggers."""
    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    obj = request.query_params.get("object", "")
    events = change_events_for(practice_ids=[practice_id], model=request.query_params.get("model"),
                               obj_id=int(obj) if obj.isdigit() else None)
    return Response(ChangeEventSerializer(events, many=True).data)


@extend_schema(responses=JobSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def job_detail_api(request: Request, pk: int) -> Response:
    job = tenancy.get_scoped_or_404(Job.objects.exclude(practice=None), request.user, Perm.VIEW_PHI, pk=pk)
    return Response(JobSerializer(job).data)


class PingSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=100, required=False, default="pong")


@extend_schema(request=PingSerializer, responses={202: JobSerializer})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def job_ping_api(request: Request) -> Response:
    """Enqueue a no-op job: proves the web -> broker -> worker -> database path end to end."""
    practice_id = tenancy.active_practice_for(request, Perm.VIEW_PHI)
    body = PingSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    job = job_enqueue(kind="ping", practice_id=practice_id, params={"message": body.validated_data["message"]},
                      user=request.user)
    return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class SecurityKeySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class FactorsSerializer(serializers.Serializer):
    totp = serializers.BooleanField(help_text="An authenticator app is enrolled.")
    keys = SecurityKeySerializer(many=True)


@extend_schema(responses=FactorsSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def factors_api(request: Request) -> Response:
    """The signed-in user's second factors (the API twin of /account/security/). Keys are added in a browser."""
    factors = factors_for(request.user)
    return Response(FactorsSerializer({"totp": factors["totp"] is not None, "keys": factors["keys"]}).data)


@extend_schema(request=None, responses={204: None, 400: dict, 404: dict})
@api_view(["DELETE"])
@permission_classes([IsAuthenticated])
def factor_key_api(request: Request, pk: int) -> Response:
    """Remove one of the signed-in user's security keys; refused (400) for their last second factor."""
    error = remove_security_key(request.user, pk)
    if error:
        return Response({"detail": error}, status=status.HTTP_400_BAD_REQUEST)
    return Response(status=status.HTTP_204_NO_CONTENT)
