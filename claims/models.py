"""Claims: what a biller sends a payer for one coded encounter, and what happened to it since.

A claim copies what it sends (IDs, member, subscriber, codes) at generation so that it is a document:
editing the patient's coverage later does not silently change a claim already sent, and fixing a
claim is an edit of the claim itself (re-scrubbed before it can go out). Every status change goes
through `claims.services.claim_transition`, which records it in `ClaimStatusEvent`.

Reference data for the scrubber (NCCI edits, MUEs) is global; payer-specific rules belong to a practice.
"""

from __future__ import annotations

from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from billing.models import Relationship, Sex, tracked
from rcm.models import PracticeOwned
from rcm.money import MoneyField
from rcm.validators import (
    validate_modifiers,
    validate_npi,
    validate_pointers,
    validate_pos,
    validate_procedure_code,
)


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCRUBBED_ERRORS = "scrubbed_errors", "Scrub errors"
    CLEAN = "clean", "Clean"
    QUEUED = "queued", "Queued"
    SUBMITTED = "submitted", "Submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    PAID = "paid", "Paid"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    DENIED = "denied", "Denied"
    CLOSED = "closed", "Closed"
    VOID = "void", "Void"
    REPLACED = "replaced", "Replaced"


S = ClaimStatus
# Which status may follow which. Scrubbing may repeat (errors -> errors after an edit that fixed one of two).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SCRUBBED_ERRORS, S.CLEAN, S.VOID}),
    S.SCRUBBED_ERRORS: frozenset({S.DRAFT, S.CLEAN, S.VOID}),
    S.CLEAN: frozenset({S.DRAFT, S.SCRUBBED_ERRORS, S.QUEUED, S.VOID}),
    S.QUEUED: frozenset({S.CLEAN, S.DRAFT, S.SCRUBBED_ERRORS, S.SUBMITTED, S.VOID}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED}),
    S.ACCEPTED: frozenset({S.REJECTED, S.PAID, S.PARTIALLY_PAID, S.DENIED}),
    S.REJECTED: frozenset({S.DRAFT, S.VOID, S.CLOSED}),
    # An 835 reversal (CLP02 22) takes an adjudication back: the claim is with the payer again (accepted)
    # until its corrected adjudication arrives, without a replacement claim of ours.
    S.PAID: frozenset({S.CLOSED, S.PARTIALLY_PAID, S.DENIED, S.REPLACED, S.VOID, S.ACCEPTED}),
    S.PARTIALLY_PAID: frozenset({S.PAID, S.DENIED, S.CLOSED, S.REPLACED, S.VOID, S.ACCEPTED}),
    S.DENIED: frozenset({S.PAID, S.PARTIALLY_PAID, S.CLOSED, S.REPLACED, S.VOID, S.ACCEPTED}),
    S.CLOSED: frozenset({S.REPLACED, S.VOID, S.ACCEPTED}),
    S.VOID: frozenset(),
    S.REPLACED: frozenset(),
}
# Not yet sent: editable, scrubbable, exportable.
UNSUBMITTED = (S.DRAFT, S.SCRUBBED_ERRORS, S.CLEAN, S.QUEUED)
EDITABLE = (S.DRAFT, S.SCRUBBED_ERRORS, S.CLEAN, S.QUEUED, S.REJECTED)
# Finished with: no longer counted as a live claim for duplicates or the queue's default view.
INACTIVE = (S.VOID, S.REPLACED)


class Frequency(models.TextChoices):
    ORIGINAL = "1", "Original"
    REPLACEMENT = "7", "Replacement of prior claim"
    VOID = "8", "Void/cancel of prior claim"


class Responsibility(models.TextChoices):
    """837P SBR01: which payer this claim is addressed to."""

    PRIMARY = "P", "Primary"
    SECONDARY = "S", "Secondary"
    TERTIARY = "T", "Tertiary"


RESPONSIBILITY_BY_PRIORITY = {1: Responsibility.PRIMARY, 2: Responsibility.SECONDARY, 3: Responsibility.TERTIARY}


class X12Batch(PracticeOwned):
    """One 837P file for one payer: its interchange control number is unique and never reused."""

    payer = models.ForeignKey("billing.Payer", on_delete=models.PROTECT, related_name="+")
    control_number = models.PositiveIntegerField(unique=True, help_text="ISA13 / GS06 / ST02")
    filename = models.CharField(max_length=120)
    content = models.TextField()
    claim_count = models.PositiveIntegerField()
    total_charge = MoneyField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["practice", "-created_at"])]
        verbose_name = "837P batch"

    def __str__(self) -> str:
        return self.filename


