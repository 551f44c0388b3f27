"""A claim as plain, immutable data: what the scrubber judges and the 837P writer writes.

Both are pure functions of these snapshots (plus preloaded rule data), so they can be tested without a
database and run over thousands of claims a second. `claims.selectors.claim_snapshots` builds them from
PostgreSQL in a fixed, small number of queries whatever the number of claims.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Address:
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""


@dataclass(frozen=True, slots=True)
class LineSnap:
    line_number: int
    code: str
    charge: Decimal
    date_of_service: dt.date
    units: int = 1
    modifiers: tuple[str, ...] = ()
    pointers: tuple[int, ...] = (1,)
    place_of_service: str = "11"
    line_control_number: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A CAS adjustment: group (CO, PR, OA, PI, CR), reason code (CARC) and amount."""

    group: str
    reason: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class LineAdjudication:
    line_control_number: str
    code: str
    paid: Decimal
    units: int = 1
    modifiers: tuple[str, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    adjudication_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class OtherPayer:
    """The payer that adjudicated before this one (837P loops 2320/2330A/2330B/2430)."""

    responsibility: str  # that payer's SBR01: P, S, T
    payer_name: str
    payer_id: str
    filing_indicator: str
    member_id: str
    relationship: str
    group_number: str
    subscriber_first_name: str
    subscriber_last_name: str
    paid: Decimal
    adjudication_date: dt.date
    claim_adjustments: tuple[Adjustment, ...] = ()
    lines: tuple[LineAdjudication, ...] = ()


@dataclass(frozen=True, slots=True)
class ClaimSnap:
    pcn: str
    date_of_service: dt.date
    lines: tuple[LineSnap, ...]
    diagnosis_codes: tuple[str, ...]
    # payer
    payer_pk: int = 0
    payer_name: str = ""
    payer_id: str = ""
    filing_indicator: str = "CI"
    timely_filing_days: int = 365
    responsibility: str = "P"
    frequency: str = "1"
    original_payer_claim_number: str = ""
    # billing provider (the practice)
    billing_name: str = ""
    billing_npi: str = ""
    billing_tax_id: str = ""
    billing_taxonomy: str = ""
    billing_address: Address = field(default_factory=Address)
    billing_phone: str = ""
    # rendering provider
    rendering_pk: int = 0
    rendering_first_name: str = ""
    rendering_last_name: str = ""
    rendering_npi: str = ""
    rendering_taxonomy: str = ""
    # service facility
    facility_name: str = ""
    facility_npi: str = ""
    facility_address: Address = field(default_factory=Address)
    place_of_service: str = "11"
    # patient
    patient_pk: int = 0
    patient_first_name: str = ""
    patient_middle_name: str = ""
    patient_last_name: str = ""
    patient_date_of_birth: dt.date | None = None
    patient_sex: str = "U"
    patient_address: Address = field(default_factory=Address)
    # subscriber and insurance
    member_id: str = ""
    group_number: str = ""
    relationship: str = "18"
    subscriber_first_name: str = ""
    subscriber_last_name: str = ""
    subscriber_date_of_birth: dt.date | None = None
    subscriber_sex: str = ""
    # clinical and authorization
    prior_authorization: str = ""
    referring_npi: str = ""
    referring_name: str = ""
    onset_date: dt.date | None = None
    other_payer: OtherPayer | None = None
    id: int | None = None
    status: str = "draft"

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))

    @property
    def patient_is_subscriber(self) -> bool:
        return self.relationship == "18"

    def age_on(self, day: dt.date) -> int | None:
        dob = self.patient_date_of_birth
        if dob is None:
            return None
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
