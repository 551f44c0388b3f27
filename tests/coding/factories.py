"""Test data for the workbench: a fee schedule priced for the codes the notes produce."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from billing.models import FeeSchedule, FeeScheduleEntry

FEES = {"17000": "140.00", "17003": "22.00", "17004": "420.00", "99213": "150.00", "99214": "220.00", "11102": "160.00",
        "L57.0": "0"}


def fee_schedule(practice: Any, fees: dict[str, str] | None = None) -> FeeSchedule:
    schedule = FeeSchedule.objects.create(practice=practice, name="Standard charges", kind=FeeSchedule.Kind.CHARGE,
                                          effective_from=dt.date(2020, 1, 1))
    for code, amount in (fees or FEES).items():
        if code[0].isdigit():
            FeeScheduleEntry.objects.create(practice=practice, schedule=schedule, code=code, amount=Decimal(amount))
    return schedule
