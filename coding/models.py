"""Code sets (global reference data) and the coder's worksheet (practice-owned).

Code sets are versioned: a date of service is checked against the version in
effect on that date (ICD-10-CM versions follow the fiscal year, which starts
October 1). The worksheet holds the engine's suggestions and every decision the
coder makes on them, so acceptance rates are reportable per code family and coder.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q

from billing.models import Encounter, tracked
from rcm.models import PracticeOwned


class CodeSystem(models.TextChoices):
    ICD10CM = "ICD10CM", "ICD-10-CM"
    CPT = "CPT", "CPT"
    HCPCS = "HCPCS", "HCPCS Level II"
    MODIFIER = "MODIFIER", "Modifier"


class CodeSetVersion(models.Model):
    """One release of one code system, with the dates it applies to (effective_to open = until replaced)."""

    system = models.CharField(max_length=10, choices=CodeSystem.choices)
    label = models.CharField(max_length=80, help_text="e.g. 'FY2026 (April 1, 2026 update)'")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="where the codes came from")
    checksum = models.CharField(max_length=64, blank=True, help_text="of the source data; reloads are skipped when equal")
    code_count = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["system", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["system", "label"], name="codeset_version_system_label_uniq"),
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                                   name="codeset_version_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.label}"


class Code(models.Model):
    """A code of one version. ICD rows carry the tabular notes the validator needs."""

    version = models.ForeignKey(CodeSetVersion, on_delete=models.CASCADE, related_name="codes")
    system = models.CharField(max_length=10, choices=CodeSystem.choices)
    code = models.CharField(max_length=8)
    label = models.CharField(max_length=400)
    billable = models.BooleanField(default=True)
    sex = models.CharField(max_length=1, blank=True)
    age_min = models.PositiveSmallIntegerField(null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(null=True, blank=True)
    excludes1 = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    requires_7th = models.BooleanField(default=False)
    manifestation = models.BooleanField(default=False)
    global_days = models.PositiveSmallIntegerField(null=True, blank=True)
    chapter = models.CharField(max_length=10, blank=True)
    block = models.CharField(max_length=10, blank=True)
    terms = models.TextField(blank=True, help_text="inclusion terms and synonyms, one per line")
    code_first = models.TextField(blank=True)
    use_additional = models.TextField(blank=True)
    family = models.CharField(max_length=40, blank=True, help_text="reporting family (CPT), e.g. 'Skin biopsy'")
    search = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["system", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="code_version_code_uniq")]
        indexes = [GinIndex(fields=["search"], name="code_search_gin"),
                   models.Index(fields=["system", "code"], name="code_system_code_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class EncounterClaim(PracticeOwned):
    """Which coder is working an encounter: 'next encounter' never hands one to two coders."""

    encounter = models.OneToOneField(Encounter, on_delete=models.CASCADE, related_name="coding_claim")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["practice", "expires_at"])]

    def __str__(self) -> str:
        return f"encounter {self.encounter_id} claimed by {self.user_id} until {self.expires_at:%H:%M}"


@tracked()
class Worksheet(PracticeOwned):
    """The coder's working copy of an encounter's codes: the engine's suggestions plus the coder's edits."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"

    encounter = models.OneToOneField(Encounter, on_delete=models.CASCADE, related_name="coding_worksheet")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    engine_version = models.CharField(max_length=20, blank=True)
    engine_ms = models.PositiveIntegerField(default=0)
    suggested_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"worksheet for encounter {self.encounter_id} ({self.status})"


@tracked()
class CodingLine(PracticeOwned):
    """One suggested or hand-added code and the coder's decision on it.

    `suggested_*` keep what the engine proposed; `code`/`units`/`modifiers` are what the coder settled on.
    """

    class Kind(models.TextChoices):
        DIAGNOSIS = "dx", "Diagnosis"
        PROCEDURE = "px", "Procedure"

    class Decision(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        EDITED = "edited", "Edited"
        REJECTED = "rejected", "Rejected"
        ADDED = "added", "Added by hand"

    worksheet = models.ForeignKey(Worksheet, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=2, choices=Kind.choices)
    system = models.CharField(max_length=10, choices=CodeSystem.choices)
    position = models.PositiveSmallIntegerField(default=0, help_text="order within its kind")
    code = models.CharField(max_length=8)
    label = models.CharField(max_length=400, blank=True)
    units = models.PositiveIntegerField(default=1)
    modifiers = ArrayField(models.CharField(max_length=2), size=4, default=list, blank=True)
    pointers = ArrayField(models.CharField(max_length=8), size=4, default=list, blank=True,
                          help_text="ICD codes this procedure line points at")
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    suggested_code = models.CharField(max_length=8, blank=True)
    suggested_units = models.PositiveIntegerField(null=True, blank=True)
    suggested_modifiers = ArrayField(models.CharField(max_length=2), size=4, default=list, blank=True)
    family = models.CharField(max_length=40, blank=True, help_text="code family, for acceptance reporting")
    rule = models.CharField(max_length=400, blank=True, help_text="why the engine suggested it")
    confidence = models.FloatField(null=True, blank=True)
    evidence = models.JSONField(default=list, blank=True)
    missing = models.CharField(max_length=300, blank=True, help_text="documentation the code would need")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["worksheet", "kind", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(units__gte=1), name="coding_line_units_positive"),
            models.CheckConstraint(condition=Q(decision="added") | ~Q(suggested_code=""), name="coding_line_suggested_or_added"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.decision})"

    @property
    def is_active(self) -> bool:
        """Goes onto the encounter when the worksheet completes."""
        return self.decision in (self.Decision.ACCEPTED, self.Decision.EDITED, self.Decision.ADDED)
