"""Eligibility checks: one 270 question about one coverage on one date, and its 271 answer.

Why in the claims app (not billing): a check travels through the practice's clearinghouse connection
like claims and status inquiries do, and its answer feeds the claims scrubber; billing stays the
foundation's registry of patients, coverage and encounters (its pages only include our panel).
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models

from rcm.models import PracticeOwned
from rcm.money import MoneyField


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class EligibilityCheck(PracticeOwned):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the payer"
        ANSWERED = "answered", "Answered"
        REJECTED = "rejected", "Payer could not answer"
        FAILED = "failed", "Could not be sent"

    class Source(models.TextChoices):
        ON_DEMAND = "on_demand", "On demand"
        BATCH = "batch", "Tomorrow's encounters"

    coverage = models.ForeignKey("billing.Coverage", on_delete=models.CASCADE, related_name="eligibility_checks")
    patient = models.ForeignKey("billing.Patient", on_delete=models.CASCADE, related_name="+")
    payer = models.ForeignKey("billing.Payer", on_delete=models.PROTECT, related_name="+")
    encounter = models.ForeignKey("billing.Encounter", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    service_date = models.DateField()
    trace = models.CharField(max_length=50, unique=True, help_text="TRN02, echoed by the 271")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ON_DEMAND)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    submission = models.ForeignKey("claims.Submission", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    inbound_file = models.ForeignKey("claims.InboundFile", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    active = models.BooleanField(null=True, blank=True)
    plan_name = models.CharField(max_length=80, blank=True)
    group_number = models.CharField(max_length=50, blank=True)
    plan_begin = models.DateField(null=True, blank=True)
    plan_end = models.DateField(null=True, blank=True)
    copay = MoneyField(null=True, blank=True)
    coinsurance_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    deductible = MoneyField(null=True, blank=True)
    deductible_remaining = MoneyField(null=True, blank=True)
    out_of_pocket = MoneyField(null=True, blank=True)
    out_of_pocket_remaining = MoneyField(null=True, blank=True)
    benefits = models.JSONField(default=list, blank=True, help_text="every EB row of the 271")
    errors = models.JSONField(default=list, blank=True, help_text="AAA rejections, in our words")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["coverage", "service_date", "-requested_at"]),
                   models.Index(fields=["practice", "status"])]

    def __str__(self) -> str:
        return f"Eligibility {self.trace} ({self.get_status_display()})"

    @property
    def verdict(self) -> str:
        if self.status != self.Status.ANSWERED:
            return self.get_status_display()
        return "Active" if self.active else ("Inactive" if self.active is False else "Unknown")
