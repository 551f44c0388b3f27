"""Summary tables behind the practice manager's dashboard, rebuilt per practice by `reports.services`.

Everything here is derived data, written only by `summaries_refresh` in one REPEATABLE READ transaction, so
all tables of a practice describe the same moment (`RefreshState.snapshot_at`). Two layers:

- facts, one row per claim (`ClaimFact`), per open balance (`ArFact`: service line x bucket x payer) and per
  denial (`DenialFact`), carrying the dimensions the page filters on. Drill-down lists read the facts, so a
  list always adds up to the number it was opened from.
- cells: facts, ledger entries and coding worksheets summed by date of service x provider x location x payer
  (x status, month, code ...). A practice-year is a few thousand rows, so the whole dashboard is a handful of
  indexed aggregates over small tables whatever the size of the ledger.

No foreign-key constraints: the rows are rebuilt wholesale from tables whose own constraints hold, and a
bulk INSERT ... SELECT of a million rows should not pay a second check per row.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from rcm.models import PracticeOwned
from rcm.money import MoneyField


def _fk(to: str, *, null: bool = False) -> models.ForeignKey:
    return models.ForeignKey(to, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False,
                             null=null, blank=null)


class Summary(PracticeOwned):
    """The dimensions every fact and cell carries: the page's filters apply to them alike."""

    practice = models.ForeignKey("billing.Practice", on_delete=models.DO_NOTHING, related_name="+", db_index=False,
                                 db_constraint=False)
    dos = models.DateField(help_text="Date of service")
    provider = _fk("billing.Provider")
    location = _fk("billing.Location")
    payer = _fk("billing.Payer", null=True)

    class Meta:
        abstract = True


class RefreshState(PracticeOwned):
    """When a practice's summaries were last rebuilt, from which snapshot, and how long it took."""

    snapshot_at = models.DateTimeField(help_text="The database moment every summary row describes")
    refreshed_at = models.DateTimeField()
    seconds = models.FloatField(default=0)
    rows = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice"], name="reports_refresh_one_per_practice")]


# --- facts ------------------------------------------------------------------------------------------------
class ArFact(Summary):
    """One open balance: a service line's balance in one bucket (a payer, or the patient), as of the snapshot.

    `payer` is the payer owing an insurance balance; for a patient balance, the payer the line was billed to
    (none for self-pay), so that a payer filter keeps the patient shares of that payer's claims.
    """

    line = _fk("billing.ChargeLine")
    encounter = _fk("billing.Encounter")
    patient = _fk("billing.Patient")
    claim = _fk("claims.Claim", null=True)
    bucket = models.CharField(max_length=3)
    submitted_on = models.DateField(null=True, blank=True, help_text="First submission of a claim carrying the line")
    balance = MoneyField()

    class Meta:
        indexes = [models.Index(fields=["practice", "dos"], name="reports_arfact_dos_idx")]


class ClaimFact(Summary):
    """One claim (void requests excluded) with the flags each claim KPI counts; see `reports.definitions`."""

    claim = _fk("claims.Claim")
    patient = _fk("billing.Patient")
    pcn = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    status_since = models.DateField()
    created_on = models.DateField()
    submitted_on = models.DateField(null=True, blank=True)
    first_answer = models.CharField(max_length=20, blank=True, help_text="accepted or rejected: the first answer")
    first_adjudication = models.CharField(max_length=20, blank=True, help_text="paid, partially_paid or denied")
    submitted = models.BooleanField(default=False)
    answered = models.BooleanField(default=False)
    clean = models.BooleanField(default=False)
    adjudicated = models.BooleanField(default=False)
    first_pass = models.BooleanField(default=False)
    denied_initial = models.BooleanField(default=False)
    denied_final = models.BooleanField(default=False)
    total_charge = MoneyField()
    balance = MoneyField()
    denied_initial_amount = MoneyField(default=0)
    denied_final_amount = MoneyField(default=0)
    first_paid_on = models.DateField(null=True, blank=True)
    days_to_payment = models.IntegerField(null=True, blank=True)
    charge_lag = models.IntegerField(null=True, blank=True, help_text="Original primary claims only")

    class Meta:
        indexes = [models.Index(fields=["practice", "dos"], name="reports_claimfact_dos_idx"),
                   models.Index(fields=["practice", "status", "status_since"], name="reports_claimfact_status_idx")]


