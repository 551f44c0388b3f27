"""REST API for the shared model, under /api/v1/. Thin: scoping in rcm.api, writes in services."""

from __future__ import annotations

from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from billing import selectors, services
from billing.models import (
    ChargeLine,
    ChartNote,
    Coverage,
    Diagnosis,
    Encounter,
    FeeSchedule,
    FeeScheduleEntry,
    Location,
    Patient,
    Payer,
    Practice,
    Provider,
)
from rcm import tenancy
from rcm.api import PracticeOwnedSerializer, PracticeScopedViewSet, ScopedRelatedField
from rcm.roles import Perm
from rcm.validators import normalize_icd10, validate_icd10cm, validate_modifiers, validate_procedure_code


def _default_practice(perm: Perm) -> Any:
    class ActivePractice:
        """Defaults `practice` to the requester's active practice, so single-practice users may omit it."""

        requires_context = True

        def __call__(self, field: Any) -> Any:
            request = field.context["request"]
            practice_id = getattr(request, "practice_id", None)
            if practice_id is None or not tenancy.has_perm(request.user, practice_id, perm):
                ids = tenancy.practice_ids(request.user, perm)
                practice_id = ids[0] if ids else None
            return Practice.objects.filter(pk=practice_id).first()

    return ActivePractice()


def practice_field(perm: Perm) -> ScopedRelatedField:
    return ScopedRelatedField(perm=perm, queryset=Practice.objects.all(), default=_default_practice(perm))


class PracticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Practice
        fields = ["id", "name", "npi", "tax_id", "taxonomy", "address_line1", "address_line2", "city", "state", "zip_code", "phone"]


class ProviderSerializer(PracticeOwnedSerializer):
    practice = practice_field(Perm.ADMIN)

    class Meta:
        model = Provider
        fields = ["id", "practice", "first_name", "last_name", "credential", "npi", "taxonomy", "specialty", "is_active"]


class LocationSerializer(PracticeOwnedSerializer):
    practice = practice_field(Perm.ADMIN)

    class Meta:
        model = Location
        fields = ["id", "practice", "name", "npi", "pos_code", "address_line1", "address_line2", "city", "state",
                  "zip_code", "is_active"]


