"""The claims API: the queue and claim detail, edits, scrubbing, status moves, batches and payer rules."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from billing.apis import practice_field
from billing.models import Payer
from claims import selectors, services
from claims.models import Claim, ClaimLine, ClaimStatus, ClaimStatusEvent, PayerRule, X12Batch
from claims.scrub import RULES
from rcm import tenancy
from rcm.api import PracticeOwnedSerializer, PracticeScopedViewSet, ScopedRelatedField
from rcm.apis import JobSerializer
from rcm.roles import Perm
from rcm.validators import validate_icd10cm, validate_modifiers, validate_pointers, validate_procedure_code


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    message = serializers.CharField()
    field = serializers.CharField()
    hint = serializers.CharField()
    line = serializers.IntegerField(allow_null=True)


class ClaimLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClaimLine
        fields = ["id", "line_number", "line_control_number", "code", "modifiers", "units", "diagnosis_pointers",
                  "charge_amount", "date_of_service", "place_of_service"]
        read_only_fields = fields


class StatusEventSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    to_status = serializers.CharField(read_only=True, help_text="a claim status")

    class Meta:
        model = ClaimStatusEvent
        fields = ["from_status", "to_status", "reason", "source", "user", "at"]


class ClaimListSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="draft, scrubbed_errors, clean, queued, submitted, accepted, "
                                                            "rejected, paid, partially_paid, denied, closed, void, replaced")
    frequency = serializers.CharField(read_only=True, help_text="1 original, 7 replacement, 8 void")
    patient_name = serializers.SerializerMethodField()
    payer_name = serializers.CharField(source="payer.name", read_only=True)

    class Meta:
        model = Claim
        fields = ["id", "practice", "pcn", "status", "frequency", "responsibility", "encounter", "patient", "patient_name",
                  "payer", "payer_name", "rendering_provider", "date_of_service", "total_charge", "balance",
                  "filing_deadline", "scrub_errors", "scrub_warnings", "scrub_rules", "batch", "updated_at"]
        read_only_fields = fields

    def get_patient_name(self, obj: Claim) -> str:
        return f"{obj.patient.last_name}, {obj.patient.first_name}"


class ClaimSerializer(ClaimListSerializer):
    lines = ClaimLineSerializer(many=True, read_only=True)
    scrub_findings = FindingSerializer(many=True, read_only=True)
    history = StatusEventSerializer(many=True, read_only=True, source="status_events")

    class Meta(ClaimListSerializer.Meta):
        fields = [*ClaimListSerializer.Meta.fields, "coverage", "facility", "original_claim", "original_payer_claim_number",
                  "payer_claim_number", "prior_claim", "prior_adjudication", "billing_npi", "billing_tax_id",
                  "billing_taxonomy", "rendering_npi", "rendering_taxonomy", "place_of_service", "member_id",
                  "group_number", "relationship", "subscriber_first_name", "subscriber_last_name",
                  "subscriber_date_of_birth", "subscriber_sex", "diagnosis_codes", "prior_authorization",
                  "referring_provider_npi", "referring_provider_name", "onset_date", "scrubbed_at", "scrub_findings",
                  "lines", "history", "created_at"]
        read_only_fields = fields


class LineEditSerializer(serializers.Serializer):
    line_number = serializers.IntegerField(min_value=1)
    code = serializers.CharField(max_length=5, required=False, validators=[validate_procedure_code])
    modifiers = serializers.ListField(child=serializers.CharField(max_length=2), max_length=4, required=False,
                                      validators=[validate_modifiers])
    units = serializers.IntegerField(min_value=1, required=False)
    diagnosis_pointers = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=12), max_length=4,
                                               required=False, validators=[validate_pointers])
    charge_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    place_of_service = serializers.RegexField(r"^[0-9]{2}$", required=False)


class ClaimEditSerializer(serializers.Serializer):
    """The editable parts of an unsent claim; any edit puts it back to draft (re-scrub with POST …/scrub/)."""

    member_id = serializers.CharField(max_length=30, required=False, allow_blank=True)
    group_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    relationship = serializers.ChoiceField(choices=["18", "01", "19", "G8"], required=False)
    subscriber_first_name = serializers.CharField(max_length=35, required=False, allow_blank=True)
    subscriber_last_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    subscriber_date_of_birth = serializers.DateField(required=False, allow_null=True)
    subscriber_sex = serializers.ChoiceField(choices=["", "F", "M", "U"], required=False)
    prior_authorization = serializers.CharField(max_length=50, required=False, allow_blank=True)
    referring_provider_npi = serializers.CharField(max_length=10, required=False, allow_blank=True)
    referring_provider_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    onset_date = serializers.DateField(required=False, allow_null=True)
    place_of_service = serializers.RegexField(r"^[0-9]{2}$", required=False)
    original_payer_claim_number = serializers.CharField(max_length=50, required=False, allow_blank=True)
    diagnosis_codes = serializers.ListField(child=serializers.CharField(max_length=8), max_length=12, required=False)
    lines = LineEditSerializer(many=True, required=False)

    def validate_diagnosis_codes(self, value: list[str]) -> list[str]:
        from rcm.validators import normalize_icd10

        codes = [normalize_icd10(v) for v in value]
        for c in codes:
            validate_icd10cm(c)
        return codes


class TransitionSerializer(serializers.Serializer):
    to_status = serializers.RegexField(r"^(queued|clean|void)$",
                                       help_text="Moves a biller makes by hand: queued, clean (take off the queue), void (unsent)")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class CorrectionSerializer(serializers.Serializer):
    frequency = serializers.RegexField(r"^[78]$", help_text="7 replacement, 8 void")


class ClaimFilter(filters.FilterSet):
    status = filters.CharFilter(method="_noop", help_text="open (default), all, or a status")
    payer = filters.NumberFilter(method="_noop")
    provider = filters.NumberFilter(method="_noop")
    date_from = filters.DateFilter(method="_noop")
    date_to = filters.DateFilter(method="_noop")
    amount_min = filters.NumberFilter(method="_noop")
    amount_max = filters.NumberFilter(method="_noop")
    age_min = filters.NumberFilter(method="_noop", help_text="days since the date of service, at least")
    age_max = filters.NumberFilter(method="_noop")
    rule = filters.CharFilter(method="_noop", help_text="a scrub rule code")
    deadline_before = filters.DateFilter(method="_noop")
    q = filters.CharFilter(method="_noop", help_text="patient name, MRN or claim number")

    class Meta:
        model = Claim
        fields: list[str] = []

    def _noop(self, qs: Any, name: str, value: Any) -> Any:
        return qs  # the queue selector applies every filter (one definition for page, CSV and API)

    def filter_queryset(self, queryset: Any) -> Any:
        d = self.form.cleaned_data
        f = selectors.QueueFilters(
            status=d.get("status") or selectors.OPEN, payer_id=int(d["payer"]) if d.get("payer") else None,
            provider_id=int(d["provider"]) if d.get("provider") else None, date_from=d.get("date_from"),
            date_to=d.get("date_to"), amount_min=d.get("amount_min"), amount_max=d.get("amount_max"),
            age_min=int(d["age_min"]) if d.get("age_min") is not None else None,
            age_max=int(d["age_max"]) if d.get("age_max") is not None else None, rule=d.get("rule") or "",
            deadline_before=d.get("deadline_before"), q=d.get("q") or "")
        practice_id = self.request.query_params.get("practice")
        if practice_id:
            queryset = queryset.filter(practice_id=int(practice_id)) if practice_id.isdigit() else queryset.none()
        return selectors.claims_filter(queryset, filters=f)


class ClaimViewSet(PracticeScopedViewSet):
    """Claims in the queue's priority order (closest filing deadline, then largest balance)."""

    queryset = Claim.objects.select_related("patient", "payer")
    read_perm = Perm.BILL
    write_perm = Perm.BILL
    audit_type = "claim"
    filterset_class = ClaimFilter
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_serializer_class(self) -> Any:
        if self.action == "list":
            return ClaimListSerializer
        if self.action == "partial_update":
            return ClaimEditSerializer
        return ClaimSerializer

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if self.action != "list":
            qs = qs.prefetch_related("lines", "status_events__user")
        return qs

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise exceptions.MethodNotAllowed("POST", detail="Claims are generated from coded encounters: POST /claims/generate/.")

    @extend_schema(request=ClaimEditSerializer, responses=ClaimSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        claim = self.get_object()
        body = ClaimEditSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        lines = {ln.pop("line_number"): ln for ln in [dict(x) for x in data.pop("lines", [])]}
        claim = services.claim_update(claim=claim, data=data, lines=lines, user=request.user)
        return Response(ClaimSerializer(self.get_queryset().get(pk=claim.pk)).data)

    @extend_schema(request=None, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def scrub(self, request: Request, pk: str | None = None) -> Response:
        """Scrub this claim now (it must not have been sent)."""
        claim = self.get_object()
        services.claim_scrub(claim=claim, user=request.user)
        return Response(ClaimSerializer(self.get_queryset().get(pk=claim.pk)).data)

    @extend_schema(request=TransitionSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        claim = self.get_object()
        body = TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        to, reason = body.validated_data["to_status"], body.validated_data.get("reason", "")
        if to == ClaimStatus.CLEAN:
            services.claim_unqueue(claim=claim, user=request.user)
        elif to == ClaimStatus.VOID:
            services.claim_void(claim=claim, user=request.user, reason=reason)
        else:
            services.claim_transition(claim, to, reason=reason or "queued for submission", source="user",
                                      user=request.user)
        return Response(ClaimSerializer(self.get_queryset().get(pk=claim.pk)).data)

    @extend_schema(request=CorrectionSerializer, responses={201: ClaimSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str | None = None) -> Response:
        """Create a replacement (7) or void (8) claim for a sent claim; the original becomes replaced / void."""
        claim = self.get_object()
        body = CorrectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        new = services.claim_generate(encounter=claim.encounter, coverage=claim.coverage,
                                      frequency=body.validated_data["frequency"], original_claim=claim, user=request.user)
        return Response(ClaimSerializer(self.get_queryset().get(pk=new.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY},
                   parameters=[OpenApiParameter("red", bool, description="text only, for the red pre-printed form")])
    @action(detail=True, methods=["get"])
    def cms1500(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The claim on a CMS-1500 (02/12) paper form."""
        claim = tenancy.get_scoped_or_404(_printable_claims(), request.user, Perm.BILL, pk=pk)
        return _cms1500_response(request, [claim], f"CMS1500-{claim.pcn}")


class BulkSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["scrub", "queue", "export_837"])
    claims = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=200_000)


class BulkQueuedSerializer(serializers.Serializer):
    queued = serializers.ListField(child=serializers.IntegerField())


@extend_schema(request=BulkSerializer, responses={202: JobSerializer, 200: BulkQueuedSerializer},
               parameters=[OpenApiParameter("practice", int)])
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def claims_bulk_api(request: Request) -> Response:
    """Scrub or export 837P for a selection (a job: poll /api/v1/jobs/{id}/), or queue clean claims at once."""
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    body = BulkSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    ids = list(Claim.objects.filter(practice_id=practice_id, pk__in=body.validated_data["claims"])
               .values_list("pk", flat=True))
    if not ids:
        raise exceptions.NotFound("None of these claims exist in this practice.")
    if body.validated_data["action"] == "queue":
        return Response({"queued": services.claims_queue_for_submission(claim_ids=ids, user=request.user)})
    with transaction.atomic():
        job = services.claims_enqueue_batch(action=body.validated_data["action"], practice_id=practice_id,
                                            claim_ids=ids, user=request.user)
    return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(request=None, responses={202: JobSerializer}, parameters=[OpenApiParameter("practice", int)])
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def claims_generate_api(request: Request) -> Response:
    """Generate claims for every coded encounter not yet billed (a job)."""
    practice_id = tenancy.active_practice_for(request, Perm.BILL)
    with transaction.atomic():
        job = services.claims_enqueue_batch(action="generate", practice_id=practice_id, user=request.user)
    return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class RuleSerializer(serializers.Serializer):
    code = serializers.CharField()
    family = serializers.CharField()
    severity = serializers.CharField()
    title = serializers.CharField()
    field = serializers.CharField()
    hint = serializers.CharField()


@extend_schema(responses=RuleSerializer(many=True))
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def scrub_rules_api(request: Request) -> Response:
    """The scrubber's rules (codes used in findings and the queue's rule filter)."""
    return Response(RuleSerializer([{"code": r.code, "family": r.family, "severity": r.severity, "title": r.title,
                                     "field": r.field, "hint": r.hint} for r in RULES.values()], many=True).data)


class X12BatchSerializer(serializers.ModelSerializer):
    claims = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = X12Batch
        fields = ["id", "practice", "payer", "control_number", "filename", "claim_count", "total_charge", "created_at",
                  "claims"]
        read_only_fields = fields


class X12BatchViewSet(PracticeScopedViewSet):
    serializer_class = X12BatchSerializer
    queryset = X12Batch.objects.defer("content").prefetch_related("claims")
    read_perm = Perm.BILL
    write_perm = Perm.BILL
    http_method_names = ["get", "head", "options"]
    filterset_fields = ["practice", "payer"]

    @extend_schema(responses={(200, "application/edi-x12"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"], url_path="837")
    def file(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The 837P file as written (unchanged since; control numbers are never reused)."""
        batch = self.get_object()
        response = HttpResponse(X12Batch.objects.get(pk=batch.pk).content, content_type="application/edi-x12")
        response["Content-Disposition"] = f'attachment; filename="{batch.filename}"'
        return response

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY},
                   parameters=[OpenApiParameter("red", bool, description="text only, for the red pre-printed form")])
    @action(detail=True, methods=["get"])
    def cms1500(self, request: Request, pk: str | None = None) -> HttpResponse:
        """Every claim of the file on CMS-1500 (02/12) paper forms."""
        batch = self.get_object()
        claims = list(_printable_claims().filter(batch=batch).order_by("pk"))
        if not claims:
            raise exceptions.NotFound("This file holds no claims.")
        return _cms1500_response(request, claims, f"CMS1500-batch-{batch.control_number}")


def _printable_claims() -> Any:
    return Claim.objects.select_related("patient", "payer", "rendering_provider", "facility", "coverage", "practice",
                                        "original_claim")


def _cms1500_response(request: Request, claims: list[Claim], name: str) -> HttpResponse:
    from claims.paper.cms1500 import cms1500_pdf
    from rcm.audit import access_record

    red = str(request.query_params.get("red", "")).lower() in ("1", "true")
    pdf = cms1500_pdf([(c, list(c.lines.order_by("line_number"))) for c in claims], red_form=red)
    access_record(user=request.user, practice_id=claims[0].practice_id, object_type="claim",
                  object_ids=[c.pk for c in claims], patient_ids=[c.patient_id for c in claims], action="export",
                  request=request, via="api")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}{"-red" if red else ""}.pdf"'
    return response


class PayerRuleSerializer(PracticeOwnedSerializer):
    practice = practice_field(Perm.ADMIN)
    payer = ScopedRelatedField(queryset=Payer.objects.all())

    class Meta:
        model = PayerRule
        fields = ["id", "practice", "payer", "kind", "value", "severity", "message", "is_active", "updated_at"]
        read_only_fields = ["updated_at"]


class PayerRuleViewSet(PracticeScopedViewSet):
    """Payer-specific scrub rules: billers read them, admins change them (no release needed)."""

    serializer_class = PayerRuleSerializer
    queryset = PayerRule.objects.select_related("payer")
    read_perm = Perm.BILL
    write_perm = Perm.ADMIN
    filterset_fields = ["practice", "payer", "kind", "is_active"]

    def perform_create(self, serializer: Any) -> None:
        practice = serializer.validated_data.get("practice")
        self.check_create_allowed(practice.pk if practice else None)
        serializer.save()
