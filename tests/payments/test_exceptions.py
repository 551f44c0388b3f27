"""The exceptions queue: a biller posts an excepted ERA claim to the right claim, once; or dismisses it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from payments.models import LedgerEntry, RemitClaim, RemitException, Remittance
from payments.services import era_import, exception_dismiss, exception_resolve
from payments.x12 import simulate as sim
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db


def test_resolve_posts_to_the_chosen_claim_and_lines_once() -> None:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer, lines=(("17003", (), 1, "22.00"), ("17003", (), 1, "22.00")))
    lines = pf.sim_lines(claim)
    a = sim.paid_line(lines[0], allowed=D("12.00"), with_ref=False)
    b = sim.paid_line(lines[1], allowed=D("10.00"), with_ref=False)
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([sim.remit_claim(claim.pcn, [a, b])], payer=payer)]))
    exc = RemitException.objects.get()
    assert exc.kind == "line_ambiguous"
    ours = list(claim.lines.order_by("line_number").values_list("pk", flat=True))
    exception_resolve(exception=exc, claim=claim, lines={0: [ours[0]], 1: [ours[1]]})
    pays = dict(LedgerEntry.objects.filter(kind="ins_payment").values_list("claim_line_id", "amount"))
    assert pays == {ours[0]: D("-12.00"), ours[1]: D("-10.00")}
    exc.refresh_from_db()
    assert exc.status == "resolved" and exc.resolution["lines_posted"] == 2
    assert RemitClaim.objects.get().outcome == "resolved"
    assert Remittance.objects.get().status == "posted"
    claim.refresh_from_db()
    assert claim.status == "paid"
    with pytest.raises(ValidationError, match="already handled"):
        exception_resolve(exception=exc, claim=claim, lines={0: [ours[0]], 1: [ours[1]]})
    assert LedgerEntry.objects.filter(kind="ins_payment").count() == 2


def test_resolve_an_unknown_claim_number_to_the_right_claim() -> None:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer)
    typo = pf.paid_claim(claim).model_copy(update={"pcn": claim.pcn + "X"})
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([typo], payer=payer)]))
    exc = RemitException.objects.get()
    assert exc.kind == "no_claim" and exc.candidates[0]["pcn"] == claim.pcn
    exception_resolve(exception=exc, claim=claim)
    assert LedgerEntry.objects.filter(kind="ins_payment").count() == 2


def test_dismiss_needs_a_reason_and_posts_nothing() -> None:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer)
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction(
        [pf.paid_claim(claim).model_copy(update={"pcn": "NOPE"})], payer=payer)]))
    exc = RemitException.objects.get()
    with pytest.raises(ValidationError):
        exception_dismiss(exception=exc, reason="  ")
    exception_dismiss(exception=exc, reason="another practice's patient; returned to payer")
    exc.refresh_from_db()
    assert exc.status == "dismissed" and RemitClaim.objects.get().outcome == "dismissed"
    assert LedgerEntry.objects.exclude(kind="charge").count() == 0
