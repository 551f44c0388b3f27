"""Payments: an append-only ledger per service line, and everything that posts to it.

The account is the service line (`billing.ChargeLine`): a primary claim, its replacement and the secondary
claim all bill the same service, so money that arrives through any of them lands on the same line and
the line's balance is always charges - payments - adjustments. Every entry also records the claim and
claim line it came through, and its source (an ERA service line, a check or patient payment, a person).

`LedgerEntry` rows are never updated or deleted (a PostgreSQL trigger refuses it); corrections are new
entries. `LedgerBalance` is the indexed summary per (line, bucket, payer), maintained by a statement-level
trigger on the ledger from the inserted rows themselves, so entries and summaries cannot drift apart.
"""

from __future__ import annotations

from decimal import Decimal

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from rcm.models import PracticeOwned
from rcm.money import MoneyField

CAS_GROUPS = ("CO", "PR", "OA", "PI", "CR")


class Bucket(models.TextChoices):
    """Who owes the balance: an insurance payer (entry.payer) or the patient."""

    INSURANCE = "ins", "Insurance"
    PATIENT = "pat", "Patient"


class EntryKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    INSURANCE_PAYMENT = "ins_payment", "Insurance payment"
    PATIENT_PAYMENT = "pat_payment", "Patient payment"
    ADJUSTMENT = "adjustment", "Adjustment"
    TRANSFER_TO_PATIENT = "to_patient", "Transfer to patient responsibility"
    TRANSFER_TO_SECONDARY = "to_secondary", "Transfer to secondary"
    REFUND = "refund", "Refund"
    REVERSAL = "reversal", "Reversal"


class Category(models.TextChoices):
    """What an entry does to the balance identity balance = charges - payments - adjustments (+ transfers, Σ 0)."""

    CHARGE = "charge", "Charge"
    PAYMENT = "payment", "Payment"
    ADJUSTMENT = "adjustment", "Adjustment"
    TRANSFER = "transfer", "Transfer"


CATEGORY_OF_KIND = {
    EntryKind.CHARGE: Category.CHARGE,
    EntryKind.INSURANCE_PAYMENT: Category.PAYMENT,
    EntryKind.PATIENT_PAYMENT: Category.PAYMENT,
    EntryKind.REFUND: Category.PAYMENT,
    EntryKind.ADJUSTMENT: Category.ADJUSTMENT,
    EntryKind.TRANSFER_TO_PATIENT: Category.TRANSFER,
    EntryKind.TRANSFER_TO_SECONDARY: Category.TRANSFER,
}