# Edits to what a claim sends are history (who changed the member ID, a code, a charge); its status has
# its own append-only history (ClaimStatusEvent) and scrub results are derived, so neither makes events.
# The balance is derived from the payments ledger (the ledger is its history); last_response_at is derived from
# the claim's responses.
UNTRACKED_CLAIM_FIELDS = ["status", "status_changed_at", "scrubbed_at", "scrub_findings", "scrub_rules", "scrub_errors",
                          "scrub_warnings", "batch", "updated_at", "balance", "last_response_at"]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), exclude=UNTRACKED_CLAIM_FIELDS)
class Claim(PracticeOwned):
    # Every scrub, export and payment rewrites claim rows, and a row whose status changes writes an entry in
    # every index: so no single-column index where a composite one starts with the same column
    # (claim_queue_idx for the practice, claim_patient_dos_idx for the patient), and no pattern-ops twin
    # for the patient control number (looked up by equality only).
    practice = models.ForeignKey("billing.Practice", on_delete=models.PROTECT, related_name="+", db_index=False)
    encounter = models.ForeignKey("billing.Encounter", on_delete=models.PROTECT, related_name="claims")
    patient = models.ForeignKey("billing.Patient", on_delete=models.PROTECT, related_name="claims", db_index=False)
    coverage = models.ForeignKey("billing.Coverage", on_delete=models.PROTECT, related_name="claims")
    payer = models.ForeignKey("billing.Payer", on_delete=models.PROTECT, related_name="claims")
    responsibility = models.CharField(max_length=1, choices=Responsibility.choices, default=Responsibility.PRIMARY)
    pcn = models.CharField("patient control number", max_length=20,
                           help_text="CLM01; the payer echoes it in the 835 (CLP01)")
    frequency = models.CharField(max_length=1, choices=Frequency.choices, default=Frequency.ORIGINAL)
    original_claim = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    original_payer_claim_number = models.CharField(max_length=50, blank=True,
                                                   help_text="The payer's claim number being replaced or voided (REF*F8)")
    payer_claim_number = models.CharField(max_length=50, blank=True, help_text="The payer's own number for this claim (ICN)")
    prior_claim = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_claims",
                                    help_text="For a secondary claim: the primary claim whose adjudication it carries")
    prior_adjudication = models.JSONField(null=True, blank=True,
                                          help_text="Other payer's adjudication for loops 2320/2430 (claims.adjudication)")
    status = models.CharField(max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    status_changed_at = models.DateTimeField(auto_now_add=True)

    # Billing provider (the practice), rendering provider and service facility, as sent.
    billing_npi = models.CharField("billing NPI", max_length=10, blank=True)
    billing_tax_id = models.CharField("billing tax ID", max_length=9, blank=True)
    billing_taxonomy = models.CharField(max_length=10, blank=True)
    rendering_provider = models.ForeignKey("billing.Provider", on_delete=models.PROTECT, related_name="claims")
    rendering_npi = models.CharField("rendering NPI", max_length=10, blank=True)
    rendering_taxonomy = models.CharField(max_length=10, blank=True)
    facility = models.ForeignKey("billing.Location", on_delete=models.PROTECT, related_name="claims")
    place_of_service = models.CharField(max_length=2, blank=True)

    # Subscriber and insurance, as sent.
    member_id = models.CharField("member ID", max_length=30, blank=True)
    group_number = models.CharField(max_length=30, blank=True)
    relationship = models.CharField("patient's relationship to subscriber", max_length=2, blank=True,
                                    choices=Relationship.choices)
    subscriber_first_name = models.CharField(max_length=35, blank=True)
    subscriber_last_name = models.CharField(max_length=60, blank=True)
    subscriber_date_of_birth = models.DateField(null=True, blank=True)
    subscriber_sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)

    # Clinical and authorization data.
    diagnosis_codes = ArrayField(models.CharField(max_length=8), size=12, default=list, blank=True,
                                 help_text="ICD-10-CM in order; the first is the principal diagnosis")
    prior_authorization = models.CharField(max_length=50, blank=True)
    referring_provider_npi = models.CharField(max_length=10, blank=True, validators=[validate_npi])
    referring_provider_name = models.CharField(max_length=60, blank=True, help_text="Last, First")
    onset_date = models.DateField(null=True, blank=True, help_text="Onset of current illness (DTP*431), when known")
    date_of_service = models.DateField(help_text="The earliest line's date of service")

    total_charge = MoneyField(default=Decimal("0.00"))
    balance = MoneyField(default=Decimal("0.00"), help_text="Outstanding with this payer (payments post against it)")
    filing_deadline = models.DateField(help_text="Date of service + the payer's timely filing limit")

    # Scrubber results.
    scrubbed_at = models.DateTimeField(null=True, blank=True)
    scrub_findings = models.JSONField(default=list, blank=True)
    scrub_rules = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    scrub_errors = models.PositiveSmallIntegerField(default=0)
    scrub_warnings = models.PositiveSmallIntegerField(default=0)

    batch = models.ForeignKey(X12Batch, null=True, blank=True, on_delete=models.SET_NULL, related_name="claims",
                              help_text="The 837P file this claim went out in, most recently")
    last_response_at = models.DateTimeField(null=True, blank=True,
                                            help_text="When the clearinghouse or payer last said anything about it "
                                                      "(or when it was sent): the follow-up clock")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["filing_deadline", "-balance", "id"]
        indexes = [
            models.Index(fields=["practice", "status", "filing_deadline"], name="claim_queue_idx"),
            models.Index(fields=["practice", "filing_deadline", "-balance", "id"], name="claim_deadline_idx"),
            models.Index(fields=["practice", "payer", "status"], name="claim_payer_idx"),
            models.Index(fields=["patient", "date_of_service"], name="claim_patient_dos_idx"),
            GinIndex(fields=["scrub_rules"], name="claim_scrub_rules_gin"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["pcn"], name="claim_pcn_unique"),
            models.CheckConstraint(condition=Q(total_charge__gte=0), name="claim_total_nonneg"),
            models.CheckConstraint(condition=Q(frequency="1") | Q(original_claim__isnull=False),
                                   name="claim_correction_has_original"),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in ClaimStatus]), name="claim_status_valid"),
            models.CheckConstraint(condition=Q(frequency__in=["1", "7", "8"]), name="claim_frequency_valid"),
            # One live original claim per encounter and payer: generating twice cannot double-bill.
            models.UniqueConstraint(fields=["encounter", "coverage"], condition=Q(frequency="1"),
                                    name="claim_one_original_per_encounter_coverage"),
        ]

    def __str__(self) -> str:
        return f"Claim {self.pcn}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE and not (self.status == S.QUEUED and self.batch_id)


