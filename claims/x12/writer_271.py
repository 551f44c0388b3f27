"""Write 271 eligibility responses (005010X279A1) — what the sandbox clearinghouse answers a 270 with.

Active coverage (EB*1) with the plan, the office-visit copay (EB*B), deductible and out-of-pocket for the
year and what remains (EB*C / EB*G with time period 23 / 29), coinsurance (EB*A); or inactive (EB*6); or
a rejection (AAA) when the payer cannot find the member.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from claims.x12.envelope import Builder, amount, interchange
from claims.x12.writer_837p import Delimiters


@dataclass(frozen=True)
class MemberAnswer:
    trace: str
    member_id: str
    last: str
    first: str
    birth: dt.date | None
    sex: str
    active: bool | None  # None: rejected (see reject_code)
    plan_name: str = ""
    group_number: str = ""
    plan_begin: dt.date | None = None
    plan_end: dt.date | None = None
    insurance_type: str = "PR"
    copay: Decimal | None = None
    coinsurance: Decimal | None = None  # 0.20 for 20%
    deductible: Decimal | None = None
    deductible_remaining: Decimal | None = None
    out_of_pocket: Decimal | None = None
    out_of_pocket_remaining: Decimal | None = None
    reject_code: str = ""  # AAA03: 72 invalid member ID, 75 subscriber not found, 73 invalid name, 58 invalid DOB


def write_271(answers: Sequence[MemberAnswer], *, payer_name: str, payer_id: str, provider_name: str,
              provider_npi: str, sender_id: str, receiver_id: str, control_number: int, created: dt.datetime,
              usage: str = "T", delimiters: Delimiters | None = None, provider_tax_id: str = "") -> str:
    b = Builder(delimiters or Delimiters())
    b.seg("ST", "271", "0001", "005010X279A1")
    b.seg("BHT", "0022", "11", f"{control_number:09d}", created.strftime("%Y%m%d"), created.strftime("%H%M"))
    b.seg("HL", "1", "", "20", "1")
    b.seg("NM1", "PR", "2", b.clean(payer_name, 60), "", "", "", "", "PI", b.clean(payer_id, 80))
    b.seg("HL", "2", "1", "21", "1")
    b.seg("NM1", "1P", "2", b.clean(provider_name, 60), "", "", "", "", "XX", provider_npi)
    hl = 2
    for a in answers:
        hl += 1
        b.seg("HL", hl, "2", "22", "0")
        b.seg("TRN", "2", b.clean(a.trace, 50), "9" + (provider_tax_id or "999999999"))
        b.seg("NM1", "IL", "1", b.clean(a.last, 60), b.clean(a.first, 35), "", "", "", "MI", b.clean(a.member_id, 80))
        if a.active is None:
            b.seg("AAA", "N", "", a.reject_code or "75", "C")
            if a.birth:
                b.seg("DMG", "D8", a.birth.strftime("%Y%m%d"), a.sex or "U")
            continue
        if a.group_number:
            b.seg("REF", "6P", b.clean(a.group_number, 50), b.clean(a.plan_name, 80) if a.plan_name else "")
        if a.birth:
            b.seg("DMG", "D8", a.birth.strftime("%Y%m%d"), a.sex or "U")
        if a.plan_begin:
            period = a.plan_begin.strftime("%Y%m%d") + (f"-{a.plan_end:%Y%m%d}" if a.plan_end else "")
            b.seg("DTP", "346" if not a.plan_end else "291", "RD8" if a.plan_end else "D8", period)
        if not a.active:
            b.seg("EB", "6", "IND", "30", "", b.clean(a.plan_name, 50))
            continue
        b.seg("EB", "1", "IND", "30", a.insurance_type, b.clean(a.plan_name, 50))
        if a.copay is not None:
            b.seg("EB", "B", "IND", "98", a.insurance_type, "", "27", amount(a.copay), "", "", "", "", "Y")
        if a.coinsurance is not None:
            b.seg("EB", "A", "IND", "30", a.insurance_type, "", "", "", str(a.coinsurance.normalize()), "", "", "", "Y")
        for info, total, left in (("C", a.deductible, a.deductible_remaining), ("G", a.out_of_pocket,
                                                                                 a.out_of_pocket_remaining)):
            if total is not None:
                b.seg("EB", info, "IND", "30", a.insurance_type, "", "23", amount(total), "", "", "", "", "Y")
            if left is not None:
                b.seg("EB", info, "IND", "30", a.insurance_type, "", "29", amount(left), "", "", "", "", "Y")
    return interchange([b.segments], functional_id="HB", version="005010X279A1", sender_id=sender_id,
                       receiver_id=receiver_id, control_number=control_number, created=created, usage=usage,
                       delimiters=delimiters)
