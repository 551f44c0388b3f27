"""Write an X12 835 (005010X221A1) from the same models the reader returns.

Used by the tests, the benchmark and the demo, and later by the clearinghouse sandbox to answer submitted
claims. It writes what payers send: BPR/TRN, payer and payee loops, LX, CLP with claim-level CAS, NM1*QC,
NM1*TT for crossovers, MOA remarks, statement dates, SVC with modifiers and SVC06, DTM*472, CAS by group,
REF*6R, AMT*B6, LQ*HE, and PLB in pairs of six, in any delimiters. Reading the output with
`reader_835.read_835` gives back the models (a round trip the tests check).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from payments.x12.reader_835 import Cas, Remit, RemitClaimIn, RemitServiceIn, RemitTransactionIn


@dataclass(frozen=True)
class Delimiters:
    element: str = "*"
    component: str = ":"
    segment: str = "~"
    repetition: str = "^"
    newline: bool = False


@dataclass(frozen=True)
class Envelope835:
    sender_id: str = "PAYER"
    receiver_id: str = "PRACTICE"
    control_number: int = 1
    created: dt.datetime = dt.datetime(2025, 1, 1, 12, 0)
    usage: str = "P"
    delimiters: Delimiters = Delimiters()


def _amt(value: Decimal) -> str:
    text = f"{value:.2f}"
    return "0" if text in ("0.00", "-0.00") else text


def _num(value: Decimal) -> str:
    """A quantity as X12 R: no exponent, no trailing zeros (10, 1.5)."""
    return format(value.normalize(), "f")


def _d(day: dt.date | None) -> str:
    return day.strftime("%Y%m%d") if day else ""


class _Out:
    def __init__(self, delims: Delimiters) -> None:
        self.d = delims
        self.segments: list[str] = []

    def clean(self, value: str) -> str:
        for ch in (self.d.element, self.d.component, self.d.segment, self.d.repetition):
            value = value.replace(ch, " ")
        return value

    def seg(self, *elements: str | list[str]) -> None:
        parts = [self.d.component.join(self.clean(c) for c in e).rstrip(self.d.component) if isinstance(e, list)
                 else self.clean(e) for e in elements]
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        self.segments.append(self.d.element.join(parts))


def _cas(out: _Out, adjustments: list[Cas]) -> None:
    by_group: dict[str, list[Cas]] = defaultdict(list)
    for a in adjustments:
        by_group[a.group].append(a)
    for group, items in by_group.items():
        for i in range(0, len(items), 6):
            elements: list[str] = [group]
            for a in items[i:i + 6]:
                elements += [a.reason, _amt(a.amount), "" if a.quantity is None else _num(a.quantity)]
            out.seg("CAS", *elements)


def _service(out: _Out, svc: RemitServiceIn) -> None:
    proc = [svc.qualifier or "HC", svc.code, *svc.modifiers]
    orig = [svc.qualifier or "HC", svc.original_code, *svc.original_modifiers] if svc.original_code else ""
    units = _num(svc.units_paid)
    out.seg("SVC", proc, _amt(svc.charge), _amt(svc.paid), svc.revenue_code, units, orig,
            _num(svc.original_units) if svc.original_units is not None else "")
    if svc.service_date and svc.service_date_end and svc.service_date_end != svc.service_date:
        out.seg("DTM", "150", _d(svc.service_date))
        out.seg("DTM", "151", _d(svc.service_date_end))
    elif svc.service_date:
        out.seg("DTM", "472", _d(svc.service_date))
    _cas(out, svc.adjustments)
    if svc.line_control_number:
        out.seg("REF", "6R", svc.line_control_number)
    if svc.allowed is not None:
        out.seg("AMT", "B6", _amt(svc.allowed))
    for code in svc.remarks:
        out.seg("LQ", "HE", code)


def _claim(out: _Out, c: RemitClaimIn) -> None:
    out.seg("CLP", c.pcn, c.status_code, _amt(c.charge), _amt(c.paid),
            _amt(c.patient_responsibility) if c.patient_responsibility else "", c.filing_indicator or "12",
            c.payer_claim_number, c.facility_code or "11", c.frequency or "1")
    _cas(out, c.adjustments)
    out.seg("NM1", "QC", "1", c.patient_last_name, c.patient_first_name, "", "", "",
            "MI" if c.patient_member_id else "", c.patient_member_id)
    if c.crossover_payer_name:
        out.seg("NM1", "TT", "2", c.crossover_payer_name, "", "", "", "", "PI" if c.crossover_payer_id else "",
                c.crossover_payer_id)
    if c.remarks:
        out.seg("MOA", "", "", *c.remarks[:5])
    if c.statement_from:
        out.seg("DTM", "232", _d(c.statement_from))
    if c.statement_to:
        out.seg("DTM", "233", _d(c.statement_to))
    if c.received_date:
        out.seg("DTM", "050", _d(c.received_date))
    for svc in c.services:
        _service(out, svc)


def _transaction(out: _Out, t: RemitTransactionIn, *, payer_tax_id: str) -> None:
    start = len(out.segments)
    out.seg("ST", "835", t.control_number)
    method = t.payment_method or "ACH"
    if method == "ACH":
        out.seg("BPR", t.handling_code or "I", _amt(t.total_paid), t.credit_debit or "C", "ACH", "CCP", "01", "011000015",
                "DA", "000123456", "1" + payer_tax_id, "", "01", "031100209", "DA", "987654321", _d(t.payment_date))
    else:
        out.seg("BPR", t.handling_code or "I", _amt(t.total_paid), t.credit_debit or "C", method, "", "", "", "", "", "",
                "", "", "", "", "", _d(t.payment_date))
    out.seg("TRN", "1", t.trace_number, t.payer_identifier or "1" + payer_tax_id)
    if t.production_date:
        out.seg("DTM", "405", _d(t.production_date))
    out.seg("N1", "PR", t.payer_name or "PAYER")
    out.seg("N3", "PO BOX 1000")
    out.seg("N4", "HARRISBURG", "PA", "17101")
    if t.payer_id:
        out.seg("REF", "2U", t.payer_id)
    out.seg("PER", "BL", "PROVIDER SERVICES", "TE", "8005550100")
    out.seg("N1", "PE", t.payee_name or "PRACTICE", "XX" if t.payee_npi else "FI",
            t.payee_npi or t.payee_tax_id or "999999999")
    if t.payee_npi and t.payee_tax_id:
        out.seg("REF", "TJ", t.payee_tax_id)
    for n, claim in enumerate(t.claims, start=1):
        if n == 1:
            out.seg("LX", "1")
        _claim(out, claim)
    plb = list(t.provider_adjustments)
    for i in range(0, len(plb), 6):
        first = plb[i]
        elements: list[str | list[str]] = [first.provider_id, _d(first.fiscal_date or t.payment_date or dt.date.today())]
        for p in plb[i:i + 6]:
            elements += [[p.reason, p.reference] if p.reference else [p.reason], _amt(p.amount)]
        out.seg("PLB", *elements)
    out.seg("SE", str(len(out.segments) - start + 1), t.control_number)


def write_835(remit: Remit | list[RemitTransactionIn], envelope: Envelope835 | None = None, *,
              payer_tax_id: str = "231234560") -> str:
    """One interchange with one functional group holding every transaction."""
    env = envelope or Envelope835()
    d = env.delimiters
    transactions = remit.transactions if isinstance(remit, Remit) else remit
    out = _Out(d)
    ctrl = f"{env.control_number:09d}"
    isa = d.element.join(["ISA", "00", " " * 10, "00", " " * 10, "ZZ", f"{env.sender_id[:15]:<15}", "ZZ",
                          f"{env.receiver_id[:15]:<15}", env.created.strftime("%y%m%d"), env.created.strftime("%H%M"),
                          d.repetition, "00501", ctrl, "0", env.usage, d.component])
    out.segments.append(isa)
    out.seg("GS", "HP", env.sender_id, env.receiver_id, env.created.strftime("%Y%m%d"), env.created.strftime("%H%M"),
            str(env.control_number), "X", "005010X221A1")
    for t in transactions:
        _transaction(out, t, payer_tax_id=payer_tax_id)
    out.seg("GE", str(len(transactions)), str(env.control_number))
    out.seg("IEA", "1", ctrl)
    sep = d.segment + ("\n" if d.newline else "")
    return sep.join(out.segments) + sep
