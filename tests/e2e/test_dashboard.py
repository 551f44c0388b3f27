"""In a real browser: a practice manager opens the dashboard (charts drawn), narrows the date range and the
payer, drills into an aging bucket and downloads its CSV, whose rows add up to the bucket."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.auth import sign_in
from tests.reports.scenario import build

pytestmark = pytest.mark.django_db(transaction=True)


def test_dashboard_filters_drill_and_csv(page: Page, live_server: Any, world: Any) -> None:
    sc = build(world)
    sign_in(page, live_server, world.manager.username)
    page.goto(f"{live_server.url}/reports/")
    expect(page.get_by_role("heading", name="Practice dashboard")).to_be_visible()
    # the vendored Chart.js drew the aging chart
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-aging'))")
    expect(page.get_by_test_id("kpi-clean_claim_rate")).to_have_text("66.7%")

    page.fill("input[name=date_from]", (sc.today - dt.timedelta(days=60)).isoformat())
    page.select_option("select[name=payer]", str(sc.cigna.pk))
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("ar-total")).to_have_text("$200.00")
    expect(page.get_by_test_id("aging-31_60-ins")).to_have_text("$200.00")
    expect(page.get_by_test_id("report-scope")).to_contain_text("Payer: Cigna")

    page.get_by_test_id("aging-31_60-ins").click()
    expect(page.get_by_role("heading", name="Open balances (A/R)")).to_be_visible()
    expect(page.get_by_test_id("list-balance")).to_have_text("$200.00")
    expect(page.get_by_test_id("list-table")).to_contain_text(sc.c3.pcn)

    with page.expect_download() as info:
        page.get_by_test_id("csv-link").click()
    download = info.value
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))  # noqa: SIM115
    assert [(r["Claim"], r["Payer"], r["Balance"]) for r in rows] == [(sc.c3.pcn, "Cigna", "200.00")]
