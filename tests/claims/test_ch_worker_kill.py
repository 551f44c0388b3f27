"""Exactly once on real workers: a `celery worker` killed with SIGKILL in the middle of sending a file, then
a new worker finishing the job, leaves the file at the clearinghouse once and the claims submitted once."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from celery import Celery

from claims.clearinghouse import services as ch_services
from claims.clearinghouse.models import SandboxFile, Submission
from claims.clearinghouse.services import claims_submit, clearinghouse_poll
from claims.models import Claim, ClaimStatusEvent
from tests.claims import ch_helpers as ch
from tests.claims import factories as cf
from tests.integration.stack import celery_worker


def _wait(what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.stack
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_submission_sends_the_claim_exactly_once(redis_url: str, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # given a queued claim, and a sandbox that holds the sender after it stored the file (while the file exists)
    pause = tmp_path / "hold"
    pause.write_text("hold")
    practice = cf.practice()
    conn = ch.sandbox(practice, pause_file=str(pause))
    claim = ch.queued_claims(practice, 1)[0]
    monkeypatch.setattr(ch_services, "_enqueue_on_commit", lambda *a, **k: None)  # we hand it to the broker
    sub_id = claims_submit(practice_id=practice.pk).submission_ids[0]
    producer = Celery("producer", broker=redis_url)
    try:
        with celery_worker(redis_url) as first:
            producer.send_task("claims.tasks.submission_send", args=[sub_id, 1.0])
            # the clearinghouse has the file and the worker is still inside the transfer
            _wait("the sandbox to store the file", lambda: SandboxFile.objects.filter(
                connection=conn, direction="in").exists())
            sub = Submission.objects.get(pk=sub_id)
            assert (sub.status, sub.step, sub.attempts) == ("sending", "uploading", 1)
            # when the worker is killed outright
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            assert first.returncode == -signal.SIGKILL
        assert Claim.objects.get(pk=claim.pk).status == "queued"
        pause.unlink()
        time.sleep(1.1)  # the dead worker's heartbeat goes stale (stale_after=1s in this test)
        # then a new worker, run by the sweeper, asks the clearinghouse and finishes without sending again
        with celery_worker(redis_url):
            producer.send_task("claims.tasks.submissions_sweep", kwargs={"stale_after": 1.0})
            _wait("the submission to be sent", lambda: Submission.objects.get(pk=sub_id).status == "sent")
    finally:
        producer.close()
    sub = Submission.objects.get(pk=sub_id)
    assert sub.attempts == 2 and sub.sent_at is not None
    assert list(sub.attempt_rows.order_by("number").values_list("outcome", flat=True)) == ["", "already_there"]
    assert SandboxFile.objects.filter(connection=conn, direction="in").count() == 1
    assert Claim.objects.get(pk=claim.pk).status == "submitted"
    assert ClaimStatusEvent.objects.filter(claim=claim, to_status="submitted").count() == 1
    # and the clearinghouse answers the one file once
    polled = clearinghouse_poll(connection=conn)
    assert (polled.files, polled.accepted, polled.remittances_posted) == (3, 1, 1)
