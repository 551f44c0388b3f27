"""Write 276 claim status inquiries (005010X212): "what happened to these claims?", one file per payer.

Each claim is asked about with its own trace (TRN02, echoed by the payer's 277), our patient control
number (REF*EJ), the payer's claim number when we have it (REF*1K), the charge and the dates of service.
pyx12 ships no 005010X212 map, so the tests check our files by reading them back with x12sdk's 276
models (which validate every segment and code against the guide).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from claims.x12.envelope import Builder, amount, interchange
from claims.x12.writer_837p import Delimiters


@dataclass(frozen=True)
class StatusQuestion:
    trace: str  # TRN02, unique per inquiry
    pcn: str  # REF*EJ
    charge: Decimal
    service_from: dt.date
    service_to: dt.date
    member_id: str
    subscriber_last: str
    subscriber_first: str
    payer_claim_number: str = ""
    patient_last: str = ""  # set when the patient is a dependent of the subscriber
    patient_first: str = ""
    patient_birth: dt.date | None = None
    patient_sex: str = ""

    @property
    def is_dependent(self) -> bool:
        return bool(self.patient_last)


@dataclass(frozen=True)
class StatusRequestParties:
    payer_name: str
    payer_id: str
    requester_name: str
    requester_id: str  # ETIN / tax ID (NM1*41 qualifier 46)
    provider_name: str
    provider_npi: str


def write_276(questions: Sequence[StatusQuestion], parties: StatusRequestParties, *, sender_id: str, receiver_id: str,
              control_number: int, created: dt.datetime, usage: str = "T", delimiters: Delimiters | None = None) -> str:
    if not questions:
        raise ValueError("a 276 needs at least one claim")
    b = Builder(delimiters or Delimiters())
    b.seg("ST", "276", "0001", "005010X212")
    b.seg("BHT", "0010", "13", f"{control_number:09d}", created.strftime("%Y%m%d"), created.strftime("%H%M"))
    b.seg("HL", "1", "", "20", "1")
    b.seg("NM1", "PR", "2", b.clean(parties.payer_name, 60), "", "", "", "", "PI", b.clean(parties.payer_id, 80))
    b.seg("HL", "2", "1", "21", "1")
    b.seg("NM1", "41", "2", b.clean(parties.requester_name, 60), "", "", "", "", "46", b.clean(parties.requester_id, 80))
    b.seg("HL", "3", "2", "19", "1")
    b.seg("NM1", "1P", "2", b.clean(parties.provider_name, 60), "", "", "", "", "XX", parties.provider_npi)
    hl = 3
    for q in questions:
        hl += 1
        subscriber_hl = hl
        b.seg("HL", hl, "3", "22", "1" if q.is_dependent else "0")
        b.seg("NM1", "IL", "1", b.clean(q.subscriber_last, 60), b.clean(q.subscriber_first, 35), "", "", "", "MI",
              b.clean(q.member_id, 80))
        if q.is_dependent:
            hl += 1
            b.seg("HL", hl, subscriber_hl, "23")
            if q.patient_birth:
                b.seg("DMG", "D8", q.patient_birth.strftime("%Y%m%d"), q.patient_sex or "U")
            b.seg("NM1", "QC", "1", b.clean(q.patient_last, 60), b.clean(q.patient_first, 35))
        b.seg("TRN", "1", b.clean(q.trace, 50))
        if q.payer_claim_number:
            b.seg("REF", "1K", b.clean(q.payer_claim_number, 50))
        b.seg("REF", "EJ", b.clean(q.pcn, 50))
        b.seg("AMT", "T3", amount(q.charge))
        b.seg("DTP", "472", "RD8", f"{q.service_from:%Y%m%d}-{q.service_to:%Y%m%d}")
    return interchange([b.segments], functional_id="HR", version="005010X212", sender_id=sender_id,
                       receiver_id=receiver_id, control_number=control_number, created=created, usage=usage,
                       delimiters=delimiters)
