"""Money under faults on the real stack: a `celery worker` killed with SIGKILL in the middle of posting an
ERA, and Redis restarted (losing its queue) with jobs waiting — each job still completes exactly once.

PostgreSQL holds the job state (`rcm.models.Job`) and the posting is one transaction, so a dead worker
leaves nothing half-posted, and the sweeper (`rcm.tasks.jobs_sweep`, on beat) re-queues what a lost message
or a dead worker left behind.
"""

from __future__ import annotations

import datetime as dt
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from celery import Celery
from django.utils import timezone

from payments.models import LedgerEntry, Remittance
from payments.services.era import era_import, remittance_store
from payments.tasks import ERA_POST
from rcm import jobs
from rcm.models import Job
from tests.integration.stack import celery_worker, database_url_for_tests
from tests.payments import factories as pf


def _wait(what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _era_job(monkeypatch: pytest.MonkeyPatch, claims: int = 3, trace: str = "KILL9") -> tuple[Job, int, int]:
    """A stored ERA and its posting job, not yet handed to any broker; (job, remittance id, lines paid)."""
    practice, payer = pf.practice_with_payer()
    sent = [pf.sent_claim(practice=practice, payer=payer) for _ in range(claims)]
    text = pf.era_file([pf.transaction([pf.paid_claim(c) for c in sent], payer=payer, trace=trace)])
    remittance, created = remittance_store(practice_id=practice.pk, content=text, filename=f"{trace}.835")
    assert created
    monkeypatch.setattr(jobs, "_send", lambda job_id: None)  # the test hands messages to the broker itself
    job = jobs.job_enqueue(kind=ERA_POST, practice_id=practice.pk, params={"remittance_id": remittance.pk}, total=1)
    return job, remittance.pk, sum(c.lines.count() for c in sent)


def _payments(remittance_id: int) -> int:
    return LedgerEntry.objects.filter(kind="ins_payment",
                                      remit_line__remit_claim__transaction__remittance_id=remittance_id).count()


@contextmanager
def _table_locked(table: str) -> Iterator[None]:
    """Hold a lock that blocks INSERT into `table` from another connection, until the block ends."""
    conn = psycopg2.connect(database_url_for_tests())
    try:
        with conn.cursor() as cur:
            cur.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        yield
    finally:
        conn.rollback()
        conn.close()


def _backends(where: str) -> int:
    """Other sessions on the test database matching `where` (a fresh connection each time: pg_stat_activity
    is a snapshot taken once per transaction)."""
    conn = psycopg2.connect(database_url_for_tests())
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "  # noqa: S608
                        f"AND pid <> pg_backend_pid() AND {where}")
            return int(cur.fetchone()[0])
    finally:
        conn.close()


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_era_posting_posts_it_exactly_once(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # given an ERA posting job, and the ledger held so the worker stops inside its posting transaction
    job, remittance_id, lines = _era_job(monkeypatch)
    producer = Celery("producer", broker=redis_url)
    try:
        with _table_locked("payments_ledgerentry"), celery_worker(redis_url) as first:
            producer.send_task("rcm.tasks.job_run", args=[job.pk])
            _wait("the worker to block inside the posting", lambda: _backends("wait_event_type = 'Lock'") > 0)
            assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
            # when the worker is killed outright, mid-transaction
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            assert first.returncode == -signal.SIGKILL
        # the dead worker's transaction never commits: PostgreSQL rolls it back once it sees the socket closed
        _wait("the dead worker's transaction to end", lambda: _backends("state IS DISTINCT FROM 'idle'") == 0)
        assert _payments(remittance_id) == 0
        assert Remittance.objects.get(pk=remittance_id).status == Remittance.Status.RECEIVED
        stuck = Job.objects.get(pk=job.pk)
        assert (stuck.status, stuck.attempts) == (Job.Status.RUNNING, 1)
        # then, once its heartbeat is stale, the sweeper hands the job to a new worker, which posts it once
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - jobs.STALE_AFTER - dt.timedelta(seconds=5))
        with celery_worker(redis_url):
            producer.send_task("rcm.tasks.jobs_sweep")
            _wait("the job to finish", lambda: Job.objects.get(pk=job.pk).status == Job.Status.DONE)
            producer.send_task("rcm.tasks.job_run", args=[job.pk])  # a late duplicate delivery
            time.sleep(1)
    finally:
        producer.close()
    done = Job.objects.get(pk=job.pk)
    assert done.attempts == 2 and done.result["claims_matched"] == 3
    assert _payments(remittance_id) == lines
    assert Remittance.objects.get(pk=remittance_id).status == Remittance.Status.POSTED
    # and the same file again posts nothing
    again = era_import(practice_id=done.practice_id, content=Remittance.objects.get(pk=remittance_id).content)
    assert again.already_posted == 3 and _payments(remittance_id) == lines


@contextmanager
def _private_redis(port: int, folder: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A redis-server of our own (no persistence: a restart loses every queued message)."""
    binary = shutil.which("redis-server")
    assert binary
    proc = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
                             "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait("redis to answer", lambda: _redis_answers(port), timeout=10)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not shutil.which("redis-server"), reason="restarting Redis needs a redis-server binary of our own")
def test_redis_restarted_with_jobs_queued_loses_none(redis_url: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """(`redis_url` is taken only so the test skips, with the reason, where there is no Redis at all.)"""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"redis://127.0.0.1:{port}/0"
    # given jobs queued in Redis while no worker runs: an ERA posting and two pings
    era, remittance_id, lines = _era_job(monkeypatch, trace="REDIS1")
    pings = [jobs.job_enqueue(kind="ping", params={"message": f"p{i}"}) for i in range(2)]
    ids = [era.pk, *[p.pk for p in pings]]
    with _private_redis(port, tmp_path):
        producer = Celery("producer", broker=url)
        for job_id in ids:
            producer.send_task("rcm.tasks.job_run", args=[job_id])
        producer.close()
    # when Redis restarts empty (killed, no persistence: the messages are gone)
    with _private_redis(port, tmp_path):
        assert Job.objects.filter(pk__in=ids, status=Job.Status.QUEUED).count() == 3
        # then the sweeper re-sends every job still queued after two minutes, and each runs once
        Job.objects.filter(pk__in=ids).update(created_at=timezone.now() - dt.timedelta(minutes=3))
        producer = Celery("producer", broker=url)
        try:
            with celery_worker(url):
                producer.send_task("rcm.tasks.jobs_sweep")
                _wait("every job to finish", lambda: Job.objects.filter(pk__in=ids, status=Job.Status.DONE).count() == 3)
        finally:
            producer.close()
    assert list(Job.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == [1, 1, 1]
    assert _payments(remittance_id) == lines
    assert Remittance.objects.get(pk=remittance_id).status == Remittance.Status.POSTED
