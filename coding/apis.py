"""The coding API under /api/v1/: suggestions for a note, code search, the queue and the worksheet.

Thin: input is parsed by serializers, work is done by coding.services and coding.selectors; another
practice's encounter is a 404 like everywhere else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from billing.models import Encounter, Sex
from coding import codesets, selectors
from coding.engine import suggest
from coding.models import CodeSystem, CodingLine, Worksheet
from coding.services import worksheet as ws
from rcm import tenancy
from rcm.audit import access_record
from rcm.roles import Perm


def _require(request: Request, perm: Perm) -> int:
    ids = tenancy.practice_ids(request.user, perm)
    if not ids:
        raise PermissionDenied(f"Your role does not allow this ({perm.value}).")
    return ids[0]


# --- suggest ------------------------------------------------------------------------------------
class SuggestPatientSerializer(serializers.Serializer):
    age = serializers.IntegerField(min_value=0, max_value=124, required=False, allow_null=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_null=True)
    new_patient = serializers.BooleanField(required=False, default=False)


class SuggestRequestSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=100_000, trim_whitespace=False)
    patient = SuggestPatientSerializer(required=False)
    age = serializers.IntegerField(min_value=0, max_value=124, required=False, allow_null=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_null=True)
    new_patient = serializers.BooleanField(required=False)
    date_of_service = serializers.DateField(required=False)


class EvidenceSerializer(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField()
    section = serializers.CharField()
    assertion = serializers.CharField()
    role = serializers.CharField()


class SuggestionSerializer(serializers.Serializer):
    system = serializers.CharField()
    code = serializers.CharField()
    label = serializers.CharField()
    confidence = serializers.FloatField()
    rule = serializers.CharField()
    units = serializers.IntegerField()
    modifiers = serializers.ListField(child=serializers.CharField())
    pointers = serializers.ListField(child=serializers.CharField())
    missing = serializers.CharField()
    family = serializers.CharField()
    evidence = EvidenceSerializer(many=True)


class MessageSerializer(serializers.Serializer):
    severity = serializers.CharField()
    code = serializers.CharField()
    text = serializers.CharField()
    subject = serializers.CharField()


class SuggestResponseSerializer(serializers.Serializer):
    version = serializers.CharField()
    ms = serializers.FloatField()
    diagnoses = SuggestionSerializer(many=True)
    procedures = SuggestionSerializer(many=True)
    messages = MessageSerializer(many=True)
    sections = serializers.ListField(child=serializers.DictField())


@extend_schema(request=SuggestRequestSerializer, responses=SuggestResponseSerializer,
               description="Suggest ICD-10-CM diagnoses and CPT/HCPCS procedures for a chart note. Each suggestion "
                           "carries its evidence (character spans of the note) and the rule that produced it. "
                           "Nothing is stored.")
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def suggest_api(request: Request) -> Response:
    _require(request, Perm.CODE)
    body = SuggestRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    patient = data.get("patient") or {}
    result = suggest(data["note"], age=patient.get("age", data.get("age")), sex=patient.get("sex", data.get("sex")),
                     new_patient=patient.get("new_patient", data.get("new_patient", False)),
                     on=data.get("date_of_service") or timezone.localdate())
    return Response(SuggestResponseSerializer(result.as_dict()).data)


# --- code search ------------------------------------------------------------------------------------
class CodeHitSerializer(serializers.Serializer):
    system = serializers.CharField()
    code = serializers.CharField()
    label = serializers.CharField()
    billable = serializers.BooleanField()


@extend_schema(parameters=[
    OpenApiParameter("q", str, description="code or words, e.g. 'L57', 'actinic kerat', 'BCC nose'"),
    OpenApiParameter("system", str, enum=list(CodeSystem.values), required=False),
    OpenApiParameter("on", dt.date, required=False, description="date of service (default today)"),
    OpenApiParameter("billable", bool, required=False),
], responses=CodeHitSerializer(many=True))
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def code_search_api(request: Request) -> Response:
    """Ranked typeahead over codes and words of the code sets in effect on a date."""
    try:
        on = dt.date.fromisoformat(request.query_params.get("on", "")) if request.query_params.get("on") else timezone.localdate()
    except ValueError:
        return Response({"on": ["Use YYYY-MM-DD."]}, status=status.HTTP_400_BAD_REQUEST)
    system = request.query_params.get("system")
    if system and system not in CodeSystem.values:
        return Response({"system": [f"One of {', '.join(CodeSystem.values)}."]}, status=status.HTTP_400_BAD_REQUEST)
    hits = codesets.code_search(query=request.query_params.get("q", ""), on=on,
                                systems=(system,) if system else codesets.SYSTEMS,
                                billable_only=request.query_params.get("billable") in ("1", "true"))
    return Response(CodeHitSerializer(hits, many=True).data)


# --- queue --------------------------------------------------------------------------------------------
class QueueEncounterSerializer(serializers.ModelSerializer):
    patient_name = serializers.SerializerMethodField()
    claimed_by = serializers.CharField(allow_null=True, read_only=True)

    class Meta:
        model = Encounter
        fields = ["id", "date_of_service", "patient", "patient_name", "provider", "specialty", "new_patient", "claimed_by"]

    def get_patient_name(self, obj: Encounter) -> str:
        return f"{obj.patient.last_name}, {obj.patient.first_name}"


@extend_schema(responses=QueueEncounterSerializer(many=True))
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def queue_api(request: Request) -> Response:
    """Encounters awaiting coding in the active practice, oldest first (first 200)."""
    practice_id = tenancy.active_practice_for(request, Perm.CODE)
    rows = list(selectors.encounters_awaiting_coding(practice_id=practice_id)[:200])
    if rows:
        access_record(user=request.user, practice_id=practice_id, object_type="encounter",
                      object_ids=[e.pk for e in rows], patient_ids=[e.patient_id for e in rows], action="list",
                      request=request, via="api")
    return Response(QueueEncounterSerializer(rows, many=True).data)


class NextSerializer(serializers.Serializer):
    encounter = serializers.IntegerField(allow_null=True)


@extend_schema(request=None, responses=NextSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def next_api(request: Request) -> Response:
    """Claim the next encounter nobody else is coding (null when the queue is empty)."""
    practice_id = tenancy.active_practice_for(request, Perm.CODE)
    encounter = ws.encounter_claim_next(practice_id=practice_id, user=request.user)
    return Response({"encounter": encounter.pk if encounter else None})


# --- worksheet -----------------------------------------------------------------------------------------
class LineSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="dx (diagnosis) or px (procedure)")

    class Meta:
        model = CodingLine
        fields = ["id", "kind", "system", "position", "code", "label", "units", "modifiers", "pointers", "decision",
                  "suggested_code", "suggested_units", "suggested_modifiers", "family", "rule", "confidence", "evidence",
                  "missing", "decided_at"]


class WorksheetSerializer(serializers.Serializer):
    encounter = serializers.IntegerField()
    status = serializers.CharField()
    engine_version = serializers.CharField()
    note = serializers.CharField()
    lines = LineSerializer(many=True)
    messages = MessageSerializer(many=True)


def _worksheet_payload(encounter: Encounter, worksheet: Worksheet) -> dict[str, Any]:
    dxs, pxs = selectors.worksheet_lines(worksheet=worksheet)
    messages = ws.worksheet_validate(worksheet=worksheet) if worksheet.status == Worksheet.Status.OPEN else []
    return {"encounter": encounter.pk, "status": worksheet.status, "engine_version": worksheet.engine_version,
            "note": ws.note_text(encounter), "lines": [*dxs, *pxs], "messages": [m.as_dict() for m in messages]}


def _scoped_encounter(request: Request, pk: int) -> Encounter:
    return tenancy.get_scoped_or_404(Encounter.objects.select_related("patient"), request.user, Perm.CODE, pk=pk)


@extend_schema(responses=WorksheetSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def worksheet_api(request: Request, pk: int) -> Response:
    """The encounter's worksheet (the engine's suggestions are created on first open) with its checks."""
    encounter = _scoped_encounter(request, pk)
    access_record(user=request.user, practice_id=encounter.practice_id, object_type="encounter", object_ids=[encounter.pk],
                  patient_ids=[encounter.patient_id], request=request, via="api")
    worksheet = ws.worksheet_open(encounter=encounter, user=request.user)
    return Response(WorksheetSerializer(_worksheet_payload(encounter, worksheet)).data)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[CodingLine.Decision.ACCEPTED, CodingLine.Decision.REJECTED])
    code = serializers.CharField(required=False, max_length=8)
    units = serializers.IntegerField(required=False, min_value=1)
    modifiers = serializers.ListField(child=serializers.CharField(max_length=2), required=False, max_length=4)
    pointers = serializers.ListField(child=serializers.CharField(max_length=8), required=False, max_length=4)


@extend_schema(request=DecisionSerializer, responses=LineSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def decide_api(request: Request, pk: int, line_pk: int) -> Response:
    """Accept (optionally with changes: then it is recorded as edited) or reject one line."""
    encounter = _scoped_encounter(request, pk)
    worksheet = ws.worksheet_open(encounter=encounter, user=request.user)
    line = get_object_or_404(CodingLine, pk=line_pk, worksheet=worksheet)
    body = DecisionSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    line = ws.coding_line_decide(line=line, user=request.user, decision=data["decision"], code=data.get("code"),
                                 units=data.get("units"), modifiers=data.get("modifiers"), pointers=data.get("pointers"))
    return Response(LineSerializer(line).data)


class AddLineSerializer(serializers.Serializer):
    kind = serializers.RegexField(r"^(dx|px)$", help_text="dx (diagnosis) or px (procedure)")
    code = serializers.CharField(max_length=8)
    units = serializers.IntegerField(required=False, min_value=1, default=1)
    modifiers = serializers.ListField(child=serializers.CharField(max_length=2), required=False, max_length=4)
    pointers = serializers.ListField(child=serializers.CharField(max_length=8), required=False, max_length=4)


@extend_schema(request=AddLineSerializer, responses={201: LineSerializer})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def add_line_api(request: Request, pk: int) -> Response:
    """Add a code by hand (recorded as 'added')."""
    encounter = _scoped_encounter(request, pk)
    worksheet = ws.worksheet_open(encounter=encounter, user=request.user)
    body = AddLineSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    line = ws.coding_line_add(worksheet=worksheet, user=request.user, kind=data["kind"], code=data["code"],
                              units=data["units"], modifiers=data.get("modifiers"), pointers=data.get("pointers"))
    return Response(LineSerializer(line).data, status=status.HTTP_201_CREATED)


class CompleteResultSerializer(serializers.Serializer):
    encounter = serializers.IntegerField()
    status = serializers.CharField()
    charge_lines = serializers.ListField(child=serializers.DictField())


@extend_schema(request=None, responses=CompleteResultSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def complete_api(request: Request, pk: int) -> Response:
    """Write the decided codes as diagnoses and charge lines (priced from the fee schedule); mark the encounter coded."""
    encounter = _scoped_encounter(request, pk)
    worksheet = ws.worksheet_open(encounter=encounter, user=request.user)
    try:
        encounter = ws.worksheet_complete(worksheet=worksheet, user=request.user)
    except ValidationError as exc:
        return Response({"non_field_errors": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
    lines = [{"line_number": c.line_number, "code": c.code, "modifiers": c.modifiers, "units": c.units,
              "diagnosis_pointers": c.diagnosis_pointers, "charge_amount": str(c.charge_amount)}
             for c in encounter.charge_lines.order_by("line_number")]
    return Response({"encounter": encounter.pk, "status": encounter.status, "charge_lines": lines})


class RateSerializer(serializers.Serializer):
    key = serializers.CharField()
    suggested = serializers.IntegerField()
    accepted = serializers.IntegerField()
    edited = serializers.IntegerField()
    rejected = serializers.IntegerField()
    added = serializers.IntegerField()
    acceptance = serializers.FloatField(allow_null=True)


@extend_schema(parameters=[OpenApiParameter("group", str, enum=["family", "coder", "system"], required=False)],
               responses=RateSerializer(many=True))
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def acceptance_api(request: Request) -> Response:
    """Acceptance of the engine's suggestions on completed worksheets, by code family, coder or code system."""
    practice_ids = tenancy.practice_ids(request.user, Perm.MANAGE) or tenancy.practice_ids(request.user, Perm.CODE)
    if not practice_ids:
        raise PermissionDenied("Coders and managers see the acceptance report.")
    practice_id = practice_ids[0]
    group = request.query_params.get("group", "family")
    if group not in ("family", "coder", "system"):
        return Response({"group": ["family, coder or system"]}, status=status.HTTP_400_BAD_REQUEST)
    rows = selectors.acceptance_rates(practice_id=practice_id, group=group)
    return Response(RateSerializer(rows, many=True).data)
