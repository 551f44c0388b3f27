"""Denials: the reference code tables, the denial work queue (cases), their history and appeals.

A `DenialCase` is one piece of work: a 277CA rejection of a claim, or an 835's denial of one or more
lines of a claim (one case per remittance claim; the line-level rows are payments' `Denial`). Its
`category` column is set when the case opens (from `claims.denials.categories`), so reports may read it.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from claims.denials.categories import CATEGORIES
from rcm.models import PracticeOwned
from rcm.money import MoneyField


class ReferenceCode(models.Model):
    """CARC, RARC and claim status codes (and status categories) with our own short descriptions."""

    class Kind(models.TextChoices):
        CARC = "carc", "Claim adjustment reason code"
        RARC = "rarc", "Remittance advice remark code"
        STATUS = "status", "Claim status code"
        STATUS_CATEGORY = "category", "Claim status category code"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    code = models.CharField(max_length=8)
    description = models.CharField(max_length=200, help_text="Ours: short and plain")
    official_description = models.TextField(blank=True, help_text="As published, when imported")
    category = models.CharField(max_length=20, blank=True, help_text="Denial category (CARC, RARC, status codes)")
    start_date = models.DateField(null=True, blank=True)
    stop_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="reference_code_uniq"),
                       models.CheckConstraint(condition=Q(category="") | Q(category__in=CATEGORIES),
                                              name="reference_code_category_valid")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}: {self.description}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class DenialCase(PracticeOwned):
    class Source(models.TextChoices):
        REJECTION = "277ca", "277CA rejection"
        REMIT = "835", "835 denial"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        APPEALED = "appealed", "Appealed"
        CORRECTED = "corrected", "Corrected and resubmitted"
        VOIDED = "voided", "Voided"
        WRITTEN_OFF = "written_off", "Written off"
        TRANSFERRED = "transferred", "Transferred to patient"
        CLOSED = "closed", "Closed"

    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="denial_cases")
    payer = models.ForeignKey("billing.Payer", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey("billing.Provider", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=5, choices=Source.choices)
    response = models.OneToOneField("claims.ClaimResponse", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="denial_case")
    remit_claim = models.OneToOneField("payments.RemitClaim", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="denial_case")
    category = models.CharField(max_length=20)
    group = models.CharField(max_length=2, blank=True, help_text="CAS group (835)")
    carc = models.CharField(max_length=5, blank=True)
    rarcs = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    status_code = models.CharField(max_length=5, blank=True, help_text="277CA claim status code")
    category_code = models.CharField(max_length=3, blank=True, help_text="277CA status category code")
    reason = models.CharField(max_length=500, help_text="What the payer said, in our words and theirs")
    segment = models.CharField(max_length=200, blank=True, help_text="For rejections: where in the 837")
    field = models.CharField(max_length=60, blank=True)
    amount = MoneyField(help_text="Denied charges")
    denied_on = models.DateField()
    appeal_deadline = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    new_claim = models.ForeignKey("claims.Claim", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  help_text="The replacement or void claim, when that is how it was worked")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "appeal_deadline", "-amount", "id"]
        indexes = [models.Index(fields=["practice", "status", "category"]),
                   models.Index(fields=["practice", "denied_on"]), models.Index(fields=["claim"])]
        constraints = [
            models.CheckConstraint(condition=Q(category__in=CATEGORIES), name="denial_case_category_valid"),
            models.CheckConstraint(condition=Q(source="277ca", response__isnull=False) | Q(source="835",
                                                                                           remit_claim__isnull=False),
                                   name="denial_case_has_source"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} of claim {self.claim_id}: {self.category}"


class DenialAction(PracticeOwned):
    """One step in working a denial: who did what, with what note and amount. Append-only."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        NOTE = "note", "Note"
        RESUBMIT = "resubmit", "Corrected and resubmitted"
        REPLACEMENT = "replacement", "Replacement claim (7)"
        VOID = "void", "Void claim (8)"
        WRITE_OFF = "write_off", "Written off"
        TRANSFER = "transfer", "Transferred to patient"
        APPEAL = "appeal", "Appeal letter"
        APPEAL_SENT = "appeal_sent", "Appeal sent"
        APPEAL_OUTCOME = "appeal_outcome", "Appeal outcome"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"

    case = models.ForeignKey(DenialCase, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    note = models.CharField(max_length=500, blank=True)
    amount = MoneyField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "at", "id"]
        triggers = [pgtrigger.Protect(name="denial_action_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), exclude=["letter"])
class Appeal(PracticeOwned):
    class Status(models.TextChoices):
        DRAFTED = "drafted", "Letter drafted"
        SENT = "sent", "Sent"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    case = models.ForeignKey(DenialCase, on_delete=models.CASCADE, related_name="appeals")
    level = models.PositiveSmallIntegerField(default=1)
    deadline = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFTED)
    letter = models.BinaryField(help_text="The appeal letter PDF as generated")
    details = models.JSONField(default=dict, help_text="What the letter says (argument, attachments)")
    sent_on = models.DateField(null=True, blank=True)
    outcome_note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "level"]
        constraints = [models.UniqueConstraint(fields=["case", "level"], name="appeal_level_uniq")]
