"""What every inbound format is parsed into before it touches the domain: one set of pydantic records.

The HL7 v2 reader, the FHIR reader and the CSV importer each turn their input into a `Batch`; one engine
(`interop.services.apply`) writes a batch through `billing.services`. Keys are the outside identifiers the
records are matched on (an MRN, a visit number, a FHIR identifier); `ref` says where in the input a record
came from, so an error can name the segment, resource or row.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, frozen=False)

    ref: str = Field(description="where it came from: 'PID', 'FT1[2]', 'Patient/abc', 'row 7'")
    rows: list[int] = Field(default_factory=list, description="CSV rows it came from (for row-level errors)")
    source_time: dt.datetime | None = None


class PatientIn(Record):
    mrn: str
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    date_of_birth: dt.date | None = None
    sex: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""
    phone: str = ""
    email: str = ""
    fields_present: set[str] | None = Field(default=None, description="fields the source sent; None = all")


class CoverageIn(Record):
    key: str
    patient_mrn: str
    payer_identifier: str = ""
    payer_name: str = ""
    priority: int = 1
    member_id: str = ""
    group_number: str = ""
    plan_name: str = ""
    relationship: str = "18"
    subscriber_first_name: str = ""
    subscriber_last_name: str = ""
    subscriber_date_of_birth: dt.date | None = None
    subscriber_sex: str = ""
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None


class EncounterIn(Record):
    key: str
    patient_mrn: str
    provider_npi: str = ""
    location_name: str = ""
    location_npi: str = ""
    date_of_service: dt.date | None = None
    prior_authorization: str = ""
    referring_provider_npi: str = ""
    referring_provider_name: str = ""
    void: bool = False


class DiagnosisIn(Record):
    encounter_key: str
    code: str
    rank: int | None = None


class ChargeIn(Record):
    key: str
    encounter_key: str
    code: str
    modifiers: list[str] = Field(default_factory=list)
    units: int = 1
    charge_amount: Decimal | None = None
    diagnosis_codes: list[str] = Field(default_factory=list)
    date_of_service: dt.date | None = None


class NoteIn(Record):
    key: str
    encounter_key: str
    kind: str = "progress"
    author: str = ""
    text: str
    # An encounter this note may create when the visit is not known yet (MDM / ORU before any DFT).
    encounter: EncounterIn | None = None


class Problem(BaseModel):
    """A reader's finding about its input: an error stops the record (and whatever depends on it)."""

    ref: str
    message: str
    severity: str = "error"
    rows: list[int] = Field(default_factory=list)


class Batch(BaseModel):
    patients: list[PatientIn] = Field(default_factory=list)
    coverages: list[CoverageIn] = Field(default_factory=list)
    encounters: list[EncounterIn] = Field(default_factory=list)
    diagnoses: list[DiagnosisIn] = Field(default_factory=list)
    charges: list[ChargeIn] = Field(default_factory=list)
    notes: list[NoteIn] = Field(default_factory=list)
    problems: list[Problem] = Field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.patients or self.coverages or self.encounters or self.diagnoses or self.charges or self.notes)
