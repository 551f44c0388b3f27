"""A Hypothesis state machine over the ledger: any interleaving of money operations keeps it exact.

Rules: charges (a new sent claim, its charges synced), ERA imports (paid / PR / denied lines), re-imports of
any earlier file, reversals (CLP02 22) of a posted claim, manual patient payments (committed batches, over-
payment allowed), write-offs (a contractual adjustment allocated with a one-cent payment), transfers (unapplied
credit applied onto a line), refunds (of unapplied credit, and of a patient's credit balance on a line).

After every step: every summary row equals its entries and charges - payments - adjustments + transfers;
each transaction's transfers sum to zero; claims' balances equal what their payer owes; no source (ERA line,
allocation) was posted twice; and the money the model expects to have moved equals the ledger's.
"""

from __future__ import annotations

import itertools
import os
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule

from claims.models import Claim
from payments.models import Category, LedgerEntry, LedgerTransaction, Payment
from payments.services import era_import, ledger_sync_charges, manual
from payments.x12 import simulate as sim
from tests.payments import factories as pf
from tests.payments.test_ledger_properties import _era_claim, check_invariants

pytestmark = pytest.mark.django_db
CENT = D("0.01")
_n = itertools.count(1)
share = st.integers(min_value=0, max_value=100).map(lambda n: D(n) / 100)
money = st.integers(min_value=1, max_value=20000).map(lambda n: D(n) / 100)


