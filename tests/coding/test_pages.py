"""Workbench pages: who may open them, what they show, and the htmx fragments."""

from __future__ import annotations

from typing import Any

import pytest

from billing.models import Encounter
from coding.models import CodingLine
from rcm.models import AccessLog
from tests.coding.factories import fee_schedule

pytestmark = pytest.mark.django_db


def test_coder_sees_the_note_with_evidence_and_the_suggestions(world: Any, codesets: Any, client_for: Any) -> None:
    page = client_for(world.coder).get(f"/coding/encounters/{world.encounter.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<mark class="evidence" title="L57.0" data-codes="L57.0">Actinic keratoses</mark>' in html
    assert ">Cryotherapy</mark>" in html and "17003" in html and "Complete coding" in html
    assert AccessLog.objects.filter(user=world.coder, object_type="encounter", object_ids=[world.encounter.pk]).exists()


def test_matrix_coder_biller_outsider(world: Any, codesets: Any, client_for: Any, client: Any) -> None:
    url = f"/coding/encounters/{world.encounter.pk}/"
    assert client_for(world.biller).get(url).status_code == 403
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    assert client.get(f"/coding/encounters/{world.other_encounter.pk}/").status_code == 200  # B's own encounter
    client.force_login(world.coder)
    assert client.get(f"/coding/encounters/{world.other_encounter.pk}/").status_code == 404
    assert client.post(f"/coding/encounters/{world.other_encounter.pk}/complete/").status_code == 404


def test_deciding_with_htmx_returns_the_panel(world: Any, codesets: Any, client_for: Any) -> None:
    client = client_for(world.coder)
    client.get(f"/coding/encounters/{world.encounter.pk}/")
    line = CodingLine.objects.get(worksheet__encounter=world.encounter, code="17003")
    resp = client.post(f"/coding/encounters/{world.encounter.pk}/lines/{line.pk}/",
                       {"decision": "accepted", "code": "17003", "units": "4", "modifiers": "",
                        "pointers_present": "1", "pointers": ["L57.0"]}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200 and resp.content.decode().lstrip().startswith('<div id="coding-panel">')
    line.refresh_from_db()
    assert (line.decision, line.units, line.suggested_units) == ("edited", 4, 2)


def test_complete_redirects_to_the_encounter_with_its_charges(world: Any, codesets: Any, client_for: Any) -> None:
    fee_schedule(world.practice)
    client = client_for(world.coder)
    client.get(f"/coding/encounters/{world.encounter.pk}/")
    assert client.post(f"/coding/encounters/{world.encounter.pk}/accept-all/").status_code == 302
    resp = client.post(f"/coding/encounters/{world.encounter.pk}/complete/", follow=True)
    assert resp.redirect_chain[-1][0] == f"/encounters/{world.encounter.pk}/"
    html = resp.content.decode()
    assert "coded: 2 charge line(s)" in html and "$184.00" in html
    assert Encounter.objects.get(pk=world.encounter.pk).status == "coded"


def test_a_refused_completion_says_why_and_keeps_the_page(world: Any, codesets: Any, client_for: Any) -> None:
    client = client_for(world.coder)
    resp = client.post(f"/coding/encounters/{world.encounter.pk}/complete/", follow=True)
    assert resp.redirect_chain[-1][0] == f"/coding/encounters/{world.encounter.pk}/"
    assert "still pending" in resp.content.decode()


def test_next_encounter_opens_the_workbench(world: Any, codesets: Any, client_for: Any) -> None:
    resp = client_for(world.coder).post("/coding/queue/next/")
    assert resp.status_code == 302 and resp["Location"] == f"/coding/encounters/{world.encounter.pk}/"
    queue = client_for(world.coder).get("/coding/queue/").content.decode()
    assert "a_coder" in queue  # shown as being coded


def test_code_search_fragment_and_acceptance_report(world: Any, codesets: Any, client_for: Any) -> None:
    client = client_for(world.coder)
    html = client.get(f"/coding/codes/?q=actinic+kera&encounter={world.encounter.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert "L57.0" in html and "Add diagnosis" in html
    assert client.get("/coding/acceptance/?group=coder").status_code == 200
    assert client_for(world.manager).get("/coding/acceptance/").status_code == 200
    assert client_for(world.biller).get("/coding/acceptance/").status_code == 403
