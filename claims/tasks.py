"""Batch work on workers: scrubbing, 837P export and claim generation for a selection of claims.

Each is a `rcm.jobs` handler: the Job row holds the selection (claim ids) and progress; chunks are
processed in their own transactions and are idempotent (a second run changes nothing), so a worker
that dies mid-way is simply run again by the sweeper.
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections import defaultdict
from typing import Any

from celery import shared_task
from django.utils import timezone

from claims import services
from claims.clearinghouse.base import TransportError
from claims.models import Claim
from rcm.jobs import job_handler, job_progress
from rcm.models import Job

SCRUB = "claims.scrub"
EXPORT = "claims.export_837"
GENERATE = "claims.generate"
logger = logging.getLogger(__name__)


@job_handler(SCRUB)
def scrub_job(job: Job) -> dict[str, Any]:
    ids: list[int] = list(job.params.get("claim_ids") or [])
    if job.params.get("all_unsubmitted"):
        ids = services.claims_needing_scrub(practice_id=job.practice_id)
    elif job.practice_id is not None:
        ids = list(Claim.objects.filter(pk__in=ids, practice_id=job.practice_id).values_list("pk", flat=True))
    summary = services.ScrubSummary()
    job_progress(job, done=0, total=len(ids))
    for i in range(0, len(ids), services.CHUNK):
        summary.add(services.claims_scrub(claim_ids=ids[i:i + services.CHUNK], user=job.created_by))
        job_progress(job, done=min(len(ids), i + services.CHUNK))
    return summary.as_dict()


@job_handler(EXPORT)
def export_job(job: Job) -> dict[str, Any]:
    """One payer at a time (each its own transaction): a crash leaves finished files, and a rerun skips them."""
    ids: list[int] = list(job.params.get("claim_ids") or [])
    by_payer: dict[int, list[int]] = defaultdict(list)
    for pk, payer_id in Claim.objects.filter(pk__in=ids, practice_id=job.practice_id).values_list("pk", "payer_id"):
        by_payer[payer_id].append(pk)
    total = sum(len(v) for v in by_payer.values())
    job_progress(job, done=0, total=total)
    done = 0
    combined = services.ExportResult()
    for _payer_id, payer_ids in sorted(by_payer.items()):
        result = services.claims_export_837(claim_ids=payer_ids, practice_id=job.practice_id, strict=False,
                                            user=job.created_by)
        combined.batches += result.batches
        combined.claims += result.claims
        combined.skipped += result.skipped
        done += len(payer_ids)
        job_progress(job, done=done)
    return combined.as_dict()


@job_handler(GENERATE)
def generate_job(job: Job) -> dict[str, Any]:
    result = services.claims_generate_pending(practice_id=job.practice_id, user=job.created_by)
    return {"claims": result.claims, "self_pay": result.self_pay, "encounters": result.encounters}


# --- clearinghouse -----------------------------------------------------------------------------------------
# Plain Celery tasks (not jobs): each is idempotent on its own rows. Beat runs the periodic ones
# (rcm/celery.py); `submission_send` is enqueued on commit for each submission.


@shared_task(name="claims.tasks.submission_send", bind=True, autoretry_for=(TransportError,), retry_backoff=10,
             retry_backoff_max=900, retry_jitter=True, max_retries=8, acks_late=True, reject_on_worker_lost=True,
             ignore_result=True)
def submission_send(self: object, submission_id: int, stale_after: float | None = None) -> str:
    """Send one submission exactly once (see `submission_deliver`); transport errors retry with backoff.

    acks_late is harmless here: a second delivery finds the submission sent, busy, or interrupted — and an
    interrupted one is first confirmed with the clearinghouse, never blindly sent again."""
    from claims.clearinghouse.services import submission_deliver

    worker = getattr(getattr(self, "request", None), "hostname", "") or ""
    return submission_deliver(submission_id=submission_id, worker=worker, stale_after=stale_after)


@shared_task(name="claims.tasks.submissions_sweep", ignore_result=True)
def submissions_sweep(stale_after: float | None = None) -> int:
    from claims.clearinghouse.services import submissions_sweep as sweep

    return sweep(stale_after=stale_after)


def _active_practices() -> list[int]:
    from claims.clearinghouse.models import ClearinghouseConnection

    return sorted(set(ClearinghouseConnection.objects.filter(is_active=True).values_list("practice_id", flat=True)))


@shared_task(name="claims.tasks.submit_all", ignore_result=True)
def submit_all() -> dict[str, int]:
    """Beat: every practice's clean queued claims into files, each file sent by its own task."""
    from claims.clearinghouse.services import claims_submit

    totals = {"batches": 0, "claims_sent": 0, "claims_skipped": 0}
    for practice_id in _active_practices():
        result = claims_submit(practice_id=practice_id)
        for k, v in result.as_dict().items():
            totals[k] += v
    return totals


@shared_task(name="claims.tasks.poll_all", ignore_result=True)
def poll_all() -> dict[str, int]:
    """Beat: fetch and process every practice's waiting answers."""
    from claims.clearinghouse.models import ClearinghouseConnection
    from claims.clearinghouse.services import PollResult, clearinghouse_poll

    total = PollResult()
    for conn in ClearinghouseConnection.objects.filter(is_active=True).order_by("pk"):
        total.add(clearinghouse_poll(connection=conn))
    return total.as_dict()


@shared_task(name="claims.tasks.poll_connection", ignore_result=True)
def poll_connection(connection_id: int) -> dict[str, int]:
    """A REST clearinghouse's webhook says answers are waiting: poll that connection now."""
    from claims.clearinghouse.models import ClearinghouseConnection
    from claims.clearinghouse.services import clearinghouse_poll

    conn = ClearinghouseConnection.objects.filter(pk=connection_id, is_active=True).first()
    return clearinghouse_poll(connection=conn).as_dict() if conn else {}


@shared_task(name="claims.tasks.status_followup_all", ignore_result=True)
def status_followup_all() -> dict[str, int]:
    """Beat (daily): 276 inquiries for claims with no answer in their payer's follow-up days."""
    from claims.clearinghouse.services import status_followup

    totals = {"inquiries": 0, "files": 0}
    for practice_id in _active_practices():
        for k, v in status_followup(practice_id=practice_id).items():
            totals[k] += v
    return totals


@shared_task(name="claims.tasks.eligibility_tomorrow", ignore_result=True)
def eligibility_tomorrow() -> dict[str, int]:
    """Beat (evenings): a 270 batch for every patient with an encounter tomorrow."""
    from claims.eligibility.services import eligibility_batch

    day = timezone.localdate() + _dt.timedelta(days=1)
    totals = {"asked": 0, "answered": 0, "failed": 0, "files": 0}
    for practice_id in _active_practices():
        try:
            for k, v in eligibility_batch(practice_id=practice_id, day=day).items():
                totals[k] += v
        except Exception:
            logger.exception("eligibility batch failed for practice %s", practice_id)
    return totals
