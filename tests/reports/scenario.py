"""A small hand-built practice whose every dashboard figure is worked out by hand in the tests.

Practice A (the `world` fixture's), payers Aetna and Cigna, two providers, two locations; today = T:

| claim | payer | provider/location | DOS    | lines         | what happened                                   |
|-------|-------|-------------------|--------|---------------|-------------------------------------------------|
| c1    | Aetna | p1 / l1           | T-10   | 150.00+140.00 | submitted, 835 pays (allowed 60%, 20% coins.), paid T-3 |
| c2    | Aetna | p1 / l1           | T-100  | 150.00+140.00 | submitted, 835 denies CO-50 (150) and PI-204 (140), T-3 |
| c3    | Cigna | p2 / l2           | T-45   | 200.00        | submitted 25 days ago, no answer                 |
| c4    | Aetna | p2 / l2           | T-130  | 100.00        | submitted, rejected                             |

c1's 835: line 1 allowed 90.00 → paid 72.00, CO-45 60.00, PR-2 18.00; line 2 allowed 84.00 → paid 67.20,
CO-45 56.00, PR-2 16.80. Payments 139.20, contractual 116.00, patient owes 34.80.
Two worksheets coded by the practice's coder on one day: five suggestions, four accepted as suggested.
Practice B gets a claim of its own (1,000.00, submitted, unanswered) that A must never see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from claims import services as claim_services
from claims.models import Claim, ClaimStatus
from coding.models import CodingLine, Worksheet
from payments.services import era_import
from payments.x12 import simulate as sim
from reports import selectors
from reports.forms import ReportFilterForm
from reports.services import summaries_refresh
from tests import factories as f
from tests.claims import factories as cf
from tests.payments import factories as pf


@dataclass
class Scenario:
    world: Any
    today: dt.date
    aetna: Any
    cigna: Any
    p1: Any
    p2: Any
    l1: Any
    l2: Any
    c1: Claim
    c2: Claim
    c3: Claim
    c4: Claim
    other_claim: Claim

    def range(self, **extra: str) -> dict[str, str]:
        """The query string of a range covering every claim: T-200 .. T (201 days)."""
        return {"date_from": (self.today - dt.timedelta(days=200)).isoformat(), "date_to": self.today.isoformat(),
                **extra}


def _claim(practice: Any, payer: Any, provider: Any, location: Any, dos: dt.date,
           lines: list[tuple[str, str]], path: list[str]) -> Claim:
    patient = f.PatientFactory(practice=practice)
    f.CoverageFactory(patient=patient, payer=payer, effective_from=dos - dt.timedelta(days=365))
    enc = cf.coded_encounter(patient=patient, dos=dos, provider=provider, location=location,
                             lines=[(code, (), 1, (1,), charge) for code, charge in lines])
    claim = cf.claim_for(enc)
    for step in path:
        claim_services.claims_transition_bulk(claim_ids=[claim.pk], to_status=step, source="test")
    claim.refresh_from_db()
    return claim


SENT = [ClaimStatus.CLEAN, ClaimStatus.QUEUED, ClaimStatus.SUBMITTED]


def build(world: Any) -> Scenario:
    from payments.services.ledger import ledger_sync_charges

    today = timezone.localdate()
    a = world.practice
    aetna = f.PayerFactory(practice=a, name="Aetna", payer_id="60054")
    cigna = f.PayerFactory(practice=a, name="Cigna", payer_id="62308")
    p1, p2 = f.ProviderFactory(practice=a, first_name="Ann"), f.ProviderFactory(practice=a, first_name="Bob")
    l1, l2 = f.LocationFactory(practice=a, name="Main office"), f.LocationFactory(practice=a, name="North office")
    day = dt.timedelta(days=1)
    c1 = _claim(a, aetna, p1, l1, today - 10 * day, [("99213", "150.00"), ("17000", "140.00")], SENT)
    c2 = _claim(a, aetna, p1, l1, today - 100 * day, [("99213", "150.00"), ("17000", "140.00")], SENT)
    c3 = _claim(a, cigna, p2, l2, today - 45 * day, [("11102", "200.00")], SENT)
    c4 = _claim(a, aetna, p2, l2, today - 130 * day, [("17110", "100.00")], [*SENT, ClaimStatus.REJECTED])
    ledger_sync_charges(practice_id=a.pk)
    paid = pf.paid_claim(c1)
    lines2 = pf.sim_lines(c2)
    denied = sim.remit_claim(c2.pcn, [sim.denied_line(lines2[0], reason="50", remarks=("N115",)),
                                      sim.denied_line(lines2[1], group="PI", reason="204", remarks=())])
    text = pf.era_file([pf.transaction([paid, denied], payer=aetna, trace="EFT777", payment_date=today - 3 * day)])
    result = era_import(practice_id=a.pk, content=text, filename="scenario.835")
    assert result.claims_matched == 2, result.problems
    # c3 has waited 25 days for an answer (target 21): it is overdue.
    Claim.objects.filter(pk=c3.pk).update(status_changed_at=timezone.now() - 25 * day)
    for c in (c1, c2, c3, c4):
        c.refresh_from_db()
    _worksheet(world, c1.encounter, [("accepted", "L57.0"), ("accepted", "99213"), ("rejected", "17000"), ("added", "")])
    _worksheet(world, c2.encounter, [("accepted", "L57.0"), ("accepted", "99213")])

    other_practice = world.other_practice
    other_payer = f.PayerFactory(practice=other_practice, name="Other payer", payer_id="99999")
    other = _claim(other_practice, other_payer, f.ProviderFactory(practice=other_practice),
                   f.LocationFactory(practice=other_practice), today - 20 * day, [("99214", "1000.00")], SENT)
    ledger_sync_charges(practice_id=other_practice.pk)
    summaries_refresh(practice_id=a.pk)
    summaries_refresh(practice_id=other_practice.pk)
    return Scenario(world, today, aetna, cigna, p1, p2, l1, l2, c1, c2, c3, c4, other)


def _worksheet(world: Any, encounter: Any, decisions: list[tuple[str, str]]) -> Worksheet:
    ws = Worksheet.objects.create(practice=encounter.practice, encounter=encounter, status=Worksheet.Status.COMPLETED,
                                  completed_at=timezone.now(), completed_by=world.coder)
    for i, (decision, suggested) in enumerate(decisions):
        CodingLine.objects.create(practice=encounter.practice, worksheet=ws, kind="dx", system="ICD10CM", position=i,
                                  code=suggested or "L82.1", decision=decision, suggested_code=suggested)
    return ws


def dashboard(sc: Scenario, **extra: str) -> dict[str, Any]:
    filters = ReportFilterForm(sc.range(**extra), practice_id=sc.world.practice.pk).to_filters()
    assert filters is not None
    data = selectors.dashboard(practice_id=sc.world.practice.pk, filters=filters)
    selectors.merge_denials_into_trends(data)
    return data


def kpi(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(k for k in data["kpis"] if k["key"] == key)
