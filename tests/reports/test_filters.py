"""The page's filters apply to every figure: payer, provider, location and the date range."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from tests.reports.scenario import Scenario, build, dashboard, kpi

pytestmark = pytest.mark.django_db


@pytest.fixture
def sc(world: Any) -> Scenario:
    return build(world)


def test_payer_filter(sc: Scenario) -> None:
    data = dashboard(sc, payer=str(sc.cigna.pk))
    assert data["ar"]["total"] == D("200.00")
    assert data["money"]["charges"] == D("200.00")
    assert data["claims"]["claims"] == 1 and data["denials"]["total"]["denials"] == 0
    assert [q["status"] for q in data["queues"]] == ["submitted"]
    aetna = dashboard(sc, payer=str(sc.aetna.pk))
    # Aetna: c4 owes 100; the patient's share of Aetna's c1 stays with Aetna's figures
    assert (aetna["ar"]["ins"], aetna["ar"]["pat"]) == (D("100.00"), D("34.80"))
    assert aetna["money"]["charges"] == D("680.00")
    assert kpi(aetna, "gross_collection_rate")["value"] == D("139.20") / D("680.00")
    assert aetna["coding"]["total"]["worksheets"] == 2


def test_provider_and_location_filters(sc: Scenario) -> None:
    p1 = dashboard(sc, provider=str(sc.p1.pk))
    assert (p1["ar"]["total"], p1["money"]["charges"], p1["claims"]["claims"]) == (D("34.80"), D("580.00"), 2)
    l2 = dashboard(sc, location=str(sc.l2.pk))
    assert (l2["ar"]["total"], l2["money"]["charges"], l2["claims"]["claims"]) == (D("300.00"), D("300.00"), 2)
    assert l2["coding"]["total"]["worksheets"] == 0


def test_date_range_filter(sc: Scenario) -> None:
    start = (sc.today - dt.timedelta(days=60)).isoformat()
    data = dashboard(sc, date_from=start)  # only c1 (T-10) and c3 (T-45)
    assert (data["ar"]["total"], data["money"]["charges"], data["claims"]["claims"]) == (D("234.80"), D("490.00"), 2)
    assert data["denials"]["total"]["denials"] == 0
    assert kpi(data, "days_in_ar")["value"] == D("234.80") / (D("490.00") / 61)


def test_invalid_filters_are_refused(sc: Scenario, client_for: Any) -> None:
    client = client_for(sc.world.manager)
    assert client.get("/reports/", {"date_from": "2026-05-01", "date_to": "2026-01-01"}).status_code == 400
    assert client.get("/reports/lists/ar/", {"age": "nonsense"}).status_code == 400
    assert client_for(sc.world.manager).get("/api/v1/reports/dashboard/", {"provider": "abc"}).status_code == 400
