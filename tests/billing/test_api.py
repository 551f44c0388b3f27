"""The REST API over the shared model: create, read, validate, refuse."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from billing.models import ChargeLine, Encounter, FeeSchedule, FeeScheduleEntry, Patient

pytestmark = pytest.mark.django_db

PATIENT = {"mrn": "N-100", "first_name": "Ana", "last_name": "Quinn", "date_of_birth": "1950-02-03", "sex": "F",
           "address_line1": "9 Elm St", "city": "York", "state": "PA", "zip_code": "17401"}


def test_biller_creates_patient_and_coverage(world: Any, api_for: Any) -> None:
    api = api_for(world.biller)
    resp = api.post("/api/v1/patients/", PATIENT, format="json")
    assert resp.status_code == 201, resp.content
    patient = Patient.objects.get(pk=resp.json()["id"])
    assert patient.practice == world.practice
    payer = world.patient.coverages.get().payer
    resp = api.post("/api/v1/coverages/", {"patient": patient.pk, "payer": payer.pk, "member_id": "ABC123",
                                           "effective_from": "2024-01-01", "effective_to": "2023-01-01"}, format="json")
    assert resp.status_code == 400 and "effective_to" in resp.json()
    resp = api.post("/api/v1/coverages/", {"patient": patient.pk, "payer": payer.pk, "member_id": "ABC123",
                                           "effective_from": "2024-01-01"}, format="json")
    assert resp.status_code == 201, resp.content


def test_bad_values_get_field_errors_and_nothing_is_written(world: Any, api_for: Any) -> None:
    api = api_for(world.biller)
    before = Patient.objects.count()
    resp = api.post("/api/v1/patients/", {**PATIENT, "date_of_birth": "2999-01-01", "state": "ZZ", "zip_code": "1"},
                    format="json")
    assert resp.status_code == 400
    assert {"date_of_birth", "state", "zip_code"} <= set(resp.json())
    resp = api.post("/api/v1/patients/", "{not json", content_type="application/json")
    assert resp.status_code == 400
    resp = api.post("/api/v1/patients/", {**PATIENT, "mrn": world.patient.mrn}, format="json")
    assert resp.status_code == 400  # duplicate MRN in the practice: a clear 400, not a 500
    assert Patient.objects.count() == before


def test_coder_builds_an_encounter_with_codes_priced_from_the_fee_schedule(world: Any, api_for: Any) -> None:
    fs = FeeSchedule.objects.create(practice=world.practice, name="Std", kind="charge", effective_from=dt.date(2020, 1, 1))
    FeeScheduleEntry.objects.create(practice=world.practice, schedule=fs, code="99213", amount="150.00")
    api = api_for(world.coder)
    resp = api.post("/api/v1/encounters/", {"patient": world.patient.pk, "provider": world.encounter.provider_id,
                                            "location": world.encounter.location_id, "date_of_service": "2026-01-05",
                                            "specialty": "primary_care", "note_text": "HTN follow-up. BP 128/80."},
                    format="json")
    assert resp.status_code == 201, resp.content
    encounter = Encounter.objects.get(pk=resp.json()["id"])
    assert encounter.status == "awaiting_coding" and encounter.notes.get().text.startswith("HTN")
    assert api.post("/api/v1/diagnoses/", {"encounter": encounter.pk, "code": "i10"}, format="json").status_code == 201
    resp = api.post("/api/v1/charge-lines/", {"encounter": encounter.pk, "code": "99213", "units": 1,
                                              "diagnosis_pointers": [1]}, format="json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["charge_amount"] == "150.00" and resp.json()["line_number"] == 1
    bad = api.post("/api/v1/charge-lines/", {"encounter": encounter.pk, "code": "99213", "units": 0,
                                             "modifiers": ["2"], "diagnosis_pointers": [5]}, format="json")
    assert bad.status_code == 400 and {"units", "modifiers", "diagnosis_pointers"} & set(bad.json())
    assert ChargeLine.objects.filter(encounter=encounter).count() == 1
    assert api.get(f"/api/v1/diagnoses/?encounter={encounter.pk}").json()["results"][0]["code"] == "I10"


def test_future_date_of_service_refused(world: Any, api_for: Any) -> None:
    resp = api_for(world.coder).post("/api/v1/encounters/", {
        "patient": world.patient.pk, "provider": world.encounter.provider_id, "location": world.encounter.location_id,
        "date_of_service": (dt.date.today() + dt.timedelta(days=3)).isoformat(), "specialty": "dermatology"},
        format="json")
    assert resp.status_code == 400 and "date_of_service" in resp.json()


def test_token_auth_and_schema_and_docs_without_cdn(world: Any, client: Any) -> None:
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.biller)
    resp = client.get("/api/v1/patients/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert resp.status_code == 200 and resp.json()["count"] == 1
    assert client.get("/api/schema/").status_code == 200
    client.force_login(world.biller)
    docs = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs and "cdn" not in docs.lower()


def test_phi_responses_are_not_cached(world: Any, client_for: Any) -> None:
    resp = client_for(world.biller).get(f"/api/v1/patients/{world.patient.pk}/")
    assert "no-store" in resp["Cache-Control"]