class LedgerTransaction(PracticeOwned):
    """Entries posted together (one ERA claim, one allocation, one charge sync). Its transfers sum to zero."""

    class Kind(models.TextChoices):
        CHARGES = "charges", "Charges"
        ERA = "era", "ERA claim"
        MANUAL = "manual", "Manual posting"
        REFUND = "refund", "Refund"
        TRANSFER = "transfer", "Transfer"
        REVERSAL = "reversal", "Reversal"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    source_key = models.CharField(max_length=120, unique=True, help_text="What posted it; a second posting of the same "
                                                                         "source is refused by this constraint")
    description = models.CharField(max_length=200, blank=True)
    remit_claim = models.ForeignKey("RemitClaim", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey("Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["practice", "-created_at"])]
        triggers = [pgtrigger.Protect(name="ledger_txn_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.source_key}"


BALANCE_TRIGGER_SQL = """
    INSERT INTO payments_ledgerbalance AS b (practice_id, line_id, encounter_id, patient_id, bucket, payer_id, payer_key,
        charges, payments, adjustments, transfers, balance, updated_at)
    SELECT min(practice_id), line_id, min(encounter_id), min(patient_id), bucket, min(payer_id), coalesce(payer_id, 0),
        coalesce(sum(amount) FILTER (WHERE category = 'charge'), 0),
        -coalesce(sum(amount) FILTER (WHERE category = 'payment'), 0),
        -coalesce(sum(amount) FILTER (WHERE category = 'adjustment'), 0),
        coalesce(sum(amount) FILTER (WHERE category = 'transfer'), 0),
        sum(amount), now()
    FROM new_entries GROUP BY line_id, bucket, coalesce(payer_id, 0)
    ORDER BY line_id, bucket, coalesce(payer_id, 0)
    ON CONFLICT (line_id, bucket, payer_key) DO UPDATE SET
        charges = b.charges + EXCLUDED.charges, payments = b.payments + EXCLUDED.payments,
        adjustments = b.adjustments + EXCLUDED.adjustments, transfers = b.transfers + EXCLUDED.transfers,
        balance = b.balance + EXCLUDED.balance, updated_at = EXCLUDED.updated_at;
    RETURN NULL;
"""


class LedgerEntry(PracticeOwned):
    """One immutable movement of money on one service line. `amount` is its effect on the balance (signed)."""

    practice = models.ForeignKey("billing.Practice", on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                                 db_constraint=False)  # the line (or remit claim) carries the checked practice
    txn = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries", db_index=False)
    line = models.ForeignKey("billing.ChargeLine", on_delete=models.PROTECT, related_name="+", db_index=False,
                             help_text="The account: the service line")
    # Copies of the line's encounter and patient and of the claim line's claim (for indexed reads): the
    # database checks the line and claim line themselves, so these skip a second foreign-key check per row.
    encounter = models.ForeignKey("billing.Encounter", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                                  db_index=False)
    patient = models.ForeignKey("billing.Patient", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                                db_index=False)
    claim = models.ForeignKey("claims.Claim", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+",
                              db_constraint=False, db_index=False, help_text="The claim the money came through, if any")
    claim_line = models.ForeignKey("claims.ClaimLine", null=True, blank=True, on_delete=models.DO_NOTHING,
                                   related_name="+", db_index=False, db_constraint=False)
    payer = models.ForeignKey("billing.Payer", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+",
                              db_index=False, db_constraint=False,
                              help_text="For the insurance bucket: the payer that owes it (the claim's, checked there)")
    bucket = models.CharField(max_length=3, choices=Bucket.choices)
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    category = models.CharField(max_length=10, choices=Category.choices)
    amount = MoneyField()
    cas_group = models.CharField(max_length=2, blank=True)
    carc = models.CharField("reason code (CARC)", max_length=5, blank=True)
    rarc = ArrayField(models.CharField(max_length=8), default=list, blank=True, help_text="remark codes (RARC)")
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by",
                                 db_index=False)
    remit_line = models.ForeignKey("RemitLine", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+",
                                   db_index=False, db_constraint=False, help_text="checked on the RemitLine row itself")
    allocation = models.ForeignKey("PaymentAllocation", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    # Unique through a constraint (Meta), not unique=True, which would add a second, pattern-ops index for
    # LIKE that nothing uses: one index fewer to write per entry (~60,000 in a large ERA).
    source_key = models.CharField(max_length=140)
    posted_on = models.DateField(help_text="Accounting date: ERA payment date, payment date, or the day of posting")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                                   related_name="+", db_constraint=False, db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["line", "id"], name="ledger_line_idx"),
            models.Index(fields=["txn"], name="ledger_txn_idx"),
            models.Index(fields=["reverses"], condition=Q(reverses__isnull=False), name="ledger_reverses_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(bucket__in=["ins", "pat"]), name="ledger_bucket_valid"),
            models.CheckConstraint(condition=Q(bucket="pat", payer__isnull=True) | Q(bucket="ins", payer__isnull=False),
                                   name="ledger_bucket_payer"),
            models.CheckConstraint(condition=Q(category__in=[c.value for c in Category]), name="ledger_category_valid"),
            models.CheckConstraint(condition=Q(kind__in=[k.value for k in EntryKind]), name="ledger_kind_valid"),
            models.CheckConstraint(condition=Q(cas_group="") | Q(cas_group__in=CAS_GROUPS), name="ledger_cas_group_valid"),
            models.CheckConstraint(condition=~Q(kind="reversal") | Q(reverses__isnull=False), name="ledger_reversal_links"),
            models.UniqueConstraint(fields=["source_key"], name="ledger_entry_source_key_once"),
        ]
        triggers = [
            pgtrigger.Protect(name="ledger_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            pgtrigger.Trigger(name="ledger_balance_summary", when=pgtrigger.After, operation=pgtrigger.Insert,
                              level=pgtrigger.Statement, referencing=pgtrigger.Referencing(new="new_entries"),
                              func=BALANCE_TRIGGER_SQL),
        ]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} on line {self.line_id}"


class LedgerBalance(PracticeOwned):
    """Indexed summary of the ledger per (service line, bucket, payer), written only by the ledger's trigger."""

    practice = models.ForeignKey("billing.Practice", on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                                 db_constraint=False)  # the line (or remit claim) carries the checked practice
    line = models.ForeignKey("billing.ChargeLine", on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                             db_constraint=False)  # derived from entries, whose line is checked
    encounter = models.ForeignKey("billing.Encounter", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                                  db_index=False)
    patient = models.ForeignKey("billing.Patient", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                                db_index=False)
    bucket = models.CharField(max_length=3, choices=Bucket.choices)
    payer = models.ForeignKey("billing.Payer", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+",
                              db_constraint=False, db_index=False)
    payer_key = models.IntegerField(help_text="payer id, 0 for the patient bucket (the unique key)")
    charges = MoneyField()
    payments = MoneyField()
    adjustments = MoneyField()
    transfers = MoneyField()
    balance = MoneyField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line", "bucket", "payer_key"], name="ledger_balance_key"),
            models.CheckConstraint(
                condition=Q(balance=models.F("charges") - models.F("payments") - models.F("adjustments") + models.F("transfers")),
                name="ledger_balance_identity"),
        ]
        indexes = [models.Index(fields=["patient", "bucket"], name="ledger_bal_patient_idx"),
                   models.Index(fields=["practice", "payer", "bucket"], name="ledger_bal_payer_idx"),
                   models.Index(fields=["encounter"], name="ledger_bal_encounter_idx")]


# --- 835 remittances ----------------------------------------------------------------------------------
class Remittance(PracticeOwned):
    """One 835 file as received (kept byte for byte), and what became of it."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        REJECTED = "rejected", "Rejected"
        POSTED = "posted", "Posted"
        EXCEPTIONS = "exceptions", "Posted with exceptions"
        DUPLICATE = "duplicate", "Already posted"

    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    content = models.TextField()
    source = models.CharField(max_length=10, default="upload")  # upload | folder | command | api | demo
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    problems = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    interchange_control = models.CharField(max_length=9, blank=True)
    sender_id = models.CharField(max_length=15, blank=True)
    payer_names = models.CharField(max_length=200, blank=True)
    total_paid = MoneyField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["practice", "sha256"], name="remittance_file_once")]
        indexes = [models.Index(fields=["practice", "-created_at"])]

    def __str__(self) -> str:
        return self.filename


class RemitTransaction(PracticeOwned):
    """One ST…SE of an 835: one payment (BPR) with its trace (TRN). Posted once, whichever file carries it."""

    remittance = models.ForeignKey(Remittance, on_delete=models.PROTECT, related_name="transactions")
    identity = models.CharField(max_length=64, help_text="hash of payer, trace, amount, date and claims")
    control_number = models.CharField(max_length=9)
    payer = models.ForeignKey("billing.Payer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payer_name = models.CharField(max_length=60, blank=True)
    payer_identifier = models.CharField(max_length=15, blank=True, help_text="TRN03")
    trace_number = models.CharField(max_length=50, blank=True, help_text="TRN02: EFT trace or check number")
    handling_code = models.CharField(max_length=2, blank=True)
    payment_method = models.CharField(max_length=3, blank=True, help_text="ACH, CHK, BOP, NON, FWT")
    credit_debit = models.CharField(max_length=1, blank=True)
    total_paid = MoneyField()
    payment_date = models.DateField(null=True, blank=True)
    claim_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["practice", "identity"], name="remit_transaction_once")]
        indexes = [models.Index(fields=["practice", "trace_number"]), models.Index(fields=["practice", "payment_date"])]

    def __str__(self) -> str:
        return f"{self.payer_name} {self.trace_number} ${self.total_paid}"


class RemitClaim(PracticeOwned):
    """One CLP loop: what the payer said about one claim, and whether and how we posted it."""

    class Outcome(models.TextChoices):
        POSTED = "posted", "Posted"
        EXCEPTION = "exception", "In the exceptions queue"
        DUPLICATE = "duplicate", "Already posted"
        RESOLVED = "resolved", "Posted after review"
        DISMISSED = "dismissed", "Dismissed"

    practice = models.ForeignKey("billing.Practice", on_delete=models.PROTECT, related_name="+", db_index=False)
    transaction = models.ForeignKey(RemitTransaction, on_delete=models.PROTECT, related_name="claims", db_index=False)
    seq = models.PositiveIntegerField()
    pcn = models.CharField(max_length=38, help_text="CLP01")
    status_code = models.CharField(max_length=2, help_text="CLP02")
    charge = MoneyField()
    paid = MoneyField()
    patient_responsibility = MoneyField(default=0)
    payer_claim_number = models.CharField(max_length=50, blank=True)
    patient_name = models.CharField(max_length=100, blank=True)
    claim = models.ForeignKey("claims.Claim", null=True, blank=True, on_delete=models.PROTECT, related_name="remits")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    note = models.CharField(max_length=300, blank=True)
    data = models.JSONField(help_text="The parsed CLP loop (payments.x12.reader_835.RemitClaimIn)")

    class Meta:
        ordering = ["transaction", "seq"]
        constraints = [models.UniqueConstraint(fields=["transaction", "seq"], name="remit_claim_seq_uniq")]
        indexes = [models.Index(fields=["claim"]), models.Index(fields=["practice", "pcn"])]

    def __str__(self) -> str:
        return f"{self.pcn} ({self.status_code}) paid {self.paid}"


class RemitLine(PracticeOwned):
    """One SVC loop (or the claim-level remainder), and the service line it was matched to."""

    practice = models.ForeignKey("billing.Practice", on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                                 db_constraint=False)  # the line (or remit claim) carries the checked practice
    remit_claim = models.ForeignKey(RemitClaim, on_delete=models.PROTECT, related_name="lines")
    seq = models.PositiveIntegerField()
    code = models.CharField(max_length=48)
    modifiers = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    charge = MoneyField()
    paid = MoneyField()
    units = models.DecimalField(max_digits=10, decimal_places=2, default=1)
    service_date = models.DateField(null=True, blank=True)
    line_control_number = models.CharField(max_length=50, blank=True)
    # Where the service was matched: ids read from the database in the same transaction, so the database
    # does not check them a second time (two foreign-key checks per line of a 15,000-line file).
    claim_line = models.ForeignKey("claims.ClaimLine", null=True, blank=True, on_delete=models.DO_NOTHING,
                                   related_name="+", db_index=False, db_constraint=False)
    charge_line = models.ForeignKey("billing.ChargeLine", null=True, blank=True, on_delete=models.DO_NOTHING,
                                    related_name="+", db_constraint=False, db_index=False)  # no query looks lines up by it
    match = models.CharField(max_length=12, blank=True, help_text="ref_6r, exact, modifiers, bundle, claim_level, manual")
    adjustments = models.JSONField(default=list, blank=True)
    remarks = ArrayField(models.CharField(max_length=8), default=list, blank=True)

    class Meta:
        ordering = ["remit_claim", "seq"]


class Denial(PracticeOwned):
    """A line the payer did not pay, with structured reasons, ready for the denial queue."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        APPEALED = "appealed", "Appealed"
        CORRECTED = "corrected", "Corrected and resent"
        WRITTEN_OFF = "written_off", "Written off"
        CLOSED = "closed", "Closed"

    remit_line = models.ForeignKey(RemitLine, on_delete=models.PROTECT, related_name="denials")
    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="+")
    claim_line = models.ForeignKey("claims.ClaimLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    charge_line = models.ForeignKey("billing.ChargeLine", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("billing.Payer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=2)
    reason = models.CharField(max_length=5, help_text="CARC")
    remarks = ArrayField(models.CharField(max_length=8), default=list, blank=True, help_text="RARC")
    amount = MoneyField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["practice", "status", "reason"])]
        constraints = [models.CheckConstraint(condition=Q(group__in=CAS_GROUPS), name="denial_group_valid")]