@tracked()
class ClaimLine(PracticeOwned):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    line_number = models.PositiveSmallIntegerField()
    line_control_number = models.CharField(max_length=30, unique=True,
                                           help_text="REF*6R; the payer echoes it per service line in the 835")
    charge_line = models.ForeignKey("billing.ChargeLine", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    code = models.CharField("CPT/HCPCS", max_length=5, validators=[validate_procedure_code])
    modifiers = ArrayField(models.CharField(max_length=2), size=4, default=list, blank=True,
                           validators=[validate_modifiers])
    units = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    diagnosis_pointers = ArrayField(models.PositiveSmallIntegerField(), size=4, default=list, blank=True,
                                    validators=[validate_pointers])
    charge_amount = MoneyField(validators=[MinValueValidator(Decimal("0.00"))])
    date_of_service = models.DateField()
    place_of_service = models.CharField(max_length=2, validators=[validate_pos])

    class Meta:
        ordering = ["claim", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "line_number"], name="claim_line_number_uniq"),
            models.CheckConstraint(condition=Q(units__gte=1), name="claim_line_units_positive"),
            models.CheckConstraint(condition=Q(charge_amount__gte=0), name="claim_line_charge_nonneg"),
            models.CheckConstraint(condition=Q(modifiers__len__lte=4), name="claim_line_modifiers_max4"),
            models.CheckConstraint(condition=Q(diagnosis_pointers__len__lte=4), name="claim_line_pointers_max4"),
        ]
        indexes = [models.Index(fields=["code", "date_of_service"], name="claim_line_code_dos_idx")]

    def __str__(self) -> str:
        mods = "-".join(self.modifiers)
        return f"{self.code}{'-' + mods if mods else ''} x{self.units} ${self.charge_amount}"


