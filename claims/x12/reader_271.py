"""Read 271 eligibility responses (005010X279A1) into pydantic models, one answer per member asked about.

Why our own walk: x12sdk's 271 model reads an active member's benefits well, but its enumeration of
subscriber-level rejection reasons (AAA03 in loop 2100C) is the information receiver's list, so it
refuses a 271 saying "subscriber not found" (75) or "invalid member ID" (72) — the answers a practice
most needs to see (checked against x12sdk 2.2.0; `tests/claims/test_x12_eligibility.py` pins it).

From the EB segments we derive what the encounter page and the scrubber use: active or not, the plan,
the office-visit copay, coinsurance, the deductible and out-of-pocket maximum and what remains of each.
In-network values win over out-of-network ones, individual over family.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, Field

from claims.x12.segments import PAD, X12SyntaxError, ccyymmdd, parse_interchange
from rcm.fast_models import build
from rcm.gc_pause import without_gc

REJECT_REASONS = {
    "15": "required application data missing",
    "35": "out of network",
    "41": "authorization/access restrictions",
    "42": "the payer cannot respond now; try again later",
    "43": "the provider's identifier is invalid or missing",
    "45": "the provider's specialty is invalid or missing",
    "47": "the provider's state is invalid or missing",
    "48": "the referring provider's identifier is invalid or missing",
    "49": "the provider is not a primary care provider",
    "51": "the provider is not on the payer's file",
    "52": "the service dates are not within the provider's plan enrollment",
    "56": "the service dates are inappropriate",
    "57": "the date of service is invalid or missing",
    "58": "the date of birth is invalid or missing",
    "60": "the date of birth follows the date of service",
    "62": "the date of service is not within the allowable inquiry period",
    "63": "the date of service is in the future",
    "71": "the patient's birth date does not match the payer's records",
    "72": "the member ID is invalid or missing",
    "73": "the subscriber's name is invalid or missing",
    "74": "the subscriber's gender is invalid or missing",
    "75": "the subscriber was not found",
    "76": "duplicate subscriber ID",
    "78": "the subscriber is not in the group/plan",
}
ACTIVE_CODES = frozenset({"1", "2", "3", "4", "5"})
INACTIVE_CODES = frozenset({"6", "7", "8"})


class BenefitIn(BaseModel):
    info: str  # EB01: 1 active, 6 inactive, A coinsurance, B copay, C deductible, G out-of-pocket …
    coverage_level: str = ""  # EB02: IND, FAM …
    service_types: list[str] = Field(default_factory=list)  # EB03 (repeating)
    insurance_type: str = ""  # EB04
    plan: str = ""  # EB05
    period: str = ""  # EB06: 23 calendar year, 29 remaining, 27 visit
    amount: Decimal | None = None  # EB07
    percent: Decimal | None = None  # EB08
    in_network: str = ""  # EB12: Y, N, W (not applicable), U


class MemberAnswerIn(BaseModel):
    trace: str = ""
    member_id: str = ""
    last: str = ""
    first: str = ""
    birth: dt.date | None = None
    group_number: str = ""
    plan_name: str = ""
    plan_begin: dt.date | None = None
    plan_end: dt.date | None = None
    rejections: list[tuple[str, str]] = Field(default_factory=list)  # (AAA03 code, our words)
    benefits: list[BenefitIn] = Field(default_factory=list)

    # Derived from the benefits.
    @property
    def active(self) -> bool | None:
        codes = {b.info for b in self.benefits}
        if codes & ACTIVE_CODES:
            return True
        if codes & INACTIVE_CODES:
            return False
        return None

    def _pick(self, info: str, *, period: str | None = None, percent: bool = False) -> Decimal | None:
        rows = [b for b in self.benefits if b.info == info and (period is None or b.period == period)
                and (b.percent if percent else b.amount) is not None]
        rows.sort(key=lambda b: (b.in_network not in ("Y", "W", ""), b.coverage_level not in ("IND", ""),
                                 "98" not in b.service_types and info == "B"))
        if not rows:
            return None
        return rows[0].percent if percent else rows[0].amount

    @property
    def copay(self) -> Decimal | None:
        return self._pick("B")

    @property
    def coinsurance(self) -> Decimal | None:
        return self._pick("A", percent=True)

    @property
    def deductible(self) -> Decimal | None:
        return self._pick("C", period="23") or self._pick("C", period="")

    @property
    def deductible_remaining(self) -> Decimal | None:
        return self._pick("C", period="29")

    @property
    def out_of_pocket(self) -> Decimal | None:
        return self._pick("G", period="23") or self._pick("G", period="")

    @property
    def out_of_pocket_remaining(self) -> Decimal | None:
        return self._pick("G", period="29")

    @property
    def plan_description(self) -> str:
        return self.plan_name or next((b.plan for b in self.benefits if b.info in ACTIVE_CODES | INACTIVE_CODES
                                       and b.plan), "")


class EligibilityResponseIn(BaseModel):
    sender_id: str
    control_number: str
    payer_name: str = ""
    payer_id: str = ""
    source_rejections: list[tuple[str, str]] = Field(default_factory=list)  # AAA at the payer / provider level
    members: list[MemberAnswerIn] = Field(default_factory=list)


def _date(text: str) -> dt.date | None:
    return ccyymmdd(text)


def _dec(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise X12SyntaxError(f"not a number: {text!r}") from exc
    if not value.is_finite():  # NaN / Infinity parse as Decimals but are no amount (pydantic refuses them)
        raise X12SyntaxError(f"not a number: {text!r}")
    return value


@without_gc
def read_271(raw: bytes | str) -> EligibilityResponseIn:
    ix = parse_interchange(raw)
    if ix.transaction_type != "271":
        raise X12SyntaxError(f"not a 271: the transaction set is {ix.transaction_type or 'missing'}")
    rep = ix.repetition or "^"
    out = EligibilityResponseIn(sender_id=ix.sender_id, control_number=ix.control_number)
    level = ""
    member: MemberAnswerIn | None = None
    m: dict = {}  # member.__dict__: pydantic's __setattr__ costs a Python call per field
    in_benefit = False
    # One pass over the rows: `e = row + PAD` makes e[n] element n with no bounds check; benefits (most
    # of a large file) are built with `build` from values typed here.
    for position, row in enumerate(ix.rows, start=1):
        sid = row[0]
        if sid == "EB":
            if member is None:
                raise X12SyntaxError(f"segment {position}: EB outside a subscriber or dependent loop")
            in_benefit = True
            e = row + PAD
            if not e[1]:
                raise X12SyntaxError(f"segment {position}: EB01 (eligibility or benefit code) is missing")
            member.benefits.append(build(
                BenefitIn, info=e[1], coverage_level=e[2], service_types=[s for s in e[3].split(rep) if s],
                insurance_type=e[4], plan=e[5], period=e[6], amount=_dec(e[7]), percent=_dec(e[8]),
                in_network=e[12]))
        elif sid == "HL":
            level = row[3] if len(row) > 3 else ""
            in_benefit = False
            if level in ("22", "23"):
                if level == "22" or member is None:
                    member = build(MemberAnswerIn, rejections=[], benefits=[])
                    m = member.__dict__
                if level == "22":
                    out.members.append(member)
        elif sid == "NM1":
            e = row + PAD
            if e[1] == "PR" and level == "20":
                out.payer_name, out.payer_id = e[3], e[9]
            elif member is not None and e[1] in ("IL", "03"):
                if e[1] == "IL":
                    m["member_id"] = e[9]
                m["last"], m["first"] = e[3], e[4]
        elif sid == "TRN":
            e = row + PAD
            if member is not None and e[1] == "2":
                m["trace"] = e[2]
        elif sid == "AAA":
            e = row + PAD
            pair = (e[3], REJECT_REASONS.get(e[3], f"rejection reason {e[3]}"))
            if member is None:
                out.source_rejections.append(pair)
            else:
                member.rejections.append(pair)
        elif sid == "REF":
            e = row + PAD
            if member is not None and not in_benefit and e[1] in ("6P", "18"):
                m["group_number"] = e[2]
                m["plan_name"] = m["plan_name"] or e[3]
        elif sid == "DMG":
            if member is not None:
                m["birth"] = _date((row + PAD)[2])
        elif sid == "DTP":
            e = row + PAD
            if member is not None and not in_benefit and e[1] in ("346", "291", "356", "357"):
                start, _, end = e[3].partition("-")
                if e[1] == "357":
                    m["plan_end"] = _date(start)
                else:
                    m["plan_begin"] = _date(start)
                    if end:
                        m["plan_end"] = _date(end)
    if not out.members and not out.source_rejections:
        raise X12SyntaxError("the 271 answers no member")
    return out