class LedgerMachine(RuleBasedStateMachine):
    claims = Bundle("claims")

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.practice, self.payer = pf.practice_with_payer()
        self.files: list[str] = []
        self.posted: list[Any] = []  # RemitClaimIn posted and not yet reversed
        self.credits: list[tuple[int, Claim]] = []  # payments with unapplied credit, and whose claim
        self.expected_payments = D("0.00")  # what the model says payments (incl. refunds) moved
        self.steps = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- rules -----------------------------------------------------------------------------------------
    @rule(target=claims)
    def charge(self) -> Claim:
        claim = pf.sent_claim(practice=self.practice, payer=self.payer)
        ledger_sync_charges(claim_ids=[claim.pk])
        return claim

    @rule(claim=claims, spec=st.lists(st.tuples(share, share, st.booleans()), min_size=2, max_size=2))
    def era(self, claim: Claim, spec: list[tuple[D, D, bool]]) -> None:
        rc = _era_claim(claim, spec)
        text = pf.era_file([pf.transaction([rc], payer=self.payer)], control=next(_n))
        result = era_import(practice_id=self.practice.pk, content=text)
        self.files.append(text)
        if result.claims_matched:
            self.posted.append(rc)
            self.expected_payments += rc.paid

    @precondition(lambda self: self.files)
    @rule(pick=st.integers(0, 50))
    def reimport(self, pick: int) -> None:
        before = LedgerEntry.objects.count()
        result = era_import(practice_id=self.practice.pk, content=self.files[pick % len(self.files)])
        assert result.claims_matched == 0
        assert LedgerEntry.objects.count() == before

    @precondition(lambda self: self.posted)
    @rule(pick=st.integers(0, 50))
    def reverse(self, pick: int) -> None:
        original = self.posted[pick % len(self.posted)]
        text = pf.era_file([pf.transaction([sim.reversal_of(original)], payer=self.payer)], control=next(_n))
        before = LedgerEntry.objects.count()
        result = era_import(practice_id=self.practice.pk, content=text)
        if result.claims_matched:
            self.posted.remove(original)
            self.expected_payments -= original.paid
        else:
            assert LedgerEntry.objects.count() == before

    def _commit(self, amount: D, allocations: list[manual.AllocationIn], patient: Any) -> Payment:
        batch = manual.batch_create(practice_id=self.practice.pk, kind="patient", name=f"desk {next(_n)}",
                                    expected_total=amount, deposit_date=pf.DOS)
        payment = manual.payment_add(batch=batch, method="cash", amount=amount, received_on=pf.DOS, patient=patient,
                                     allocations=allocations)
        manual.batch_commit(batch=batch)
        payment.refresh_from_db()
        return payment

    @rule(claim=claims, amount=money, unapplied=share)
    def pay(self, claim: Claim, amount: D, unapplied: D) -> None:
        """A patient payment; part of it may stay unapplied (a credit for later transfer or refund)."""
        line = claim.lines.order_by("line_number").first()
        applied = (amount * (1 - unapplied)).quantize(CENT)
        allocations = [manual.AllocationIn(line_id=line.charge_line_id, amount=applied)] if applied else []
        payment = self._commit(amount, allocations, claim.patient)
        self.expected_payments += applied
        if applied < amount:
            self.credits.append((payment.pk, claim))

    @rule(claim=claims, amount=money)
    def write_off(self, claim: Claim, amount: D) -> None:
        """A contractual write-off: a one-cent payment allocated with a CO-45 adjustment of `amount`."""
        line = claim.lines.order_by("line_number").last()
        self._commit(CENT, [manual.AllocationIn(line_id=line.charge_line_id, amount=CENT, adjustment=amount,
                                                adjustment_group="CO", adjustment_reason="45")], claim.patient)
        self.expected_payments += CENT

    @precondition(lambda self: self.credits)
    @rule(pick=st.integers(0, 50), part=share)
    def transfer(self, pick: int, part: D) -> None:
        """Unapplied credit moved onto one of that patient's service lines."""
        payment_id, claim = self.credits[pick % len(self.credits)]
        payment = Payment.objects.get(pk=payment_id)
        left = payment.amount - payment.allocated - payment.refunded
        amount = (left * part).quantize(CENT)
        if amount <= 0:
            return
        line = claim.lines.order_by("line_number").first()
        manual.credit_apply(payment=payment, allocations=[manual.AllocationIn(line_id=line.charge_line_id,
                                                                               amount=amount)])
        self.expected_payments += amount

    @precondition(lambda self: self.credits)
    @rule(pick=st.integers(0, 50), part=share)
    def refund_credit(self, pick: int, part: D) -> None:
        payment = Payment.objects.get(pk=self.credits[pick % len(self.credits)][0])
        left = payment.amount - payment.allocated - payment.refunded
        amount = (left * part).quantize(CENT)
        if amount > 0:
            manual.credit_refund(payment=payment, amount=amount, reason="overpaid")  # off the ledger: no entry

    @rule(claim=claims)
    def refund_line_credit(self, claim: Claim) -> None:
        """Refund whatever credit balance the patient has on a line (after overpayment)."""
        from payments.models import LedgerBalance

        for line in claim.lines.all():
            row = LedgerBalance.objects.filter(line_id=line.charge_line_id, bucket="pat").first()
            if row is not None and row.balance < 0:
                manual.line_refund(line=line.charge_line, amount=-row.balance, reason="credit")
                self.expected_payments += row.balance  # a refund gives money back

    # --- invariants ------------------------------------------------------------------------------------
    @invariant()
    def ledger_is_exact(self) -> None:
        self.steps += 1
        for claim in Claim.objects.filter(practice=self.practice):
            check_invariants(claim)

    @invariant()
    def nothing_posted_twice(self) -> None:
        twice = (LedgerEntry.objects.filter(remit_line__isnull=False, reverses__isnull=True, kind="ins_payment")
                 .values("remit_line").annotate(n=Count("id")).filter(n__gt=1))
        assert not twice.exists(), list(twice)
        twice = (LedgerEntry.objects.filter(allocation__isnull=False, category=Category.PAYMENT)
                 .values("allocation").annotate(n=Count("id")).filter(n__gt=1))
        assert not twice.exists(), list(twice)
        assert all(t.entries.exists() for t in LedgerTransaction.objects.filter(practice_id=self.practice.pk))

    @invariant()
    def money_moved_matches_the_model(self) -> None:
        paid = LedgerEntry.objects.filter(practice_id=self.practice.pk, category=Category.PAYMENT).aggregate(
            s=Sum("amount"))["s"] or D("0.00")
        assert -paid == self.expected_payments


LedgerMachine.TestCase.settings = settings(max_examples=int(os.environ.get("LEDGER_MACHINE_EXAMPLES", "6")), stateful_step_count=10, deadline=None,
                                           suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])


def test_ledger_state_machine(db: Any) -> None:
    LedgerMachine.TestCase().runTest()
