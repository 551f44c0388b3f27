"""FHIR R4 Bundles in: parsed with fhir.resources, applied through billing.services, re-imports update."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from billing.models import ChargeLine, ChartNote, Coverage, Diagnosis, Encounter, Patient
from interop.models import Channel, InboundMessage
from interop.services.fhir import fhir_bundle_receive
from tests import factories as f
from tests.interop import samples

pytestmark = pytest.mark.django_db


def post(ready: Any, data: Any, **kw: Any) -> Any:
    content = data if isinstance(data, bytes) else json.dumps(data).encode()
    return fhir_bundle_receive(practice_id=ready.practice.pk, content=content, channel=Channel.API, **kw)


def statuses(result: Any) -> list[str]:
    return [e["response"]["status"] for e in result.response["entry"]]


def test_a_visit_with_its_note_lands_in_the_coding_queue(ready: Any) -> None:
    got = post(ready, samples.bundle(dos=ready.dos))
    assert got.http_status == 200
    assert got.response["type"] == "batch-response"
    assert statuses(got) == ["201 Created", "200 OK", "200 OK", "201 Created", "201 Created", "201 Created"]
    p = Patient.objects.get(practice=ready.practice, mrn="MRN20001")
    assert (p.first_name, p.middle_name, p.last_name, p.sex, str(p.date_of_birth), p.phone, p.zip_code) == (
        "Minh", "Anh", "Nguyen", "M", "1971-09-02", "7175550199", "17101")
    assert got.response["entry"][0]["response"]["location"] == f"Patient/{p.pk}"
    cov = Coverage.objects.get(patient=p)
    assert (cov.payer_id, cov.member_id, cov.group_number, cov.plan_name, str(cov.effective_from)) == (
        ready.aetna.pk, "W987654321", "GRP-100", "Aetna Choice PPO", "2025-01-01")
    enc = Encounter.objects.get(patient=p)
    assert (enc.status, enc.date_of_service, enc.provider_id, enc.location_id) == (
        "awaiting_coding", ready.dos, ready.provider.pk, ready.location.pk)
    note = ChartNote.objects.get(encounter=enc)
    assert (note.kind, note.author, note.text) == ("progress", "Elena Marsh", "\n".join(samples.NOTE_LINES))


def test_a_visit_that_carries_its_codes_lands_coded(ready: Any) -> None:
    got = post(ready, samples.bundle(dos=ready.dos, coded=True))
    assert got.http_status == 200, got.response
    enc = Encounter.objects.get(patient__mrn="MRN20001")
    assert enc.status == "coded"
    assert list(Diagnosis.objects.filter(encounter=enc).values_list("rank", "code")) == [(1, "L57.0"), (2, "L82.1")]
    assert list(ChargeLine.objects.filter(encounter=enc).values_list("code", "modifiers", "units", "charge_amount",
                                                                     "diagnosis_pointers")) == [
        ("99213", ["25"], 1, Decimal("120.00"), [2]),  # ChargeItem: its price, modifier and reason
        ("17000", [], 1, Decimal("140.00"), [1])]  # Procedure: priced from the fee schedule, reason -> pointer


def test_reimporting_the_same_resources_updates_instead_of_duplicating(ready: Any) -> None:
    post(ready, samples.bundle(dos=ready.dos, coded=True))
    counts = (Patient.objects.count(), Coverage.objects.count(), Encounter.objects.count(), ChargeLine.objects.count(),
              Diagnosis.objects.count(), ChartNote.objects.count())
    same = samples.bundle(dos=ready.dos, coded=True)
    same["id"] = "resent"  # a new Bundle carrying the same resources
    again = post(ready, same)
    assert again.http_status == 200 and not again.duplicate
    assert {o["action"] for o in again.message.outcomes} == {"unchanged"}
    newer = samples.bundle(dos=ready.dos, coded=True, family="Nguyen-Tran", updated="2026-02-01T00:00:00Z")
    changed = post(ready, newer)
    assert [o["action"] for o in changed.message.outcomes if o["kind"] == "patient"] == ["updated"]
    assert Patient.objects.get(mrn="MRN20001").last_name == "Nguyen-Tran"
    older = post(ready, samples.bundle(dos=ready.dos, coded=True, family="Old-Name", updated="2025-12-01T00:00:00Z"))
    assert [o["action"] for o in older.message.outcomes if o["kind"] == "patient"] == ["stale"]
    assert Patient.objects.get(mrn="MRN20001").last_name == "Nguyen-Tran"
    assert counts == (Patient.objects.count(), Coverage.objects.count(), Encounter.objects.count(),
                      ChargeLine.objects.count(), Diagnosis.objects.count(), ChartNote.objects.count())


def test_posting_identical_bytes_twice_answers_from_the_store(ready: Any) -> None:
    first = post(ready, samples.bundle(dos=ready.dos))
    second = post(ready, samples.bundle(dos=ready.dos))
    assert second.duplicate and second.response == first.response
    assert InboundMessage.objects.count() == 1


def test_a_transaction_with_an_unknown_code_writes_nothing(ready: Any) -> None:
    bad = samples.bundle(dos=ready.dos, coded=True, kind="transaction")
    bad["entry"][6]["resource"]["code"]["coding"][0]["code"] = "L99.99"
    got = post(ready, bad)
    assert got.http_status == 400
    assert got.response["resourceType"] == "OperationOutcome"
    texts = [i["diagnostics"] for i in got.response["issue"]]
    assert "Condition/cond-1: Unknown ICD-10-CM code L99.99" in texts[0]
    assert texts[-1] == "Transaction rolled back; nothing was written."
    assert not Patient.objects.filter(mrn="MRN20001").exists()
    assert got.message.status == "error"


def test_a_batch_reports_each_failed_resource_and_keeps_the_rest(ready: Any) -> None:
    bad = samples.bundle(dos=ready.dos, coded=True)
    bad["entry"][9]["resource"]["code"]["coding"][0]["code"] = "99999"  # ChargeItem with an unknown CPT
    got = post(ready, bad)
    assert got.http_status == 200
    entry = got.response["entry"][9]["response"]
    assert entry["status"] == "400 Bad Request"
    assert entry["outcome"]["issue"][0]["diagnostics"] == f"Unknown CPT code 99999 on {ready.dos:%Y-%m-%d}."
    enc = Encounter.objects.get(patient__mrn="MRN20001")
    assert list(ChargeLine.objects.filter(encounter=enc).values_list("code", flat=True)) == ["17000"]
    assert enc.status == "coded"
    assert got.message.status == "partial"


@pytest.mark.parametrize(("mutate", "expected"), [
    (lambda b: b["entry"][0]["resource"].update(birthDate="1971-13-45"), "Invalid Patient: birthDate"),
    (lambda b: b["entry"][0]["resource"].pop("identifier"), "no identifier to use as the MRN"),
    (lambda b: b["entry"][4]["resource"]["participant"][0].update(individual={"display": "Dr Nobody"}),
     "No provider NPI sent"),
    (lambda b: b["entry"][5]["resource"]["content"][0]["attachment"].update(data="not base64!"), "Invalid DocumentReference"),
    (lambda b: b["entry"][5]["resource"]["content"][0]["attachment"].update(contentType="application/pdf"), "is not text"),
    (lambda b: b["entry"][3]["resource"]["payor"][0].update(reference="urn:uuid:nowhere", display="Acme Health"),
     "Payer Acme Health is not set up"),
])
def test_bad_resources_are_reported_by_name(ready: Any, mutate: Any, expected: str) -> None:
    if "NPI" in expected:
        f.ProviderFactory(practice=ready.practice)  # two providers: the NPI cannot be guessed
    data = samples.bundle(dos=ready.dos)
    mutate(data)
    got = post(ready, data)
    messages = [i["diagnostics"] for e in got.response.get("entry", []) for i in e["response"].get("outcome", {}).get("issue", [])]
    assert any(expected in m for m in messages), messages


def test_a_note_in_latin1_with_its_charset_is_decoded(ready: Any) -> None:
    data = samples.bundle(dos=ready.dos, note="")
    att = data["entry"][5]["resource"]["content"][0]["attachment"]
    att.update(contentType="text/plain; charset=iso-8859-1", data=samples.note_b64("Lésion pigmentée, 6 mm.", "latin-1"))
    assert post(ready, data).http_status == 200
    assert ChartNote.objects.get(encounter__patient__mrn="MRN20001").text == "Lésion pigmentée, 6 mm."


def test_wrong_encodings_and_non_json_are_refused(ready: Any) -> None:
    latin = json.dumps(samples.bundle(dos=ready.dos, family="Muñoz"), ensure_ascii=False).encode("latin-1")
    got = post(ready, latin)
    assert got.http_status == 400 and "not UTF-8" in got.response["issue"][0]["diagnostics"]
    assert post(ready, b"<Bundle xmlns='http://hl7.org/fhir'/>").response["issue"][0]["diagnostics"].startswith("FHIR XML")
    assert post(ready, b"{not json").http_status == 400
    utf16 = json.dumps(samples.bundle(dos=ready.dos, family="Muñoz"), ensure_ascii=False).encode("utf-16")
    assert post(ready, utf16).http_status == 200
    assert Patient.objects.get(mrn="MRN20001").last_name == "Muñoz"
    assert not InboundMessage.objects.filter(status="received").exists()


def test_out_of_order_documents_keep_the_newest_version(ready: Any) -> None:
    newer = samples.bundle(dos=ready.dos, note="Final note text.", updated="2026-03-01T00:00:00Z")
    older = copy.deepcopy(samples.bundle(dos=ready.dos, note="Draft note text.", updated="2026-02-01T00:00:00Z"))
    post(ready, newer)
    post(ready, older)
    assert list(ChartNote.objects.filter(encounter__patient__mrn="MRN20001").values_list("text", flat=True)) == [
        "Final note text."]