class ClaimStatusEvent(PracticeOwned):
    """One step of a claim's life: from, to, who or what moved it, and why. Append-only (a trigger refuses edits)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="status_events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, choices=ClaimStatus.choices)
    reason = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=40, blank=True, help_text="user, scrubber, export, clearinghouse:999 …")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "at", "id"]
        indexes = [models.Index(fields=["claim", "at"])]
        triggers = [pgtrigger.Protect(name="status_event_append_only", operation=pgtrigger.Update)]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class PayerRule(PracticeOwned):
    """A payer's own requirement, kept as data so an admin can add one without a release."""

    class Kind(models.TextChoices):
        REQUIRES_PRIOR_AUTH = "requires_prior_auth", "Requires a prior-authorization number"
        REQUIRES_REFERRING = "requires_referring", "Requires a referring provider"
        MODIFIER_NOT_ACCEPTED = "modifier_not_accepted", "Does not accept a modifier"
        CODE_NOT_COVERED = "code_not_covered", "Does not cover a procedure code"

    class Severity(models.TextChoices):
        ERROR = "error", "Error (blocks submission)"
        WARNING = "warning", "Warning"

    payer = models.ForeignKey("billing.Payer", on_delete=models.CASCADE, related_name="claim_rules")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    value = models.CharField(max_length=200, blank=True,
                             help_text="Modifier or code for the rule; for prior auth / referring, optional "
                                       "comma-separated procedure codes it is limited to (blank = every claim)")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.ERROR)
    message = models.CharField(max_length=200, blank=True, help_text="Optional wording for billers")
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["payer", "kind", "value"]
        constraints = [models.UniqueConstraint(fields=["payer", "kind", "value"], name="payer_rule_uniq")]

    def __str__(self) -> str:
        return f"{self.payer}: {self.get_kind_display()}{' ' + self.value if self.value else ''}"

    def codes(self) -> frozenset[str]:
        return frozenset(c.strip().upper() for c in self.value.split(",") if c.strip())


class NcciPtpEdit(models.Model):
    """A CMS practitioner procedure-to-procedure edit: column 2 is not paid with column 1 on the same day."""

    column1 = models.CharField(max_length=5)
    column2 = models.CharField(max_length=5)
    prior_1996 = models.BooleanField(default=False, help_text="'*' in the file: in existence before 1996")
    effective_date = models.DateField()
    deletion_date = models.DateField(null=True, blank=True)
    modifier_indicator = models.CharField(max_length=1, help_text="0 never allowed, 1 allowed with a modifier, 9 n/a")
    rationale = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["column1", "column2", "effective_date"], name="ncci_ptp_uniq")]
        verbose_name = "NCCI PTP edit"

    def __str__(self) -> str:
        return f"{self.column1}/{self.column2} ({self.modifier_indicator})"


class MueEdit(models.Model):
    """A CMS practitioner medically unlikely edit: the most units of a code per line or per day."""

    code = models.CharField(max_length=5, unique=True)
    mue_value = models.PositiveIntegerField()
    adjudication_indicator = models.CharField(max_length=60, help_text="1 line edit, 2 date of service (policy), 3 date of service (clinical)")
    rationale = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = "MUE"

    def __str__(self) -> str:
        return f"{self.code} ≤ {self.mue_value}"

    @property
    def per_day(self) -> bool:
        return not self.adjudication_indicator.strip().startswith("1")


# Models of the clearinghouse, eligibility and denials packages belong to this app.
from claims.clearinghouse.models import (  # noqa: E402
    ClaimResponse,
    ClearinghouseConnection,
    InboundFile,
    PayerPolicy,
    SandboxClaim,
    SandboxFile,
    StatusInquiry,
    Submission,
    SubmissionAttempt,
)
from claims.denials.models import Appeal, DenialAction, DenialCase, ReferenceCode  # noqa: E402
from claims.eligibility.models import EligibilityCheck  # noqa: E402

__all__ = ["TRANSITIONS", "Appeal", "Claim", "ClaimLine", "ClaimResponse", "ClaimStatus", "ClaimStatusEvent",
           "ClearinghouseConnection", "DenialAction", "DenialCase", "EligibilityCheck", "Frequency", "InboundFile",
           "MueEdit", "NcciPtpEdit", "PayerPolicy", "PayerRule", "ReferenceCode", "SandboxClaim", "SandboxFile",
           "StatusInquiry", "Submission", "SubmissionAttempt", "X12Batch"]
