"""Read an X12 835 (005010X221A1) into pydantic models; the rest of the app never sees segments.

oxedi (Rust core) indexes the file whatever its delimiters, checks its structure and the three balancing
rules of the guide (service: SVC02 - SVC03 = Σ CAS; claim: CLP03 - CLP04 = Σ CAS; transaction: BPR02 =
Σ CLP04 - Σ PLB), and keeps every byte. We walk its indexed segments once to build the models (its
ready-made tables leave out modifiers, LQ remarks, MOA, SVC06 and the crossover payer, which posting
needs). A file with any structural error or balancing failure comes back with `problems`, and the
services store it and post nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from itertools import repeat
from typing import Any

import oxedi
from pydantic import BaseModel, ConfigDict, Field

from claims.x12.segments import PAD, ccyymmdd_exact, segment_texts
from rcm.fast_models import build as _build
from rcm.gc_pause import without_gc

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


class Cas(BaseModel):
    """One adjustment of a CAS segment: group (CO, PR, OA, PI, CR), reason (CARC), amount, quantity."""

    model_config = ConfigDict(frozen=True)

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


class RemitServiceIn(BaseModel):
    """One SVC loop (2110)."""

    qualifier: str = "HC"
    code: str
    modifiers: list[str] = Field(default_factory=list)
    charge: Decimal
    paid: Decimal
    revenue_code: str = ""
    units_paid: Decimal = Decimal("1")
    original_code: str = ""  # SVC06: the code as submitted when the payer changed or bundled it
    original_modifiers: list[str] = Field(default_factory=list)
    original_units: Decimal | None = None
    service_date: dt.date | None = None
    service_date_end: dt.date | None = None
    line_control_number: str = ""
    allowed: Decimal | None = None
    adjustments: list[Cas] = Field(default_factory=list)
    remarks: list[str] = Field(default_factory=list)

    def cas_total(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)


class RemitClaimIn(BaseModel):
    """One CLP loop (2100)."""

    pcn: str
    status_code: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal = ZERO
    filing_indicator: str = ""
    payer_claim_number: str = ""
    facility_code: str = ""
    frequency: str = ""
    patient_last_name: str = ""
    patient_first_name: str = ""
    patient_member_id: str = ""
    crossover_payer_name: str = ""  # NM1*TT: the payer the claim was forwarded to
    crossover_payer_id: str = ""
    statement_from: dt.date | None = None
    statement_to: dt.date | None = None
    received_date: dt.date | None = None
    adjustments: list[Cas] = Field(default_factory=list)
    remarks: list[str] = Field(default_factory=list)  # MOA / MIA remark codes
    services: list[RemitServiceIn] = Field(default_factory=list)

    def cas_total(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)


class ProviderAdjustmentIn(BaseModel):
    """One adjustment of a PLB segment."""

    model_config = ConfigDict(frozen=True)

    provider_id: str
    fiscal_date: dt.date | None = None
    reason: str
    reference: str = ""
    amount: Decimal


class RemitTransactionIn(BaseModel):
    """One ST…SE: a payment (BPR/TRN) from one payer, its claims and provider-level adjustments."""

    control_number: str
    handling_code: str = ""
    total_paid: Decimal
    credit_debit: str = "C"
    payment_method: str = ""
    payment_date: dt.date | None = None
    trace_number: str = ""
    payer_identifier: str = ""
    production_date: dt.date | None = None
    payer_name: str = ""
    payer_id: str = ""  # N1*PR … REF*2U / N104
    payee_name: str = ""
    payee_npi: str = ""
    payee_tax_id: str = ""
    claims: list[RemitClaimIn] = Field(default_factory=list)
    provider_adjustments: list[ProviderAdjustmentIn] = Field(default_factory=list)

    def identity(self) -> str:
        """The same payment in any file: payer, trace, amount, date, and its claims' numbers and amounts."""
        h = hashlib.sha256()
        h.update(f"{self.payer_identifier}|{self.payer_id}|{self.trace_number}|{self.total_paid}|{self.payment_date}".encode())
        for c in self.claims:
            h.update(f"|{c.pcn}:{c.status_code}:{c.charge}:{c.paid}:{c.payer_claim_number}".encode())
        for p in self.provider_adjustments:
            h.update(f"|{p.reason}:{p.reference}:{p.amount}".encode())
        return h.hexdigest()


class Remit(BaseModel):
    """A whole 835 interchange."""

    interchange_control: str = ""
    sender_id: str = ""
    receiver_id: str = ""
    transactions: list[RemitTransactionIn] = Field(default_factory=list)


class ReadResult(BaseModel):
    remit: Remit | None = None
    problems: list[str] = Field(default_factory=list)  # blocking: nothing may be posted
    warnings: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.remit is not None and not self.problems


class _Bad(ValueError):
    pass


class _BadValue(ValueError):
    """A value that cannot be read; the walk adds the segment it is in."""


def _money(text: str) -> Decimal:
    text = text.strip()
    if not text:
        return ZERO
    try:
        return Decimal(text).quantize(CENT)
    except InvalidOperation as exc:
        raise _BadValue(f"{text!r} is not an amount") from exc


