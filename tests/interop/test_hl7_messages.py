"""HL7 v2 in: ADT, DFT, MDM and ORU applied through billing.services, acknowledged, stored, idempotent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from billing.models import ChargeLine, ChartNote, Coverage, Diagnosis, Encounter, Patient
from interop.hl7.reader import decode, parse
from interop.models import Channel, ExternalRef, InboundMessage, UnroutedMessage
from interop.services.messages import hl7_receive, message_process
from tests import factories as f
from tests.interop import samples

pytestmark = pytest.mark.django_db


def receive(text: str, **kw: Any) -> Any:
    return hl7_receive(raw=text.encode(kw.pop("encoding", "utf-8")), channel=Channel.MLLP, **kw)


def msa(ack: str) -> list[str]:
    return next(s for s in ack.split("\r") if s.startswith("MSA|")).split("|")


def test_adt_a04_registers_the_patient_and_insurance_and_is_acked(ready: Any) -> None:
    got = receive(samples.adt())
    assert got.ack_code == "AA"
    assert msa(got.ack)[:3] == ["MSA", "AA", "ADT0001"]
    assert got.ack.startswith("MSH|^~\\&|RCM|RCMBILLING|EPIC|DERMCLINIC|")
    assert "|ACK^A04^ACK|" in got.ack
    p = Patient.objects.get(practice=ready.practice, mrn="MRN10001")
    assert (p.first_name, p.middle_name, p.last_name, str(p.date_of_birth), p.sex) == ("Grace", "A", "Okafor", "1958-03-14", "F")
    assert (p.address_line1, p.address_line2, p.city, p.state, p.zip_code) == ("48 Linden St", "Apt 2", "Harrisburg", "PA", "171021234")
    assert (p.phone, p.email) == ("7175550142", "grace.okafor@example.org")
    c = Coverage.objects.get(patient=p)
    assert (c.payer_id, c.member_id, c.group_number, c.plan_name, c.priority, c.relationship, str(c.effective_from)) == (
        ready.aetna.pk, "W123456789", "GRP-4471", "Aetna Choice PPO", 1, "18", "2025-01-01")
    message = InboundMessage.objects.get(control_id="ADT0001")
    assert (message.practice_id, message.status, message.ack_code, message.sender) == (
        ready.practice.pk, "processed", "AA", "DERMCLINIC")
    assert message.raw == samples.adt().rstrip("\r")  # kept as received (segments CR-separated)
    assert message.patient_ids == [p.pk]


def test_a08_updates_and_an_older_update_arriving_late_does_not_overwrite(ready: Any) -> None:
    receive(samples.adt())
    newer = receive(samples.adt("ADT0003", trigger="A08", when="20260107090000", phone="^PRN^PH^^^717^5550300", in1=[]))
    older = receive(samples.adt("ADT0002", trigger="A08", when="20260106090000", phone="^PRN^PH^^^717^5550200",
                                last="Okafor-Smith", in1=[]))
    assert (newer.ack_code, older.ack_code) == ("AA", "AA")
    assert "Older than data already applied" in msa(older.ack)[3]
    p = Patient.objects.get(mrn="MRN10001")
    assert (p.phone, p.last_name) == ("7175550300", "Okafor")
    assert [o["action"] for o in InboundMessage.objects.get(control_id="ADT0002").outcomes] == ["stale"]
    assert ExternalRef.objects.get(kind="patient", key="mrn:MRN10001").source_time.isoformat() == "2026-01-07T14:00:00+00:00"


def test_dft_p03_lands_coded_with_its_charges_priced_as_sent(ready: Any) -> None:
    got = receive(samples.dft(dos=ready.dos))
    assert got.ack_code == "AA", got.ack
    enc = Encounter.objects.get(patient__mrn="MRN10001")
    assert (enc.status, enc.date_of_service, enc.provider_id, enc.location_id) == (
        "coded", ready.dos, ready.provider.pk, ready.location.pk)
    assert list(Diagnosis.objects.filter(encounter=enc).values_list("rank", "code")) == [(1, "L57.0"), (2, "L82.1")]
    assert list(ChargeLine.objects.filter(encounter=enc).values_list("line_number", "code", "modifiers", "units",
                                                                     "charge_amount", "diagnosis_pointers")) == [
        (1, "99213", ["25"], 1, Decimal("120.00"), [1]), (2, "17000", [], 1, Decimal("140.00"), [1]),
        (3, "17003", [], 2, Decimal("50.00"), [1])]


def test_resending_the_same_control_id_is_acked_from_the_store_and_not_applied_again(ready: Any) -> None:
    first = receive(samples.dft(dos=ready.dos))
    second = receive(samples.dft(dos=ready.dos))
    assert second.duplicate and second.ack == first.ack
    assert ChargeLine.objects.filter(encounter__patient__mrn="MRN10001").count() == 3
    assert InboundMessage.objects.filter(control_id="DFT0001").count() == 1
    reused = receive(samples.dft(dos=ready.dos, visit="V9002"))  # same MSH-10, different content
    assert reused.ack_code == "AR" and "already used for a different message" in msa(reused.ack)[3]
    assert UnroutedMessage.objects.filter(control_id="DFT0001").count() == 1


def test_a_new_control_id_for_the_same_charges_updates_instead_of_duplicating(ready: Any) -> None:
    receive(samples.dft(dos=ready.dos))
    again = receive(samples.dft("DFT0002", dos=ready.dos, when="20260106170000"))
    assert again.ack_code == "AA"
    assert ChargeLine.objects.filter(encounter__patient__mrn="MRN10001").count() == 3
    assert Encounter.objects.filter(patient__mrn="MRN10001").count() == 1
    assert {o["action"] for o in InboundMessage.objects.get(control_id="DFT0002").outcomes} == {"unchanged"}


def test_mdm_note_lands_in_the_coding_queue_and_the_oru_path_report_beside_it(ready: Any) -> None:
    assert receive(samples.mdm(dos=ready.dos)).ack_code == "AA"
    enc = Encounter.objects.get(patient__mrn="MRN10001")
    assert enc.status == "awaiting_coding"
    assert receive(samples.oru(dos=ready.dos)).ack_code == "AA"
    notes = list(ChartNote.objects.filter(encounter=enc).order_by("pk").values_list("kind", "author", "text"))
    assert [n[:2] for n in notes] == [("progress", "Elena Marsh"), ("pathology", "Priya Natarajan")]
    assert notes[0][2] == "\n".join(samples.NOTE_LINES)
    assert notes[1][2].splitlines()[:2] == ["Surgical pathology level IV (final)", "SPECIMEN: Skin, left forearm, shave biopsy."]
    assert Encounter.objects.filter(patient__mrn="MRN10001").count() == 1


def test_an_edited_document_is_added_as_an_amendment_and_an_older_result_is_not(ready: Any) -> None:
    receive(samples.mdm(dos=ready.dos))
    receive(samples.mdm("MDM0002", dos=ready.dos, trigger="T08", when="20260105150000",
                        lines=["Addendum: biopsy site healing well."]))
    receive(samples.oru(dos=ready.dos, status="F", reported="20260108143000"))
    late = receive(samples.oru("ORU0002", dos=ready.dos, status="P", reported="20260107090000", text=["Preliminary."]))
    texts = list(ChartNote.objects.filter(encounter__patient__mrn="MRN10001").order_by("pk").values_list("author", "text"))
    assert len(texts) == 3
    assert texts[1] == ("Elena Marsh (amended)", "Addendum: biopsy site healing well.")
    assert [o["action"] for o in InboundMessage.objects.get(control_id="ORU0002").outcomes if o["kind"] == "note"] == ["stale"]
    assert late.ack_code == "AA"


@pytest.mark.parametrize(("change", "expected"), [
    (lambda m: m.replace("L82.1^Other seborrheic keratosis^I10", "L99.99^Bogus^I10"), "Unknown ICD-10-CM code L99.99"),
    (lambda m: m.replace("17003^^CPT4", "17999^^CPT4"), "Unknown CPT code 17999"),
    (lambda m: m.replace("L82.1^Other seborrheic keratosis^I10", "702.0^AK^I9"), "ICD-9 code"),
    (lambda m: m.replace("L82.1^Other seborrheic keratosis^I10", "L57^AK^I10"), "not billable"),
    (lambda m: m.replace(samples.NPI, "1234567893"), "No provider with NPI 1234567893"),
    (lambda m: m.replace("MRN10001^^^DERMCLINIC^MR~", ""), "PID-3"),
    (lambda m: m.replace("|19580314|", "|19581345|"), "Date of birth '19581345' is not a date"),
])
def test_content_errors_answer_ae_with_the_reason_and_write_nothing(ready: Any, change: Any, expected: str) -> None:
    before = (Patient.objects.count(), Encounter.objects.count(), ChargeLine.objects.count(), Diagnosis.objects.count())
    got = receive(change(samples.dft(dos=ready.dos)))
    assert got.ack_code == "AE"
    assert expected in got.message.error
    assert "|207^^HL70357|E|" in got.ack
    assert (Patient.objects.count(), Encounter.objects.count(), ChargeLine.objects.count(), Diagnosis.objects.count()) == before
    assert got.message.status == "error"


def test_a_failed_message_applies_when_resent_after_the_practice_adds_the_provider(ready: Any) -> None:
    npi = samples.OTHER_NPI
    failed = receive(samples.dft(dos=ready.dos, npi=npi))
    assert failed.ack_code == "AE"
    f.ProviderFactory(practice=ready.practice, npi=npi)
    retried = receive(samples.dft(dos=ready.dos, npi=npi))
    assert retried.ack_code == "AA"
    assert InboundMessage.objects.get(control_id="DFT0001").attempts == 2
    assert Encounter.objects.get(patient__mrn="MRN10001").provider.npi == npi


def test_missing_fields_for_a_new_patient_are_named(ready: Any) -> None:
    got = receive(samples.adt(address="", in1=[]))
    assert got.ack_code == "AE"
    assert "Patient MRN10001 is new and lacks address_line1, city, state, zip_code" in got.message.error


def test_declared_latin1_is_decoded_and_undeclared_latin1_is_rejected(ready: Any) -> None:
    latin = samples.adt("ADT-L1", last="Muñoz").replace("|2.5.1", "|2.5.1|||AL|NE||8859/1", 1)
    assert receive(latin, encoding="latin-1").ack_code == "AA"
    assert Patient.objects.get(mrn="MRN10001").last_name == "Muñoz"
    bad = receive(samples.adt("ADT-L2", mrn="MRN10002", last="Gómez"), encoding="latin-1")
    assert bad.ack_code == "AR"
    assert "not valid UTF-8" in msa(bad.ack)[3]
    assert not Patient.objects.filter(mrn="MRN10002").exists()


def test_escaped_delimiters_and_lf_segment_endings_are_read(ready: Any) -> None:
    text = samples.adt("ADT-E1", last="O\\T\\Brien").replace("\r", "\n")
    assert receive(text).ack_code == "AA"
    assert Patient.objects.get(mrn="MRN10001").last_name == "O&Brien"


def test_unsupported_types_and_unknown_senders_are_rejected(ready: Any) -> None:
    got = receive(samples.adt("ADT-M1", trigger="A40"))
    assert got.ack_code == "AR" and "Patient merges (A40) are done by hand" in got.message.error
    assert "Patient merges (A40) are done by hand" in got.ack  # ERR-8 carries the whole reason, MSA-3 its first 80
    assert InboundMessage.objects.get(control_id="ADT-M1").status == "rejected"
    stranger = receive(samples.adt("ADT-S1").replace("DERMCLINIC", "ELSEWHERE"))
    assert stranger.ack_code == "AR" and stranger.message is None
    assert "|204^^HL70357|E|" in stranger.ack
    assert not Patient.objects.exists() or not Patient.objects.filter(mrn="MRN10001").exists()


def test_messages_belong_to_the_mapped_practice_only(ready: Any) -> None:
    receive(samples.dft(dos=ready.dos))
    assert not Patient.objects.filter(practice=ready.world.other_practice, mrn="MRN10001").exists()
    assert set(ExternalRef.objects.values_list("practice_id", flat=True)) == {ready.practice.pk}


def test_billed_encounters_refuse_new_charges_with_a_clear_reason(ready: Any) -> None:
    receive(samples.dft(dos=ready.dos))
    Encounter.objects.filter(patient__mrn="MRN10001").update(status="billed")
    extra = [f"FT1|1|T-NEW||{samples.ymd(ready.dos)}|{samples.ymd(ready.dos)}|CG|11102^Tangential biopsy^CPT4|||1|150.00"
             f"||||||||L57.0^AK^I10"]
    got = receive(samples.dft("DFT0009", dos=ready.dos, ft1=extra, dg1=[]))
    assert got.ack_code == "AE" and "billed" in got.message.error
    assert ChargeLine.objects.filter(encounter__patient__mrn="MRN10001").count() == 3


def test_stored_messages_can_be_processed_again_idempotently(ready: Any) -> None:
    got = receive(samples.adt())
    again = message_process(message_id=got.message.pk)
    assert again.duplicate and again.ack == got.ack


def test_reader_reads_encodings_declared_in_msh18() -> None:
    raw = samples.adt().replace("|2.5.1", "|2.5.1|||AL|NE||8859/1", 1).replace("Okafor", "Ødegård").encode("latin-1")
    parsed = parse(decode(raw))
    assert parsed.batch.patients[0].last_name == "Ødegård"
