"""Who viewed PHI is logged by the app; who changed it is captured by PostgreSQL triggers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from billing.models import Patient
from rcm.models import AccessLog

pytestmark = pytest.mark.django_db


def test_page_read_writes_an_access_record(world: Any, client_for: Any) -> None:
    client_for(world.biller).get(reverse("billing:patient_detail", args=[world.patient.pk]))
    row = AccessLog.objects.get(object_type="patient", action="view")
    assert (row.username, row.practice_id, row.object_ids, row.patient_ids, row.via) == (
        "a_biller", world.practice.pk, [world.patient.pk], [world.patient.pk], "page")
    client_for(world.coder).get(reverse("billing:encounter_detail", args=[world.encounter.pk]))
    assert AccessLog.objects.filter(object_type="encounter", username="a_coder", patient_ids=[world.patient.pk]).exists()


def test_api_read_and_list_write_access_records(world: Any, api_for: Any) -> None:
    api = api_for(world.biller)
    api.get(f"/api/v1/patients/{world.patient.pk}/")
    api.get("/api/v1/encounters/")
    api.get(f"/api/v1/notes/?encounter={world.encounter.pk}")
    assert AccessLog.objects.filter(via="api", action="view", object_type="patient", object_ids=[world.patient.pk]).exists()
    assert AccessLog.objects.filter(via="api", action="list", object_type="encounter", patient_ids=[world.patient.pk]).exists()
    assert AccessLog.objects.filter(via="api", object_type="chart_note", patient_ids=[world.patient.pk]).exists()


def test_refused_read_writes_no_access_record(world: Any, api_for: Any) -> None:
    api_for(world.biller).get(f"/api/v1/patients/{world.other_patient.pk}/")
    assert not AccessLog.objects.filter(patient_ids__contains=[world.other_patient.pk]).exists()


def test_changes_are_recorded_with_the_user_including_bulk_and_raw_sql(world: Any, api_for: Any, client_for: Any) -> None:
    api_for(world.biller).patch(f"/api/v1/patients/{world.patient.pk}/", {"phone": "7175550100"}, format="json")
    Patient.objects.filter(practice=world.practice).update(city="Lancaster")  # bulk: no model signals fire
    with connection.cursor() as cur:
        cur.execute("UPDATE billing_patient SET zip_code = '17601' WHERE id = %s", [world.patient.pk])
    events = [e for e in _events(world, client_for) if e["object_id"] == world.patient.pk and e["event"] == "update"]
    assert len(events) == 3
    assert {e["data"]["zip_code"] for e in events} >= {"17601"}
    assert events[-1]["user"] == "a_biller"  # oldest: the API change, attributed to the biller


def _events(world: Any, client_for: Any) -> list[dict[str, Any]]:
    resp = client_for(world.manager).get(reverse("audit_changes") + "?model=Patient")
    assert resp.status_code == 200
    return resp.context["events"]


def test_manager_browses_both_logs_page_and_api(world: Any, client_for: Any, api_for: Any) -> None:
    client_for(world.biller).get(reverse("billing:patient_detail", args=[world.patient.pk]))
    manager = client_for(world.manager)
    resp = manager.get(reverse("audit_access"))
    assert resp.status_code == 200 and b"a_biller" in resp.content
    api = api_for(world.manager)
    body = api.get("/api/v1/audit/access/").json()
    assert any(r["username"] == "a_biller" and r["object_type"] == "patient" for r in body["results"])
    changes = api.get("/api/v1/audit/changes/?model=Encounter").json()
    assert any(c["object_id"] == world.encounter.pk and c["event"] == "insert" for c in changes)
    assert all(c["data"]["practice_id"] == world.practice.pk for c in changes)
    assert api_for(world.coder).get("/api/v1/audit/access/").status_code == 403
    assert client_for(world.biller).get(reverse("audit_changes")).status_code == 403
