"""Payments work on workers: ERA posting, statement runs, the ERA inbox folder, and the charge catch-up.

ERA posting and statements are `rcm.jobs` handlers (state in the Job row, idempotent: a remittance posts
once — its row is locked and its status checked — and a statement run skips patients it already has).
The two periodic tasks are listed in `rcm/celery.py`.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from rcm.jobs import job_handler, job_progress
from rcm.models import Job

ERA_POST = "payments.era_post"
STATEMENTS = "payments.statements"


@job_handler(ERA_POST)
def era_post_job(job: Job) -> dict[str, Any]:
    from payments.services import remittance_post

    result = remittance_post(remittance_id=int(job.params["remittance_id"]), user=job.created_by)
    return {**result.as_dict(), "problems": result.problems[:20]}


@job_handler("payments.secondary_claims")
def secondary_claims_job(job: Job) -> dict[str, Any]:
    from payments.services.era import secondary_claims_generate

    return secondary_claims_generate(items=list(job.params.get("items") or []), user=job.created_by)


@job_handler(STATEMENTS)
def statements_job(job: Job) -> dict[str, Any]:
    from payments.services.statements import statement_run_execute

    return statement_run_execute(run_id=int(job.params["run_id"]),
                                 progress=lambda done, total: job_progress(job, done=done, total=total))


@shared_task(name="payments.tasks.era_inbox_scan")
def era_inbox_scan() -> dict[str, Any]:
    """Post every 835 dropped in PAYMENTS_ERA_INBOX/<practice id>/ (moved to done/ or rejected/ after)."""
    from payments.services.inbox import inbox_scan

    return inbox_scan()


@shared_task(name="payments.tasks.charges_sync")
def charges_sync() -> dict[str, Any]:
    """Catch up charges of claims generated since the last run (and self-pay encounters)."""
    from payments.services.ledger import ledger_sync_charges

    return ledger_sync_charges(self_pay=True).as_dict()
