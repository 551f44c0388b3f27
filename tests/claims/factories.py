"""Claims test data: coded encounters, claims, and claim snapshots for the pure rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from billing.models import Encounter
from claims import services
from claims.models import Claim
from claims.snapshot import Address, ClaimSnap, LineSnap
from tests import factories as f

Line = tuple[str, Sequence[str], int, Sequence[int], str]  # code, modifiers, units, pointers, charge


def practice(**kwargs: Any) -> Any:
    return f.PracticeFactory(**{"phone": "7175550100", **kwargs})


def coded_encounter(*, patient: Any = None, practice_obj: Any = None, dx: Iterable[str] = ("L57.0",),
                    lines: Iterable[Line] = (("17000", (), 1, (1,), "140.00"),), dos: dt.date | None = None,
                    coverage: bool = True, payer: Any = None, relationship: str = "18", status: str = "coded",
                    **encounter_kwargs: Any) -> Encounter:
    """An encounter with diagnoses and charge lines, coded, and (by default) a primary coverage active on its date."""
    if patient is None:
        patient = f.PatientFactory(practice=practice_obj or practice())
    if coverage and not patient.coverages.filter(priority=1).exists():
        extra: dict[str, Any] = {}
        if relationship != "18":
            extra = {"subscriber_first_name": "Ann", "subscriber_last_name": patient.last_name,
                     "subscriber_date_of_birth": dt.date(1970, 2, 3), "subscriber_sex": "F"}
        f.CoverageFactory(patient=patient, relationship=relationship, group_number="G12345",
                          **({"payer": payer} if payer is not None else {}), **extra)
    enc = f.EncounterFactory(patient=patient, status=status, coded_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
                             **({"date_of_service": dos} if dos else {}), **encounter_kwargs)
    for rank, code in enumerate(dx, start=1):
        f.DiagnosisFactory(encounter=enc, code=code, rank=rank)
    for n, (code, mods, units, pointers, charge) in enumerate(lines, start=1):
        f.ChargeLineFactory(encounter=enc, line_number=n, code=code, modifiers=list(mods), units=units,
                            diagnosis_pointers=list(pointers), charge_amount=Decimal(charge))
    return enc


def claim_for(encounter: Encounter, **kwargs: Any) -> Claim:
    coverage = encounter.patient.coverages.get(priority=1)
    return services.claim_generate(encounter=encounter, coverage=coverage, **kwargs)


ADDR = Address("1 Main St", "", "Harrisburg", "PA", "171011234")
DOS = dt.date(2025, 3, 3)
TODAY = dt.date(2025, 3, 20)


def line(n: int = 1, code: str = "17000", *, mods: Sequence[str] = (), units: int = 1, pointers: Sequence[int] = (1,),
         charge: str = "140.00", dos: dt.date = DOS, pos: str = "11") -> LineSnap:
    return LineSnap(line_number=n, code=code, charge=Decimal(charge), date_of_service=dos, units=units,
                    modifiers=tuple(mods), pointers=tuple(pointers), place_of_service=pos,
                    line_control_number=f"C000000001-{n}")


def snap(*lines_: LineSnap, dx: Sequence[str] = ("L57.0",), **changes: Any) -> ClaimSnap:
    """A clean claim snapshot (every rule passes with the fake code index) with `changes` applied."""
    base = ClaimSnap(
        id=1, pcn="C000000001", date_of_service=DOS, lines=tuple(lines_) or (line(),), diagnosis_codes=tuple(dx),
        payer_pk=1, payer_name="Aetna", payer_id="60054", timely_filing_days=90, billing_name="Riverbend Dermatology",
        billing_npi="1234567893", billing_tax_id="231234567", billing_taxonomy="193200000X", billing_address=ADDR,
        billing_phone="7175550100", rendering_pk=7, rendering_first_name="Elena", rendering_last_name="Marsh",
        rendering_npi="1245319599", rendering_taxonomy="207N00000X", facility_name="Main Street Office",
        facility_npi="1679576722", facility_address=Address("2 Main St", "", "Harrisburg", "PA", "17101"),
        place_of_service="11", patient_pk=3, patient_first_name="Pat", patient_last_name="Doe",
        patient_date_of_birth=dt.date(1960, 5, 17), patient_sex="F",
        patient_address=Address("3 Oak Ave", "", "Carlisle", "PA", "17013"), member_id="W123456789",
        group_number="G12345", relationship="18")
    return replace(base, **changes)
