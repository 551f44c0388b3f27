"""Batch scrubbing and 837P export as jobs: enqueued on commit, chunked, idempotent, with progress.

The last test runs them on a real Celery worker through Redis (skipped only when Redis is absent).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from claims import services
from claims.models import Claim, ClaimStatusEvent, X12Batch
from rcm import jobs
from rcm.models import Job
from tests import factories as f
from tests.claims import factories as cf
from tests.integration.stack import celery_worker


def _claims(n: int, *, broken: int = 0) -> list[Claim]:
    practice = cf.practice()
    payer = f.PayerFactory(practice=practice)
    out = [cf.claim_for(cf.coded_encounter(practice_obj=practice, payer=payer)) for _ in range(n - broken)]
    out += [cf.claim_for(cf.coded_encounter(practice_obj=practice, payer=payer, lines=(
        ("99213", (), 1, (1,), "150.00"), ("17000", (), 1, (1,), "140.00")))) for _ in range(broken)]
    return out


@pytest.mark.django_db
def test_scrub_job_is_enqueued_on_commit_and_chunked(monkeypatch: pytest.MonkeyPatch,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    from claims.scrub import data as scrub_data
    from tests.claims.fakes import fake_code_index

    monkeypatch.setattr(scrub_data, "default_code_index", lambda: fake_code_index)
    monkeypatch.setattr(services, "CHUNK", 2)
    claims = _claims(5, broken=2)
    progress: list[tuple[int, int]] = []
    real = jobs.job_progress

    def spy(job: Job, *, done: int, total: int | None = None) -> None:
        progress.append((done, total if total is not None else job.total))
        real(job, done=done, total=total)

    monkeypatch.setattr("claims.tasks.job_progress", spy)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.claims_enqueue_batch(action="scrub", practice_id=claims[0].practice_id,
                                            claim_ids=[c.pk for c in claims])
    assert job.status == "queued" and job.total == 5 and len(callbacks) == 1
    done = jobs.job_execute(job.pk)
    assert done is not None and done.status == "done"
    assert progress == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert (done.result["clean"], done.result["with_errors"], done.result["errors_by_rule"]) == (3, 2, {"EM_NEEDS_25": 2})
    events = ClaimStatusEvent.objects.count()
    again = Job.objects.create(kind="claims.scrub", practice_id=job.practice_id, params=job.params)
    rerun = jobs.job_execute(again.pk)
    assert rerun is not None and rerun.result["changed"] == 0 and rerun.result["clean"] == 3
    assert ClaimStatusEvent.objects.count() == events


@pytest.mark.django_db
def test_scrub_job_ignores_claims_of_another_practice() -> None:
    mine = _claims(1)[0]
    theirs = _claims(1)[0]
    job = Job.objects.create(kind="claims.scrub", practice_id=mine.practice_id, params={"claim_ids": [mine.pk, theirs.pk]})
    done = jobs.job_execute(job.pk)
    assert done is not None and done.result["scrubbed"] == 1
    assert Claim.objects.get(pk=theirs.pk).status == "draft"


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_batch_scrub_and_export_on_a_real_worker(redis_url: str) -> None:
    claims = _claims(6, broken=2)
    ids = [c.pk for c in claims]
    practice_id = claims[0].practice_id
    with celery_worker(redis_url) as worker:
        def run(action: str) -> Job:
            job = services.claims_enqueue_batch(action=action, practice_id=practice_id, claim_ids=ids)
            seen: set[int] = set()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                job.refresh_from_db()
                seen.add(job.done)
                if job.status in ("done", "failed"):
                    break
                time.sleep(0.05)
            assert job.status == "done", job.error
            assert job.done == job.total == 6 and max(seen) == 6
            return job

        first = run("scrub")
        assert first.result["clean"] == 4 and first.result["errors_by_rule"] == {"EM_NEEDS_25": 2}
        assert first.started_at is not None and worker.pid
        events = ClaimStatusEvent.objects.count()
        second = run("scrub")
        assert second.result["changed"] == 0 and ClaimStatusEvent.objects.count() == events
        export = run("export_837")
        assert (export.result["files"], export.result["claims"], export.result["skipped"]) == (1, 4, 2)
        again = run("export_837")
        assert (again.result["files"], again.result["claims"]) == (0, 0)
    assert X12Batch.objects.count() == 1
    assert Claim.objects.filter(status="queued", batch__isnull=False).count() == 4
