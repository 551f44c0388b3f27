"""Eligibility end to end: a 270 out through the sandbox, the 271 back, stored, shown on the encounter, and the
scrubber's error for inactive coverage on the date of service; tomorrow's batch from beat."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from claims import services
from claims.clearinghouse.models import InboundFile
from claims.eligibility.models import EligibilityCheck
from claims.eligibility.services import eligibility_check
from claims.tasks import eligibility_tomorrow
from claims.x12.reader_271 import read_271
from claims.x12.segments import X12SyntaxError
from tests import factories as f
from tests.claims import ch_helpers as ch
from tests.claims import factories as cf
from tests.claims.fakes import fake_code_index

pytestmark = pytest.mark.django_db


def _patient(practice: Any, member_id: str) -> Any:
    patient = f.PatientFactory(practice=practice)
    payer = f.PayerFactory(practice=practice, name=f"Aetna {member_id}", payer_id="60054")
    f.CoverageFactory(patient=patient, payer=payer, relationship="18", group_number="G12345", member_id=member_id)
    return patient


def test_active_coverage_answer_is_stored_and_shown_on_the_encounter(world: Any, client_for: Any) -> None:
    practice = world.practice
    ch.sandbox(practice)
    patient = _patient(practice, "W100200300")
    enc = cf.coded_encounter(patient=patient)
    coverage = patient.coverages.get(priority=1)
    check = eligibility_check(coverage=coverage, service_date=enc.date_of_service, encounter=enc)
    # the 271 was kept as received and read into the check
    assert (check.status, check.active, check.encounter_id) == ("answered", True, enc.pk)
    assert check.plan_name and check.copay is not None and check.deductible is not None
    assert check.deductible_remaining is not None and check.deductible_remaining <= check.deductible
    raw = InboundFile.objects.get(pk=check.inbound_file_id)
    assert raw.kind == "271" and raw.status == "processed"
    assert read_271(bytes(raw.content)).members[0].member_id == "W100200300"
    html = client_for(world.biller).get(reverse("billing:encounter_detail", args=[enc.pk])).content.decode()
    assert "Active" in html and check.plan_name in html and f"copay ${check.copay}" in html


def test_inactive_coverage_is_a_scrub_error_on_the_date_of_service(world: Any) -> None:
    practice = world.practice
    practice.phone = "7175550100"
    practice.save()
    ch.sandbox(practice)
    patient = _patient(practice, "XX99887766")  # the sandbox payer has no active plan for XX… members
    enc = cf.coded_encounter(patient=patient)
    claim = cf.claim_for(enc)
    services.claims_scrub(claim_ids=[claim.pk], code_index=fake_code_index)
    claim.refresh_from_db()
    assert "ELIGIBILITY_INACTIVE" not in (claim.scrub_rules or [])  # not asked yet: no finding
    check = eligibility_check(coverage=patient.coverages.get(priority=1), service_date=enc.date_of_service,
                              encounter=enc)
    assert (check.status, check.active) == ("answered", False)
    services.claims_scrub(claim_ids=[claim.pk], code_index=fake_code_index)
    claim.refresh_from_db()
    assert claim.status == "scrubbed_errors" and "ELIGIBILITY_INACTIVE" in claim.scrub_rules
    finding = next(x for x in claim.scrub_findings if x["rule"] == "ELIGIBILITY_INACTIVE")
    assert f"inactive on {enc.date_of_service:%m/%d/%Y}" in finding["message"] and finding["field"] == "member_id"
    # an answer about another date does not count against this one
    other_day = enc.date_of_service - dt.timedelta(days=400)
    EligibilityCheck.objects.filter(pk=check.pk).update(service_date=other_day)
    services.claims_scrub(claim_ids=[claim.pk], code_index=fake_code_index)
    claim.refresh_from_db()
    assert "ELIGIBILITY_INACTIVE" not in (claim.scrub_rules or [])


def test_tomorrows_batch_asks_once_per_patient(world: Any) -> None:
    practice = world.practice
    ch.sandbox(practice)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    a, b = _patient(practice, "W111222333"), _patient(practice, "XX00011122")
    f.EncounterFactory(patient=a, date_of_service=tomorrow)
    f.EncounterFactory(patient=a, date_of_service=tomorrow)  # two visits, one question
    f.EncounterFactory(patient=b, date_of_service=tomorrow)
    f.EncounterFactory(patient=_patient(practice, "W999"), date_of_service=tomorrow + dt.timedelta(days=1))
    totals = eligibility_tomorrow()
    assert totals["asked"] == 2 and totals["answered"] == 2 and totals["failed"] == 0
    checks = {c.patient_id: c for c in EligibilityCheck.objects.filter(practice=practice)}
    assert set(checks) == {a.pk, b.pk}
    assert (checks[a.pk].active, checks[b.pk].active) == (True, False)
    assert {c.source for c in checks.values()} == {"batch"} and {c.service_date for c in checks.values()} == {tomorrow}


def test_a_malformed_271_names_the_segment() -> None:
    text = ("ISA*00*          *00*          *ZZ*SANDBOXCH      *ZZ*231234567      *261204*0921*^*00501*000000093*0*T*:~"
            "GS*HB*SANDBOXCH*231234567*20261204*0921*93*X*005010X279A1~ST*271*0001*005010X279A1~"
            "BHT*0022*11*X*20261204*0921~HL*1**20*1~NM1*PR*2*AETNA*****PI*60054~EB*1~SE*6*0001~GE*1*93~"
            "IEA*1*000000093~")
    with pytest.raises(X12SyntaxError, match=r"segment \d+: EB outside a subscriber or dependent loop"):
        read_271(text)
