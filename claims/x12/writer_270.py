"""Write 270 eligibility inquiries (005010X279A1): is this member covered on this date, and for what?

One file per payer; each member gets a subscriber HL (and a dependent HL when the patient is not the
subscriber) with a trace (TRN02) that the 271 echoes, and asks for the health benefit plan coverage
(EQ*30). pyx12 ships no 005010X279A1 map; the tests read our files back with x12sdk's 270 models.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from claims.x12.envelope import Builder, interchange
from claims.x12.writer_837p import Delimiters


@dataclass(frozen=True)
class EligibilityQuestion:
    trace: str  # TRN02
    member_id: str
    subscriber_last: str
    subscriber_first: str
    subscriber_birth: dt.date | None
    subscriber_sex: str
    service_date: dt.date
    patient_last: str = ""  # set when the patient is a dependent
    patient_first: str = ""
    patient_birth: dt.date | None = None
    patient_sex: str = ""
    service_type: str = "30"  # health benefit plan coverage

    @property
    def is_dependent(self) -> bool:
        return bool(self.patient_last)


@dataclass(frozen=True)
class EligibilityParties:
    payer_name: str
    payer_id: str
    provider_name: str
    provider_npi: str
    provider_tax_id: str


def write_270(questions: Sequence[EligibilityQuestion], parties: EligibilityParties, *, sender_id: str,
              receiver_id: str, control_number: int, created: dt.datetime, usage: str = "T",
              delimiters: Delimiters | None = None) -> str:
    if not questions:
        raise ValueError("a 270 needs at least one member")
    b = Builder(delimiters or Delimiters())
    b.seg("ST", "270", "0001", "005010X279A1")
    b.seg("BHT", "0022", "13", f"{control_number:09d}", created.strftime("%Y%m%d"), created.strftime("%H%M"))
    b.seg("HL", "1", "", "20", "1")
    b.seg("NM1", "PR", "2", b.clean(parties.payer_name, 60), "", "", "", "", "PI", b.clean(parties.payer_id, 80))
    b.seg("HL", "2", "1", "21", "1")
    b.seg("NM1", "1P", "2", b.clean(parties.provider_name, 60), "", "", "", "", "XX", parties.provider_npi)
    hl = 2
    for q in questions:
        hl += 1
        subscriber_hl = hl
        b.seg("HL", hl, "2", "22", "1" if q.is_dependent else "0")
        if not q.is_dependent:
            b.seg("TRN", "1", b.clean(q.trace, 50), "9" + parties.provider_tax_id)
        b.seg("NM1", "IL", "1", b.clean(q.subscriber_last, 60), b.clean(q.subscriber_first, 35), "", "", "", "MI",
              b.clean(q.member_id, 80))
        if q.subscriber_birth:
            b.seg("DMG", "D8", q.subscriber_birth.strftime("%Y%m%d"), q.subscriber_sex or "U")
        if not q.is_dependent:
            b.seg("DTP", "291", "D8", q.service_date.strftime("%Y%m%d"))
            b.seg("EQ", q.service_type)
            continue
        hl += 1
        b.seg("HL", hl, subscriber_hl, "23", "0")
        b.seg("TRN", "1", b.clean(q.trace, 50), "9" + parties.provider_tax_id)
        b.seg("NM1", "03", "1", b.clean(q.patient_last, 60), b.clean(q.patient_first, 35))
        if q.patient_birth:
            b.seg("DMG", "D8", q.patient_birth.strftime("%Y%m%d"), q.patient_sex or "U")
        b.seg("DTP", "291", "D8", q.service_date.strftime("%Y%m%d"))
        b.seg("EQ", q.service_type)
    return interchange([b.segments], functional_id="HS", version="005010X279A1", sender_id=sender_id,
                       receiver_id=receiver_id, control_number=control_number, created=created, usage=usage,
                       delimiters=delimiters)
