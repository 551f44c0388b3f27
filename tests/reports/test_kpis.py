"""Each dashboard figure on the hand-built scenario (tests/reports/scenario.py), worked out here by hand."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from tests.reports.scenario import Scenario, build, dashboard, kpi

pytestmark = pytest.mark.django_db


@pytest.fixture
def sc(world: Any) -> Scenario:
    return build(world)


def test_ar_aging_from_date_of_service_split_insurance_and_patient(sc: Scenario) -> None:
    ar = dashboard(sc)["ar"]
    # c1 (T-10): patient owes the coinsurance 18.00 + 16.80; c3 (T-45): Cigna owes 200; c4 (T-130): Aetna owes 100;
    # c2 was denied in full (its balance is 0).
    assert {b["key"]: (b["ins"], b["pat"]) for b in ar["buckets"]} == {
        "0_30": (D("0.00"), D("34.80")), "31_60": (D("200.00"), D("0.00")), "61_90": (D("0.00"), D("0.00")),
        "91_120": (D("0.00"), D("0.00")), "over_120": (D("100.00"), D("0.00"))}
    assert (ar["total"], ar["ins"], ar["pat"], ar["over_90"]) == (D("334.80"), D("300.00"), D("34.80"), D("100.00"))
    by_payer = {r["name"]: r["total"] for r in ar["by_payer"]}
    assert by_payer == {"Cigna": D("200.00"), "Aetna": D("100.00"), "Patients": D("34.80")}
    assert {r["name"]: r["total"] for r in ar["by_location"]} == {"North office": D("300.00"), "Main office": D("34.80")}
    assert sorted(r["total"] for r in ar["by_provider"]) == [D("34.80"), D("300.00")]


def test_ar_aging_from_first_submission(sc: Scenario) -> None:
    """Every claim was first submitted today (the test built them today), so all A/R is 0-30 days old."""
    ar = dashboard(sc, basis="submission")["ar"]
    assert ar["keys"][-1] == "unsent"
    assert {b["key"]: b["total"] for b in ar["buckets"]}["0_30"] == D("334.80")
    assert ar["over_90"] == D("0.00")


def test_revenue_cycle_kpis(sc: Scenario) -> None:
    data = dashboard(sc)
    # A/R over 90 = 100.00 / 334.80
    assert kpi(data, "ar_over_90")["value"] == D("100.00") / D("334.80")
    # Days in A/R = A/R / (charges / days in the range) = 334.80 / (880.00 / 201)
    assert kpi(data, "days_in_ar")["value"] == D("334.80") / (D("880.00") / 201)
    assert round(kpi(data, "days_in_ar")["value"], 2) == D("76.47")
    # Clean claims: c1 and c2 accepted untouched; c4 rejected first; c3 has no answer yet -> 2 / 3
    assert (kpi(data, "clean_claim_rate")["num"], kpi(data, "clean_claim_rate")["den"]) == (2, 3)
    # Adjudicated: c1 (paid) and c2 (denied); first pass: c1 only -> 1 / 2
    assert (kpi(data, "first_pass_rate")["num"], kpi(data, "first_pass_rate")["den"]) == (1, 2)
    # Initial denials: c2, by count 1 / 2 and by dollars 290.00 / (290.00 + 290.00)
    initial = kpi(data, "initial_denial_rate")
    assert (initial["value"], initial["dollars"], initial["amount"]) == (D("0.5"), D("0.5"), D("290.00"))
    # Final: c2's CO-50 and PI-204 write-offs still stand (not reversed, not moved to the patient)
    final = kpi(data, "final_denial_rate")
    assert (final["value"], final["dollars"], final["amount"]) == (D("0.5"), D("0.5"), D("290.00"))
    # Net collection = payments / (charges - contractual) = 139.20 / (880.00 - 116.00)
    assert kpi(data, "net_collection_rate")["value"] == D("139.20") / D("764.00")
    # Gross collection = 139.20 / 880.00
    assert kpi(data, "gross_collection_rate")["value"] == D("139.20") / D("880.00")
    # Days to payment: c1 served T-10, paid T-3 -> 7 days over one paid claim
    assert (kpi(data, "days_to_payment")["value"], kpi(data, "days_to_payment")["num"]) == (D(7), 1)
    # Charge lag: claims created today for services T-10, T-100, T-45, T-130 -> 285 / 4
    assert kpi(data, "charge_lag")["value"] == D("71.25")
    # Coding: 5 suggestions, 4 kept as suggested; 2 worksheets on 1 day by one coder
    assert kpi(data, "suggestion_acceptance")["value"] == D("0.8")
    assert kpi(data, "coder_throughput")["value"] == D(2)
    assert [(c["coder"], c["worksheets"], c["accepted"], c["rejected"], c["added"]) for c in data["coding"]["coders"]] \
        == [("a_coder", 2, 4, 1, 1)]


def test_every_kpi_has_a_definition_and_a_source(sc: Scenario) -> None:
    for k in dashboard(sc)["kpis"]:
        assert k["definition"] and k["formula"] and k["source"], k["key"]


def test_denials_by_carc_and_category(sc: Scenario) -> None:
    from claims.denials.categories import denial_category

    den = dashboard(sc)["denials"]
    assert [(c["group"], c["carc"], c["denials"], c["amount"], c["claims"], c["rate"]) for c in den["by_carc"]] == [
        ("CO", "50", 1, D("150.00"), 1, D("0.5")), ("PI", "204", 1, D("140.00"), 1, D("0.5"))]
    assert den["total"] == {"denials": 2, "amount": D("290.00"), "claims": 1}
    expected: dict[str, D] = {}
    for group, carc, amount in (("CO", "50", D("150.00")), ("PI", "204", D("140.00"))):
        cat = denial_category(group=group, carc=carc, rarcs=())
        expected[cat] = expected.get(cat, D(0)) + amount
    assert {c["category"]: c["amount"] for c in den["by_category"]} == expected
    # A claim counts once per category: c2 is the only denied claim, so every category rate is 1 / 2
    assert all(c["claims"] == 1 and c["rate"] == D("0.5") for c in den["by_category"])


def test_monthly_trends(sc: Scenario) -> None:
    data = dashboard(sc)
    months = {m["month"]: m for m in data["trends"]}
    paid_month = (sc.today - __import__("datetime").timedelta(days=3)).replace(day=1)
    assert months[paid_month]["payments"] == D("139.20")
    assert months[paid_month]["denials"] == 2 and months[paid_month]["denied_amount"] == D("290.00")
    assert sum((m["charges"] for m in data["trends"]), D(0)) == D("880.00")
    assert sum((m["adjustments"] for m in data["trends"]), D(0)) == D("406.00")  # 116.00 contractual + 290.00 denied
    c4_month = sc.c4.date_of_service.replace(day=1)
    assert months[c4_month]["charges"] >= D("100.00")


def test_work_queue_health(sc: Scenario) -> None:
    queues = {q["status"]: q for q in dashboard(sc)["queues"]}
    # c3 has waited 25 days with no answer (target 21): past target; c4 rejected today; c2 denied today.
    assert (queues["submitted"]["claims"], queues["submitted"]["oldest"], queues["submitted"]["overdue"]) == (1, 25, 1)
    assert queues["submitted"]["target"] == 21
    assert (queues["rejected"]["claims"], queues["rejected"]["overdue"]) == (1, 0)
    assert (queues["denied"]["claims"], queues["denied"]["target"], queues["denied"]["overdue"]) == (1, 10, 0)
    assert "paid" not in queues


def test_a_denial_not_worked_in_ten_days_is_past_target(sc: Scenario) -> None:
    import datetime as dt

    from django.utils import timezone

    from claims.models import Claim
    from reports.services import summaries_refresh

    Claim.objects.filter(pk=sc.c2.pk).update(status_changed_at=timezone.now() - dt.timedelta(days=11))
    summaries_refresh(practice_id=sc.world.practice.pk)
    queues = {q["status"]: q for q in dashboard(sc)["queues"]}
    assert (queues["denied"]["overdue"], queues["denied"]["oldest"]) == (1, 11)
