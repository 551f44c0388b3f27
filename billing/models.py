"""The shared RCM model: practices and their people, patients and coverage, payers and
fees, and the encounters that coding turns into charges and claims.

Integrity lives in PostgreSQL constraints first; field formats are validated where
data enters (model validators, run by forms, serializers and `full_clean()` in services).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from rcm.models import PracticeOwned
from rcm.money import MoneyField
from rcm.roles import Role
from rcm.validators import (
    validate_icd10cm,
    validate_modifiers,
    validate_not_future,
    validate_npi,
    validate_pointers,
    validate_pos,
    validate_procedure_code,
    validate_state,
    validate_tax_id,
    validate_taxonomy,
    validate_zip,
)


def tracked() -> pghistory.track:
    """Change history by PostgreSQL triggers: inserts, updates (bulk included) and deletes."""
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Unknown"


class Specialty(models.TextChoices):
    DERMATOLOGY = "dermatology", "Dermatology"
    PRIMARY_CARE = "primary_care", "Primary care"


class Address(models.Model):
    address_line1 = models.CharField(max_length=55)
    address_line2 = models.CharField(max_length=55, blank=True)
    city = models.CharField(max_length=30)
    state = models.CharField(max_length=2, validators=[validate_state])
    zip_code = models.CharField(max_length=9, validators=[validate_zip], help_text="5 or 9 digits, no dash")

    class Meta:
        abstract = True


class Practice(Address):
    """The tenant: a billing entity (group NPI, tax ID). Every other object belongs to one."""

    name = models.CharField(max_length=60)
    npi = models.CharField("group NPI", max_length=10, validators=[validate_npi])
    tax_id = models.CharField("tax ID (EIN)", max_length=9, validators=[validate_tax_id])
    taxonomy = models.CharField(max_length=10, validators=[validate_taxonomy])
    phone = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "practice"], name="membership_user_practice_uniq")]

    def __str__(self) -> str:
        return f"{self.user} · {self.practice} · {self.role}"


class Provider(PracticeOwned):
    """A rendering provider (individual NPI)."""

    first_name = models.CharField(max_length=35)
    last_name = models.CharField(max_length=60)
    credential = models.CharField(max_length=10, blank=True, help_text="MD, DO, NP, PA-C …")
    npi = models.CharField("NPI", max_length=10, validators=[validate_npi])
    taxonomy = models.CharField(max_length=10, validators=[validate_taxonomy])
    specialty = models.CharField(max_length=20, choices=Specialty.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [models.UniqueConstraint(fields=["practice", "npi"], name="provider_practice_npi_uniq")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}{', ' + self.credential if self.credential else ''}"


class Location(PracticeOwned, Address):
    """A service facility; its place-of-service code goes on every claim line billed there."""

    name = models.CharField(max_length=60)
    npi = models.CharField("facility NPI", max_length=10, blank=True, validators=[validate_npi])
    pos_code = models.CharField("place of service", max_length=2, default="11", validators=[validate_pos])
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@tracked()
class Patient(PracticeOwned, Address):
    mrn = models.CharField("MRN", max_length=30)
    first_name = models.CharField(max_length=35)
    middle_name = models.CharField(max_length=25, blank=True)
    last_name = models.CharField(max_length=60)
    date_of_birth = models.DateField(validators=[validate_not_future])
    sex = models.CharField(max_length=1, choices=Sex.choices)
    phone = models.CharField(max_length=10, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "mrn"], name="patient_practice_mrn_uniq"),
            models.CheckConstraint(condition=Q(date_of_birth__gte=dt.date(1900, 1, 1)), name="patient_dob_after_1900"),
        ]
        indexes = [models.Index(Lower("last_name"), "first_name", name="patient_name_idx")]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.mrn})"

    def age_on(self, day: dt.date) -> int:
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


class Payer(PracticeOwned):
    class Kind(models.TextChoices):
        MEDICARE = "medicare", "Medicare"
        MEDICAID = "medicaid", "Medicaid"
        COMMERCIAL = "commercial", "Commercial"
        WORKERS_COMP = "workers_comp", "Workers' compensation"
        SELF_PAY = "self_pay", "Self-pay"

    # Claim filing indicator (837P SBR09) by kind.
    FILING_INDICATOR = {
        Kind.MEDICARE: "MB",
        Kind.MEDICAID: "MC",
        Kind.COMMERCIAL: "CI",
        Kind.WORKERS_COMP: "WC",
        Kind.SELF_PAY: "09",
    }

    name = models.CharField(max_length=60)
    payer_id = models.CharField("clearinghouse payer ID", max_length=20, blank=True)
    kind = models.CharField(max_length=15, choices=Kind.choices)
    timely_filing_days = models.PositiveIntegerField(default=365, validators=[MinValueValidator(1)])
    address_line1 = models.CharField(max_length=55, blank=True)
    city = models.CharField(max_length=30, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField(max_length=9, blank=True)
    phone = models.CharField(max_length=10, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="payer_practice_name_uniq"),
            models.CheckConstraint(condition=Q(timely_filing_days__gte=1), name="payer_timely_filing_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def filing_indicator(self) -> str:
        return self.FILING_INDICATOR[self.kind]


class Relationship(models.TextChoices):
    """Patient's relationship to the subscriber, as X12 individual relationship codes."""

    SELF = "18", "Self"
    SPOUSE = "01", "Spouse"
    CHILD = "19", "Child"
    OTHER = "G8", "Other"


