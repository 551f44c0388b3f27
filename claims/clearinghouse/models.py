"""Clearinghouse connections, what we sent (submissions and their attempts), what came back (inbound files)
and each answer about one claim (`ClaimResponse`). Imported by `claims.models`, so they are claims models.

Exactly once: a `Submission` (unique idempotency key) is written and committed before any byte leaves;
every try is a `SubmissionAttempt`; the adapter journals how far a transfer got (`Submission.step`), so a
retried task can ask the clearinghouse whether the file arrived before it sends again.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from rcm.models import PracticeOwned
from rcm.money import MoneyField


class ClearinghouseConnection(PracticeOwned):
    """How a practice reaches its clearinghouse. Secrets live encrypted in `credentials` and are never shown."""

    class Kind(models.TextChoices):
        SANDBOX = "sandbox", "Sandbox clearinghouse (built in)"
        SFTP = "sftp", "SFTP file drop"
        REST = "rest", "REST API"

    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    is_active = models.BooleanField(default=True, help_text="The practice's connection for submissions and polling")
    host = models.CharField(max_length=200, blank=True, help_text="SFTP host")
    port = models.PositiveIntegerField(default=22)
    username = models.CharField(max_length=100, blank=True)
    host_key = models.TextField(blank=True, help_text="SFTP server's public host key ('ssh-ed25519 AAAA…'); "
                                                      "connections to any other key are refused")
    upload_dir = models.CharField(max_length=200, default="inbound", help_text="SFTP folder the 837s go to")
    download_dir = models.CharField(max_length=200, default="outbound", help_text="SFTP folder answers arrive in")
    archive_dir = models.CharField(max_length=200, blank=True,
                                   help_text="SFTP folder fetched files are moved to (blank: delete after storing)")
    base_url = models.URLField(blank=True, help_text="REST API base URL")
    sender_id = models.CharField(max_length=15, blank=True, help_text="ISA06 / GS02 (blank: settings or tax ID)")
    receiver_id = models.CharField(max_length=15, blank=True, help_text="ISA08 / GS03 (blank: settings)")
    options = models.JSONField(default=dict, blank=True, help_text="Sandbox rules and seed; adapter options")
    credentials = models.BinaryField(blank=True, default=b"", editable=False,
                                     help_text="Fernet token of the secrets (password, private key, API key)")
    credentials_set = models.JSONField(default=list, blank=True, editable=False,
                                       help_text="Which secrets are set (names only), to show 'set' in forms")
    cursor = models.CharField(max_length=200, blank=True, help_text="REST reports mailbox cursor")
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["practice", "-is_active", "name"]
        constraints = [
            models.UniqueConstraint(fields=["practice"], condition=Q(is_active=True), name="clearinghouse_one_active"),
            models.CheckConstraint(condition=Q(kind__in=["sandbox", "sftp", "rest"]), name="clearinghouse_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def clean(self) -> None:
        """An SFTP drop needs its host, a REST API its base URL: refused when saved, not when first used."""
        if self.kind == self.Kind.SFTP and not self.host.strip():
            raise ValidationError({"host": "An SFTP connection needs the clearinghouse's host name."})
        if self.kind == self.Kind.REST and not self.base_url.strip():
            raise ValidationError({"base_url": "A REST connection needs the API's base URL."})


class PayerPolicy(PracticeOwned):
    """Per payer: when to ask about a claim with no answer (276), how long an appeal may take, paper claims."""

    payer = models.OneToOneField("billing.Payer", on_delete=models.CASCADE, related_name="claims_policy")
    followup_days = models.PositiveIntegerField(default=21, help_text="Days without an answer before a 276 inquiry")
    appeal_days = models.PositiveIntegerField(default=180, help_text="Days after a denial to file an appeal")
    paper_claims = models.BooleanField(default=False, help_text="The payer takes CMS-1500 paper claims")

    class Meta:
        verbose_name_plural = "payer policies"

    def __str__(self) -> str:
        return f"{self.payer}: follow up after {self.followup_days} days"


class Submission(PracticeOwned):
    """One file we send (an 837 batch, a 276 or a 270), keyed so it is sent once."""

    class Kind(models.TextChoices):
        CLAIMS = "837", "837P claims"
        STATUS = "276", "276 status inquiry"
        ELIGIBILITY = "270", "270 eligibility inquiry"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        REVIEW = "review", "Outcome unknown (needs review)"

    connection = models.ForeignKey(ClearinghouseConnection, on_delete=models.PROTECT, related_name="submissions")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    batch = models.ForeignKey("claims.X12Batch", null=True, blank=True, on_delete=models.PROTECT, related_name="submissions")
    sequence = models.PositiveSmallIntegerField(default=1, help_text="1 = first send; more only by a biller's resend")
    idempotency_key = models.CharField(max_length=120, unique=True)
    filename = models.CharField(max_length=120)
    content = models.TextField(blank=True, help_text="The file (for 837s the batch holds it)")
    interchange_control = models.CharField(max_length=9, help_text="ISA13")
    group_control = models.CharField(max_length=9, help_text="GS06")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    step = models.CharField(max_length=20, blank=True, help_text="How far the last transfer got (adapter journal)")
    attempts = models.PositiveIntegerField(default=0)
    remote_ref = models.CharField(max_length=200, blank=True, help_text="The clearinghouse's id for the file")
    error = models.CharField(max_length=500, blank=True)
    reason = models.CharField(max_length=300, blank=True, help_text="Why a biller resent it")
    claim_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["practice", "-created_at"]), models.Index(fields=["status", "heartbeat_at"]),
                   models.Index(fields=["practice", "group_control"])]
        constraints = [
            models.UniqueConstraint(fields=["batch", "sequence"], name="submission_batch_sequence_uniq"),
            models.CheckConstraint(condition=Q(kind="837", batch__isnull=False) | ~Q(kind="837"),
                                   name="submission_837_has_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    def payload(self) -> str:
        return self.batch.content if self.batch_id and not self.content else self.content  # type: ignore[union-attr]


class SubmissionAttempt(PracticeOwned):
    """One try at sending a submission: who tried, when, and how it ended (blank: the worker died)."""

    class Outcome(models.TextChoices):
        SENT = "sent", "Sent"
        ALREADY_THERE = "already_there", "Already delivered (found at the clearinghouse)"
        TRANSPORT_ERROR = "transport_error", "Transport error (will retry)"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Unknown (needs review)"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveIntegerField()
    worker = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["submission", "number"]
        constraints = [models.UniqueConstraint(fields=["submission", "number"], name="submission_attempt_uniq")]


class InboundFile(PracticeOwned):
    """A file the clearinghouse sent us, kept byte for byte, with what it was and what became of it."""

    class Kind(models.TextChoices):
        TA1 = "ta1", "TA1 interchange acknowledgement"
        ACK_999 = "999", "999 implementation acknowledgement"
        ACK_277CA = "277ca", "277CA claim acknowledgement"
        STATUS_277 = "277", "277 claim status"
        ELIGIBILITY_271 = "271", "271 eligibility"
        REMIT_835 = "835", "835 remittance"
        UNKNOWN = "unknown", "Unknown"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        PROBLEMS = "problems", "Processed with problems"
        ERROR = "error", "Unreadable (kept, not processed)"
        UNKNOWN = "unknown", "Not a file we read (kept)"
        DUPLICATE = "duplicate", "Already received"

    connection = models.ForeignKey(ClearinghouseConnection, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="inbound_files")
    remote_name = models.CharField(max_length=300, blank=True)
    filename = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.UNKNOWN)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(help_text="Exactly as received")
    size = models.PositiveIntegerField(default=0)
    sender_id = models.CharField(max_length=15, blank=True)
    interchange_control = models.CharField(max_length=9, blank=True)
    group_control = models.CharField(max_length=9, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    problems = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    remittance = models.ForeignKey("payments.Remittance", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["practice", "sha256"], name="inbound_file_once")]
        indexes = [models.Index(fields=["practice", "-received_at"]),
                   models.Index(fields=["practice", "sender_id", "interchange_control"], name="inbound_ctl_idx"),
                   models.Index(fields=["practice", "status"])]

    def __str__(self) -> str:
        return self.filename

    @property
    def text(self) -> str:
        return bytes(self.content).decode("latin-1")


class ClaimResponse(PracticeOwned):
    """One answer about one claim (999, 277CA, 277, 835, TA1), with the payer's words and where it points."""

    class Source(models.TextChoices):
        TA1 = "ta1", "TA1"
        ACK_999 = "999", "999"
        ACK_277CA = "277ca", "277CA"
        STATUS_277 = "277", "277"
        REMIT_835 = "835", "835"

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        PENDING = "pending", "Pending"
        FINALIZED = "finalized", "Finalized"
        INFO = "info", "Information"

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="responses")
    inbound_file = models.ForeignKey(InboundFile, null=True, blank=True, on_delete=models.PROTECT, related_name="responses")
    submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=6, choices=Source.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    category_code = models.CharField(max_length=3, blank=True, help_text="STC01-1 (A2, A7, F1 …)")
    status_code = models.CharField(max_length=5, blank=True, help_text="STC01-2 claim status code")
    entity_code = models.CharField(max_length=3, blank=True, help_text="STC01-3")
    line_control_number = models.CharField(max_length=50, blank=True)
    segment = models.CharField(max_length=200, blank=True, help_text="The 837 segment / loop the answer points at")
    field = models.CharField(max_length=60, blank=True, help_text="The claim field to fix (edit form name)")
    message = models.CharField(max_length=500, help_text="What it means, in our words")
    payer_text = models.CharField(max_length=300, blank=True, help_text="The payer's own words (STC12, IK3…)")
    payer_claim_number = models.CharField(max_length=50, blank=True)
    amount = MoneyField(null=True, blank=True)
    effective_date = models.DateField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "at", "id"]
        indexes = [models.Index(fields=["claim", "at"]), models.Index(fields=["practice", "outcome", "at"])]
        triggers = [pgtrigger.Protect(name="claim_response_append_only", operation=pgtrigger.Update)]

    def __str__(self) -> str:
        return f"{self.source} {self.outcome}: {self.message[:60]}"


