"""Cross-cutting models: the practice-owned base, the PHI access log, and jobs.

Every practice-owned table carries `practice_id` itself (even child rows such as
diagnoses), so scoping is one indexed filter and row-level security can be one
policy per table.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class PracticeOwned(models.Model):
    practice = models.ForeignKey("billing.Practice", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


class AccessLog(models.Model):
    """Who looked at or exported PHI, when, and which records. Append-only."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        LIST = "list", "Listed"
        EXPORT = "export", "Exported"
        PRINT = "print", "Printed"

    practice = models.ForeignKey("billing.Practice", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(max_length=150)  # kept even if the user is later removed
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=60)
    object_ids = models.JSONField(default=list)
    patient_ids = models.JSONField(default=list)
    path = models.CharField(max_length=300)
    via = models.CharField(max_length=10, default="page")  # page | api | task
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["practice", "-at"]), models.Index(fields=["object_type", "-at"])]
        ordering = ["-at"]
        # An access record is evidence: PostgreSQL refuses to change or remove it (raw SQL included).
        triggers = [pgtrigger.Protect(name="access_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.username} {self.action} {self.object_type} {self.object_ids} at {self.at:%Y-%m-%d %H:%M}"


class Job(models.Model):
    """A unit of batch work whose state lives in PostgreSQL, not in the broker.

    Celery only carries the job id; if a worker dies or Redis loses the message,
    the sweeper finds the job still queued or running without a heartbeat and
    enqueues it again. Handlers must therefore be idempotent.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    practice = models.ForeignKey("billing.Practice", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["practice", "-created_at"])]
        constraints = [models.CheckConstraint(condition=models.Q(done__lte=models.F("total")) | models.Q(total=0),
                                              name="job_done_le_total")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0


class IdempotencyRecord(models.Model):
    """One money-moving API call made with an `Idempotency-Key`, and the answer it got.

    Keyed per user and practice: the same key and body replays `response`; the same key with another body is
    refused. `status_code` is null while the first call is still running (a concurrent retry gets 409)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    practice_id = models.BigIntegerField(null=True, blank=True)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of method, path and body
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "practice_id", "key"], name="idempotency_key_per_user_practice",
                                    nulls_distinct=False),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