class PatientSerializer(PracticeOwnedSerializer):
    practice = practice_field(Perm.BILL)

    class Meta:
        model = Patient
        fields = ["id", "practice", "mrn", "first_name", "middle_name", "last_name", "date_of_birth", "sex",
                  "address_line1", "address_line2", "city", "state", "zip_code", "phone", "email", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class PayerSerializer(PracticeOwnedSerializer):
    practice = practice_field(Perm.BILL)

    class Meta:
        model = Payer
        fields = ["id", "practice", "name", "payer_id", "kind", "timely_filing_days", "address_line1", "city", "state",
                  "zip_code", "phone", "is_active"]


class CoverageSerializer(PracticeOwnedSerializer):
    practice = practice_field(Perm.BILL)
    patient = ScopedRelatedField(queryset=Patient.objects.all())
    payer = ScopedRelatedField(queryset=Payer.objects.all())

    class Meta:
        model = Coverage
        fields = ["id", "practice", "patient", "payer", "priority", "member_id", "group_number", "plan_name", "relationship",
                  "subscriber_first_name", "subscriber_last_name", "subscriber_date_of_birth", "subscriber_sex",
                  "effective_from", "effective_to", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class FeeScheduleEntrySerializer(PracticeOwnedSerializer):
    class Meta:
        model = FeeScheduleEntry
        fields = ["id", "code", "modifier", "amount"]


class FeeScheduleSerializer(PracticeOwnedSerializer):
    practice = practice_field(Perm.ADMIN)
    payer = ScopedRelatedField(queryset=Payer.objects.all(), allow_null=True, required=False)
    entries = FeeScheduleEntrySerializer(many=True, read_only=True)

    class Meta:
        model = FeeSchedule
        fields = ["id", "practice", "name", "kind", "payer", "effective_from", "effective_to", "entries"]


class EncounterSerializer(PracticeOwnedSerializer):
    practice = practice_field(Perm.CODE)
    patient = ScopedRelatedField(queryset=Patient.objects.all())
    provider = ScopedRelatedField(queryset=Provider.objects.all())
    location = ScopedRelatedField(queryset=Location.objects.all())
    note_text = serializers.CharField(write_only=True, required=False, allow_blank=True,
                                      help_text="Optional chart note created with the encounter")

    class Meta:
        model = Encounter
        fields = ["id", "practice", "patient", "provider", "location", "date_of_service", "specialty", "status",
                  "new_patient", "prior_authorization", "referring_provider_npi", "referring_provider_name",
                  "coded_at", "created_at", "updated_at", "note_text"]
        read_only_fields = ["status", "coded_at", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        note = attrs.pop("note_text", None)
        attrs = super().validate(attrs)
        if note is not None:
            attrs["note_text"] = note
        return attrs


class ChildOfEncounterSerializer(PracticeOwnedSerializer):
    """Diagnoses, charges and notes take their practice from their encounter."""

    encounter = ScopedRelatedField(queryset=Encounter.objects.all())
    practice = serializers.PrimaryKeyRelatedField(read_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "encounter" in attrs and attrs["encounter"] != self.instance.encounter:
            raise serializers.ValidationError({"encounter": "A row cannot move to another encounter."})
        encounter = attrs.get("encounter") or self.instance.encounter
        attrs = super().validate({**attrs, "practice": encounter.practice})
        return attrs


class ChartNoteSerializer(ChildOfEncounterSerializer):
    class Meta:
        model = ChartNote
        fields = ["id", "practice", "encounter", "kind", "author", "text", "created_at"]
        read_only_fields = ["created_at"]


class UpperCodeField(serializers.CharField):
    """Codes arrive in any case and with or without the ICD dot; store them the one canonical way."""

    def __init__(self, *, icd: bool = False, **kwargs: Any) -> None:
        self.icd = icd
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        return normalize_icd10(value) if self.icd else value.strip().upper()


class DiagnosisSerializer(ChildOfEncounterSerializer):
    code = UpperCodeField(icd=True, max_length=8, validators=[validate_icd10cm])
    rank = serializers.IntegerField(min_value=1, max_value=12, required=False)

    class Meta:
        model = Diagnosis
        fields = ["id", "practice", "encounter", "code", "rank"]


class ChargeLineSerializer(ChildOfEncounterSerializer):
    code = UpperCodeField(max_length=5, validators=[validate_procedure_code])
    modifiers = serializers.ListField(child=UpperCodeField(max_length=2), max_length=4, required=False,
                                      validators=[validate_modifiers])
    charge_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=0,
                                             help_text="Omit to price from the practice's fee schedule")

    class Meta:
        model = ChargeLine
        fields = ["id", "practice", "encounter", "line_number", "code", "modifiers", "units", "diagnosis_pointers",
                  "charge_amount"]
        read_only_fields = ["line_number"]


class EncounterFilter(filters.FilterSet):
    date_from = filters.DateFilter(field_name="date_of_service", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date_of_service", lookup_expr="lte")

    class Meta:
        model = Encounter
        fields = ["status", "provider", "patient", "location", "specialty", "practice"]


class PracticeViewSet(PracticeScopedViewSet):
    serializer_class = PracticeSerializer
    queryset = Practice.objects.all()
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> Any:
        return Practice.objects.filter(pk__in=tenancy.practice_ids(self.request.user, Perm.VIEW_PHI))


class ProviderViewSet(PracticeScopedViewSet):
    serializer_class = ProviderSerializer
    queryset = Provider.objects.all()
    filterset_fields = ["practice", "specialty", "is_active"]

    def perform_create(self, serializer: Any) -> None:
        self.check_create_allowed(getattr(serializer.validated_data.get("practice"), "pk", None))
        serializer.save()


class LocationViewSet(ProviderViewSet):
    serializer_class = LocationSerializer
    queryset = Location.objects.all()
    filterset_fields = ["practice", "is_active"]


class PayerViewSet(PracticeScopedViewSet):
    serializer_class = PayerSerializer
    queryset = Payer.objects.all()
    write_perm = Perm.BILL
    filterset_fields = ["practice", "kind", "is_active"]

    def perform_create(self, serializer: Any) -> None:
        self.check_create_allowed(getattr(serializer.validated_data.get("practice"), "pk", None))
        serializer.save()


class FeeScheduleViewSet(PayerViewSet):
    serializer_class = FeeScheduleSerializer
    queryset = FeeSchedule.objects.prefetch_related("entries")
    write_perm = Perm.ADMIN
    filterset_fields = ["practice", "kind", "payer"]


class PatientViewSet(PracticeScopedViewSet):
    serializer_class = PatientSerializer
    queryset = Patient.objects.all()
    write_perm = Perm.BILL
    audit_type = "patient"
    audit_patient_attr = "self"
    filterset_fields = ["practice", "mrn"]

    def get_queryset(self) -> Any:
        query = self.request.query_params.get("q", "")
        return selectors.patients_search(practice_ids=tenancy.practice_ids(self.request.user, self.read_perm), query=query)

    def perform_create(self, serializer: Any) -> None:
        self.check_create_allowed(getattr(serializer.validated_data.get("practice"), "pk", None))
        serializer.instance = services.patient_create(**serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.patient_update(patient=serializer.instance, data=dict(serializer.validated_data))


class CoverageViewSet(PracticeScopedViewSet):
    serializer_class = CoverageSerializer
    queryset = Coverage.objects.select_related("payer")
    write_perm = Perm.BILL
    audit_type = "coverage"
    filterset_fields = ["practice", "patient", "payer", "priority"]

    def perform_create(self, serializer: Any) -> None:
        self.check_create_allowed(getattr(serializer.validated_data.get("practice"), "pk", None))
        serializer.instance = services.coverage_create(**serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.coverage_update(coverage=serializer.instance, data=dict(serializer.validated_data))


class EncounterViewSet(PracticeScopedViewSet):
    serializer_class = EncounterSerializer
    queryset = Encounter.objects.all()
    write_perm = Perm.CODE
    audit_type = "encounter"
    filterset_class = EncounterFilter

    def perform_create(self, serializer: Any) -> None:
        self.check_create_allowed(getattr(serializer.validated_data.get("practice"), "pk", None))
        serializer.instance = services.encounter_create(**serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.encounter_update(encounter=serializer.instance, data=dict(serializer.validated_data))

    def perform_destroy(self, instance: Encounter) -> None:
        services.encounter_update(encounter=instance, data={"status": Encounter.Status.VOID})


class _EncounterChildViewSet(PracticeScopedViewSet):
    write_perm = Perm.CODE
    audit_patient_attr = "encounter.patient_id"
    filterset_fields = ["encounter", "practice"]

    def perform_create(self, serializer: Any) -> None:
        self.check_create_allowed(serializer.validated_data["encounter"].practice_id)
        serializer.instance = self.create_service(serializer.validated_data)


class ChartNoteViewSet(_EncounterChildViewSet):
    serializer_class = ChartNoteSerializer
    queryset = ChartNote.objects.select_related("encounter")
    audit_type = "chart_note"
    http_method_names = ["get", "post", "head", "options"]  # notes are documents: added, never rewritten

    def create_service(self, data: dict[str, Any]) -> ChartNote:
        return services.note_add(encounter=data["encounter"], text=data["text"], kind=data.get("kind", "progress"),
                                 author=data.get("author", ""))


class DiagnosisViewSet(_EncounterChildViewSet):
    serializer_class = DiagnosisSerializer
    queryset = Diagnosis.objects.select_related("encounter")
    audit_type = "diagnosis"

    def create_service(self, data: dict[str, Any]) -> Diagnosis:
        return services.diagnosis_add(encounter=data["encounter"], code=data["code"], rank=data.get("rank"))

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.diagnosis_update(diagnosis=serializer.instance, data=dict(serializer.validated_data))

    def perform_destroy(self, instance: Diagnosis) -> None:
        services.diagnosis_delete(diagnosis=instance)


class ChargeLineViewSet(_EncounterChildViewSet):
    serializer_class = ChargeLineSerializer
    queryset = ChargeLine.objects.select_related("encounter")
    audit_type = "charge_line"

    def create_service(self, data: dict[str, Any]) -> ChargeLine:
        return services.charge_line_add(encounter=data["encounter"], code=data["code"], units=data.get("units", 1),
                                        modifiers=data.get("modifiers"), diagnosis_pointers=data.get("diagnosis_pointers"),
                                        charge_amount=data.get("charge_amount"))

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.charge_line_update(line=serializer.instance, data=dict(serializer.validated_data))

    def perform_destroy(self, instance: ChargeLine) -> None:
        services.charge_line_delete(line=instance)


class DashboardSummarySerializer(serializers.Serializer):
    practice = serializers.IntegerField()
    encounters = serializers.IntegerField()
    charges = serializers.DecimalField(max_digits=14, decimal_places=2)
    rows = serializers.ListField(child=serializers.DictField())


@extend_schema(responses=DashboardSummarySerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def dashboard_summary_api(request: Request) -> Response:
    """Encounter counts and charge totals by status for the active practice (manager, admin)."""
    practice_id = tenancy.active_practice_for(request, Perm.MANAGE)
    summary = selectors.dashboard_summary(practice_id=practice_id)
    return Response(DashboardSummarySerializer({"practice": practice_id, **summary}).data)
