"""The demo's last stage: build the dashboard summaries of the freshly seeded practice (`seed_demo`)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from billing.models import Practice


def seed_step(*, practice: Practice, rng: random.Random, today: dt.date) -> dict[str, Any]:
    from reports.services import summaries_refresh

    result = summaries_refresh(practice_id=practice.pk)
    return {"seconds": round(result.seconds, 2), "rows": sum(result.rows.values())}
