"""Read the claims out of an 837P (what the sandbox clearinghouse needs to answer it like a payer would).

Only what a payer's front end looks at: the payer, the subscriber and patient, CLM (number, charge,
frequency), the original claim reference (REF*F8), prior authorization (REF*G1), diagnoses, the rendering
provider, and each service line with its control number (REF*6R). Structure is pyx12's job (the sandbox
validates the file before reading it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, Field

from claims.x12.segments import Interchange, X12SyntaxError, ccyymmdd


class LineIn(BaseModel):
    line_control_number: str = ""
    code: str
    modifiers: list[str] = Field(default_factory=list)
    charge: Decimal
    units: int = 1
    service_date: dt.date | None = None


class ClaimIn(BaseModel):
    transaction_control: str  # ST02 of the transaction the claim is in
    pcn: str
    charge: Decimal
    frequency: str = "1"
    place_of_service: str = ""
    original_reference: str = ""
    prior_authorization: str = ""
    diagnoses: list[str] = Field(default_factory=list)
    payer_name: str = ""
    payer_id: str = ""
    member_id: str = ""
    subscriber_last: str = ""
    subscriber_first: str = ""
    patient_last: str = ""
    patient_first: str = ""
    patient_birth: dt.date | None = None
    is_dependent: bool = False
    rendering_npi: str = ""
    billing_npi: str = ""
    billing_name: str = ""
    responsibility: str = "P"
    lines: list[LineIn] = Field(default_factory=list)

    @property
    def service_date(self) -> dt.date | None:
        dates = [ln.service_date for ln in self.lines if ln.service_date]
        return min(dates) if dates else None


def _date(text: str) -> dt.date | None:
    return ccyymmdd(text)


def _money(text: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation as exc:
        raise X12SyntaxError(f"not an amount: {text!r}") from exc


def read_837p_claims(ix: Interchange) -> list[ClaimIn]:
    sep = ix.component
    claims: list[ClaimIn] = []
    st = ""
    sub: dict[str, object] = {}
    pat: dict[str, object] = {}
    billing: dict[str, str] = {}
    level = ""
    entity = ""
    claim: ClaimIn | None = None
    line: LineIn | None = None
    for seg in ix.segments:
        sid = seg.id
        if sid == "ST":
            st = seg.get(2)
        elif sid == "HL":
            level = seg.get(3)
            claim = line = None
            if level == "22":
                sub, pat = {}, {}
        elif sid == "SBR" and level == "22" and claim is None:
            sub["responsibility"] = seg.get(1)
        elif sid == "NM1":
            entity = seg.get(1)
            if entity == "85":
                billing = {"name": seg.get(3), "npi": seg.get(9)}
            elif entity == "IL" and claim is None:
                sub.update(last=seg.get(3), first=seg.get(4), member=seg.get(9))
            elif entity == "PR" and claim is None:
                sub.update(payer_name=seg.get(3), payer_id=seg.get(9))
            elif entity == "QC":
                pat.update(last=seg.get(3), first=seg.get(4))
            elif entity == "82" and claim is not None:
                claim.rendering_npi = seg.get(9)
        elif sid == "DMG":
            (pat if level == "23" else sub)["birth"] = _date(seg.get(2))
        elif sid == "CLM":
            comp = seg.get(5).split(sep)
            dependent = level == "23"
            claim = ClaimIn(
                transaction_control=st, pcn=seg.get(1), charge=_money(seg.get(2)),
                place_of_service=comp[0] if comp else "", frequency=comp[2] if len(comp) > 2 else "1",
                payer_name=str(sub.get("payer_name", "")), payer_id=str(sub.get("payer_id", "")),
                member_id=str(sub.get("member", "")), subscriber_last=str(sub.get("last", "")),
                subscriber_first=str(sub.get("first", "")),
                patient_last=str(pat.get("last") if dependent else sub.get("last", "")),
                patient_first=str(pat.get("first") if dependent else sub.get("first", "")),
                patient_birth=(pat.get("birth") if dependent else sub.get("birth")),  # type: ignore[arg-type]
                is_dependent=dependent, billing_npi=billing.get("npi", ""), billing_name=billing.get("name", ""),
                responsibility=str(sub.get("responsibility", "P")))
            claims.append(claim)
            line = None
        elif claim is None:
            continue
        elif sid == "REF" and line is None and seg.get(1) == "F8":
            claim.original_reference = seg.get(2)
        elif sid == "REF" and line is None and seg.get(1) == "G1":
            claim.prior_authorization = seg.get(2)
        elif sid == "HI":
            claim.diagnoses += [e.split(sep)[1] for e in seg.elements if sep in e]
        elif sid == "SV1":
            proc = seg.get(1).split(sep)
            if len(proc) < 2:
                raise X12SyntaxError(f"segment {seg.position}: SV101 has no procedure code")
            line = LineIn(code=proc[1], modifiers=[m for m in proc[2:6] if m], charge=_money(seg.get(2)),
                          units=int(Decimal(seg.get(4) or "1")))
            claim.lines.append(line)
        elif sid == "DTP" and line is not None and seg.get(1) == "472":
            line.service_date = _date(seg.get(3).split("-")[0])
        elif sid == "REF" and line is not None and seg.get(1) == "6R":
            line.line_control_number = seg.get(2)
    return claims
