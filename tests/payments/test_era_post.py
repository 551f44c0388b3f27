"""ERA posting: exact ledger entries, claim statuses, denials, reversals, crossovers, PLB, idempotency, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import IntegrityError, InternalError, connection, transaction

from billing.models import FeeSchedule, FeeScheduleEntry
from claims.models import Claim, ClaimStatusEvent
from payments.models import (
    Denial,
    LedgerBalance,
    LedgerEntry,
    ProviderAdjustment,
    RemitClaim,
    RemitException,
    Remittance,
    Underpayment,
)
from payments.services import era_import
from payments.x12 import simulate as sim
from payments.x12.reader_835 import Cas, ProviderAdjustmentIn
from rcm import jobs
from rcm.models import Job
from tests import factories as f
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup() -> tuple:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer)
    return practice, payer, claim


def entries(claim: Claim) -> list[tuple]:
    return list(LedgerEntry.objects.filter(line__encounter=claim.encounter_id).order_by("id").values_list(
        "line__line_number", "kind", "bucket", "amount", "cas_group", "carc"))


def balances(claim: Claim) -> dict[tuple, D]:
    return {(b.line.line_number, b.bucket, b.payer_id): b.balance
            for b in LedgerBalance.objects.filter(encounter_id=claim.encounter_id).select_related("line")}


def test_paid_claim_posts_exact_entries_status_and_balances(setup: tuple) -> None:
    practice, payer, claim = setup
    text = pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer, trace="EFT100")])
    result = era_import(practice_id=practice.pk, content=text, filename="a.835")
    assert result.as_dict() == {"files": 1, "claims": 1, "claims_matched": 1, "lines_posted": 2, "paid": "139.20",
                                "adjusted": "116.00", "patient_responsibility": "34.80", "plb": "0.00", "exceptions": 0,
                                "already_posted": 0}
    assert entries(claim) == [
        (1, "charge", "ins", D("150.00"), "", ""), (2, "charge", "ins", D("140.00"), "", ""),
        (1, "ins_payment", "ins", D("-72.00"), "", ""), (1, "adjustment", "ins", D("-60.00"), "CO", "45"),
        (1, "to_patient", "ins", D("-18.00"), "PR", "2"), (1, "to_patient", "pat", D("18.00"), "PR", "2"),
        (2, "ins_payment", "ins", D("-67.20"), "", ""), (2, "adjustment", "ins", D("-56.00"), "CO", "45"),
        (2, "to_patient", "ins", D("-16.80"), "PR", "2"), (2, "to_patient", "pat", D("16.80"), "PR", "2")]
    assert balances(claim) == {(1, "ins", payer.pk): D("0.00"), (1, "pat", None): D("18.00"),
                               (2, "ins", payer.pk): D("0.00"), (2, "pat", None): D("16.80")}
    claim.refresh_from_db()
    assert (claim.status, claim.balance, claim.payer_claim_number) == ("paid", D("0.00"), f"ICN{claim.pcn}")
    steps = list(ClaimStatusEvent.objects.filter(claim=claim, source="era").values_list("from_status", "to_status"))
    assert steps == [("submitted", "accepted"), ("accepted", "paid")]
    rc = RemitClaim.objects.get()
    assert (rc.outcome, rc.claim_id, [ln.match for ln in rc.lines.order_by("seq")]) == ("posted", claim.pk, ["ref_6r", "ref_6r"])
    assert Remittance.objects.get().status == "posted"


def test_same_file_and_same_payment_in_another_file_post_nothing_again(setup: tuple) -> None:
    practice, payer, claim = setup
    txn = pf.transaction([pf.paid_claim(claim)], payer=payer, trace="EFT200")
    text = pf.era_file([txn], control=1)
    era_import(practice_id=practice.pk, content=text)
    before = LedgerEntry.objects.count()
    again = era_import(practice_id=practice.pk, content=text)
    assert (again.claims_matched, again.already_posted, again.lines_posted) == (0, 1, 0)
    assert "already imported" in again.problems[0]
    other_file = pf.era_file([txn], control=2)  # same payment, another interchange
    assert other_file != text
    third = era_import(practice_id=practice.pk, content=other_file, filename="resent.835")
    assert (third.claims_matched, third.already_posted) == (0, 1)
    assert "already posted" in third.problems[0]
    assert LedgerEntry.objects.count() == before
    assert Remittance.objects.filter(filename="resent.835").get().status == "duplicate"


def test_unbalanced_file_is_stored_with_the_reason_and_posts_nothing(setup: tuple) -> None:
    practice, payer, claim = setup
    text = pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer, trace="EFT300")])
    bad = text.replace("BPR*I*139.20*", "BPR*I*140.20*")
    result = era_import(practice_id=practice.pk, content=bad, filename="bad.835")
    assert result.rejected == 1 and result.claims_matched == 0
    remittance = Remittance.objects.get()
    assert remittance.status == "rejected"
    assert any("transaction_balance" in p and "140.20" in p for p in remittance.problems)
    assert not LedgerEntry.objects.exclude(kind="charge").exists()  # the claim's own charges only
    assert RemitClaim.objects.count() == 0
    claim.refresh_from_db()
    assert claim.status == "submitted"


def test_denied_claim_records_structured_denials_per_line(setup: tuple) -> None:
    practice, payer, claim = setup
    lines = pf.sim_lines(claim)
    rc = sim.remit_claim(claim.pcn, [sim.denied_line(lines[0], reason="50", remarks=("N115", "M76")),
                                     sim.denied_line(lines[1], group="PI", reason="204", remarks=())])
    assert rc.status_code == "4"
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([rc], payer=payer)]))
    claim.refresh_from_db()
    assert claim.status == "denied"
    got = sorted(Denial.objects.values_list("claim_line__line_number", "group", "reason", "remarks", "amount", "status"))
    assert got == [(1, "CO", "50", ["N115", "M76"], D("150.00"), "open"), (2, "PI", "204", [], D("140.00"), "open")]
    assert balances(claim) == {(1, "ins", payer.pk): D("0.00"), (2, "ins", payer.pk): D("0.00")}
    assert entries(claim)[2:] == [(1, "adjustment", "ins", D("-150.00"), "CO", "50"),
                                  (2, "adjustment", "ins", D("-140.00"), "PI", "204")]


def test_oa_pi_groups_are_adjustments_and_partial_denial_is_partially_paid(setup: tuple) -> None:
    practice, payer, claim = setup
    lines = pf.sim_lines(claim)
    paid = sim.paid_line(lines[0], allowed=D("100.00"), other=[Cas(group="OA", reason="94", amount=D("5.00")),
                                                               Cas(group="PI", reason="119", amount=D("1.00"))])
    rc = sim.remit_claim(claim.pcn, [paid, sim.denied_line(lines[1], reason="97")])
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([rc], payer=payer)]))
    claim.refresh_from_db()
    assert claim.status == "partially_paid"
    assert entries(claim)[2:6] == [(1, "ins_payment", "ins", D("-94.00"), "", ""),
                                   (1, "adjustment", "ins", D("-50.00"), "CO", "45"),
                                   (1, "adjustment", "ins", D("-5.00"), "OA", "94"),
                                   (1, "adjustment", "ins", D("-1.00"), "PI", "119")]
    assert list(Denial.objects.values_list("reason", flat=True)) == ["97"]


def test_reversal_offsets_what_was_posted_and_the_correction_posts(setup: tuple) -> None:
    practice, payer, claim = setup
    original = pf.paid_claim(claim)
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([original], payer=payer, trace="EFT1")]))
    corrected = pf.paid_claim(claim, allowed=["100.00", "84.00"], coinsurance=["20.00", "16.80"],
                              payer_claim_number="ICN-CORRECTED")
    result = era_import(practice_id=practice.pk, content=pf.era_file(
        [pf.transaction([sim.reversal_of(original), corrected], payer=payer, trace="EFT2")], control=2))
    assert result.exceptions == 0 and result.claims_matched == 2
    reversals = LedgerEntry.objects.filter(kind="reversal")
    assert reversals.count() == 8
    assert all(r.amount == -r.reverses.amount and r.bucket == r.reverses.bucket for r in reversals)
    assert balances(claim) == {(1, "ins", payer.pk): D("0.00"), (1, "pat", None): D("20.00"),
                               (2, "ins", payer.pk): D("0.00"), (2, "pat", None): D("16.80")}
    line1 = LedgerBalance.objects.get(line__line_number=1, line__encounter=claim.encounter_id, bucket="ins")
    assert (line1.charges, line1.payments, line1.adjustments) == (D("150.00"), D("80.00"), D("50.00"))
    claim.refresh_from_db()
    assert (claim.status, claim.payer_claim_number) == ("paid", "ICN-CORRECTED")
    # The same reversal again finds nothing standing to take back: an exception, nothing posted.
    before = LedgerEntry.objects.count()
    again = era_import(practice_id=practice.pk, content=pf.era_file(
        [pf.transaction([sim.reversal_of(original)], payer=payer, trace="EFT3")], control=3))
    assert again.exceptions == 1
    assert RemitException.objects.get().kind == "reversal_unmatched"
    assert LedgerEntry.objects.count() == before


def test_crossover_moves_patient_share_to_the_secondary_and_bills_it(setup: tuple,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    practice, payer, claim = setup
    medigap = f.PayerFactory(practice=practice, name="Medigap", payer_id="MGAP1")
    f.CoverageFactory(patient=claim.patient, payer=medigap, priority=2, member_id="G1")
    monkeypatch.setattr(jobs, "_send", lambda job_id: None)
    rc = pf.paid_claim(claim, crossover=("MEDIGAP", "MGAP1"))
    assert rc.status_code == "19"
    result = era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([rc], payer=payer)]))
    assert result.secondary_claims == 1
    assert balances(claim) == {(1, "ins", payer.pk): D("0.00"), (1, "ins", medigap.pk): D("18.00"),
                               (2, "ins", payer.pk): D("0.00"), (2, "ins", medigap.pk): D("16.80")}
    assert set(LedgerEntry.objects.filter(kind="to_secondary").values_list("amount", flat=True)) == {
        D("-18.00"), D("18.00"), D("-16.80"), D("16.80")}
    job = Job.objects.get(kind="payments.secondary_claims")
    done = jobs.job_execute(job.pk)
    assert done is not None and done.result["secondary_claims"] == 1
    secondary = Claim.objects.get(prior_claim=claim)
    assert (secondary.responsibility, secondary.payer_id) == ("S", medigap.pk)
    assert secondary.prior_adjudication["paid"] == "139.20"
    assert [ln["paid"] for ln in secondary.prior_adjudication["lines"]] == ["72.00", "67.20"]
    assert jobs.job_execute(job.pk) is None  # a second delivery does nothing
    assert Claim.objects.filter(prior_claim=claim).count() == 1

    # The secondary pays the patient share; its OA-23 restates the primary and is not posted again.
    from claims import services as claim_services

    for step in ("clean", "queued", "submitted"):
        claim_services.claims_transition_bulk(claim_ids=[secondary.pk], to_status=step, source="test")
    services = []
    for ln, prior_paid_adj in zip(secondary.lines.order_by("line_number"), (D("132.00"), D("123.20")), strict=True):
        line = sim.SimLine(ln.line_control_number, ln.code, ln.charge_amount, ln.date_of_service, tuple(ln.modifiers))
        services.append(sim.paid_line(line, allowed=ln.charge_amount,
                                      other=[Cas(group="OA", reason="23", amount=prior_paid_adj)]))
    rc2 = sim.remit_claim(secondary.pcn, services, status_code="2")
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([rc2], payer=medigap)], control=5))
    assert balances(claim) == {(1, "ins", payer.pk): D("0.00"), (1, "ins", medigap.pk): D("0.00"),
                               (2, "ins", payer.pk): D("0.00"), (2, "ins", medigap.pk): D("0.00")}
    secondary.refresh_from_db()
    assert (secondary.status, secondary.balance) == ("paid", D("0.00"))


@pytest.mark.parametrize("case", ["dropped", "reordered", "code_changed"])
def test_tolerant_line_matching(case: str) -> None:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer, lines=(("99213", ("25", "59"), 1, "150.00"),
                                                                 ("17000", (), 1, "140.00")))
    line = pf.sim_lines(claim)[0]
    svc = sim.paid_line(line, allowed=D("90.00"), with_ref=False)
    if case == "dropped":
        svc = svc.model_copy(update={"modifiers": ["25"]})
    elif case == "reordered":
        svc = svc.model_copy(update={"modifiers": ["59", "25"]})
    else:
        svc = svc.model_copy(update={"code": "99212", "original_code": "99213", "modifiers": []})
    other = sim.paid_line(pf.sim_lines(claim)[1], allowed=D("84.00"), with_ref=False)
    result = era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction(
        [sim.remit_claim(claim.pcn, [svc, other])], payer=payer)]))
    assert (result.claims_matched, result.exceptions) == (1, 0)
    matches = list(RemitClaim.objects.get().lines.order_by("seq").values_list("match", "claim_line__line_number"))
    assert matches[0] == ({"dropped": "modifiers", "reordered": "modifiers", "code_changed": "code_changed"}[case], 1)
    assert matches[1] == ("exact", 2)


def test_bundled_lines_are_split_by_charge() -> None:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer, lines=(("11102", (), 1, "160.00"), ("11103", (), 1, "90.00")))
    combined = sim.SimLine("", "11102", D("250.00"), pf.DOS)
    svc = sim.paid_line(combined, allowed=D("150.00"), with_ref=False)
    result = era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction(
        [sim.remit_claim(claim.pcn, [svc])], payer=payer)]))
    assert (result.claims_matched, result.exceptions, result.lines_posted) == (1, 0, 2)
    assert balances(claim) == {(1, "ins", payer.pk): D("0.00"), (2, "ins", payer.pk): D("0.00")}
    pays = dict(LedgerEntry.objects.filter(kind="ins_payment").values_list("line__line_number", "amount"))
    assert pays == {1: D("-96.00"), 2: D("-54.00")}
    assert set(RemitClaim.objects.get().lines.values_list("match", flat=True)) == {"bundle"}


def test_ambiguous_and_unmatched_lines_go_to_exceptions_with_candidates() -> None:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer, lines=(("17003", (), 1, "22.00"), ("17003", (), 1, "22.00")))
    lines = pf.sim_lines(claim)
    svc = sim.paid_line(lines[0], allowed=D("12.00"), with_ref=False)
    result = era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction(
        [sim.remit_claim(claim.pcn, [svc, svc])], payer=payer)]))
    assert (result.claims_matched, result.exceptions) == (0, 1)
    exc = RemitException.objects.get()
    assert exc.kind == "line_ambiguous"
    assert [c["line_number"] for c in exc.candidates] == [1, 2]
    assert LedgerEntry.objects.exclude(kind="charge").count() == 0
    claim.refresh_from_db()
    assert claim.status == "submitted"

    other = pf.sent_claim(practice=practice, payer=payer)
    strange = sim.paid_line(sim.SimLine("", "99499", D("150.00"), pf.DOS), allowed=D("90.00"), with_ref=False)
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction(
        [sim.remit_claim(other.pcn, [strange])], payer=payer)], control=2))
    exc2 = RemitException.objects.get(remit_claim__pcn=other.pcn)
    assert exc2.kind == "line_unmatched"
    assert exc2.candidates[0]["code"] in ("99213", "17000")


def test_unknown_claim_other_payer_and_unsent_claim_are_exceptions(setup: tuple) -> None:
    practice, payer, claim = setup
    draft = pf.sent_claim(practice=practice, payer=payer, status="draft")
    cigna = f.PayerFactory(practice=practice, name="Cigna", payer_id="62308")
    unknown = pf.paid_claim(claim).model_copy(update={"pcn": "X999"})
    result = era_import(practice_id=practice.pk, content=pf.era_file([
        pf.transaction([unknown, pf.paid_claim(draft)], payer=payer, trace="T1"),
        pf.transaction([pf.paid_claim(claim)], payer=cigna, trace="T2", control_number="0002")]))
    assert (result.claims, result.claims_matched, result.exceptions) == (3, 0, 3), list(
        RemitClaim.objects.values_list("pcn", "outcome", "transaction__payer_id"))
    kinds = dict(RemitException.objects.values_list("remit_claim__transaction__trace_number", "kind"))
    assert sorted(RemitException.objects.values_list("kind", flat=True)) == ["no_claim", "not_sent", "payer_mismatch"]
    assert kinds["T2"] == "payer_mismatch"
    no_claim = RemitException.objects.get(kind="no_claim")
    assert claim.pcn in [c["pcn"] for c in no_claim.candidates]
    assert LedgerEntry.objects.exclude(kind="charge").count() == 0
    assert Remittance.objects.get().status == "exceptions"


def test_same_claim_paid_again_in_another_payment_is_a_duplicate(setup: tuple) -> None:
    practice, payer, claim = setup
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer, trace="A")]))
    result = era_import(practice_id=practice.pk, content=pf.era_file(
        [pf.transaction([pf.paid_claim(claim)], payer=payer, trace="B")], control=2))
    assert (result.claims_matched, result.exceptions) == (0, 1)
    assert RemitException.objects.get().kind == "duplicate"
    assert LedgerEntry.objects.filter(kind="ins_payment").count() == 2


def test_plb_adjustments_go_to_the_provider_ledger(setup: tuple) -> None:
    practice, payer, claim = setup
    plb = [ProviderAdjustmentIn(provider_id=practice.npi, reason="L6", reference="INT", amount=D("-2.15")),
           ProviderAdjustmentIn(provider_id=practice.npi, reason="WO", reference="ICN77", amount=D("25.00")),
           ProviderAdjustmentIn(provider_id=practice.npi, reason="FB", reference="FB1", amount=D("10.00"))]
    txn = pf.transaction([pf.paid_claim(claim)], payer=payer, plb=plb)
    assert txn.total_paid == D("139.20") + D("2.15") - D("35.00")
    result = era_import(practice_id=practice.pk, content=pf.era_file([txn]))
    assert result.plb == D("32.85")
    assert list(ProviderAdjustment.objects.order_by("id").values_list("reason", "reference", "amount")) == [
        ("L6", "INT", D("-2.15")), ("WO", "ICN77", D("25.00")), ("FB", "FB1", D("10.00"))]
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic():
        ProviderAdjustment.objects.update(amount=0)


def test_underpayment_against_the_contract_is_queued(setup: tuple, settings: object) -> None:
    practice, payer, claim = setup
    schedule = FeeSchedule.objects.create(practice=practice, name="Aetna contract", kind="allowed", payer=payer,
                                          effective_from=dt.date(2024, 1, 1))
    FeeScheduleEntry.objects.create(practice=practice, schedule=schedule, code="99213", amount=D("100.00"))
    FeeScheduleEntry.objects.create(practice=practice, schedule=schedule, code="17000", amount=D("84.50"))
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer)]))
    got = list(Underpayment.objects.values_list("code", "expected", "allowed", "difference", "status"))
    assert got == [("99213", D("100.00"), D("90.00"), D("10.00"), "open")]  # 17000 is 0.50 short: within tolerance


def test_the_ledger_refuses_updates_and_deletes(setup: tuple) -> None:
    practice, payer, claim = setup
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer)]))
    entry = LedgerEntry.objects.first()
    assert entry is not None
    for sql in ("UPDATE payments_ledgerentry SET amount = 0 WHERE id = %s", "DELETE FROM payments_ledgerentry WHERE id = %s",
                "UPDATE payments_ledgertransaction SET description = 'x' WHERE id = (SELECT txn_id FROM payments_ledgerentry "
                "WHERE id = %s)"):
        with pytest.raises((InternalError, IntegrityError)), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.amount == D("150.00")


def test_claim_lines_are_matched_only_within_the_practice(setup: tuple) -> None:
    _practice, _payer, claim = setup
    other_practice, other_payer = pf.practice_with_payer()
    result = era_import(practice_id=other_practice.pk, content=pf.era_file(
        [pf.transaction([pf.paid_claim(claim)], payer=other_payer)]))
    assert (result.claims_matched, result.exceptions) == (0, 1)
    assert RemitException.objects.get().kind == "no_claim"
    assert not LedgerEntry.objects.exclude(kind="charge").exists()  # the claim's own charges only


@pytest.mark.parametrize("code, status, posted", [("1", "paid", True), ("2", "paid", True), ("3", "paid", True),
                                                  ("19", "paid", True), ("20", "paid", True), ("21", "paid", True),
                                                  ("4", "denied", True), ("23", "submitted", False),
                                                  ("25", "submitted", False)])
def test_each_clp02_status(code: str, status: str, posted: bool) -> None:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer)
    rc = pf.paid_claim(claim, status_code=code)
    if code == "4":
        rc = sim.remit_claim(claim.pcn, [sim.denied_line(ln) for ln in pf.sim_lines(claim)], status_code="4")
    result = era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([rc], payer=payer)]))
    assert (result.claims_matched, result.exceptions) == ((1, 0) if posted else (0, 1))
    claim.refresh_from_db()
    assert claim.status == status
    if not posted:
        assert RemitException.objects.get().kind == "not_payable"
        assert LedgerEntry.objects.exclude(kind="charge").count() == 0


def test_cr_group_is_not_valid_in_5010_and_the_file_is_refused(setup: tuple) -> None:
    practice, payer, claim = setup
    lines = pf.sim_lines(claim)
    svc = sim.paid_line(lines[0], allowed=D("100.00"), other=[Cas(group="CR", reason="129", amount=D("1.00"))])
    result = era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction(
        [sim.remit_claim(claim.pcn, [svc])], payer=payer)]))
    assert result.rejected == 1
    assert any("CAS01" in p for p in Remittance.objects.get().problems)
    assert not LedgerEntry.objects.exclude(kind="charge").exists()  # the claim's own charges only


def test_claim_statuses_move_from_what_they_were_read_as_or_from_where_they_are_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """One status statement per target status; a claim moved by someone else meanwhile still moves
    (from where it is now), a claim already in its target stays, and each move is recorded once with its from-status."""
    from claims import services as claim_services
    from payments.services import era as era_services

    practice, payer = pf.practice_with_payer()
    submitted = pf.sent_claim(practice=practice, payer=payer)
    accepted = pf.sent_claim(practice=practice, payer=payer, status="accepted")
    moved = pf.sent_claim(practice=practice, payer=payer, status="accepted")
    denied = pf.sent_claim(practice=practice, payer=payer, status="accepted")
    claim_services.claims_transition_bulk(claim_ids=[denied.pk], to_status="denied", source="test")
    original = era_services._Poster._claims_update
    updates: list[str] = []

    def status_updates(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "UPDATE claims_claim AS c SET status" in sql:
            updates.append(sql)
        return execute(sql, params, many, context)

    def behind_its_back(self: era_services._Poster) -> None:
        # Read as accepted; a biller's correction makes it denied before the poster writes statuses.
        claim_services.claims_transition_bulk(claim_ids=[moved.pk], to_status="denied", source="test")
        with connection.execute_wrapper(status_updates):
            original(self)

    monkeypatch.setattr(era_services._Poster, "_claims_update", behind_its_back)
    rcs = [pf.paid_claim(c) for c in (submitted, accepted, moved, denied)]
    result = era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction(rcs, payer=payer)]))
    assert (result.claims_matched, result.exceptions) == (4, 0)
    for c in (submitted, accepted, moved, denied):
        c.refresh_from_db()
    assert [c.status for c in (submitted, accepted, moved, denied)] == ["paid"] * 4
    steps = {c.pk: list(ClaimStatusEvent.objects.filter(claim=c, source="era").order_by("id").values_list(
        "from_status", "to_status")) for c in (submitted, accepted, moved, denied)}
    assert steps == {submitted.pk: [("submitted", "accepted"), ("accepted", "paid")],
                     accepted.pk: [("accepted", "paid")], moved.pk: [("denied", "paid")], denied.pk: [("denied", "paid")]}
    # One statement per move the poster asks for: submitted -> accepted, then every claim to paid from wherever it
    # is now (the moved one included).
    assert len(updates) == 1 + 1
    assert all(c.balance == D("0.00") for c in (submitted, accepted, moved, denied))


def test_names_from_the_file_are_stored_verbatim_through_copy(setup: tuple) -> None:
    """Remittance claims and ledger transactions are written as COPY text: a backslash in a payer's or patient's
    name is data, not an escape."""
    from payments.models import LedgerTransaction

    practice, payer, claim = setup
    rc = pf.paid_claim(claim).model_copy(update={"patient_last_name": "D\\ANGELO", "payer_claim_number": "IC\\N1"})
    txn = sim.remit_transaction([rc], trace="EFT\\77", payer_name="O\\BRIEN MUTUAL", payer_id=payer.payer_id)
    result = era_import(practice_id=practice.pk, content=pf.era_file([txn]))
    assert (result.claims_matched, result.exceptions) == (1, 0)
    remit_claim = RemitClaim.objects.get()
    assert (remit_claim.patient_name.split(",")[0], remit_claim.payer_claim_number) == ("D\\ANGELO", "IC\\N1")
    assert LedgerTransaction.objects.get(remit_claim=remit_claim).description == \
        f"O\\BRIEN MUTUAL EFT\\77 claim {claim.pcn}"
