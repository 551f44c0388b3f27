"""Jobs: state in PostgreSQL, claimed once, swept when a worker dies."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from rcm import jobs
from rcm.models import Job
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_enqueue_runs_after_commit_and_records_the_result(django_capture_on_commit_callbacks: Any) -> None:
    practice = f.PracticeFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs.job_enqueue(kind="ping", practice_id=practice.pk, params={"message": "hi"})
    assert job.status == "queued" and len(callbacks) == 1  # nothing is sent before the transaction commits
    done = jobs.job_execute(job.pk)
    assert done is not None and done.status == "done" and done.result["pong"] == "hi"


def test_second_delivery_does_nothing() -> None:
    job = Job.objects.create(kind="ping")
    assert jobs.job_execute(job.pk) is not None
    assert jobs.job_execute(job.pk) is None
    assert Job.objects.get(pk=job.pk).attempts == 1


def test_idempotency_key_returns_the_same_job() -> None:
    first = jobs.job_enqueue(kind="ping", idempotency_key="k-1")
    assert jobs.job_enqueue(kind="ping", idempotency_key="k-1").pk == first.pk
    assert Job.objects.count() == 1


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown job kind"):
        jobs.job_enqueue(kind="nope")


def test_failure_is_recorded_not_lost() -> None:
    @jobs.job_handler("boom")
    def _boom(job: Job) -> dict[str, Any]:
        raise RuntimeError("disk on fire")

    job = Job.objects.create(kind="boom")
    result = jobs.job_execute(job.pk)
    assert result is not None and result.status == "failed" and "disk on fire" in result.error


def test_sweeper_requeues_stale_and_forgotten_jobs(django_capture_on_commit_callbacks: Any) -> None:
    old = timezone.now() - dt.timedelta(hours=1)
    stale = Job.objects.create(kind="ping", status="running", heartbeat_at=old, attempts=1)
    forgotten = Job.objects.create(kind="ping")
    Job.objects.filter(pk=forgotten.pk).update(created_at=old)
    fresh = Job.objects.create(kind="ping", status="running", heartbeat_at=timezone.now(), attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.jobs_sweep() == 2
    assert Job.objects.get(pk=stale.pk).status == "done"
    assert Job.objects.get(pk=forgotten.pk).status == "done"
    assert Job.objects.get(pk=fresh.pk).status == "running"
