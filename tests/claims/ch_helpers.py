"""Clearinghouse test helpers: queued clean claims in a practice with a sandbox (or other) connection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from claims import services
from claims.clearinghouse.models import ClearinghouseConnection
from claims.models import Claim
from tests import factories as f
from tests.claims import factories as cf
from tests.claims.fakes import fake_code_index

# Deterministic sandbox: nothing random unless a test asks for it.
QUIET = {"seed": 7, "reject_rate": 0, "silent_rate": 0, "denial_rate": 0, "partial_rate": 0, "patient_share_rate": 0}


def sandbox(practice: Any, **options: Any) -> ClearinghouseConnection:
    return ClearinghouseConnection.objects.create(practice=practice, name="Sandbox", kind="sandbox",
                                                  options={**QUIET, **options})


def queued_claims(practice: Any, specs: Sequence[dict[str, Any]] | int = 1, *, payer: Any = None) -> list[Claim]:
    """Clean, queued claims (one per spec: encounter kwargs such as lines=, dx=, member_id=)."""
    if isinstance(specs, int):
        specs = [{} for _ in range(specs)]
    from billing.models import Payer

    payer = payer or Payer.objects.filter(practice=practice, name="Aetna").first() or f.PayerFactory(
        practice=practice, name="Aetna", payer_id="60054")
    claims = []
    for spec in specs:
        spec = dict(spec)
        member_id = spec.pop("member_id", None)
        patient = f.PatientFactory(practice=practice)
        f.CoverageFactory(patient=patient, payer=payer, relationship="18", group_number="G12345",
                          **({"member_id": member_id} if member_id is not None else {}))
        enc = cf.coded_encounter(patient=patient, **spec)
        claims.append(cf.claim_for(enc))
    services.claims_scrub(claim_ids=[c.pk for c in claims], code_index=fake_code_index)
    moved = services.claims_queue_for_submission(claim_ids=[c.pk for c in claims])
    assert len(moved) == len(claims), [c.scrub_findings for c in Claim.objects.filter(pk__in=[c.pk for c in claims])]
    return list(Claim.objects.filter(pk__in=[c.pk for c in claims]).order_by("pk"))


def days_ago(n: int) -> dt.date:
    return dt.date.today() - dt.timedelta(days=n)
