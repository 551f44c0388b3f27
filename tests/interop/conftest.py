"""Fixtures for the interop tests: a practice ready to receive (provider, locations, payers, fees, sender map)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from billing.models import FeeSchedule, FeeScheduleEntry, Payer, Specialty
from interop.models import Hl7Sender
from tests import factories as f
from tests.coding.conftest import codesets  # noqa: F401  (the shipped code sets, loaded once and kept)
from tests.interop import samples

FEES = {"99213": "120.00", "17000": "140.00", "17003": "25.00", "11102": "150.00", "88305": "95.00"}


@dataclass
class Ready:
    world: Any
    practice: Any
    provider: Any
    location: Any
    aetna: Any
    medicare: Any
    sender: Any
    dos: dt.date


@pytest.fixture
def ready(world: Any, codesets: None) -> Ready:  # noqa: F811
    practice = world.practice
    provider = f.ProviderFactory(practice=practice, npi=samples.NPI, first_name="Elena", last_name="Marsh",
                                 specialty=Specialty.DERMATOLOGY)
    location = f.LocationFactory(practice=practice, name="Main Office")
    aetna = f.PayerFactory(practice=practice, name="Aetna", payer_id="60054")
    medicare = f.PayerFactory(practice=practice, name="Medicare Part B", payer_id="12202", kind=Payer.Kind.MEDICARE)
    schedule = FeeSchedule.objects.create(practice=practice, name="2026 charges", kind=FeeSchedule.Kind.CHARGE,
                                          effective_from=dt.date(2020, 1, 1))
    for code, amount in FEES.items():
        FeeScheduleEntry.objects.create(practice=practice, schedule=schedule, code=code, amount=Decimal(amount))
    sender = Hl7Sender.objects.create(practice=practice, sending_facility=samples.FACILITY, default_location=location)
    dos = dt.date.today() - dt.timedelta(days=12)
    return Ready(world, practice, provider, location, aetna, medicare, sender, dos)
