"""The clearinghouse loop's back end through the sandbox: rejections reach the denial queue, ingestion is
repeat-safe, malformed files are kept and flagged, and a retried submission never sends twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from claims.clearinghouse import services as ch_services
from claims.clearinghouse.base import TransportError
from claims.clearinghouse.models import (
    ClaimResponse,
    InboundFile,
    SandboxFile,
    Submission,
    SubmissionAttempt,
)
from claims.clearinghouse.services import (
    claims_submit,
    clearinghouse_poll,
    inbound_upload,
    submission_deliver,
)
from claims.denials.models import DenialCase
from claims.models import Claim
from claims.tasks import submission_send
from tests.claims import ch_helpers as ch
from tests.claims import factories as cf

pytestmark = pytest.mark.django_db


def _sent_files(conn: Any) -> int:
    return SandboxFile.objects.filter(connection=conn, direction="in").count()


def test_rejected_claim_reaches_the_denial_queue_with_reason_and_segment() -> None:
    # given two queued claims, the second's rendering NPI not enrolled with the payer
    practice = cf.practice()
    claims = ch.queued_claims(practice, 2)
    conn = ch.sandbox(practice, unenrolled_npis=[claims[1].rendering_npi])
    assert claims[0].rendering_npi != claims[1].rendering_npi
    # when submitted and polled
    assert claims_submit(practice_id=practice.pk, send_now=True).claims_sent == 2
    polled = clearinghouse_poll(connection=conn)
    # then the 999 accepts both, the 277CA accepts one and rejects the other (which gets no 835)
    assert (polled.accepted, polled.rejected, polled.remittances_posted, polled.errors) == (1, 1, 1, 0)
    good, bad = (Claim.objects.get(pk=c.pk) for c in claims)
    assert (good.status, bad.status) == ("paid", "rejected")
    rejection = ClaimResponse.objects.get(claim=bad, outcome="rejected")
    assert (rejection.source, rejection.category_code, rejection.status_code, rejection.entity_code) == (
        "277ca", "A7", "562", "82")
    assert rejection.segment.startswith("NM1") and "2310B" in rejection.segment
    assert "not enrolled" in rejection.payer_text.lower()
    case = DenialCase.objects.get(claim=bad)
    assert (case.source, case.status, case.status_code, case.response_id) == ("277ca", "open", "562", rejection.pk)
    assert case.segment == rejection.segment and case.reason
    assert case.amount == bad.total_charge
    assert not DenialCase.objects.filter(claim=good).exists()


def test_polling_twice_and_uploading_the_same_file_again_changes_nothing() -> None:
    practice = cf.practice()
    conn = ch.sandbox(practice)
    claims = ch.queued_claims(practice, 1)
    claims_submit(practice_id=practice.pk, send_now=True)
    first = clearinghouse_poll(connection=conn)
    assert first.files == 3 and first.errors == 0
    responses = ClaimResponse.objects.count()
    balance = Claim.objects.get(pk=claims[0].pk).balance
    # a second poll finds nothing new
    assert clearinghouse_poll(connection=conn).as_dict() == {
        "files": 0, "accepted": 0, "rejected": 0, "status_updates": 0, "remittances_posted": 0, "errors": 0}
    # the same bytes uploaded by hand are recognised by their hash and not applied again
    for row in InboundFile.objects.all():
        again = inbound_upload(practice_id=practice.pk, content=bytes(row.content), filename="again.x12")
        assert again.duplicates == 1 and again.files == 0
    assert InboundFile.objects.count() == 3
    assert ClaimResponse.objects.count() == responses
    assert Claim.objects.get(pk=claims[0].pk).balance == balance
    # every file is kept byte for byte as the sandbox sent it
    outbox = dict(SandboxFile.objects.filter(direction="out").values_list("name", "content"))
    for row in InboundFile.objects.all():
        assert bytes(row.content).decode("latin-1") == outbox[row.filename]
        assert row.status == "processed" and row.sha256 and row.interchange_control


def test_same_interchange_from_same_sender_is_flagged_as_duplicate() -> None:
    practice = cf.practice()
    conn = ch.sandbox(practice)
    ch.queued_claims(practice, 1)
    claims_submit(practice_id=practice.pk, send_now=True)
    clearinghouse_poll(connection=conn)
    ack = InboundFile.objects.get(kind="999")
    # the same interchange with a trailing newline: a different hash, the same sender and ISA13
    result = inbound_upload(practice_id=practice.pk, content=bytes(ack.content) + b"\n", filename="999-copy.x12")
    assert result.duplicates == 1 and result.accepted == 0
    copy = InboundFile.objects.get(filename="999-copy.x12")
    assert copy.status == "duplicate" and ack.interchange_control in copy.problems[0]


@pytest.mark.parametrize(("content", "words"), [
    (b"hello, this is not X12", "does not start with an ISA"),
    (b"ISA*00*          *00*     ", "cut short"),
])
def test_unreadable_files_are_kept_flagged_and_explained(content: bytes, words: str) -> None:
    practice = cf.practice()
    result = inbound_upload(practice_id=practice.pk, content=content, filename="weird.x12")
    assert result.errors == 1 and result.files == 1
    row = InboundFile.objects.get()
    assert row.status == "error" and bytes(row.content) == content and row.size == len(content)
    assert words in row.problems[0]


def test_a_999_cut_short_is_kept_and_flagged_with_the_segment_position() -> None:
    practice = cf.practice()
    conn = ch.sandbox(practice)
    ch.queued_claims(practice, 1)
    claims_submit(practice_id=practice.pk, send_now=True)
    from claims.clearinghouse.sandbox import sandbox_work

    sandbox_work(conn)
    ack = SandboxFile.objects.get(direction="out", name__startswith="999").content
    # an IK3 moved before its AK2: readable envelope, broken structure
    segs = ack.split("~")
    ak1 = next(i for i, s in enumerate(segs) if s.startswith("AK1"))
    broken = "~".join([*segs[:ak1 + 1], "IK3*NM1*12*2010*8", *segs[ak1 + 1:]])
    result = inbound_upload(practice_id=practice.pk, content=broken.encode(), filename="bad999.x12")
    assert result.errors == 1
    row = InboundFile.objects.get(filename="bad999.x12")
    assert row.status == "error" and row.kind == "999"
    assert len(row.problems) == 1 and "Segment IK3*NM1 not found" in row.problems[0]
    assert f"Line:{ak1 + 2}" in row.problems[0]  # pyx12 names the segment and its line
    from claims.x12.reader_999 import read_999
    from claims.x12.segments import X12SyntaxError

    with pytest.raises(X12SyntaxError, match=f"^segment {ak1 + 2}: IK3 outside an AK2 loop$"):
        read_999(broken, validate=False)  # our own walk says the same
    assert Claim.objects.get().status == "submitted"  # nothing applied
    # a file of a kind we do not read is kept and flagged as unknown
    text = ack.replace("ST*999", "ST*824")
    unknown = inbound_upload(practice_id=practice.pk, content=text.encode(), filename="824.x12")
    assert unknown.errors == 1 and InboundFile.objects.get(filename="824.x12").status == "unknown"


def test_a_retried_task_never_sends_twice(django_capture_on_commit_callbacks: Any) -> None:
    practice = cf.practice()
    conn = ch.sandbox(practice)
    ch.queued_claims(practice, 2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = claims_submit(practice_id=practice.pk, send_now=False)  # the task is enqueued on commit
    assert len(callbacks) == 1
    sub = Submission.objects.get(pk=result.submission_ids[0])
    assert sub.status == "sent" and _sent_files(conn) == 1
    # the broker delivers the same message again: nothing is sent
    assert submission_send.apply(args=[sub.pk]).get() == "sent"
    assert submission_deliver(submission_id=sub.pk) == "sent"
    assert _sent_files(conn) == 1 and Submission.objects.get(pk=sub.pk).attempts == 1
    assert sorted(Claim.objects.values_list("status", flat=True)) == ["submitted", "submitted"]


def test_an_interrupted_send_is_confirmed_not_repeated() -> None:
    # given a worker that died after the clearinghouse stored the file (status sending, stale heartbeat)
    practice = cf.practice()
    conn = ch.sandbox(practice)
    ch.queued_claims(practice, 1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ch_services, "_enqueue_on_commit", lambda *a, **k: None)
        sub_id = claims_submit(practice_id=practice.pk).submission_ids[0]
    from claims.clearinghouse.base import Outbound, adapter_for

    sub = Submission.objects.get(pk=sub_id)
    adapter_for(conn).send(Outbound(key=sub.idempotency_key, filename=sub.filename,
                                    content=sub.payload().encode("latin-1")), lambda step: None)
    Submission.objects.filter(pk=sub_id).update(status="sending", attempts=1, step="received",
                                                heartbeat_at=timezone.now() - dt.timedelta(minutes=30))
    SubmissionAttempt.objects.create(practice=practice, submission=sub, number=1, worker="dead")
    # a fresh heartbeat means someone is still on it: hands off
    Submission.objects.filter(pk=sub_id).update(heartbeat_at=timezone.now())
    assert submission_deliver(submission_id=sub_id) == "busy"
    Submission.objects.filter(pk=sub_id).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=30))
    # when the sweeper runs the task again
    assert ch_services.submissions_sweep() == 1
    # then the clearinghouse is asked, the file is not sent again, and the claims move on
    sub.refresh_from_db()
    assert (sub.status, sub.attempts) == ("sent", 2) and _sent_files(conn) == 1
    outcomes = list(sub.attempt_rows.values_list("number", "outcome"))
    assert outcomes == [(1, ""), (2, "already_there")]
    assert Claim.objects.get().status == "submitted"


def test_transport_errors_are_recorded_and_retried_with_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    practice = cf.practice()
    conn = ch.sandbox(practice)
    ch.queued_claims(practice, 1)
    monkeypatch.setattr(ch_services, "_enqueue_on_commit", lambda *a, **k: None)
    sub_id = claims_submit(practice_id=practice.pk).submission_ids[0]
    from claims.clearinghouse.sandbox import SandboxAdapter

    def down(self: Any, outbound: Any, journal: Any) -> Any:
        journal("connecting")
        raise TransportError("connection refused")

    monkeypatch.setattr(SandboxAdapter, "send", down)
    with pytest.raises(TransportError):
        submission_deliver(submission_id=sub_id)
    sub = Submission.objects.get(pk=sub_id)
    assert (sub.status, sub.error, sub.step) == ("sending", "connection refused", "connecting")
    assert list(sub.attempt_rows.values_list("outcome", flat=True)) == ["transport_error"]
    assert submission_send.autoretry_for == (TransportError,) and submission_send.retry_backoff == 10
    assert submission_send.max_retries == 8
    # the clearinghouse is back: the next retry (after the heartbeat went stale) confirms and sends once
    monkeypatch.undo()
    Submission.objects.filter(pk=sub_id).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=30))
    assert submission_deliver(submission_id=sub_id) == "sent"
    assert _sent_files(conn) == 1 and Submission.objects.get(pk=sub_id).attempts == 2
