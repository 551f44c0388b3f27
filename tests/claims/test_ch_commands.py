"""`submit_claims` / `poll_clearinghouse` print their JSON last line; beat names real tasks; 276 follow-up."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.models import Payer
from claims.clearinghouse.models import InboundFile, PayerPolicy, StatusInquiry, Submission
from claims.models import Claim
from claims.tasks import status_followup_all
from rcm.celery import app
from tests import factories as f
from tests.claims import ch_helpers as ch
from tests.claims import factories as cf


def _last_json(out: StringIO) -> dict[str, object]:
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.mark.django_db
def test_submit_then_poll_commands_print_their_totals() -> None:
    practice = cf.practice()
    conn = ch.sandbox(practice)
    ch.queued_claims(practice, 3)
    out = StringIO()
    call_command("submit_claims", stdout=out)
    assert _last_json(out) == {"batches": 1, "claims_sent": 3, "claims_skipped": 0}
    again = StringIO()
    call_command("submit_claims", stdout=again)
    assert _last_json(again) == {"batches": 0, "claims_sent": 0, "claims_skipped": 0}
    polled = StringIO()
    call_command("poll_clearinghouse", "--practice", str(practice.pk), stdout=polled)
    assert _last_json(polled) == {"files": 3, "accepted": 3, "rejected": 0, "status_updates": 0,
                                  "remittances_posted": 1, "errors": 0}
    assert set(Claim.objects.values_list("status", flat=True)) == {"paid"}
    assert InboundFile.objects.filter(connection=conn).count() == 3


@pytest.mark.django_db
def test_commands_refuse_a_practice_without_a_connection() -> None:
    from django.core.management.base import CommandError

    practice = cf.practice()
    with pytest.raises(CommandError, match="no active clearinghouse connection"):
        call_command("submit_claims", "--practice", str(practice.pk), stdout=StringIO())
    with pytest.raises(CommandError, match="no active clearinghouse connection"):
        call_command("poll_clearinghouse", "--practice", str(practice.pk), stdout=StringIO())


def test_beat_schedule_names_registered_tasks() -> None:
    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    for name in ("claims-submit", "claims-poll", "claims-submissions-sweep", "claims-status-followup",
                 "claims-eligibility-tomorrow"):
        assert name in schedule
    missing = {name: entry["task"] for name, entry in schedule.items() if entry["task"] not in app.tasks}
    assert missing == {}
    assert schedule["claims-status-followup"]["task"] == "claims.tasks.status_followup_all"
    assert schedule["claims-eligibility-tomorrow"]["task"] == "claims.tasks.eligibility_tomorrow"


@pytest.mark.django_db
def test_status_followup_asks_by_payer_days_and_277_answers(django_capture_on_commit_callbacks: object) -> None:
    # given two silent claims sent 10 days ago: one payer follows up after 7 days, the other after 21 (default)
    practice = cf.practice()
    ch.sandbox(practice, silent_rate=1)  # the sandbox payer never adjudicates on its own
    quick = ch.queued_claims(practice, 1)[0]
    slow = ch.queued_claims(practice, 1, payer=f.PayerFactory(practice=practice, name="Cigna",
                                                                  payer_id="62308"))[0]
    PayerPolicy.objects.create(practice=practice, payer=Payer.objects.get(pk=quick.payer_id), followup_days=7)
    call_command("submit_claims", stdout=StringIO())
    call_command("poll_clearinghouse", stdout=StringIO())
    assert set(Claim.objects.values_list("status", flat=True)) == {"accepted"}
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    Claim.objects.update(last_response_at=ten_days_ago, status_changed_at=ten_days_ago)
    # when beat runs the daily follow-up task (its 276 is sent on commit)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert status_followup_all() == {"inquiries": 1, "files": 1}
    # then only the quick payer's claim is asked about, once
    inquiry = StatusInquiry.objects.get()
    assert inquiry.claim_id == quick.pk and inquiry.days_without_answer == 10
    assert inquiry.submission.kind == "276" and inquiry.submission.status == "sent"
    assert status_followup_all() == {"inquiries": 0, "files": 0}
    # and the 277 answer updates the claim and closes the question
    out = StringIO()
    call_command("poll_clearinghouse", stdout=out)
    result = _last_json(out)
    assert result["files"] == 2 and result["status_updates"] == 1 and result["errors"] == 0
    inquiry.refresh_from_db()
    assert inquiry.answered_at is not None and inquiry.response is not None
    assert inquiry.response.source == "277" and inquiry.response.claim_id == quick.pk
    assert Claim.objects.get(pk=quick.pk).last_response_at > ten_days_ago
    assert Claim.objects.get(pk=slow.pk).last_response_at == ten_days_ago
    assert Submission.objects.filter(kind="276").count() == 1


@pytest.mark.django_db
def test_beat_submit_and_poll_tasks_cover_every_active_connection(django_capture_on_commit_callbacks: object) -> None:
    from claims.tasks import poll_all, submit_all

    first, second, idle = cf.practice(), cf.practice(), cf.practice()
    for p in (first, second):
        ch.sandbox(p)
    ch.queued_claims(first, 2)
    ch.queued_claims(second, 1)
    ch.queued_claims(idle, 1)  # no connection: left queued
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert submit_all() == {"batches": 2, "claims_sent": 3, "claims_skipped": 0}
    assert Submission.objects.filter(status="sent").count() == 2
    assert poll_all() == {"files": 6, "accepted": 3, "rejected": 0, "status_updates": 0, "remittances_posted": 2,
                          "errors": 0}
    assert sorted(Claim.objects.values_list("status", flat=True)) == ["paid", "paid", "paid", "queued"]
