"""The claims API: list with the queue's filters and order, detail, edit, scrub, moves, bulk jobs, payer rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from claims import services
from claims.models import Claim, PayerRule
from rcm.models import AccessLog, Job
from tests import factories as f
from tests.claims import factories as cf
from tests.claims.fakes import fake_code_index

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fake_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    from claims.scrub import data as scrub_data

    monkeypatch.setattr(scrub_data, "default_code_index", lambda: fake_code_index)


def _claim(world: Any, **kw: Any) -> Claim:
    return cf.claim_for(cf.coded_encounter(practice_obj=world.practice, **kw))


def test_list_detail_and_filters(world: Any, api_for: Any) -> None:
    a = _claim(world, dos=dt.date.today() - dt.timedelta(days=40))
    b = _claim(world, lines=(("99213", (), 1, (1,), "150.00"), ("17000", (), 1, (1,), "140.00")))
    services.claims_scrub(claim_ids=[a.pk, b.pk])
    api = api_for(world.biller)
    listed = api.get("/api/v1/claims/").json()
    assert [c["id"] for c in listed["results"]] == [a.pk, b.pk] and listed["count"] == 2
    assert [c["id"] for c in api.get("/api/v1/claims/", {"rule": "EM_NEEDS_25"}).json()["results"]] == [b.pk]
    assert [c["id"] for c in api.get("/api/v1/claims/", {"status": "clean"}).json()["results"]] == [a.pk]
    detail = api.get(f"/api/v1/claims/{b.pk}/").json()
    assert detail["scrub_findings"][0]["rule"] == "EM_NEEDS_25" and detail["lines"][0]["code"] == "99213"
    assert [h["to_status"] for h in detail["history"]] == ["draft", "scrubbed_errors"]
    assert AccessLog.objects.filter(object_type="claim", via="api", action="view").count() == 1


def test_patch_then_scrub_fixes_the_claim(world: Any, api_for: Any) -> None:
    claim = _claim(world, lines=(("99213", (), 1, (1,), "150.00"), ("17000", (), 1, (1,), "140.00")))
    api = api_for(world.biller)
    response = api.patch(f"/api/v1/claims/{claim.pk}/", {"prior_authorization": "PA-1",
                                                          "lines": [{"line_number": 1, "modifiers": ["25"]}]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["prior_authorization"] == "PA-1" and response.json()["status"] == "draft"
    scrubbed = api.post(f"/api/v1/claims/{claim.pk}/scrub/").json()
    assert scrubbed["status"] == "clean" and scrubbed["scrub_findings"] == []
    bad = api.patch(f"/api/v1/claims/{claim.pk}/", {"lines": [{"line_number": 1, "units": 0}]}, format="json")
    assert bad.status_code == 400 and Claim.objects.get(pk=claim.pk).status == "clean"


def test_transition_and_correction(world: Any, api_for: Any) -> None:
    claim = _claim(world)
    api = api_for(world.biller)
    refused = api.post(f"/api/v1/claims/{claim.pk}/transition/", {"to_status": "queued"}, format="json")
    assert refused.status_code == 400 and Claim.objects.get(pk=claim.pk).status == "draft"
    api.post(f"/api/v1/claims/{claim.pk}/scrub/")
    assert api.post(f"/api/v1/claims/{claim.pk}/transition/", {"to_status": "queued"}, format="json").json()["status"] == "queued"
    early = api.post(f"/api/v1/claims/{claim.pk}/correct/", {"frequency": "7"}, format="json")
    assert early.status_code == 400 and Claim.objects.count() == 1
    for to in ("submitted", "accepted", "denied"):
        services.claim_transition(Claim.objects.get(pk=claim.pk), to)
    made = api.post(f"/api/v1/claims/{claim.pk}/correct/", {"frequency": "7"}, format="json")
    assert made.status_code == 201 and made.json()["frequency"] == "7" and made.json()["original_claim"] == claim.pk
    assert api.post("/api/v1/claims/", {}, format="json").status_code == 405


def test_bulk_scrub_job_and_queue(world: Any, api_for: Any, django_capture_on_commit_callbacks: Any) -> None:
    a, b = _claim(world), _claim(world)
    api = api_for(world.biller)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/claims/bulk/", {"action": "scrub", "claims": [a.pk, b.pk]}, format="json")
    assert response.status_code == 202 and response.json()["kind"] == "claims.scrub"
    job = api.get(f"/api/v1/jobs/{response.json()['id']}/").json()
    assert job["status"] == "done" and job["result"]["clean"] == 2
    queued = api.post("/api/v1/claims/bulk/", {"action": "queue", "claims": [a.pk, b.pk]}, format="json")
    assert queued.json() == {"queued": [a.pk, b.pk]}


def test_other_practice_is_not_found(world: Any, api_for: Any) -> None:
    mine = _claim(world)
    outsider = api_for(world.outsider)
    assert outsider.get(f"/api/v1/claims/{mine.pk}/").status_code == 404
    assert outsider.patch(f"/api/v1/claims/{mine.pk}/", {"member_id": "X"}, format="json").status_code == 404
    assert outsider.post(f"/api/v1/claims/{mine.pk}/scrub/").status_code == 404
    assert outsider.get("/api/v1/claims/").json()["count"] == 0
    assert outsider.post("/api/v1/claims/bulk/", {"action": "scrub", "claims": [mine.pk]}, format="json").status_code in (403, 404)
    assert Job.objects.count() == 0 and Claim.objects.get(pk=mine.pk).member_id != "X"
    assert api_for(world.coder).get("/api/v1/claims/").json()["count"] == 0


def test_payer_rules_are_admin_data(world: Any, api_for: Any) -> None:
    payer = f.PayerFactory(practice=world.practice)
    body = {"payer": payer.pk, "kind": "requires_referring", "value": "", "severity": "error"}
    assert api_for(world.biller).post("/api/v1/payer-rules/", body, format="json").status_code == 403
    created = api_for(world.admin).post("/api/v1/payer-rules/", body, format="json")
    assert created.status_code == 201, created.json()
    assert PayerRule.objects.get().payer == payer
    foreign = f.PayerFactory(practice=world.other_practice)
    assert api_for(world.admin).post("/api/v1/payer-rules/", {**body, "payer": foreign.pk}, format="json").status_code == 400
    assert api_for(world.biller).get("/api/v1/payer-rules/").json()["count"] == 1
    assert len(api_for(world.biller).get("/api/v1/claims/scrub-rules/").json()) >= 30
