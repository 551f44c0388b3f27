"""Property tests: any sequence of remittances, re-imports, reversals and patient payments keeps the ledger exact.

After every step: each summary row equals the sum of its entries; every line's balance is charges - payments -
adjustments (transfers net to zero per line and per transaction); each claim's balance is what its payer owes
on the ledger; charges equal what was billed; and a re-import posts nothing.
"""

from __future__ import annotations

import itertools
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.models import Claim
from payments.models import Category, LedgerBalance, LedgerEntry, LedgerTransaction, RemitClaim
from payments.services import era_import, ledger_sync_charges, manual
from payments.x12 import simulate as sim
from payments.x12.reader_835 import RemitClaimIn
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db
CENT = D("0.01")
_traces = itertools.count(1)

fraction = st.integers(min_value=0, max_value=100).map(lambda n: D(n) / 100)
era_op = st.tuples(st.just("era"), st.lists(st.tuples(fraction, fraction, st.booleans()), min_size=2, max_size=2))
step = st.one_of(era_op, st.tuples(st.just("reimport"), st.integers(0, 5)), st.tuples(st.just("reverse"), st.integers(0, 5)),
                 st.tuples(st.just("pay"), st.integers(1, 5000).map(lambda n: D(n) / 100)))


def check_invariants(claim: Claim) -> None:
    rows = list(LedgerBalance.objects.filter(encounter_id=claim.encounter_id))
    for b in rows:
        agg = LedgerEntry.objects.filter(line_id=b.line_id, bucket=b.bucket, payer_id=b.payer_id).aggregate(
            balance=Sum("amount"), charges=Sum("amount", filter=_cat(Category.CHARGE)),
            payments=Sum("amount", filter=_cat(Category.PAYMENT)), adjustments=Sum("amount", filter=_cat(Category.ADJUSTMENT)),
            transfers=Sum("amount", filter=_cat(Category.TRANSFER)))
        assert b.balance == agg["balance"]
        assert b.charges == (agg["charges"] or 0)
        assert b.payments == -(agg["payments"] or 0)
        assert b.adjustments == -(agg["adjustments"] or 0)
        assert b.transfers == (agg["transfers"] or 0)
        assert b.balance == b.charges - b.payments - b.adjustments + b.transfers
    for line in claim.lines.all():
        mine = [b for b in rows if b.line_id == line.charge_line_id]
        assert sum((b.transfers for b in mine), D(0)) == 0
        assert sum((b.balance for b in mine), D(0)) == sum((b.charges - b.payments - b.adjustments for b in mine), D(0))
        assert sum((b.charges for b in mine), D(0)) == line.charge_amount
    for txn_id, total in (LedgerEntry.objects.filter(category=Category.TRANSFER).values_list("txn_id")
                          .annotate(t=Sum("amount")).order_by()):
        assert total == 0, txn_id
    claim.refresh_from_db()
    owed = LedgerBalance.objects.filter(encounter_id=claim.encounter_id, bucket="ins", payer_id=claim.payer_id).aggregate(
        s=Sum("balance"))["s"] or D(0)
    assert claim.balance == owed


def _cat(category: str) -> Any:
    from django.db.models import Q

    return Q(category=category)


def _era_claim(claim: Claim, spec: list[tuple[D, D, bool]]) -> RemitClaimIn:
    services = []
    for line, (allowed_share, coins_share, denied) in zip(pf.sim_lines(claim), spec, strict=True):
        if denied:
            services.append(sim.denied_line(line))
            continue
        allowed = (line.charge * allowed_share).quantize(CENT)
        coins = (allowed * coins_share).quantize(CENT)
        services.append(sim.paid_line(line, allowed=allowed, coinsurance=coins))
    return sim.remit_claim(claim.pcn, services, payer_claim_number=f"ICN{next(_traces)}")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=6))
def test_any_sequence_keeps_the_ledger_exact(steps: list[tuple], django_db_blocker: Any) -> None:
    with transaction.atomic():
        practice, payer = pf.practice_with_payer()
        claim = pf.sent_claim(practice=practice, payer=payer)
        ledger_sync_charges(claim_ids=[claim.pk])  # what the claims service's hook (or the beat task) does
        files: list[str] = []
        posted: list[RemitClaimIn] = []
        batch = manual.batch_create(practice_id=practice.pk, kind="patient", name="desk", expected_total="0",
                                    deposit_date=pf.DOS)
        for op, arg in steps:
            before = LedgerEntry.objects.count()
            if op == "era":
                rc = _era_claim(claim, arg)
                text = pf.era_file([pf.transaction([rc], payer=payer)], control=next(_traces))
                result = era_import(practice_id=practice.pk, content=text)
                files.append(text)
                if result.claims_matched:
                    posted.append(rc)
            elif op == "reimport" and files:
                result = era_import(practice_id=practice.pk, content=files[arg % len(files)])
                assert result.claims_matched == 0 and result.already_posted == 1
                assert LedgerEntry.objects.count() == before
            elif op == "reverse" and posted:
                original = posted[arg % len(posted)]
                text = pf.era_file([pf.transaction([sim.reversal_of(original)], payer=payer)], control=next(_traces))
                result = era_import(practice_id=practice.pk, content=text)
                if result.claims_matched:
                    posted.remove(original)
                else:
                    assert LedgerEntry.objects.count() == before
            elif op == "pay":
                line = claim.lines.order_by("line_number").first()
                payment = manual.payment_add(batch=batch, method="cash", amount=arg, received_on=pf.DOS,
                                             patient=claim.patient,
                                             allocations=[manual.AllocationIn(line_id=line.charge_line_id, amount=arg)])
                assert payment.pk
            check_invariants(claim)
        batch.expected_total = sum((p.amount for p in batch.payments.all()), D("0.00"))
        batch.save()
        if batch.payments.exists():
            manual.batch_commit(batch=batch)
            check_invariants(claim)
        assert all(t.entries.exists() for t in LedgerTransaction.objects.all())
        assert RemitClaim.objects.filter(outcome="posted").count() >= len(posted)
        transaction.set_rollback(True)