class DenialFact(Summary):
    """One denied line reason (payments' `Denial`), with its category from `claims.denials.categories`."""

    denial = _fk("payments.Denial")
    claim = _fk("claims.Claim")
    patient = _fk("billing.Patient")
    line = _fk("billing.ChargeLine")
    pcn = models.CharField(max_length=20)
    month = models.DateField(help_text="First day of the month the denial was remitted")
    denied_on = models.DateField()
    group = models.CharField(max_length=2)
    carc = models.CharField(max_length=5)
    rarcs = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    category = models.CharField(max_length=20, blank=True)
    amount = MoneyField()
    initial = models.BooleanField(default=False, help_text="On the claim's first remittance")

    class Meta:
        indexes = [models.Index(fields=["practice", "dos"], name="reports_denialfact_dos_idx")]


# --- cells ------------------------------------------------------------------------------------------------
class ArCell(Summary):
    submitted_on = models.DateField(null=True, blank=True)
    bucket = models.CharField(max_length=3)
    balance = MoneyField()
    lines = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["practice", "dos"], name="reports_arcell_dos_idx")]


class ClaimCell(Summary):
    status = models.CharField(max_length=20)
    status_since = models.DateField()
    claims = models.IntegerField()
    charges = MoneyField()
    balance = MoneyField()
    submitted = models.IntegerField()
    answered = models.IntegerField()
    clean = models.IntegerField()
    adjudicated = models.IntegerField()
    adjudicated_charges = MoneyField()
    first_pass = models.IntegerField()
    denied_initial = models.IntegerField()
    denied_initial_amount = MoneyField()
    denied_final = models.IntegerField()
    denied_final_amount = MoneyField()
    paid = models.IntegerField(help_text="Claims with an insurance payment")
    days_to_payment = models.BigIntegerField(help_text="Sum over paid claims")
    lagged = models.IntegerField(help_text="Original primary claims")
    charge_lag = models.BigIntegerField(help_text="Sum over original primary claims")

    class Meta:
        indexes = [models.Index(fields=["practice", "dos"], name="reports_claimcell_dos_idx")]


class FlowCell(Summary):
    """Money by month: charges by month of service; payments and adjustments by the month they were posted."""

    month = models.DateField()
    charges = MoneyField()
    ins_payments = MoneyField()
    pat_payments = MoneyField()
    contractual = MoneyField()
    other_adjustments = MoneyField()

    class Meta:
        indexes = [models.Index(fields=["practice", "dos"], name="reports_flowcell_dos_idx")]


class DenialCell(Summary):
    month = models.DateField()
    category = models.CharField(max_length=20)
    group = models.CharField(max_length=2)
    carc = models.CharField(max_length=5)
    denials = models.IntegerField()
    amount = MoneyField()
    claims = models.IntegerField(help_text="Claims counted once overall (their first denial row)")
    claims_in_category = models.IntegerField(help_text="Claims counted once per category")
    claims_with_carc = models.IntegerField(help_text="Claims counted once per CARC")

    class Meta:
        indexes = [models.Index(fields=["practice", "dos"], name="reports_denialcell_dos_idx")]


class CodingCell(Summary):
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, related_name="+",
                              db_constraint=False, db_index=False, null=True, blank=True)
    completed_on = models.DateField()
    worksheets = models.IntegerField()
    suggested = models.IntegerField()
    accepted = models.IntegerField()
    edited = models.IntegerField()
    rejected = models.IntegerField()
    added = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["practice", "dos"], name="reports_codingcell_dos_idx")]
