"""The coding API: suggest, code search, and the worksheet flow end to end; another practice is a 404."""

from __future__ import annotations

from typing import Any

import pytest

from coding.models import CodingLine
from tests.coding.factories import fee_schedule

pytestmark = pytest.mark.django_db
NOTE = ("S: two rough spots on the scalp; no bleeding.\nA: Actinic keratoses x2, scalp. No SCC.\n"
        "P: LN2 cryotherapy to both lesions today.")


def test_suggest_returns_codes_with_evidence_and_rules(world: Any, codesets: Any, api_for: Any) -> None:
    resp = api_for(world.coder).post("/api/v1/coding/suggest",
                                     {"note": NOTE, "patient": {"age": 70, "sex": "M", "new_patient": False}},
                                     format="json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert [d["code"] for d in body["diagnoses"]] == ["L57.0"]
    assert [(p["code"], p["units"]) for p in body["procedures"]] == [("17000", 1), ("17003", 1)]
    ak = body["diagnoses"][0]
    assert ak["label"] == "Actinic keratosis" and ak["rule"] and 0 < ak["confidence"] <= 1
    start, end = ak["evidence"][0]["start"], ak["evidence"][0]["end"]
    assert NOTE[start:end] == "Actinic keratoses" and ak["evidence"][0]["assertion"] == "affirmed"
    assert body["procedures"][1]["pointers"] == ["L57.0"] and body["messages"] == []


def test_suggest_refuses_bad_input_and_roles_without_coding(world: Any, api_for: Any) -> None:
    assert api_for(world.coder).post("/api/v1/coding/suggest", {"patient": {"age": 3}}, format="json").status_code == 400
    assert api_for(world.coder).post("/api/v1/coding/suggest", {"note": "x", "sex": "Q"}, format="json").status_code == 400
    assert api_for(world.biller).post("/api/v1/coding/suggest", {"note": NOTE}, format="json").status_code == 403


def test_code_search_api(world: Any, codesets: Any, api_for: Any) -> None:
    api = api_for(world.coder)
    hits = api.get("/api/v1/coding/codes", {"q": "1110", "system": "CPT"}).json()
    assert [h["code"] for h in hits][:2] == ["11102", "11103"]
    assert api.get("/api/v1/coding/codes", {"q": "x", "system": "LOINC"}).status_code == 400


def test_worksheet_flow_through_the_api(world: Any, codesets: Any, api_for: Any) -> None:
    fee_schedule(world.practice)
    api = api_for(world.coder)
    assert api.post("/api/v1/coding/next").json() == {"encounter": world.encounter.pk}
    sheet = api.get(f"/api/v1/coding/worksheets/{world.encounter.pk}").json()
    assert [(x["code"], x["decision"]) for x in sheet["lines"]] == [("L57.0", "pending"), ("17000", "pending"),
                                                                      ("17003", "pending")]
    assert sheet["messages"][0]["code"] == "pending"
    for line in sheet["lines"]:
        resp = api.post(f"/api/v1/coding/worksheets/{world.encounter.pk}/lines/{line['id']}/decision",
                        {"decision": "accepted"}, format="json")
        assert resp.status_code == 200 and resp.json()["decision"] == "accepted"
    added = api.post(f"/api/v1/coding/worksheets/{world.encounter.pk}/lines",
                     {"kind": "dx", "code": "L82.1"}, format="json")
    assert added.status_code == 201 and added.json()["decision"] == "added"
    done = api.post(f"/api/v1/coding/worksheets/{world.encounter.pk}/complete")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "coded"
    assert [(c["code"], c["units"], c["charge_amount"]) for c in done.json()["charge_lines"]] == [
        ("17000", 1, "140.00"), ("17003", 2, "44.00")]
    again = api.post(f"/api/v1/coding/worksheets/{world.encounter.pk}/complete")
    assert again.status_code == 400 and "complete" in again.json()["non_field_errors"][0]
    report = {r["key"]: r["accepted"] for r in api.get("/api/v1/coding/acceptance").json()}
    assert report == {"L57": 1, "L82": 0, "Destruction, premalignant": 2}


def test_another_practice_is_not_found(world: Any, codesets: Any, api_for: Any) -> None:
    api = api_for(world.coder)
    assert api.get(f"/api/v1/coding/worksheets/{world.other_encounter.pk}").status_code == 404
    assert api.post(f"/api/v1/coding/worksheets/{world.other_encounter.pk}/complete").status_code == 404
    outsider_sheet = api_for(world.outsider).get(f"/api/v1/coding/worksheets/{world.other_encounter.pk}")
    line = CodingLine.objects.filter(worksheet__encounter=world.other_encounter).first()
    assert outsider_sheet.status_code == 200 and line is not None
    resp = api.post(f"/api/v1/coding/worksheets/{world.encounter.pk}/lines/{line.pk}/decision",
                    {"decision": "rejected"}, format="json")
    assert resp.status_code == 404
    line.refresh_from_db()
    assert line.decision == "pending"
