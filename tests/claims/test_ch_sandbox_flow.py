"""Submit through the sandbox clearinghouse and poll its answers: 999, 277CA, 835, end to end."""

from __future__ import annotations

from decimal import Decimal

import pytest

from claims.clearinghouse.models import ClaimResponse, SandboxFile, Submission
from claims.clearinghouse.services import claims_submit, clearinghouse_poll
from claims.models import Claim
from tests.claims import ch_helpers as ch
from tests.claims import factories as cf

pytestmark = pytest.mark.django_db


def test_submit_and_poll_accepts_and_pays() -> None:
    practice = cf.practice()
    conn = ch.sandbox(practice)
    claims = ch.queued_claims(practice, 2)
    result = claims_submit(practice_id=practice.pk, send_now=True)
    assert result.as_dict() == {"batches": 1, "claims_sent": 2, "claims_skipped": 0}
    sub = Submission.objects.get()
    assert sub.status == "sent" and sub.attempts == 1
    assert sorted(Claim.objects.values_list("status", flat=True)) == ["submitted", "submitted"]
    polled = clearinghouse_poll(connection=conn)
    assert polled.as_dict() == {"files": 3, "accepted": 2, "rejected": 0, "status_updates": 0, "remittances_posted": 1,
                                "errors": 0}
    assert sorted(Claim.objects.values_list("status", flat=True)) == ["paid", "paid"]
    assert SandboxFile.objects.filter(direction="out", fetched_at__isnull=True).count() == 0
    assert ClaimResponse.objects.filter(claim=claims[0]).count() == 3
    assert Claim.objects.get(pk=claims[0].pk).payer_claim_number
    assert Claim.objects.get(pk=claims[0].pk).balance == Decimal("0.00")