def _num(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _composite(text: str, sep: str) -> list[str]:
    return [v.strip() for v in text.split(sep)] if text else []


def _cas(e: list[str]) -> list[Cas]:
    """CAS01 group, then up to six (reason, amount, quantity) triples (`e` is the padded row)."""
    group = e[1].strip()
    return [_build(Cas, group=group, reason=e[i].strip(), amount=_money(e[i + 1]),
                   quantity=_num(e[i + 2].strip()) if e[i + 2] else None)
            for i in (2, 5, 8, 11, 14, 17) if e[i]]


def _blocking(diag: oxedi.Diagnostic) -> bool:
    return diag.kind == "BalanceMismatch" or diag.level <= 2


@without_gc
def read_835(data: bytes | str) -> ReadResult:
    """Parse, check and model an 835. Never raises for bad input: problems say what is wrong and where."""
    raw = data.encode("latin-1") if isinstance(data, str) else data
    if not raw.strip():
        return ReadResult(problems=["The file is empty."])
    raw = raw.lstrip()
    try:
        parsed = oxedi.parse(raw)
    except (oxedi.ParseError, ValueError) as exc:
        return ReadResult(problems=[f"Not a readable X12 file: {exc}"])
    problems: list[str] = []
    warnings: list[str] = []
    for diag in parsed.diagnostics:
        text = f"segment {diag.segment + 1 if diag.segment is not None else 'end'}: {diag.rule}"
        (problems if _blocking(diag) else warnings).append(text)
    delims = parsed.document.delimiters
    try:
        texts = segment_texts(raw.decode("latin-1"), delims.segment.decode("latin-1"))
        del parsed  # oxedi's index of the file: not needed for the walk
        # Split lazily: holding every segment's elements at once doubled the peak memory of a large file.
        remit = _walk(map(str.split, texts, repeat(delims.element.decode("latin-1"))),
                      delims.component.decode("latin-1"))
    except _Bad as exc:
        return ReadResult(problems=[*problems, str(exc)], warnings=warnings)
    if not remit.transactions:
        problems.append("The file holds no 835 transaction (ST*835).")
    return ReadResult(remit=remit, problems=problems, warnings=warnings)


def _walk(rows: Iterable[list[str]], comp: str) -> Remit:
    """One pass over the segments (oxedi has checked them; we split them ourselves, with its delimiters,
    because indexing plain text is cheaper than decoding its bytes element by element); the branches
    are ordered by how often each segment occurs. `e = row + PAD` makes `e[n]` element n without a
    bounds check.

    Claim and service fields are written to the models' `__dict__` (pydantic's `__setattr__` costs a
    Python call per field, ~300,000 of them in 10 MB); the values are already typed here."""
    remit = Remit()
    txn: RemitTransactionIn | None = None
    claim: RemitClaimIn | None = None
    svc: RemitServiceIn | None = None
    claim_d: dict[str, Any] = {}
    svc_d: dict[str, Any] = {}
    party = ""  # the N1 loop we are in: PR (payer) or PE (payee)
    index, row = 0, [""]
    try:
        for index, row in enumerate(rows):  # noqa: B007 - `index` names the segment of a bad value
            sid = row[0]
            if txn is None and sid != "ST":
                if sid == "ISA":
                    e = row + PAD
                    remit.interchange_control, remit.sender_id, remit.receiver_id = (
                        e[13].strip(), e[6].strip(), e[8].strip())
                continue
            if sid == "CAS":
                if claim is not None:
                    (svc.adjustments if svc is not None else claim.adjustments).extend(_cas(row + PAD))
            elif sid == "SVC":
                if claim is not None:
                    e = row + PAD
                    proc = _composite(e[1], comp)
                    orig = _composite(e[6], comp)
                    svc = _build(
                        RemitServiceIn, qualifier=proc[0] if proc else "", code=proc[1] if len(proc) > 1 else "",
                        modifiers=[m for m in proc[2:6] if m], charge=_money(e[2]), paid=_money(e[3]),
                        revenue_code=e[4].strip(), units_paid=_num(e[5].strip()) or Decimal("1"),
                        original_code=orig[1] if len(orig) > 1 else "", original_modifiers=[m for m in orig[2:6] if m],
                        original_units=_num(e[7].strip()), adjustments=[], remarks=[])
                    svc_d = svc.__dict__
                    claim.services.append(svc)
            elif sid == "DTM":
                e = row + PAD
                qual = e[1].strip()
                if claim is None:
                    if qual == "405":
                        txn.production_date = ccyymmdd_exact(e[2])
                elif svc is not None:
                    if qual in ("472", "150"):
                        svc_d["service_date"] = ccyymmdd_exact(e[2])
                    elif qual == "151":
                        svc_d["service_date_end"] = ccyymmdd_exact(e[2])
                elif qual == "232":
                    claim_d["statement_from"] = ccyymmdd_exact(e[2])
                elif qual == "233":
                    claim_d["statement_to"] = ccyymmdd_exact(e[2])
                elif qual == "050":
                    claim_d["received_date"] = ccyymmdd_exact(e[2])
            elif sid == "REF":
                e = row + PAD
                qual = e[1].strip()
                if claim is None:
                    if party == "PR" and qual == "2U" and not txn.payer_id:
                        txn.payer_id = e[2].strip()
                    elif party == "PE" and qual == "TJ":
                        txn.payee_tax_id = e[2].strip()
                elif svc is not None and qual == "6R":
                    svc_d["line_control_number"] = e[2].strip()
            elif sid == "AMT":
                e = row + PAD
                if svc is not None and e[1].strip() == "B6":
                    svc_d["allowed"] = _money(e[2])
            elif sid == "LQ":
                if svc is not None:
                    svc.remarks.append((row + PAD)[2].strip())
            elif sid == "CLP":
                e = row + PAD
                svc = None
                claim = _build(
                    RemitClaimIn, pcn=e[1].strip(), status_code=e[2].strip(), charge=_money(e[3]),
                    paid=_money(e[4]), patient_responsibility=_money(e[5]), filing_indicator=e[6].strip(),
                    payer_claim_number=e[7].strip(), facility_code=e[8].strip(), frequency=e[9].strip(),
                    adjustments=[], remarks=[], services=[])
                claim_d = claim.__dict__
                txn.claims.append(claim)
            elif sid == "NM1":
                if claim is not None and svc is None:
                    e = row + PAD
                    role = e[1].strip()
                    if role == "QC":
                        claim_d["patient_last_name"] = e[3].strip()
                        claim_d["patient_first_name"] = e[4].strip()
                        claim_d["patient_member_id"] = e[9].strip()
                    elif role == "TT":
                        claim_d["crossover_payer_name"] = e[3].strip()
                        claim_d["crossover_payer_id"] = e[9].strip()
            elif sid == "LX":
                claim = svc = None
            elif sid == "MOA" or sid == "MIA":
                if claim is not None:
                    e = row + PAD
                    positions = (3, 4, 5, 6, 7) if sid == "MOA" else (5, 20, 21, 22, 23)
                    claim.remarks += [code for code in (e[i].strip() for i in positions) if code]
            elif sid == "ST":
                e = row + PAD
                if e[1].strip() != "835":
                    raise _BadValue(f"transaction set {e[1].strip()!r} is not an 835")
                txn = _build(RemitTransactionIn, control_number=e[2].strip(), total_paid=ZERO, claims=[],
                             provider_adjustments=[])
                remit.transactions.append(txn)
                claim = svc = None
                party = ""
            elif sid == "BPR":
                e = row + PAD
                txn.handling_code = e[1].strip()
                txn.total_paid = _money(e[2])
                txn.credit_debit = e[3].strip()
                txn.payment_method = e[4].strip()
                txn.payment_date = ccyymmdd_exact(e[16])
            elif sid == "TRN":
                e = row + PAD
                txn.trace_number = e[2].strip()
                txn.payer_identifier = e[3].strip()
            elif sid == "N1":
                if claim is None:
                    e = row + PAD
                    party = e[1].strip()
                    if party == "PR":
                        txn.payer_name = e[2].strip()
                        txn.payer_id = e[4].strip()
                    elif party == "PE":
                        txn.payee_name = e[2].strip()
                        if e[3].strip() == "XX":
                            txn.payee_npi = e[4].strip()
                        elif e[3].strip() == "FI":
                            txn.payee_tax_id = e[4].strip()
            elif sid == "PLB":
                e = row + PAD
                claim = svc = None
                provider_id, fiscal = e[1].strip(), ccyymmdd_exact(e[2])
                for i in range(3, 15, 2):
                    ident = _composite(e[i], comp)
                    if not ident or not ident[0]:
                        continue
                    txn.provider_adjustments.append(ProviderAdjustmentIn(
                        provider_id=provider_id, fiscal_date=fiscal, reason=ident[0],
                        reference=ident[1] if len(ident) > 1 else "", amount=_money(e[i + 1])))
            elif sid == "SE":
                claim = svc = None
            elif sid == "ISA":  # a later interchange in the same file
                e = row + PAD
                remit.interchange_control, remit.sender_id, remit.receiver_id = (
                    e[13].strip(), e[6].strip(), e[8].strip())
    except _BadValue as exc:
        raise _Bad(f"segment {index + 1} ({row[0]}): {exc}") from exc
    return remit


def totals(remit: Remit) -> dict[str, Decimal | int]:
    """Figures of a whole file (for summaries and tests)."""
    claims: Iterable[RemitClaimIn] = [c for t in remit.transactions for c in t.claims]
    claims = list(claims)
    return {"transactions": len(remit.transactions), "claims": len(claims),
            "lines": sum(len(c.services) for c in claims),
            "paid": sum((c.paid for c in claims), ZERO),
            "plb": sum((p.amount for t in remit.transactions for p in t.provider_adjustments), ZERO)}
