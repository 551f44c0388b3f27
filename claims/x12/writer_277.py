"""Write 277CA claim acknowledgements (005010X214) and 277 status responses (005010X212).

The sandbox clearinghouse answers with these; `reader_277` reads them back. One file per payer:
information source (payer) > receiver (us, the submitter) > billing provider > one patient loop per claim.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from claims.x12.envelope import Builder, amount, interchange
from claims.x12.writer_837p import Delimiters


@dataclass(frozen=True)
class StatusOut:
    category: str
    status: str
    entity: str = ""
    action_code: str = ""  # 277CA: WQ accepted, U rejected
    text: str = ""
    paid: Decimal | None = None
    finalized: dt.date | None = None
    check_number: str = ""


@dataclass(frozen=True)
class ClaimOut:
    pcn: str  # TRN02 (277CA: the claim's CLM01; 277: the 276's trace)
    charge: Decimal
    service_from: dt.date
    service_to: dt.date
    patient_last: str
    patient_first: str
    member_id: str
    status: StatusOut
    payer_claim_number: str = ""
    clearinghouse_trace: str = ""
    patient_account: str = ""  # 277: REF*EJ (our patient control number)
    is_dependent: bool = False
    subscriber_last: str = ""
    subscriber_first: str = ""
    line_statuses: tuple[tuple[str, str, Decimal, StatusOut], ...] = ()  # (line control #, code, charge, status)


@dataclass
class ReportOut:
    payer_name: str
    payer_id: str
    receiver_name: str
    receiver_id: str
    billing_name: str
    billing_npi: str
    claims: list[ClaimOut] = field(default_factory=list)
    trace: str = "1"


def _stc(b: Builder, s: StatusOut, day: dt.date, charge: Decimal | None, *, with_action: bool) -> None:
    comp = b.comp(s.category, s.status, s.entity)
    if with_action:
        b.seg("STC", comp, day.strftime("%Y%m%d"), s.action_code or ("WQ" if s.category.startswith("A2") else "U"),
              amount(charge or 0), "", "", "", "", "", "", "", b.clean(s.text, 264) if s.text else "")
    else:
        b.seg("STC", comp, day.strftime("%Y%m%d"), "", amount(charge or 0),
              amount(s.paid) if s.paid is not None else "",
              s.finalized.strftime("%Y%m%d") if s.finalized else "", "", "", s.check_number, "", "",
              b.clean(s.text, 264) if s.text else "")


def write_277ca(report: ReportOut, *, sender_id: str, receiver_id: str, control_number: int, created: dt.datetime,
                usage: str = "T", delimiters: Delimiters | None = None) -> str:
    b = Builder(delimiters or Delimiters())
    day = created.date()
    d8 = day.strftime("%Y%m%d")
    b.seg("ST", "277", "0001", "005010X214")
    b.seg("BHT", "0085", "08", b.clean(report.trace, 50), d8, created.strftime("%H%M"), "TH")
    b.seg("HL", "1", "", "20", "1")
    b.seg("NM1", "PR", "2", b.clean(report.payer_name, 60), "", "", "", "", "PI", b.clean(report.payer_id, 80))
    b.seg("TRN", "1", b.clean(report.trace, 50))
    b.seg("DTP", "050", "D8", d8)
    b.seg("DTP", "009", "D8", d8)
    b.seg("HL", "2", "1", "21", "1")
    b.seg("NM1", "41", "2", b.clean(report.receiver_name, 60), "", "", "", "", "46", b.clean(report.receiver_id, 80))
    b.seg("TRN", "2", b.clean(report.trace, 50))
    accepted = [c for c in report.claims if c.status.category in ("A1", "A2")]
    rejected = [c for c in report.claims if c not in accepted]
    b.seg("STC", b.comp("A1", "19", "PR"), d8, "WQ", amount(sum((c.charge for c in report.claims), Decimal(0))))
    if accepted:
        b.seg("QTY", "90", len(accepted))
    if rejected:
        b.seg("QTY", "AA", len(rejected))
    if accepted:
        b.seg("AMT", "YU", amount(sum((c.charge for c in accepted), Decimal(0))))
    if rejected:
        b.seg("AMT", "YY", amount(sum((c.charge for c in rejected), Decimal(0))))
    b.seg("HL", "3", "2", "19", "1")
    b.seg("NM1", "85", "2", b.clean(report.billing_name, 60), "", "", "", "", "XX", report.billing_npi)
    b.seg("TRN", "1", "0")
    b.seg("STC", b.comp("A1", "19", "PR"), "", "WQ", amount(sum((c.charge for c in report.claims), Decimal(0))))
    if accepted:
        b.seg("QTY", "QA", len(accepted))
    if rejected:
        b.seg("QTY", "QC", len(rejected))
    if accepted:
        b.seg("AMT", "YU", amount(sum((c.charge for c in accepted), Decimal(0))))
    if rejected:
        b.seg("AMT", "YY", amount(sum((c.charge for c in rejected), Decimal(0))))
    hl = 3
    for c in report.claims:
        hl += 1
        b.seg("HL", hl, "3", "PT")
        b.seg("NM1", "QC", "1", b.clean(c.patient_last, 60), b.clean(c.patient_first, 35), "", "", "", "MI",
              b.clean(c.member_id, 80) or "UNKNOWN")
        b.seg("TRN", "2", b.clean(c.pcn, 50))
        _stc(b, c.status, day, c.charge, with_action=True)
        if c.payer_claim_number:
            b.seg("REF", "1K", b.clean(c.payer_claim_number, 50))
        if c.clearinghouse_trace:
            b.seg("REF", "D9", b.clean(c.clearinghouse_trace, 50))
        b.seg("DTP", "472", "RD8", f"{c.service_from:%Y%m%d}-{c.service_to:%Y%m%d}")
        for lcn, code, charge, status in c.line_statuses:
            b.seg("SVC", b.comp("HC", code), amount(charge))
            b.seg("STC", b.comp(status.category, status.status, status.entity), day.strftime("%Y%m%d"),
                  status.action_code or "U")
            b.seg("REF", "FJ", b.clean(lcn, 50))
            b.seg("DTP", "472", "RD8", f"{c.service_from:%Y%m%d}-{c.service_to:%Y%m%d}")
    return interchange([b.segments], functional_id="HN", version="005010X214", sender_id=sender_id,
                       receiver_id=receiver_id, control_number=control_number, created=created, usage=usage,
                       delimiters=delimiters)


def write_277(report: ReportOut, *, sender_id: str, receiver_id: str, control_number: int, created: dt.datetime,
              usage: str = "T", delimiters: Delimiters | None = None) -> str:
    """A 277 claim status response (X212) answering a 276: TRN02 of each claim echoes the inquiry's trace."""
    b = Builder(delimiters or Delimiters())
    day = created.date()
    b.seg("ST", "277", "0001", "005010X212")
    b.seg("BHT", "0010", "08", b.clean(report.trace, 50), day.strftime("%Y%m%d"), created.strftime("%H%M"), "DG")
    b.seg("HL", "1", "", "20", "1")
    b.seg("NM1", "PR", "2", b.clean(report.payer_name, 60), "", "", "", "", "PI", b.clean(report.payer_id, 80))
    b.seg("HL", "2", "1", "21", "1")
    b.seg("NM1", "41", "2", b.clean(report.receiver_name, 60), "", "", "", "", "46", b.clean(report.receiver_id, 80))
    b.seg("HL", "3", "2", "19", "1")
    b.seg("NM1", "1P", "2", b.clean(report.billing_name, 60), "", "", "", "", "XX", report.billing_npi)
    hl = 3
    for c in report.claims:
        hl += 1
        subscriber_hl = hl
        b.seg("HL", hl, "3", "22", "1" if c.is_dependent else "0")
        last, first = (c.subscriber_last, c.subscriber_first) if c.is_dependent else (c.patient_last, c.patient_first)
        b.seg("NM1", "IL", "1", b.clean(last, 60), b.clean(first, 35), "", "", "", "MI", b.clean(c.member_id, 80) or "UNKNOWN")
        if c.is_dependent:
            hl += 1
            b.seg("HL", hl, subscriber_hl, "23")
            b.seg("NM1", "QC", "1", b.clean(c.patient_last, 60), b.clean(c.patient_first, 35))
        b.seg("TRN", "2", b.clean(c.pcn, 50))
        _stc(b, c.status, day, c.charge, with_action=False)
        if c.payer_claim_number:
            b.seg("REF", "1K", b.clean(c.payer_claim_number, 50))
        if c.patient_account:
            b.seg("REF", "EJ", b.clean(c.patient_account, 50))
        b.seg("DTP", "472", "RD8", f"{c.service_from:%Y%m%d}-{c.service_to:%Y%m%d}")
    return interchange([b.segments], functional_id="HN", version="005010X212", sender_id=sender_id,
                       receiver_id=receiver_id, control_number=control_number, created=created, usage=usage,
                       delimiters=delimiters)


def reports_by_payer(claims: Sequence[ClaimOut], **common: str) -> ReportOut:
    return ReportOut(claims=list(claims), **common)  # type: ignore[arg-type]
