"""Payments test data: sent claims, and 835s for them built with the payer simulator and the writer."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from claims import services as claim_services
from claims.models import Claim, ClaimStatus
from payments.x12 import simulate as sim
from payments.x12.reader_835 import RemitClaimIn, RemitServiceIn, RemitTransactionIn
from payments.x12.writer_835 import Delimiters, Envelope835, write_835
from tests import factories as f
from tests.claims import factories as cf

D = Decimal
DOS = dt.date(2025, 3, 3)
_trace = itertools.count(1)


def sent_claim(*, practice: Any = None, patient: Any = None, payer: Any = None,
               lines: Sequence[tuple[str, Sequence[str], int, str]] = (("99213", ("25",), 1, "150.00"),
                                                                     ("17000", (), 1, "140.00")),
               dos: dt.date = DOS, status: str = ClaimStatus.SUBMITTED) -> Claim:
    """A claim generated from a coded encounter and moved to `status` (submitted by default)."""
    enc = cf.coded_encounter(patient=patient, practice_obj=practice, payer=payer, dos=dos,
                             lines=[(code, mods, units, (1,), charge) for code, mods, units, charge in lines])
    claim = cf.claim_for(enc)
    path = [ClaimStatus.CLEAN, ClaimStatus.QUEUED, ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED]
    for step in path if status != ClaimStatus.DRAFT else []:
        claim_services.claims_transition_bulk(claim_ids=[claim.pk], to_status=step, source="test")
        if step == status:
            break
    claim.refresh_from_db()
    return claim


def sim_lines(claim: Claim) -> list[sim.SimLine]:
    return [sim.SimLine(ln.line_control_number, ln.code, ln.charge_amount, ln.date_of_service, tuple(ln.modifiers),
                        ln.units) for ln in claim.lines.order_by("line_number")]


def paid_claim(claim: Claim, *, allowed: Sequence[str] | None = None, coinsurance: Sequence[str] | None = None,
               **kwargs: Any) -> RemitClaimIn:
    """Every line paid at `allowed` (default 60% of charge) less coinsurance (default 20% of allowed)."""
    services: list[RemitServiceIn] = []
    for i, line in enumerate(sim_lines(claim)):
        a = D(allowed[i]) if allowed else (line.charge * D("0.6")).quantize(D("0.01"))
        co = D(coinsurance[i]) if coinsurance else (a * D("0.2")).quantize(D("0.01"))
        services.append(sim.paid_line(line, allowed=a, coinsurance=co))
    p = claim.patient
    return sim.remit_claim(claim.pcn, services, patient=(p.last_name.upper(), p.first_name.upper(), claim.member_id),
                           **kwargs)


def transaction(claims: Sequence[RemitClaimIn], *, payer: Any = None, trace: str | None = None, **kwargs: Any
                ) -> RemitTransactionIn:
    return sim.remit_transaction(claims, trace=trace or f"EFT{next(_trace):06d}",
                                 payer_name=(payer.name if payer else "AETNA").upper(),
                                 payer_id=payer.payer_id if payer else "60054", **kwargs)


def era_file(transactions: Sequence[RemitTransactionIn], *, control: int = 1, delimiters: Delimiters | None = None) -> str:
    return write_835(list(transactions), Envelope835(control_number=control, delimiters=delimiters or Delimiters()))


def practice_with_payer(name: str = "Aetna", payer_id: str = "60054") -> tuple[Any, Any]:
    practice = cf.practice(name="Riverbend Dermatology")
    payer = f.PayerFactory(practice=practice, name=name, payer_id=payer_id)
    return practice, payer