@tracked()
class Coverage(PracticeOwned):
    class Priority(models.IntegerChoices):
        PRIMARY = 1, "Primary"
        SECONDARY = 2, "Secondary"
        TERTIARY = 3, "Tertiary"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="coverages")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="coverages")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.PRIMARY)
    member_id = models.CharField(max_length=30)
    group_number = models.CharField(max_length=30, blank=True)
    plan_name = models.CharField(max_length=60, blank=True)
    relationship = models.CharField("patient's relationship to subscriber", max_length=2,
                                    choices=Relationship.choices, default=Relationship.SELF)
    subscriber_first_name = models.CharField(max_length=35, blank=True)
    subscriber_last_name = models.CharField(max_length=60, blank=True)
    subscriber_date_of_birth = models.DateField(null=True, blank=True)
    subscriber_sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["patient", "priority", "-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                                   name="coverage_dates_ordered"),
            models.CheckConstraint(condition=Q(priority__in=[1, 2, 3]), name="coverage_priority_valid"),
        ]
        indexes = [models.Index(fields=["patient", "priority", "effective_from"])]
        verbose_name_plural = "coverages"

    def __str__(self) -> str:
        return f"{self.payer} #{self.member_id} ({self.get_priority_display()})"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            errors["effective_to"] = "Coverage cannot end before it starts."
        if self.relationship != Relationship.SELF:
            for name in ("subscriber_first_name", "subscriber_last_name", "subscriber_date_of_birth"):
                if not getattr(self, name):
                    errors[name] = "Required when the patient is not the subscriber."
        if self.patient_id and self.payer_id and self.patient.practice_id != self.payer.practice_id:
            errors["payer"] = "Payer belongs to another practice."
        if errors:
            raise ValidationError(errors)

    def is_active_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class FeeSchedule(PracticeOwned):
    """Either the practice's own charges (no payer) or a payer's contracted allowed amounts."""

    class Kind(models.TextChoices):
        CHARGE = "charge", "Practice charges"
        ALLOWED = "allowed", "Payer contracted (allowed) amounts"

    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    payer = models.ForeignKey(Payer, null=True, blank=True, on_delete=models.PROTECT, related_name="fee_schedules")
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind="charge", payer__isnull=True) | Q(kind="allowed", payer__isnull=False),
                                   name="fee_schedule_kind_payer"),
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                                   name="fee_schedule_dates_ordered"),
        ]

    def __str__(self) -> str:
        return self.name


class FeeScheduleEntry(PracticeOwned):
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="entries")
    code = models.CharField(max_length=5, validators=[validate_procedure_code])
    modifier = models.CharField(max_length=2, blank=True, help_text="Blank applies to any modifier")
    amount = MoneyField(validators=[MinValueValidator(Decimal("0.00"))])

    class Meta:
        ordering = ["code", "modifier"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "code", "modifier"], name="fee_entry_uniq"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fee_entry_amount_nonneg"),
        ]
        verbose_name_plural = "fee schedule entries"

    def __str__(self) -> str:
        return f"{self.code}{'-' + self.modifier if self.modifier else ''} ${self.amount}"


