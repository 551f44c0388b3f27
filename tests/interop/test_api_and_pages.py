"""API and pages: who may import, see and export what (owner / colleague / outsider), and the page flows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import Encounter, Patient
from interop.models import CsvImport, Hl7Sender, InboundMessage
from rcm.models import AccessLog
from tests.interop import samples
from tests.interop.test_csv_import import PATIENTS

pytestmark = pytest.mark.django_db


def test_fhir_bundle_post_imports_for_a_biller_only(ready: Any, api_for: Any) -> None:
    w = ready.world
    body = json.dumps(samples.bundle(dos=ready.dos))
    assert api_for(w.coder).post("/api/v1/fhir/Bundle", body, content_type="application/fhir+json").status_code == 403
    outsider = api_for(w.outsider).post(f"/api/v1/fhir/Bundle?practice={ready.practice.pk}", body,
                                        content_type="application/fhir+json")
    assert outsider.status_code == 404
    assert not Patient.objects.filter(mrn="MRN20001").exists()
    got = api_for(w.biller).post("/api/v1/fhir/Bundle", body, content_type="application/fhir+json")
    assert got.status_code == 200 and got["Content-Type"] == "application/fhir+json"
    assert got.json()["type"] == "batch-response"
    assert Patient.objects.get(mrn="MRN20001").practice_id == ready.practice.pk
    bad = api_for(w.biller).post("/api/v1/fhir/Bundle", b"\xff\xfe\x00garbage", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["resourceType"] == "OperationOutcome"


def test_hl7_over_https_answers_each_message(ready: Any, api_for: Any) -> None:
    body = samples.adt() + samples.dft(dos=ready.dos)
    got = api_for(ready.world.biller).post("/api/v1/interop/hl7/", body.encode(), content_type="x-application/hl7-v2+er7")
    assert got.status_code == 200
    assert [(a["control_id"], a["ack_code"]) for a in got.json()["acks"]] == [("ADT0001", "AA"), ("DFT0001", "AA")]
    assert Encounter.objects.get(patient__mrn="MRN10001").status == "coded"


def test_messages_are_scoped_and_their_reads_logged(ready: Any, api_for: Any, client_for: Any) -> None:
    from interop.models import Channel
    from interop.services.messages import hl7_receive

    message = hl7_receive(raw=samples.adt().encode(), channel=Channel.MLLP).message
    w = ready.world
    assert api_for(w.outsider).get(f"/api/v1/interop/messages/{message.pk}/").status_code == 404
    assert api_for(w.outsider).get("/api/v1/interop/messages/").json()["count"] == 0
    assert api_for(w.coder).get("/api/v1/interop/messages/").json()["count"] == 0  # coders do not see interfaces
    detail = api_for(w.biller).get(f"/api/v1/interop/messages/{message.pk}/")
    assert detail.status_code == 200 and detail.json()["raw"].startswith("MSH|")
    assert client_for(w.outsider).get(f"/interop/messages/{message.pk}/").status_code == 404
    page = client_for(w.biller).get(f"/interop/messages/{message.pk}/")
    assert page.status_code == 200 and b"ADT0001" in page.content
    log = AccessLog.objects.filter(object_type="inbound_message", action="view", via="page").get()
    assert log.patient_ids == message.patient_ids


def test_eob_and_patient_reads_are_404_for_other_practices(ready: Any, api_for: Any, client_for: Any) -> None:
    from tests.payments import factories as pf

    claim = pf.sent_claim(practice=ready.practice, payer=ready.aetna)
    w = ready.world
    assert api_for(w.outsider).get(f"/api/v1/fhir/ExplanationOfBenefit/{claim.pk}").status_code == 404
    eob = api_for(w.biller).get(f"/api/v1/fhir/ExplanationOfBenefit/{claim.pk}")
    assert eob.status_code == 200 and eob.json()["identifier"][0]["value"] == claim.pcn
    search = api_for(w.biller).get(f"/api/v1/fhir/ExplanationOfBenefit?patient={claim.patient_id}").json()
    assert [e["resource"]["resourceType"] for e in search["entry"]][:2] == ["ExplanationOfBenefit", "Patient"]
    assert api_for(w.outsider).get(f"/api/v1/fhir/Patient/{w.patient.pk}").status_code == 404
    patient = api_for(w.coder).get(f"/api/v1/fhir/Patient/{w.patient.pk}").json()
    assert patient["identifier"][0]["value"] == w.patient.mrn
    assert api_for(w.biller).get("/api/v1/fhir/Invoice").json()["type"] == "searchset"
    assert client_for(w.outsider).get(f"/interop/exports/eob/{claim.pk}.json").status_code == 404
    page = client_for(w.biller).get(f"/interop/exports/eob/{claim.pk}.json")
    assert page.status_code == 200 and json.loads(page.content)["entry"][0]["resource"]["id"] == f"claim-{claim.pk}"


def test_sender_mappings_need_the_admin_role(ready: Any, api_for: Any, client_for: Any) -> None:
    w = ready.world
    data = {"sending_facility": "LABCORP", "default_location": ready.location.pk}
    assert api_for(w.biller).post("/api/v1/interop/senders/", data, format="json").status_code == 403
    assert client_for(w.biller).get("/interop/senders/").status_code == 403
    created = api_for(w.admin).post("/api/v1/interop/senders/", data, format="json")
    assert created.status_code == 201, created.json()
    assert Hl7Sender.objects.get(sending_facility="LABCORP").practice_id == ready.practice.pk
    other_location = ready.world.other_encounter.location
    hostile = api_for(w.admin).post("/api/v1/interop/senders/", {"sending_facility": "X", "default_location": other_location.pk},
                                    format="json")
    assert hostile.status_code == 400 and not Hl7Sender.objects.filter(sending_facility="X").exists()
    page = client_for(w.admin).post("/interop/senders/", {"sending_facility": "QUEST", "is_active": "on"})
    assert page.status_code == 302 and Hl7Sender.objects.filter(sending_facility="QUEST", practice=ready.practice).exists()


def test_csv_api_upload_preview_commit(ready: Any, api_for: Any) -> None:
    api = api_for(ready.world.biller)
    upload = api.post("/api/v1/interop/csv-imports/", {"kind": "patients",
                                                       "file": SimpleUploadedFile("p.csv", PATIENTS.encode())},
                      format="multipart")
    assert upload.status_code == 201 and upload.json()["mapping"]["mrn"] == "Patient ID"
    pk = upload.json()["id"]
    assert api_for(ready.world.outsider).post(f"/api/v1/interop/csv-imports/{pk}/commit/").status_code == 404
    preview = api.post(f"/api/v1/interop/csv-imports/{pk}/preview/", {}, format="json").json()
    assert preview["status"] == "valid" and preview["preview"]["counts"] == {"patient": {"created": 2}}
    assert api.post(f"/api/v1/interop/csv-imports/{pk}/commit/").json()["status"] == "committed"
    assert Patient.objects.filter(mrn__in=["P-100", "P-101"], practice=ready.practice).count() == 2


def test_pages_upload_files_and_the_job_processes_them(ready: Any, client_for: Any,
                                                       django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(ready.world.biller)
    assert client.get("/interop/").status_code == 200
    assert client_for(ready.world.coder).get("/interop/").status_code == 403
    files = [SimpleUploadedFile("visit.hl7", (samples.adt() + samples.mdm(dos=ready.dos)).encode()),
             SimpleUploadedFile("bundle.json", json.dumps(samples.bundle(dos=ready.dos)).encode())]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(ready.world.biller).post("/interop/upload/", {"files": files})
    assert response.status_code == 302 and "?job=" in response["Location"]
    assert sorted(InboundMessage.objects.values_list("message_type", "status", "channel")) == [
        ("ADT^A04", "processed", "upload"), ("Bundle/batch", "processed", "upload"), ("MDM^T02", "processed", "upload")]
    page = client_for(ready.world.biller).get(response["Location"])
    assert b"3 message(s)" in page.content
    assert Encounter.objects.filter(patient__mrn__in=["MRN10001", "MRN20001"], status="awaiting_coding").count() == 2


def test_csv_pages_map_preview_and_import(ready: Any, client_for: Any) -> None:
    client = client_for(ready.world.biller)
    response = client.post("/interop/csv/", {"kind": "patients", "file": SimpleUploadedFile("p.csv", PATIENTS.encode())})
    imp = CsvImport.objects.get()
    assert response["Location"] == f"/interop/csv/{imp.pk}/"
    assert client_for(ready.world.outsider).get(f"/interop/csv/{imp.pk}/").status_code == 404
    client = client_for(ready.world.biller)  # the same test client, signed in again as the owner
    mapping = {**imp.mapping, "email": ""}
    preview = client.post(f"/interop/csv/{imp.pk}/", {**mapping, "action": "preview"}, HTTP_HX_REQUEST="true")
    assert preview.status_code == 200 and b'data-status="valid"' in preview.content
    assert b"<html" not in preview.content  # the partial only
    assert not Patient.objects.filter(mrn="P-100").exists()
    client.post(f"/interop/csv/{imp.pk}/", {"action": "commit"})
    imp.refresh_from_db()
    assert imp.status == "committed" and Patient.objects.get(mrn="P-100").email == ""


def test_exports_pages_give_csv_and_xlsx(ready: Any, client_for: Any) -> None:
    client = client_for(ready.world.biller)
    assert client.get("/interop/exports/").status_code == 200
    csv_response = client.get("/interop/exports/balances.csv")
    assert csv_response.status_code == 200 and b"".join(csv_response.streaming_content).startswith("\ufeffmrn,".encode())
    assert client.get("/interop/exports/balances.xlsx")["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/interop/messages/export.csv").status_code == 200
    assert client.get("/interop/messages/export.pdf").status_code == 404
    assert client_for(ready.world.coder).get("/interop/exports/balances.csv").status_code == 403
