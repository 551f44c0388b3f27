"""Each role lands on its own queue, and roles gate what a user may do."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from billing.models import Patient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role, landing", [("coder", "coding:queue"), ("biller", "claims:queue"),
                                           ("manager", "reports:dashboard"), ("admin", "reports:dashboard")])
def test_role_lands_on_its_page(world: Any, client_for: Any, role: str, landing: str) -> None:
    client = client_for(getattr(world, role))
    resp = client.get(reverse("home"))
    assert resp.status_code == 302 and resp.url == reverse(landing)
    assert client.get(resp.url).status_code == 200


def test_login_page_and_real_login_redirects_to_landing(world: Any, client: Any) -> None:
    assert client.get(reverse("login")).status_code == 200
    resp = client.post(reverse("login"), {"username": "a_coder", "password": "pw-for-tests-1"})
    assert resp.status_code == 302
    # the second step (tests/rcm/test_mfa.py covers it in depth), then the landing page
    from tests.e2e.auth import totp_code

    resp = client.post(reverse("mfa_verify"), {"token": totp_code("a_coder"), "next": resp.url}, follow=True)
    assert resp.redirect_chain[-1][0] == reverse("coding:queue")
    assert b"Coding queue" in resp.content


def test_anonymous_is_sent_to_login(client: Any, db: Any) -> None:
    for name in ("coding:queue", "claims:queue", "billing:dashboard", "billing:patients"):
        resp = client.get(reverse(name))
        assert resp.status_code == 302 and resp.url.startswith(reverse("login"))
    assert client.get("/api/v1/patients/").status_code in (401, 403)


def test_roles_gate_pages(world: Any, client_for: Any) -> None:
    assert client_for(world.coder).get(reverse("claims:queue")).status_code == 403
    assert client_for(world.coder).get(reverse("billing:dashboard")).status_code == 403
    assert client_for(world.biller).get(reverse("coding:queue")).status_code == 403
    assert client_for(world.manager).get(reverse("coding:queue")).status_code == 403
    assert client_for(world.admin).get(reverse("coding:queue")).status_code == 200
    assert client_for(world.coder).get(reverse("billing:patient_new")).status_code == 403


def test_roles_gate_api_writes(world: Any, api_for: Any) -> None:
    body = {"first_name": "Renamed"}
    assert api_for(world.coder).patch(f"/api/v1/patients/{world.patient.pk}/", body, format="json").status_code == 403
    assert api_for(world.manager).patch(f"/api/v1/patients/{world.patient.pk}/", body, format="json").status_code == 403
    assert api_for(world.biller).patch(f"/api/v1/patients/{world.patient.pk}/", body, format="json").status_code == 200
    assert Patient.objects.get(pk=world.patient.pk).first_name == "Renamed"
    resp = api_for(world.biller).post("/api/v1/diagnoses/", {"encounter": world.encounter.pk, "code": "L57.0"}, format="json")
    assert resp.status_code == 403
    resp = api_for(world.coder).post("/api/v1/diagnoses/", {"encounter": world.encounter.pk, "code": "L57.0"}, format="json")
    assert resp.status_code == 201, resp.content


def test_queues_list_the_right_encounters_oldest_first(world: Any, client_for: Any) -> None:
    from tests import factories as f

    older = f.EncounterFactory(patient=world.patient, date_of_service=world.encounter.date_of_service.replace(day=1)
                               if world.encounter.date_of_service.day > 1 else world.encounter.date_of_service)
    resp = client_for(world.coder).get(reverse("coding:queue"))
    ids = [e.pk for e in resp.context["page"].object_list]
    assert world.encounter.pk in ids and older.pk in ids and world.other_encounter.pk not in ids
    dates = [e.date_of_service for e in resp.context["page"].object_list]
    assert dates == sorted(dates)
    resp = client_for(world.biller).get(reverse("claims:queue"))
    assert list(resp.context["page"].object_list) == []  # nothing coded yet


def test_dashboard_counts_and_totals(world: Any, client_for: Any, api_for: Any) -> None:
    from decimal import Decimal

    from tests import factories as f

    dx = f.DiagnosisFactory(encounter=world.encounter)
    f.ChargeLineFactory(encounter=dx.encounter, charge_amount=Decimal("140.00"))
    resp = client_for(world.manager).get(reverse("billing:dashboard"))
    assert resp.context["summary"]["encounters"] == 1
    assert resp.context["summary"]["charges"] == Decimal("140.00")
    body = api_for(world.manager).get("/api/v1/dashboard/summary/").json()
    assert body["encounters"] == 1 and body["charges"] == "140.00"
    assert api_for(world.coder).get("/api/v1/dashboard/summary/").status_code == 403


@pytest.mark.parametrize(("role", "url", "body"), [
    ("coder", "/api/v1/payers/", {"kind": "medicaid", "name": "P"}),
    ("manager", "/api/v1/payers/", {"kind": "medicaid", "name": "P"}),
    ("biller", "/api/v1/fee-schedules/", {"effective_from": "2025-01-01", "kind": "charge", "name": "F"}),
    ("coder", "/api/v1/providers/", {"first_name": "A", "last_name": "B", "npi": "1234567893",
                                      "taxonomy": "207N00000X", "specialty": "dermatology"}),
])
def test_creating_without_the_role_anywhere_is_403_without_naming_a_practice(world: Any, api_for: Any, role: str,
                                                                            url: str, body: dict) -> None:
    """(Found by schemathesis: with no practice where the role may write, the default practice was None → 500.)"""
    resp = api_for(getattr(world, role)).post(url, body, format="json")
    assert resp.status_code == 403, resp.content