class ProviderAdjustment(PracticeOwned):
    """A PLB adjustment: the provider-level ledger (interest, forward balances, recoupments). Append-only."""

    transaction = models.ForeignKey(RemitTransaction, on_delete=models.PROTECT, related_name="provider_adjustments")
    payer = models.ForeignKey("billing.Payer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    provider_id = models.CharField(max_length=50)
    fiscal_date = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=2, help_text="PLB03-1: L6 interest, FB forward balance, WO recoupment …")
    reference = models.CharField(max_length=50, blank=True)
    amount = MoneyField(help_text="As sent: positive reduces the payment, negative adds to it")
    source_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        triggers = [pgtrigger.Protect(name="plb_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


@pghistory.track(pghistory.UpdateEvent(), pghistory.DeleteEvent())  # the row is its own insert record
class RemitException(PracticeOwned):
    """An ERA claim not posted because it could not be matched with confidence; a biller decides."""

    class Kind(models.TextChoices):
        NO_CLAIM = "no_claim", "No claim with this number"
        PAYER_MISMATCH = "payer_mismatch", "Paid by a payer the claim was not sent to"
        NOT_SENT = "not_sent", "Claim was never sent"
        LINE_UNMATCHED = "line_unmatched", "A service line could not be matched"
        LINE_AMBIGUOUS = "line_ambiguous", "A service line matches several of ours"
        REVERSAL_UNMATCHED = "reversal_unmatched", "Reversal of a payment we never posted"
        DUPLICATE = "duplicate", "Looks already posted from another remittance"
        NO_SERVICE_LINE = "no_service_line", "Claim line has no service line"
        NOT_PAYABLE = "not_payable", "Payer says not its claim, or a predetermination only"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Posted"
        DISMISSED = "dismissed", "Dismissed"

    remit_claim = models.OneToOneField(RemitClaim, on_delete=models.PROTECT, related_name="exception")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    message = models.CharField(max_length=400)
    candidates = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.JSONField(default=dict, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["practice", "status", "created_at"])]


# --- manual posting -----------------------------------------------------------------------------------
class PaymentMethod(models.TextChoices):
    CHECK = "check", "Check"
    CASH = "cash", "Cash"
    CARD = "card", "Card"
    EFT = "eft", "EFT"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class PaymentBatch(PracticeOwned):
    """A deposit's worth of checks or patient payments, entered by hand; committed only when it balances."""

    class Kind(models.TextChoices):
        INSURANCE = "insurance", "Insurance checks"
        PATIENT = "patient", "Patient payments"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMMITTED = "committed", "Committed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=80)
    expected_total = MoneyField()
    deposit_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(expected_total__gte=0), name="batch_expected_nonneg")]

    def __str__(self) -> str:
        return self.name


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Payment(PracticeOwned):
    """One check or patient payment. What is not allocated stays an unapplied credit until applied or refunded."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=5, choices=PaymentMethod.choices)
    payer = models.ForeignKey("billing.Payer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("billing.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=50, blank=True, help_text="check number, card authorization …")
    amount = MoneyField()
    received_on = models.DateField()
    allocated = MoneyField(default=0, help_text="Posted allocations (kept equal to their sum by the services)")
    refunded = MoneyField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(payer__isnull=False) | Q(patient__isnull=False), name="payment_has_payor"),
            models.CheckConstraint(condition=Q(allocated__gte=0, refunded__gte=0)
                                   & Q(amount__gte=models.F("allocated") + models.F("refunded")),
                                   name="payment_not_overapplied"),
        ]
        indexes = [models.Index(fields=["practice", "patient"]), models.Index(fields=["practice", "reference"])]

    @property
    def unapplied(self) -> Decimal:
        return self.amount - self.allocated - self.refunded

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.reference} ${self.amount}"


class PaymentAllocation(PracticeOwned):
    """Part of a payment applied to one service line (with, for a check, its adjustment and patient share)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    line = models.ForeignKey("billing.ChargeLine", on_delete=models.PROTECT, related_name="+")
    amount = MoneyField()
    adjustment = MoneyField(default=0)
    adjustment_group = models.CharField(max_length=2, blank=True)
    adjustment_reason = models.CharField(max_length=5, blank=True)
    patient_responsibility = MoneyField(default=0)
    posted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["payment", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(patient_responsibility__gte=0), name="allocation_nonneg"),
            models.CheckConstraint(condition=Q(adjustment=0) | Q(adjustment_group__in=CAS_GROUPS),
                                   name="allocation_adjustment_grouped"),
        ]