class StatusInquiry(PracticeOwned):
    """A 276 question about one claim, and the 277 answer when it comes."""

    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="status_inquiries")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="inquiries")
    trace = models.CharField(max_length=50, unique=True, help_text="TRN02, echoed by the 277")
    days_without_answer = models.PositiveIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    response = models.ForeignKey(ClaimResponse, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["claim", "-created_at"])]
        verbose_name_plural = "status inquiries"


class SandboxFile(PracticeOwned):
    """The built-in sandbox clearinghouse's own mailbox: files it received from us and answers waiting for us.

    It is a separate party: its rows are written in their own transactions (as a remote server would
    store a file whatever happens to the sender afterwards)."""

    class Direction(models.TextChoices):
        RECEIVED = "in", "Received from the practice"
        OUTBOX = "out", "Waiting for the practice"

    connection = models.ForeignKey(ClearinghouseConnection, on_delete=models.CASCADE, related_name="sandbox_files")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    name = models.CharField(max_length=200)
    content = models.TextField()
    idempotency_key = models.CharField(max_length=120, blank=True)
    available_at = models.DateTimeField()
    fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["connection", "idempotency_key"],
                                               condition=Q(direction="in") & ~Q(idempotency_key=""),
                                               name="sandbox_received_once")]
        indexes = [models.Index(fields=["connection", "direction", "available_at"])]


class SandboxClaim(PracticeOwned):
    """What the sandbox payer knows about a claim it received: its answers so far (for 276s and duplicates)."""

    connection = models.ForeignKey(ClearinghouseConnection, on_delete=models.CASCADE, related_name="sandbox_claims")
    pcn = models.CharField(max_length=38)
    frequency = models.CharField(max_length=1, default="1")
    original_reference = models.CharField(max_length=50, blank=True)
    member_id = models.CharField(max_length=80, blank=True)
    patient_last = models.CharField(max_length=60, blank=True)
    patient_first = models.CharField(max_length=35, blank=True)
    service_date = models.DateField(null=True, blank=True)
    charge = MoneyField(default=0)
    signature = models.CharField(max_length=64, help_text="member + date + codes: a second original is a duplicate")
    payer_id = models.CharField(max_length=80, blank=True)
    payer_name = models.CharField(max_length=60, blank=True)
    payer_claim_number = models.CharField(max_length=50, blank=True)
    state = models.CharField(max_length=12, help_text="rejected, accepted, pending (silent), adjudicated")
    adjudication = models.JSONField(default=dict, blank=True, help_text="the 835 CLP it was given")
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["connection", "pcn"]), models.Index(fields=["connection", "signature"])]
