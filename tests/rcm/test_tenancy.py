"""Another practice's objects do not exist for a user: 404 on every page and API route."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from billing.models import Coverage, Diagnosis

pytestmark = pytest.mark.django_db


def _page_urls(w: Any) -> list[str]:
    cov = Coverage.objects.get(patient=w.other_patient)
    return [
        reverse("billing:patient_detail", args=[w.other_patient.pk]),
        reverse("billing:patient_edit", args=[w.other_patient.pk]),
        reverse("billing:coverage_new", args=[w.other_patient.pk]),
        reverse("billing:coverage_edit", args=[w.other_patient.pk, cov.pk]),
        reverse("billing:encounter_detail", args=[w.other_encounter.pk]),
        reverse("billing:dashboard") + f"?practice={w.other_practice.pk}",
        reverse("billing:patients") + f"?practice={w.other_practice.pk}",
    ]


def _api_urls(w: Any) -> list[str]:
    cov = Coverage.objects.get(patient=w.other_patient)
    note = w.other_encounter.notes.get()
    return [
        f"/api/v1/patients/{w.other_patient.pk}/",
        f"/api/v1/coverages/{cov.pk}/",
        f"/api/v1/encounters/{w.other_encounter.pk}/",
        f"/api/v1/notes/{note.pk}/",
        f"/api/v1/payers/{cov.payer_id}/",
        f"/api/v1/providers/{w.other_encounter.provider_id}/",
        f"/api/v1/locations/{w.other_encounter.location_id}/",
        f"/api/v1/practices/{w.other_practice.pk}/",
        f"/api/v1/dashboard/summary/?practice={w.other_practice.pk}",
        f"/api/v1/audit/access/?practice={w.other_practice.pk}",
    ]


def test_pages_of_another_practice_are_404_for_every_role(world: Any, client_for: Any) -> None:
    for user in (world.coder, world.biller, world.manager, world.admin):
        client = client_for(user)
        for url in _page_urls(world):
            assert client.get(url).status_code in (404, 403), (user.username, url)
        # detail pages specifically must be 404 (existence is not disclosed)
        assert client.get(reverse("billing:patient_detail", args=[world.other_patient.pk])).status_code == 404
        assert client.get(reverse("billing:encounter_detail", args=[world.other_encounter.pk])).status_code == 404


def test_api_objects_of_another_practice_are_404(world: Any, api_for: Any) -> None:
    api = api_for(world.admin)
    for url in _api_urls(world):
        assert api.get(url).status_code == 404, url
        if "/summary/" not in url and "/audit/" not in url:
            assert api.patch(url, {"first_name": "X"}, format="json").status_code in (404, 405), url
            assert api.delete(url).status_code in (404, 405), url


def test_api_lists_never_include_another_practice(world: Any, api_for: Any) -> None:
    api = api_for(world.admin)
    for resource in ("patients", "coverages", "encounters", "notes", "payers", "providers", "locations", "practices"):
        body = api.get(f"/api/v1/{resource}/").json()
        assert body["count"] >= 1, resource
        practices = {row.get("practice", row.get("id")) for row in body["results"]}
        assert practices == {world.practice.pk}, resource


def test_api_refuses_links_to_another_practice_objects(world: Any, api_for: Any) -> None:
    api = api_for(world.biller)
    other_payer = Coverage.objects.get(patient=world.other_patient).payer
    resp = api.post("/api/v1/coverages/", {"patient": world.patient.pk, "payer": other_payer.pk, "member_id": "Z1",
                                           "effective_from": "2024-01-01"}, format="json")
    assert resp.status_code == 400
    assert "payer" in resp.json()
    coder = api_for(world.coder)
    resp = coder.post("/api/v1/diagnoses/", {"encounter": world.other_encounter.pk, "code": "L57.0"}, format="json")
    assert resp.status_code == 400 and "encounter" in resp.json()
    assert not Diagnosis.objects.filter(encounter=world.other_encounter).exists()
    # naming another practice explicitly is refused too
    resp = api.post("/api/v1/patients/", {"practice": world.other_practice.pk, "mrn": "X", "first_name": "A",
                                          "last_name": "B", "date_of_birth": "1970-01-01", "sex": "F",
                                          "address_line1": "1 A St", "city": "X", "state": "PA", "zip_code": "17101"},
                    format="json")
    assert resp.status_code == 400 and "practice" in resp.json()


def test_outsider_sees_only_their_own_practice(world: Any, api_for: Any) -> None:
    api = api_for(world.outsider)
    assert api.get(f"/api/v1/patients/{world.patient.pk}/").status_code == 404
    assert api.get(f"/api/v1/patients/{world.other_patient.pk}/").status_code == 200
