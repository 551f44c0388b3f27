"""Interoperability: what arrived from other systems (raw, as received), how each message was answered,
and which of our rows each outside identifier became.

`InboundMessage` is the idempotency record: one row per (practice, format, sender, control ID), holding the
raw text, the acknowledgement we gave and the per-resource outcomes. `ExternalRef` maps an outside key
(an MRN, a visit number, a FHIR identifier, an FT1 transaction ID) to our row, with the source timestamp of
the newest data applied to it, so a re-import updates instead of duplicating and an older message arriving
late never overwrites newer data.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q

from rcm.models import PracticeOwned


class Hl7Sender(PracticeOwned):
    """Routes MLLP traffic: messages whose MSH-4 (sending facility) is this value belong to this practice."""

    sending_facility = models.CharField("sending facility (MSH-4)", max_length=60, unique=True,
                                        help_text="Namespace ID as the EHR sends it, e.g. DERMCLINIC")
    sending_application = models.CharField("sending application (MSH-3)", max_length=60, blank=True,
                                           help_text="Informational; not used for routing")
    default_location = models.ForeignKey("billing.Location", null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+",
                                         help_text="Used when PV1-3 names no location we know")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sending_facility"]
        verbose_name = "HL7 sender"

    def __str__(self) -> str:
        return self.sending_facility


class Format(models.TextChoices):
    HL7V2 = "hl7v2", "HL7 v2"
    FHIR = "fhir", "FHIR R4"


class Channel(models.TextChoices):
    MLLP = "mllp", "MLLP listener"
    UPLOAD = "upload", "File upload"
    FOLDER = "folder", "Folder / command"
    API = "api", "API"
    DEMO = "demo", "Demo"


class AckCode(models.TextChoices):
    AA = "AA", "Accepted"
    AE = "AE", "Error"
    AR = "AR", "Rejected"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), exclude=["raw", "outcomes", "ack"])
class InboundMessage(PracticeOwned):
    """One HL7 v2 message or FHIR Bundle as received, and what we answered."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        PARTIAL = "partial", "Processed with errors"
        ERROR = "error", "Error"
        REJECTED = "rejected", "Rejected"

    format = models.CharField(max_length=6, choices=Format.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    sender = models.CharField(max_length=60, blank=True, help_text="MSH-4 sending facility; blank for FHIR")
    control_id = models.CharField(max_length=80, help_text="MSH-10 message control ID; for FHIR the content's SHA-256")
    message_type = models.CharField(max_length=40, blank=True, help_text="ADT^A08, DFT^P03 …; Bundle/transaction …")
    reference = models.CharField(max_length=200, blank=True, help_text="FHIR Bundle identifier or id")
    message_time = models.DateTimeField(null=True, blank=True, help_text="MSH-7 / EVN-2 / Bundle.timestamp")
    raw = models.TextField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    ack_code = models.CharField(max_length=2, choices=AckCode.choices, blank=True)
    ack = models.TextField(blank=True, help_text="The acknowledgement we sent (HL7 ACK or FHIR response)")
    error = models.TextField(blank=True)
    outcomes = models.JSONField(default=list, blank=True, help_text="Per record: ref, kind, action, object id, message")
    counts = models.JSONField(default=dict, blank=True)
    patient_ids = models.JSONField(default=list, blank=True, help_text="Patients the message touched (access log)")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "format", "sender", "control_id"], name="inbound_message_once"),
            models.CheckConstraint(condition=Q(ack_code__in=["", "AA", "AE", "AR"]), name="inbound_ack_code_valid"),
        ]
        indexes = [models.Index(fields=["practice", "-received_at"]),
                   models.Index(fields=["practice", "status", "-received_at"])]

    def __str__(self) -> str:
        return f"{self.message_type or self.format} {self.control_id[:20]}"


class UnroutedMessage(models.Model):
    """A message we could not attribute to a practice (unknown sender, unreadable): kept for the administrator."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    peer = models.CharField(max_length=80, blank=True)
    sender = models.CharField(max_length=60, blank=True)
    control_id = models.CharField(max_length=80, blank=True)
    raw = models.TextField()
    reason = models.CharField(max_length=300)
    ack = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.sender or '?'} {self.control_id}: {self.reason}"


class RefKind(models.TextChoices):
    PATIENT = "patient", "Patient"
    COVERAGE = "coverage", "Coverage"
    ENCOUNTER = "encounter", "Encounter"
    NOTE = "note", "Note"
    CHARGE = "charge", "Charge line"


class ExternalRef(PracticeOwned):
    """An outside identifier and the row it became, with the time of the newest data applied from outside."""

    kind = models.CharField(max_length=10, choices=RefKind.choices)
    key = models.CharField(max_length=255)
    object_id = models.BigIntegerField()
    source_time = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, help_text="of the last applied content (notes)")
    message = models.ForeignKey(InboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "kind", "key"], name="external_ref_key_uniq")]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} -> {self.object_id}"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), exclude=["content", "preview", "errors"])
class CsvImport(PracticeOwned):
    """A CSV file on its way in: uploaded, mapped column by column, previewed, then committed whole or not at all."""

    class Kind(models.TextChoices):
        PATIENTS = "patients", "Patients"
        COVERAGE = "coverage", "Coverage"
        CHARGES = "charges", "Charges"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        VALID = "valid", "Validated"
        INVALID = "invalid", "Has errors"
        COMMITTED = "committed", "Imported"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    filename = models.CharField(max_length=200)
    content = models.TextField()
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, blank=True, help_text="our field -> the file's column")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    row_count = models.PositiveIntegerField(default=0)
    preview = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["practice", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} CSV {self.filename}"
