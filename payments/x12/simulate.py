"""A payer's adjudication as 835 models: what tests, the benchmark, the demo and a clearinghouse sandbox send back.

Each helper returns reader models (`RemitServiceIn`, `RemitClaimIn`, `RemitTransactionIn`) that balance the
way the guide requires, so `writer_835.write_835` turns them into a file that reads back clean.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from payments.x12.reader_835 import (
    Cas,
    ProviderAdjustmentIn,
    RemitClaimIn,
    RemitServiceIn,
    RemitTransactionIn,
)

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class SimLine:
    """Our claim line as the payer saw it."""

    line_control_number: str
    code: str
    charge: Decimal
    date: dt.date
    modifiers: tuple[str, ...] = ()
    units: int = 1


def paid_line(line: SimLine, *, allowed: Decimal, deductible: Decimal = ZERO, coinsurance: Decimal = ZERO,
              copay: Decimal = ZERO, remarks: Sequence[str] = (), modifiers: Sequence[str] | None = None,
              with_ref: bool = True, other: Sequence[Cas] = ()) -> RemitServiceIn:
    """Allowed amount, contractual write-off (CO-45) for the rest of the charge, patient shares as PR 1/2/3."""
    allowed = min(allowed, line.charge)
    patient = deductible + coinsurance + copay
    extra = sum((c.amount for c in other), ZERO)
    paid = allowed - patient - extra
    cas: list[Cas] = []
    if line.charge - allowed:
        cas.append(Cas(group="CO", reason="45", amount=line.charge - allowed))
    cas += list(other)
    for reason, amount in (("1", deductible), ("2", coinsurance), ("3", copay)):
        if amount:
            cas.append(Cas(group="PR", reason=reason, amount=amount))
    return RemitServiceIn(code=line.code, modifiers=list(line.modifiers if modifiers is None else modifiers),
                          charge=line.charge, paid=paid, units_paid=Decimal(line.units), service_date=line.date,
                          line_control_number=line.line_control_number if with_ref else "", allowed=allowed,
                          adjustments=cas, remarks=list(remarks))


def denied_line(line: SimLine, *, group: str = "CO", reason: str = "50", remarks: Sequence[str] = ("N115",),
                with_ref: bool = True) -> RemitServiceIn:
    """Nothing paid: the whole charge adjusted with one CARC (and RARC remarks)."""
    return RemitServiceIn(code=line.code, modifiers=list(line.modifiers), charge=line.charge, paid=ZERO,
                          units_paid=Decimal(line.units), service_date=line.date,
                          line_control_number=line.line_control_number if with_ref else "",
                          adjustments=[Cas(group=group, reason=reason, amount=line.charge)], remarks=list(remarks))


def remit_claim(pcn: str, services: Sequence[RemitServiceIn], *, status_code: str | None = None,
                payer_claim_number: str = "", patient: tuple[str, str, str] = ("DOE", "PAT", ""),
                crossover: tuple[str, str] | None = None, claim_adjustments: Sequence[Cas] = (),
                statement_date: dt.date | None = None, charge: Decimal | None = None) -> RemitClaimIn:
    """A CLP loop whose totals follow from its lines (CLP03 = Σ SVC02 unless given, CLP04 = Σ SVC03 - claim CAS)."""
    total_charge = sum((s.charge for s in services), ZERO) if charge is None else charge
    claim_cas = sum((c.amount for c in claim_adjustments), ZERO)
    paid = sum((s.paid for s in services), ZERO) - claim_cas
    pr = sum((a.amount for s in services for a in s.adjustments if a.group == "PR"), ZERO) + \
        sum((a.amount for a in claim_adjustments if a.group == "PR"), ZERO)
    if status_code is None:
        status_code = "4" if paid == 0 and pr == 0 else ("19" if crossover else "1")
    return RemitClaimIn(
        pcn=pcn, status_code=status_code, charge=total_charge, paid=paid, patient_responsibility=pr,
        filing_indicator="12", payer_claim_number=payer_claim_number or f"ICN{pcn}", facility_code="11", frequency="1",
        patient_last_name=patient[0], patient_first_name=patient[1], patient_member_id=patient[2],
        crossover_payer_name=crossover[0] if crossover else "", crossover_payer_id=crossover[1] if crossover else "",
        statement_from=statement_date or (services[0].service_date if services else None),
        adjustments=list(claim_adjustments), services=list(services))


def reversal_of(claim: RemitClaimIn) -> RemitClaimIn:
    """CLP02 22: the payer takes back a claim it paid, every amount negated."""
    def neg(c: Cas) -> Cas:
        return Cas(group=c.group, reason=c.reason, amount=-c.amount, quantity=c.quantity)

    return claim.model_copy(update={
        "status_code": "22", "charge": -claim.charge, "paid": -claim.paid,
        "patient_responsibility": -claim.patient_responsibility,
        "adjustments": [neg(c) for c in claim.adjustments],
        "services": [s.model_copy(update={"charge": -s.charge, "paid": -s.paid,
                                          "allowed": -s.allowed if s.allowed is not None else None,
                                          "adjustments": [neg(c) for c in s.adjustments]}) for s in claim.services]})


def remit_transaction(claims: Iterable[RemitClaimIn], *, trace: str, payer_name: str = "AETNA", payer_id: str = "60054",
                      payment_date: dt.date = dt.date(2025, 4, 1), control_number: str = "0001",
                      method: str = "ACH", plb: Sequence[ProviderAdjustmentIn] = (), payee_npi: str = "1234567893",
                      payee_name: str = "PRACTICE") -> RemitTransactionIn:
    """A payment: BPR02 = Σ CLP04 - Σ PLB."""
    claims = list(claims)
    total = sum((c.paid for c in claims), ZERO) - sum((p.amount for p in plb), ZERO)
    return RemitTransactionIn(control_number=control_number, handling_code="I" if total else "H", total_paid=total,
                              credit_debit="C", payment_method=method if total else "NON", payment_date=payment_date,
                              trace_number=trace, payer_identifier="1231234560", production_date=payment_date,
                              payer_name=payer_name, payer_id=payer_id, payee_name=payee_name, payee_npi=payee_npi,
                              claims=claims, provider_adjustments=list(plb))