class CreditRefund(PracticeOwned):
    """Money given back from a payment's unapplied credit."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = MoneyField()
    method = models.CharField(max_length=5, choices=PaymentMethod.choices, default=PaymentMethod.CHECK)
    reference = models.CharField(max_length=50, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="credit_refund_positive")]
        triggers = [pgtrigger.Protect(name="credit_refund_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


# --- deposits and reconciliation ----------------------------------------------------------------------
class BankImport(PracticeOwned):
    class Kind(models.TextChoices):
        CSV = "csv", "CSV"
        BAI2 = "bai2", "BAI2"

    kind = models.CharField(max_length=5, choices=Kind.choices)
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["practice", "sha256"], name="bank_import_once")]


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class BankDeposit(PracticeOwned):
    """A credit on the practice's bank account: an EFT (its trace is the ERA's TRN02) or a deposited check batch."""

    bank_import = models.ForeignKey(BankImport, null=True, blank=True, on_delete=models.PROTECT, related_name="deposits")
    deposited_on = models.DateField()
    amount = MoneyField()
    reference = models.CharField(max_length=80, blank=True, help_text="EFT trace (TRN02) or check number")
    description = models.CharField(max_length=200, blank=True)
    identity = models.CharField(max_length=64)
    remit_transaction = models.ForeignKey(RemitTransaction, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="deposits")
    batch = models.ForeignKey(PaymentBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="deposits")
    match_method = models.CharField(max_length=10, blank=True)  # trace | check | manual
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-deposited_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["practice", "identity"], name="deposit_once"),
                       models.CheckConstraint(condition=Q(remit_transaction__isnull=True) | Q(batch__isnull=True),
                                              name="deposit_one_match")]
        indexes = [models.Index(fields=["practice", "deposited_on"]), models.Index(fields=["practice", "reference"])]

    def __str__(self) -> str:
        return f"{self.deposited_on} ${self.amount} {self.reference}"


class PeriodClose(PracticeOwned):
    """A reconciled accounting period, closed by a manager."""

    period_start = models.DateField()
    period_end = models.DateField()
    summary = models.JSONField(default=dict)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start"]
        constraints = [models.UniqueConstraint(fields=["practice", "period_start"], name="period_close_once"),
                       models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="period_ordered")]


# --- underpayments ------------------------------------------------------------------------------------
@pghistory.track(pghistory.UpdateEvent(), pghistory.DeleteEvent())  # the row is its own insert record
class Underpayment(PracticeOwned):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        APPEAL = "appeal", "Appeal"
        ACCEPTED = "accepted", "Accepted"
        WRITTEN_OFF = "written_off", "Written off"

    remit_line = models.OneToOneField(RemitLine, on_delete=models.PROTECT, related_name="underpayment")
    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="+")
    charge_line = models.ForeignKey("billing.ChargeLine", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("billing.Payer", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=5)
    units = models.PositiveIntegerField(default=1)
    expected = MoneyField(help_text="contracted allowed amount x units")
    allowed = MoneyField(help_text="paid + patient responsibility")
    difference = MoneyField(help_text="expected - allowed")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    note = models.CharField(max_length=300, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-difference", "id"]
        indexes = [models.Index(fields=["practice", "status"])]


# --- patient statements -------------------------------------------------------------------------------
class StatementRun(PracticeOwned):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        DONE = "done", "Done"

    as_of = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    minimum_balance = MoneyField(default=5)
    statement_count = models.PositiveIntegerField(default=0)
    total_due = MoneyField(default=0)
    batch_file = models.TextField(blank=True, help_text="CSV for a print/mail vendor: one row per statement")
    job = models.ForeignKey("rcm.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Statement(PracticeOwned):
    """One patient statement as sent: its PDF, amount, aging and dunning level (history of what was sent)."""

    class Level(models.IntegerChoices):
        FIRST = 0, "Statement"
        REMINDER = 30, "Reminder (30 days)"
        PAST_DUE = 60, "Past due (60 days)"
        FINAL = 90, "Final notice (90 days)"

    run = models.ForeignKey(StatementRun, on_delete=models.PROTECT, related_name="statements")
    patient = models.ForeignKey("billing.Patient", on_delete=models.PROTECT, related_name="+")
    amount_due = MoneyField()
    aging = models.JSONField(default=dict)
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.FIRST)
    lines = models.JSONField(default=list)
    pdf = models.BinaryField()
    sent_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "patient"], name="statement_once_per_run")]
        indexes = [models.Index(fields=["patient", "-sent_on"])]
