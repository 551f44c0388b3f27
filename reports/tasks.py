"""Summary refreshes on workers: one task per practice, and the beat entry that enqueues them (rcm/celery.py).

A refresh is idempotent (it rebuilds the practice's rows from one snapshot) and two at once are harmless: the
second finds the practice's advisory lock taken and returns, so running late or twice costs only time.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(name="reports.tasks.summaries_refresh_practice")
def summaries_refresh_practice(practice_id: int) -> dict[str, Any]:
    from billing.models import Practice
    from reports.services import summaries_refresh

    if not Practice.objects.filter(pk=practice_id).exists():
        return {"practice_id": practice_id, "refreshed": False, "missing": True}
    return summaries_refresh(practice_id=practice_id).as_dict()


@shared_task(name="reports.tasks.summaries_refresh_due")
def summaries_refresh_due() -> dict[str, Any]:
    """Beat: enqueue a refresh of every practice (each on its own worker slot)."""
    from billing.models import Practice

    ids = list(Practice.objects.order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        summaries_refresh_practice.delay(pk)
    return {"practices": len(ids)}
