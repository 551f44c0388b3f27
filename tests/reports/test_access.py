"""Role gates and tenancy: managers and admins only; a manager of A never sees B's numbers or rows (404)."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest
from django.urls import reverse

from reports.models import ArFact, ClaimFact
from tests.reports.scenario import Scenario, build

pytestmark = pytest.mark.django_db

PAGES = ["/reports/", "/reports/lists/ar/", "/reports/lists/claims/", "/reports/pdf/"]
APIS = ["/api/v1/reports/dashboard/", "/api/v1/reports/lists/ar/", "/api/v1/reports/lists/money/"]


@pytest.fixture
def sc(world: Any) -> Scenario:
    return build(world)


@pytest.mark.parametrize("role, status", [("coder", 403), ("biller", 403), ("manager", 200), ("admin", 200)])
def test_role_gates(sc: Scenario, client_for: Any, api_for: Any, role: str, status: int) -> None:
    user = getattr(sc.world, role)
    client = client_for(user)
    for url in PAGES:
        assert client.get(url).status_code == status, url
    for url in APIS:
        assert api_for(user).get(url).status_code == status, url
    assert client.post("/reports/refresh/").status_code == (302 if status == 200 else 403)


def test_anonymous_goes_to_login(client: Any, db: Any) -> None:
    resp = client.get("/reports/")
    assert resp.status_code == 302 and resp.url.startswith(reverse("login"))
    assert client.get("/api/v1/reports/dashboard/").status_code in (401, 403)


def test_manager_and_admin_land_on_the_dashboard(sc: Scenario, client_for: Any) -> None:
    for user in (sc.world.manager, sc.world.admin):
        resp = client_for(user).get(reverse("home"))
        assert resp.status_code == 302 and resp.url == reverse("reports:dashboard")
        page = client_for(user).get(resp.url)
        assert b"<h1>Practice dashboard</h1>" in page.content


def test_a_manager_of_a_never_sees_b(sc: Scenario, client_for: Any, api_for: Any) -> None:
    b = sc.world.other_practice
    # B's summaries exist (its 1,000.00 claim) but A's figures leave them out
    assert ClaimFact.objects.filter(practice=b).count() == 1
    assert ArFact.objects.filter(practice=b).get().balance == D("1000.00")
    client = client_for(sc.world.manager)
    page = client.get("/reports/", sc.range())
    assert page.context["data"]["ar"]["total"] == D("334.80")
    assert b"1,000.00" not in page.content
    claims = client.get("/reports/lists/claims/", sc.range()).content.decode()
    assert sc.c1.pcn in claims and sc.other_claim.pcn not in claims
    # asking for B's numbers or rows by its id is a 404, on pages and in the API
    for url in PAGES:
        assert client.get(url, {"practice": b.pk}).status_code == 404, url
    for url in APIS:
        assert api_for(sc.world.manager).get(url, {"practice": b.pk}).status_code == 404, url
    body = api_for(sc.world.manager).get("/api/v1/reports/lists/claims/", sc.range()).json()
    assert sc.other_claim.pk not in [r["id"] for r in body["results"]] and body["count"] == 4


def test_b_sees_only_b(sc: Scenario, api_for: Any) -> None:
    body = api_for(sc.world.outsider).get("/api/v1/reports/dashboard/", sc.range()).json()
    assert body["ar"]["total"] == "1000.00"
    listed = api_for(sc.world.outsider).get("/api/v1/reports/lists/ar/", sc.range()).json()
    assert listed["count"] == 1 and listed["totals"]["balance"] == "1000.00"


def test_pdf_is_a_pdf_of_the_page(sc: Scenario, client_for: Any) -> None:
    resp = client_for(sc.world.manager).get("/reports/pdf/", {"month": sc.today.strftime("%Y-%m")})
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF") and len(resp.content) > 3000
    from reportlab.lib.utils import open_for_read  # noqa: F401  (reportlab is installed: the PDF was drawn by it)


def test_refresh_task_rebuilds_and_beat_lists_it(sc: Scenario, django_capture_on_commit_callbacks: Any,
                                                 client_for: Any) -> None:
    from rcm.celery import app
    from reports.models import RefreshState
    from reports.tasks import summaries_refresh_practice

    before = RefreshState.objects.get(practice=sc.world.practice).snapshot_at
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert client_for(sc.world.manager).post("/reports/refresh/").status_code == 302
    assert len(callbacks) == 1
    assert RefreshState.objects.get(practice=sc.world.practice).snapshot_at > before
    result = summaries_refresh_practice(sc.world.practice.pk)
    assert result["refreshed"] and result["rows"]["claimfact"] == 4
    assert any(e["task"] == "reports.tasks.summaries_refresh_due" for e in app.conf.beat_schedule.values())