@tracked()
class Encounter(PracticeOwned):
    class Status(models.TextChoices):
        AWAITING_CODING = "awaiting_coding", "Awaiting coding"
        CODED = "coded", "Coded"
        BILLED = "billed", "Billed"
        VOID = "void", "Void"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="encounters")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="encounters")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="encounters")
    date_of_service = models.DateField(validators=[validate_not_future])
    specialty = models.CharField(max_length=20, choices=Specialty.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AWAITING_CODING)
    new_patient = models.BooleanField(default=False, help_text="No professional service from this group in 3 years")
    prior_authorization = models.CharField(max_length=50, blank=True)
    referring_provider_npi = models.CharField(max_length=10, blank=True, validators=[validate_npi])
    referring_provider_name = models.CharField(max_length=60, blank=True)
    coded_at = models.DateTimeField(null=True, blank=True)
    coded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date_of_service", "id"]
        indexes = [
            models.Index(fields=["practice", "status", "date_of_service"]),
            models.Index(fields=["patient", "date_of_service"]),
        ]

    def __str__(self) -> str:
        return f"Encounter {self.pk} on {self.date_of_service}"

    def clean(self) -> None:
        for name in ("patient", "provider", "location"):
            related = getattr(self, name, None) if getattr(self, f"{name}_id") else None
            if related is not None and self.practice_id and related.practice_id != self.practice_id:
                raise ValidationError({name: f"The {name} belongs to another practice."})


@tracked()
class ChartNote(PracticeOwned):
    class Kind(models.TextChoices):
        PROGRESS = "progress", "Physician note"
        PROCEDURE = "procedure", "Procedure note"
        PATHOLOGY = "pathology", "Pathology report"
        OTHER = "other", "Other document"

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PROGRESS)
    author = models.CharField(max_length=80, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["encounter", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for encounter {self.encounter_id}"


@tracked()
class Diagnosis(PracticeOwned):
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="diagnoses")
    code = models.CharField("ICD-10-CM", max_length=8, validators=[validate_icd10cm])
    rank = models.PositiveSmallIntegerField(help_text="1 = first-listed")

    class Meta:
        ordering = ["encounter", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["encounter", "rank"], name="diagnosis_encounter_rank_uniq"),
            models.UniqueConstraint(fields=["encounter", "code"], name="diagnosis_encounter_code_uniq"),
            models.CheckConstraint(condition=Q(rank__gte=1, rank__lte=12), name="diagnosis_rank_1_12"),
        ]
        verbose_name_plural = "diagnoses"

    def __str__(self) -> str:
        return f"{self.rank}. {self.code}"


@tracked()
class ChargeLine(PracticeOwned):
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="charge_lines")
    line_number = models.PositiveSmallIntegerField()
    code = models.CharField("CPT/HCPCS", max_length=5, validators=[validate_procedure_code])
    modifiers = ArrayField(models.CharField(max_length=2), size=4, default=list, blank=True, validators=[validate_modifiers])
    units = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    diagnosis_pointers = ArrayField(models.PositiveSmallIntegerField(), size=4, default=list, blank=True,
                                    validators=[validate_pointers])
    charge_amount = MoneyField(validators=[MinValueValidator(Decimal("0.00"))])

    class Meta:
        ordering = ["encounter", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["encounter", "line_number"], name="charge_line_number_uniq"),
            models.CheckConstraint(condition=Q(units__gte=1), name="charge_units_positive"),
            models.CheckConstraint(condition=Q(charge_amount__gte=0), name="charge_amount_nonneg"),
            models.CheckConstraint(condition=Q(modifiers__len__lte=4), name="charge_modifiers_max4"),
            models.CheckConstraint(condition=Q(diagnosis_pointers__len__lte=4), name="charge_pointers_max4"),
        ]

    def __str__(self) -> str:
        mods = "-".join(self.modifiers)
        return f"{self.code}{'-' + mods if mods else ''} x{self.units} ${self.charge_amount}"
