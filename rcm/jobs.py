"""Jobs: batch work whose state is a row in PostgreSQL, run by Celery.

`job_enqueue` writes the row and sends its id to a worker after commit;
`job_run` claims it with a conditional UPDATE (so two deliveries of one message
cannot both run it), calls the handler registered for its kind, and records the
result. Handlers report progress with `job_progress` and must be idempotent: the
sweeper re-queues jobs whose worker died.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from rcm.models import Job

logger = logging.getLogger(__name__)

Handler = Callable[[Job], dict[str, Any]]
_HANDLERS: dict[str, Handler] = {}

STALE_AFTER = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return register


def job_enqueue(*, kind: str, practice_id: int | None = None, params: dict[str, Any] | None = None, total: int = 0,
                user: Any = None, idempotency_key: str | None = None) -> Job:
    if kind not in _HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    if idempotency_key:
        existing = Job.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing
    job = Job.objects.create(kind=kind, practice_id=practice_id, params=params or {}, total=total,
                             created_by=user if getattr(user, "is_authenticated", False) else None,
                             idempotency_key=idempotency_key)
    _send(job.pk)
    return job


def _send(job_id: int) -> None:
    from rcm.tasks import job_run

    transaction.on_commit(lambda: job_run.delay(job_id))


def job_claim(job_id: int) -> Job | None:
    """Move queued (or stale running) -> running; None if someone else has it or it is finished."""
    now = timezone.now()
    stale = now - STALE_AFTER
    claimed = Job.objects.filter(pk=job_id).filter(
        Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING, heartbeat_at__lt=stale)
    ).update(status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1)
    return Job.objects.get(pk=job_id) if claimed else None


def job_progress(job: Job, *, done: int, total: int | None = None) -> None:
    fields: dict[str, Any] = {"done": done, "heartbeat_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    Job.objects.filter(pk=job.pk).update(**fields)
    job.done = done
    if total is not None:
        job.total = total


def job_execute(job_id: int) -> Job | None:
    job = job_claim(job_id)
    if job is None:
        return None
    handler = _HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        result = handler(job)
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000],
                                             finished_at=timezone.now())
        job.refresh_from_db()
        return job
    Job.objects.filter(pk=job.pk).update(status=Job.Status.DONE, result=result or {}, finished_at=timezone.now(),
                                         done=F("total"))
    job.refresh_from_db()
    return job


def jobs_sweep() -> int:
    """Re-send jobs that were never picked up or whose worker stopped sending heartbeats."""
    now = timezone.now()
    stale = now - STALE_AFTER
    ids = list(
        Job.objects.filter(attempts__lt=MAX_ATTEMPTS)
        .filter(Q(status=Job.Status.QUEUED, created_at__lt=now - dt.timedelta(minutes=2))
                | Q(status=Job.Status.RUNNING, heartbeat_at__lt=stale))
        .values_list("pk", flat=True)[:1000]
    )
    for job_id in ids:
        _send(job_id)
    return len(ids)


@job_handler("ping")
def _ping(job: Job) -> dict[str, Any]:
    """A no-op job used to prove the web -> broker -> worker -> database round trip."""
    import os
    import socket

    return {"pong": job.params.get("message", "pong"), "worker_pid": os.getpid(), "host": socket.gethostname()}
