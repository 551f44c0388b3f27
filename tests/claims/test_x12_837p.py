"""837P: every shape we write passes pyx12 with zero errors; control numbers; the export command."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims import services
from claims.models import Claim, X12Batch
from claims.x12.validate import validate_x12
from claims.x12.writer_837p import Delimiters, Envelope, X12DataError, write_837p
from tests import factories as f
from tests.claims import factories as cf
from tests.claims.fakes import fake_code_index

pytestmark = pytest.mark.django_db


def _clean(*encounters: object) -> list[Claim]:
    claims = [cf.claim_for(e) for e in encounters]  # type: ignore[arg-type]
    services.claims_scrub(claim_ids=[c.pk for c in claims], code_index=fake_code_index)
    for c in claims:
        c.refresh_from_db()
        assert c.status == "clean", c.scrub_findings
    return claims


def _export(claims: list[Claim]) -> str:
    result = services.claims_export_837(claim_ids=[c.pk for c in claims])
    assert len(result.batches) == 1
    text = result.batches[0].content
    verdict = validate_x12(text)
    assert verdict.ok and verdict.errors == [], verdict.errors
    return text


def segments(text: str) -> list[str]:
    return [s for s in text.split("~") if s]


def test_single_claim_validates_and_carries_the_claim_exactly() -> None:
    enc = cf.coded_encounter(dx=("L57.0", "L82.1"), lines=(("99213", ("25",), 1, (2, 1), "150.00"),
                                                              ("17000", (), 1, (1,), "140.00")), prior_authorization="PA9")
    [claim] = _clean(enc)
    segs = segments(_export([claim]))
    assert segs[0].startswith("ISA*00*          *00*          *ZZ*") and segs[0].endswith("*^*00501*" + segs[0][90:99] + "*0*T*:")
    assert segs[2] == f"ST*837*{int(segs[0][90:99]):09d}*005010X222A1"
    assert f"CLM*{claim.pcn}*290***11:B:1*Y*A*Y*Y" in segs
    assert "HI*ABK:L570*ABF:L821" in segs  # no dots, principal first
    assert "REF*G1*PA9" in segs
    assert "SV1*HC:99213:25*150*UN*1***2:1" in segs and "SV1*HC:17000*140*UN*1***1" in segs
    assert f"REF*6R*{claim.pcn}-1" in segs and f"DTP*472*D8*{claim.date_of_service:%Y%m%d}" in segs
    assert f"NM1*82*1*{claim.rendering_provider.last_name.upper()}*ELENA****XX*{claim.rendering_npi}" in segs
    st = segs.index(segs[2])
    se = next(s for s in segs if s.startswith("SE*"))
    assert int(se.split("*")[1]) == segs.index(se) - st + 1


def test_multi_claim_file_for_one_payer() -> None:
    practice = cf.practice()
    payer = f.PayerFactory(practice=practice, payer_id="87726", name="UnitedHealthcare")
    encounters = [cf.coded_encounter(practice_obj=practice, payer=payer) for _ in range(3)]
    claims = _clean(*encounters)
    text = _export(claims)
    assert sum(s.startswith("CLM*") for s in segments(text)) == 3
    assert [s for s in segments(text) if s.startswith("HL*")] == ["HL*1**20*1", "HL*2*1*22*0", "HL*3*1*22*0", "HL*4*1*22*0"]


def test_subscriber_other_than_patient_gets_a_patient_loop() -> None:
    [claim] = _clean(cf.coded_encounter(relationship="19"))
    segs = segments(_export([claim]))
    assert "HL*2*1*22*1" in segs and "HL*3*2*23*0" in segs and "PAT*19" in segs
    assert any(s.startswith("SBR*P**G12345") for s in segs)
    assert any(s.startswith("NM1*IL*1*") and "*ANN****MI*" in s for s in segs)
    assert any(s.startswith("NM1*QC*1*") for s in segs)


def test_secondary_claim_carries_other_payer_loops() -> None:
    enc = cf.coded_encounter(lines=(("17000", (), 1, (1,), "140.00"), ("17003", (), 2, (1,), "44.00")))
    [primary] = _clean(enc)
    for to in ("queued", "submitted", "accepted", "paid"):
        services.claim_transition(primary, to)
    cov2 = f.CoverageFactory(patient=enc.patient, priority=2, member_id="S123",
                             payer=f.PayerFactory(practice=enc.practice, name="Medigap", payer_id="62308"))
    adjudicated = dt.date.today() - dt.timedelta(days=30)  # inside the secondary's timely-filing window
    secondary = services.claim_generate(encounter=enc, coverage=cov2, prior_adjudication={
        "claim_id": primary.pk, "paid": "120.00", "adjudication_date": adjudicated.isoformat(),
        "claim_adjustments": [{"group": "PR", "reason": "2", "amount": "24.00"}],
        "lines": [{"line_control_number": f"{primary.pcn}-1", "code": "17000", "paid": "100.00",
                   "adjustments": [{"group": "PR", "reason": "2", "amount": "20.00"},
                                   {"group": "CO", "reason": "45", "amount": "20.00"}]},
                  {"line_control_number": f"{primary.pcn}-2", "code": "17003", "paid": "20.00", "units": 2,
                   "adjustments": [{"group": "PR", "reason": "2", "amount": "4.00"},
                                   {"group": "CO", "reason": "45", "amount": "20.00"}]}]})
    services.claims_scrub(claim_ids=[secondary.pk], code_index=fake_code_index)
    secondary.refresh_from_db()
    assert secondary.status == "clean", secondary.scrub_findings
    text = _export([secondary])
    segs = segments(text)
    assert any(s.startswith("SBR*S*18*") for s in segs) and any(s.startswith("SBR*P*18*G12345") for s in segs)
    assert "CAS*PR*2*24" in segs and "AMT*D*120" in segs and "OI***Y***Y" in segs
    assert f"NM1*PR*2*{primary.payer.name.upper()}*****PI*{primary.payer.payer_id}" in segs
    assert f"REF*6R*{secondary.pcn}-1" in segs
    assert f"SVD*{primary.payer.payer_id}*100*HC:17000**1" in segs and "CAS*PR*2*20**CO*45*20" not in segs
    assert "CAS*PR*2*20" in segs and "CAS*CO*45*20" in segs and f"DTP*573*D8*{adjudicated:%Y%m%d}" in segs


def test_replacement_claim_has_frequency_7_and_the_payer_claim_number() -> None:
    [original] = _clean(cf.coded_encounter())
    for to in ("queued", "submitted", "accepted", "denied"):
        services.claim_transition(original, to)
    services.claim_set_payer_claim_number(claim=original, number="2025123456789")
    replacement = services.claim_generate(encounter=original.encounter, coverage=original.coverage, frequency="7",
                                          original_claim=original)
    services.claims_scrub(claim_ids=[replacement.pk], code_index=fake_code_index)
    replacement.refresh_from_db()
    segs = segments(_export([replacement]))
    assert f"CLM*{replacement.pcn}*140***11:B:7*Y*A*Y*Y" in segs and "REF*F8*2025123456789" in segs


def test_control_numbers_are_unique_persisted_and_never_reused() -> None:
    claims = _clean(*(cf.coded_encounter() for _ in range(3)))
    first = services.claims_export_837(claim_ids=[claims[0].pk]).batches[0]
    with pytest.raises(services.ExportError):
        services.claims_export_837(claim_ids=[claims[1].pk, 999999])  # rolls back, but its number stays used
    second = services.claims_export_837(claim_ids=[claims[2].pk]).batches[0]
    assert second.control_number > first.control_number
    assert X12Batch.objects.filter(control_number=first.control_number).count() == 1
    for batch in (first, second):
        isa = segments(batch.content)[0]
        assert isa[90:99] == f"{batch.control_number:09d}"
        assert "GS*HC*" in batch.content and f"*{batch.control_number}*X*005010X222A1" in batch.content


def test_one_file_per_payer_and_exporting_twice_writes_nothing_new() -> None:
    practice = cf.practice()
    payers = [f.PayerFactory(practice=practice) for _ in range(2)]
    claims = _clean(*(cf.coded_encounter(practice_obj=practice, payer=payers[i % 2]) for i in range(4)))
    result = services.claims_export_837(claim_ids=[c.pk for c in claims])
    assert sorted(b.claim_count for b in result.batches) == [2, 2]
    assert {b.payer_id for b in result.batches} == {p.pk for p in payers}
    assert set(Claim.objects.values_list("status", flat=True)) == {"queued"}
    again = services.claims_export_837(claim_ids=[c.pk for c in claims])
    assert again.batches == [] and len(again.skipped) == 4 and X12Batch.objects.count() == 2


def test_a_broken_claim_set_gets_every_reason_and_nothing_is_written(tmp_path: Path) -> None:
    good = _clean(cf.coded_encounter())[0]
    draft = cf.claim_for(cf.coded_encounter())
    no_zip = _clean(cf.coded_encounter(practice_obj=cf.practice(zip_code="17101")))[0]
    with pytest.raises(CommandError) as exc:
        call_command("export_837", "--out", str(tmp_path), "--claims", str(good.pk), str(draft.pk), str(no_zip.pk))
    message = str(exc.value)
    assert f"Claim {draft.pcn} is draft; only clean claims are exported" in message
    assert f"Claim {no_zip.pcn}: the billing provider's ZIP code must have 9 digits (ZIP+4)" in message
    assert list(tmp_path.iterdir()) == [] and X12Batch.objects.count() == 0
    assert Claim.objects.get(pk=good.pk).status == "clean" and Claim.objects.get(pk=good.pk).batch_id is None


def test_export_command_writes_files_for_every_clean_claim(tmp_path: Path) -> None:
    practice = cf.practice()
    payers = [f.PayerFactory(practice=practice, payer_id=pid) for pid in ("60054", "87726")]
    claims = _clean(*(cf.coded_encounter(practice_obj=practice, payer=payers[i % 2]) for i in range(3)))
    cf.claim_for(cf.coded_encounter(practice_obj=practice))  # a draft: not exported by default
    out = io.StringIO()
    call_command("export_837", "--out", str(tmp_path), "--payer", "60054", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == {"files": 1, "claims": 2}
    out = io.StringIO()
    call_command("export_837", "--out", str(tmp_path), stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == {"files": 1, "claims": 1}
    files = sorted(tmp_path.iterdir())
    assert len(files) == 2 and all(validate_x12(p.read_text()) for p in files)
    assert {p.name for p in files} == set(X12Batch.objects.values_list("filename", flat=True))
    assert Claim.objects.filter(pk__in=[c.pk for c in claims], status="queued").count() == 3


def test_configurable_delimiters_and_clean_data() -> None:
    [claim] = _clean(cf.coded_encounter())
    from claims.selectors import claim_snapshots

    [snap] = claim_snapshots(claim_ids=[claim.pk])
    env = Envelope(control_number=42, sender_id="SENDER1", receiver_id="RECEIVER1", submitter_name="Ac*me|Dermatology", submitter_id="S1",
                   submitter_contact="Billing", receiver_name="CH", submitter_phone="717-555-0100",
                   delimiters=Delimiters(element="|", component=">", segment="\n", repetition="!"),
                   created=dt.datetime(2025, 3, 4, 9, 30))
    text = write_837p([snap], env)
    lines = text.splitlines()
    assert lines[0].endswith("|!|00501|000000042|0|T|>") and lines[1] == "GS|HC|SENDER1|RECEIVER1|20250304|0930|42|X|005010X222A1"
    assert "NM1|41|2|AC*ME DERMATOLOGY|||||46|S1" in lines  # the element separator in data is replaced
    assert validate_x12(text)
    with pytest.raises(ValueError):
        Delimiters(element="*", component="*")


def test_writer_refuses_incomplete_claims_with_reasons() -> None:
    from tests.claims.factories import snap

    bad = snap(payer_id="", member_id="")
    env = Envelope(control_number=1, sender_id="S", receiver_id="R", submitter_name="A", submitter_id="S",
                   submitter_contact="B", receiver_name="C", submitter_phone="7175550100")
    with pytest.raises(X12DataError) as exc:
        write_837p([bad], env)
    assert exc.value.problems == ["Claim C000000001: the payer has no payer ID", "Claim C000000001: no member ID"]
