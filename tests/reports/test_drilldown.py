"""Every number links to the rows behind it, and those rows add up to the number (page, CSV and API)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal as D
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from reports import selectors
from reports.forms import ListParamsForm, ReportFilterForm
from tests.reports.scenario import Scenario, build, dashboard, kpi

pytestmark = pytest.mark.django_db


@pytest.fixture
def sc(world: Any) -> Scenario:
    return build(world)


def rows_of(sc: Scenario, url: str) -> tuple[Any, dict[str, Any]]:
    """The list a dashboard link opens, read through the same forms the view uses."""
    parts = urlparse(url)
    kind = parts.path.rstrip("/").rsplit("/", 1)[1]
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    filters = ReportFilterForm({k: v for k, v in q.items() if k in ReportFilterForm.base_fields},
                               practice_id=sc.world.practice.pk).to_filters()
    params = ListParamsForm({k: v for k, v in q.items() if k in ListParamsForm.base_fields}).to_params()
    assert filters is not None and params is not None, url
    qs = selectors.report_list(kind=kind, practice_id=sc.world.practice.pk, filters=filters, params=params)
    return qs, selectors.list_totals(kind, qs)


def test_aging_links_on_the_page_add_up_to_their_numbers(sc: Scenario, client_for: Any) -> None:
    html = client_for(sc.world.manager).get("/reports/", sc.range()).content.decode()
    cells = re.findall(r'<a href="(/reports/lists/ar/[^"]+)"[^>]*>\$([\d,]+\.\d\d)</a>', html)
    assert len(cells) > 20
    for href, shown in cells:
        _qs, totals = rows_of(sc, href.replace("&amp;", "&"))
        assert totals["balance"] == D(shown.replace(",", "")), href


def test_kpi_drills_match_their_counts(sc: Scenario) -> None:
    from django.urls import reverse

    from reports.links import drill_url

    data = dashboard(sc)
    filters = data["filters"]
    assert reverse("reports:list", args=["ar"]).startswith("/reports/lists/")
    for k in data["kpis"]:
        for spec_key, number_key in (("drill", "num"), ("den_drill", "den")):
            spec = dict(k.get(spec_key) or {})
            if not spec or k.get(number_key) is None:
                continue
            _qs, totals = rows_of(sc, drill_url(filters, spec.pop("kind"), **spec))
            number = k[number_key]
            measure = totals.get("balance", totals.get("amount"))
            if k["key"] == "suggestion_acceptance":
                assert totals["accepted" if spec_key == "drill" else "suggested"] == number
            elif k.get("num_kind") == "money" or k["key"] == "days_in_ar":
                assert measure == number, (k["key"], spec_key)
            else:
                assert totals["rows"] == number, (k["key"], spec_key)
    ncr = kpi(data, "net_collection_rate")
    spec = dict(ncr["minus_drill"])
    _qs, totals = rows_of(sc, drill_url(filters, spec.pop("kind"), **spec))
    assert totals["amount"] == ncr["den_minus"] == D("116.00")
    assert ncr["value"] == ncr["num"] / (ncr["den"] - ncr["den_minus"])
    assert kpi(data, "initial_denial_rate")["amount"] == D("290.00")


def test_list_contents(sc: Scenario) -> None:
    data = dashboard(sc)
    f = data["filters"]
    clean = selectors.claims_list(practice_id=sc.world.practice.pk, filters=f,
                                  params=selectors.ListParams(kpi="clean"))
    assert sorted(c.claim_id for c in clean) == sorted([sc.c1.pk, sc.c2.pk])
    over_90 = selectors.ar_list(practice_id=sc.world.practice.pk, filters=f, params=selectors.ListParams(age="over_90"))
    assert [(r.claim_id, r.bucket, r.balance) for r in over_90] == [(sc.c4.pk, "ins", D("100.00"))]
    overdue = selectors.claims_list(practice_id=sc.world.practice.pk, filters=f,
                                    params=selectors.ListParams(status="submitted", overdue=True))
    assert [c.claim_id for c in overdue] == [sc.c3.pk]
    denials = selectors.denials_list(practice_id=sc.world.practice.pk, filters=f,
                                     params=selectors.ListParams(group="CO", carc="50"))
    assert [(d.claim_id, d.amount) for d in denials] == [(sc.c2.pk, D("150.00"))]
    payments = selectors.money_list(practice_id=sc.world.practice.pk, filters=f,
                                    params=selectors.ListParams(measure="payments"))
    assert sorted(p.shown for p in payments) == [D("67.20"), D("72.00")]
    month = selectors.money_list(practice_id=sc.world.practice.pk, filters=f,
                                 params=selectors.ListParams(measure="charges", month=sc.c4.date_of_service.replace(day=1)))
    assert D("100.00") in [m.shown for m in month]


def test_trend_and_denial_links_match(sc: Scenario, client_for: Any) -> None:
    html = client_for(sc.world.manager).get("/reports/", sc.range()).content.decode()
    money = re.findall(r'<a href="(/reports/lists/(?:money|denials)/[^"]+)"[^>]*>\$([\d,]+\.\d\d)</a>', html)
    assert len(money) >= 8
    for href, shown in money:
        _qs, totals = rows_of(sc, href.replace("&amp;", "&"))
        assert totals["amount"] == D(shown.replace(",", "")), href


def test_list_page_and_csv_match(sc: Scenario, client_for: Any) -> None:
    client = client_for(sc.world.manager)
    resp = client.get("/reports/lists/ar/", sc.range(bucket="ins"))
    assert resp.status_code == 200
    assert b"$300.00" in resp.content and b"Cigna" in resp.content
    csv_resp = client.get("/reports/lists/ar/", sc.range(bucket="ins", format="csv"))
    assert csv_resp.status_code == 200 and csv_resp["Content-Type"].startswith("text/csv")
    body = b"".join(csv_resp.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted((r["Payer"], r["Balance"]) for r in rows) == [("Aetna", "100.00"), ("Cigna", "200.00")]
    xlsx = client.get("/reports/lists/claims/", sc.range(kpi="adjudicated", format="xlsx"))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    from rcm.models import AccessLog

    exported = AccessLog.objects.filter(action="export", object_type="charge_line").get()
    assert exported.practice_id == sc.world.practice.pk and len(exported.object_ids) == 2


def test_api_twins(sc: Scenario, api_for: Any) -> None:
    api = api_for(sc.world.manager)
    body = api.get("/api/v1/reports/dashboard/", sc.range(payer=str(sc.cigna.pk))).json()
    assert body["ar"]["total"] == "200.00" and body["filters"]["payer"] == str(sc.cigna.pk)
    over = {k["key"]: k for k in body["kpis"]}
    assert over["clean_claim_rate"]["value"] is None  # Cigna's only claim (c3) has no answer: nothing to divide by
    assert D(over["ar_over_90"]["value"]) == 0 and over["net_collection_rate"]["value"] == "0.00"
    bucket = next(b for b in body["ar"]["buckets"] if b["key"] == "31_60")
    listed = api.get(bucket["drill"]).json()
    assert listed["totals"]["balance"] == bucket["total"] == "200.00"
    assert listed["count"] == 1 and listed["results"][0]["payer"] == "Cigna"
    assert api.get("/api/v1/reports/lists/nothing/").status_code == 404
    assert api.get("/api/v1/reports/lists/ar/", {"age": "bogus"}).status_code == 400
