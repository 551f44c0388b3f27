"""Claim generation: from coded encounters, for the active primary coverage; corrections and secondaries."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from billing.models import Encounter, Payer
from claims import services
from claims.models import Claim, ClaimLine, ClaimStatusEvent
from tests import factories as f
from tests.claims import factories as cf

pytestmark = pytest.mark.django_db


def test_claim_copies_what_it_sends_from_encounter_coverage_and_practice() -> None:
    enc = cf.coded_encounter(dx=("L57.0", "L82.1"), lines=(("99213", ("25",), 1, (2,), "150.00"),
                                                              ("17000", (), 1, (1,), "140.00"),
                                                              ("17003", (), 4, (1,), "88.00")),
                             prior_authorization="PA-77")
    claim = cf.claim_for(enc)
    cov, practice = enc.patient.coverages.get(), enc.practice
    assert (claim.status, claim.frequency, claim.responsibility) == ("draft", "1", "P")
    assert (claim.billing_npi, claim.billing_tax_id, claim.billing_taxonomy) == (practice.npi, practice.tax_id, practice.taxonomy)
    assert (claim.rendering_npi, claim.rendering_taxonomy) == (enc.provider.npi, enc.provider.taxonomy)
    assert (claim.facility_id, claim.place_of_service) == (enc.location_id, "11")
    assert (claim.member_id, claim.relationship, claim.group_number, claim.payer_id) == (cov.member_id, "18", "G12345", cov.payer_id)
    assert claim.diagnosis_codes == ["L57.0", "L82.1"] and claim.prior_authorization == "PA-77"
    assert claim.total_charge == Decimal("378.00") == claim.balance
    assert claim.filing_deadline == enc.date_of_service + dt.timedelta(days=cov.payer.timely_filing_days)
    lines = list(claim.lines.order_by("line_number").values_list("line_number", "code", "modifiers", "units",
                                                                  "diagnosis_pointers", "charge_amount",
                                                                  "line_control_number"))
    assert lines == [(1, "99213", ["25"], 1, [2], Decimal("150.00"), f"{claim.pcn}-1"),
                     (2, "17000", [], 1, [1], Decimal("140.00"), f"{claim.pcn}-2"),
                     (3, "17003", [], 4, [1], Decimal("88.00"), f"{claim.pcn}-3")]
    assert Encounter.objects.get(pk=enc.pk).status == "billed"
    assert list(claim.status_events.values_list("from_status", "to_status", "source")) == [("", "draft", "generate")]


def test_patient_control_numbers_are_unique_and_never_reused() -> None:
    encounters = [cf.coded_encounter() for _ in range(3)]
    pcns = [cf.claim_for(e).pcn for e in encounters]
    assert len(set(pcns)) == 3 and all(p.startswith("C") and len(p) == 10 for p in pcns)
    numbers = sorted(int(p[1:]) for p in pcns)
    assert numbers == list(range(numbers[0], numbers[0] + 3))


def test_generate_claims_command_bills_coded_encounters_once_and_skips_self_pay() -> None:
    practice = cf.practice()
    insured = [cf.coded_encounter(practice_obj=practice) for _ in range(3)]
    no_coverage = cf.coded_encounter(practice_obj=practice, coverage=False)
    self_pay_patient = f.PatientFactory(practice=practice)
    f.CoverageFactory(patient=self_pay_patient, payer=f.PayerFactory(practice=practice, kind=Payer.Kind.SELF_PAY, payer_id=""))
    self_pay = cf.coded_encounter(patient=self_pay_patient)
    ended_patient = f.PatientFactory(practice=practice)
    f.CoverageFactory(patient=ended_patient, effective_to=dt.date(2020, 12, 31))
    ended = cf.coded_encounter(patient=ended_patient)
    awaiting = cf.coded_encounter(practice_obj=practice, status="awaiting_coding")

    out = io.StringIO()
    call_command("generate_claims", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == {"claims": 3}
    assert set(Claim.objects.values_list("encounter_id", flat=True)) == {e.pk for e in insured}
    statuses = dict(Encounter.objects.values_list("pk", "status"))
    assert [statuses[e.pk] for e in insured] == ["billed"] * 3
    assert [statuses[e.pk] for e in (no_coverage, self_pay, ended)] == ["coded"] * 3  # left for patient statements
    assert statuses[awaiting.pk] == "awaiting_coding"
    assert ClaimStatusEvent.objects.count() == 3 and ClaimLine.objects.count() == 3

    again = io.StringIO()
    call_command("generate_claims", stdout=again)
    assert json.loads(again.getvalue().strip().splitlines()[-1]) == {"claims": 0}
    assert Claim.objects.count() == 3


def test_subscriber_is_copied_when_the_patient_is_not_the_subscriber() -> None:
    claim = cf.claim_for(cf.coded_encounter(relationship="19"))
    assert (claim.relationship, claim.subscriber_first_name, claim.subscriber_date_of_birth) == ("19", "Ann", dt.date(1970, 2, 3))


def test_refuses_uncoded_encounters_foreign_and_inactive_coverage() -> None:
    enc = cf.coded_encounter(status="awaiting_coding")
    with pytest.raises(ValidationError, match="not coded"):
        cf.claim_for(enc)
    other = cf.coded_encounter()
    with pytest.raises(ValidationError, match="does not belong"):
        services.claim_generate(encounter=other, coverage=enc.patient.coverages.get())
    ended_patient = f.PatientFactory(practice=other.practice)
    cov = f.CoverageFactory(patient=ended_patient, effective_to=dt.date(2020, 12, 31))
    late = cf.coded_encounter(patient=ended_patient)
    with pytest.raises(ValidationError, match="not active on the date of service"):
        services.claim_generate(encounter=late, coverage=cov)
    cf.claim_for(other)
    with pytest.raises(ValidationError):
        cf.claim_for(other)  # billed now: a second original is refused
    assert Claim.objects.count() == 1


def _paid(claim: Claim, icn: str = "ICN-555") -> Claim:
    for status in ("clean", "queued", "submitted", "accepted", "paid"):
        services.claim_transition(claim, status, source="test")
    return services.claim_set_payer_claim_number(claim=claim, number=icn)


def test_replacement_claim_copies_the_original_and_references_the_payer_claim_number() -> None:
    original = _paid(cf.claim_for(cf.coded_encounter()))
    replacement = services.claim_generate(encounter=original.encounter, coverage=original.coverage, frequency="7",
                                          original_claim=original)
    original.refresh_from_db()
    assert original.status == "replaced"
    assert (replacement.frequency, replacement.original_claim_id, replacement.original_payer_claim_number) == ("7", original.pk, "ICN-555")
    assert replacement.pcn != original.pcn and replacement.status == "draft"
    assert list(replacement.lines.values_list("code", "charge_amount")) == [("17000", Decimal("140.00"))]
    assert original.status_events.last().reason == f"replacement claim {replacement.pcn} created"


def test_void_claim_zeroes_the_balance_and_voids_the_original() -> None:
    original = _paid(cf.claim_for(cf.coded_encounter()))
    void = services.claim_generate(encounter=original.encounter, coverage=original.coverage, frequency="8",
                                   original_claim=original)
    original.refresh_from_db()
    assert (original.status, void.frequency, void.balance, void.total_charge) == ("void", "8", Decimal("0.00"), Decimal("140.00"))


def test_correction_of_an_unsent_claim_is_refused() -> None:
    claim = cf.claim_for(cf.coded_encounter())
    with pytest.raises(ValidationError, match="cannot be replaced"):
        services.claim_generate(encounter=claim.encounter, coverage=claim.coverage, frequency="7", original_claim=claim)
    assert Claim.objects.count() == 1


def test_secondary_claim_carries_the_primary_adjudication() -> None:
    enc = cf.coded_encounter(lines=(("17000", (), 1, (1,), "140.00"), ("17003", (), 2, (1,), "44.00")))
    primary = _paid(cf.claim_for(enc))
    secondary_cov = f.CoverageFactory(patient=enc.patient, priority=2, member_id="S-1",
                                      payer=f.PayerFactory(practice=enc.practice, name="Medigap"))
    adjudication = {"claim_id": primary.pk, "paid": "100.00", "adjudication_date": "2025-04-01", "payer_claim_number": "ICN-555",
                    "claim_adjustments": [{"group": "PR", "reason": "1", "amount": "40.00"}],
                    "lines": [{"line_control_number": f"{primary.pcn}-1", "code": "17000", "paid": "80.00",
                               "adjustments": [{"group": "CO", "reason": "45", "amount": "40.00"}]}]}
    secondary = services.claim_generate(encounter=enc, coverage=secondary_cov, prior_adjudication=adjudication)
    assert (secondary.responsibility, secondary.prior_claim_id, secondary.payer_id) == ("S", primary.pk, secondary_cov.payer_id)
    assert secondary.balance == Decimal("84.00") and secondary.total_charge == Decimal("184.00")
    assert secondary.prior_adjudication["paid"] == "100.00"
    with pytest.raises(ValidationError, match="needs the prior payer's adjudication"):
        services.claim_generate(encounter=enc, coverage=secondary_cov)
