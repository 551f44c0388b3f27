"""Status: one guarded service, every step recorded with who, what and why."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.models import TRANSITIONS, Claim, ClaimStatus, ClaimStatusEvent
from tests.claims import factories as cf

pytestmark = pytest.mark.django_db


def test_full_life_is_recorded_step_by_step(world) -> None:
    claim = cf.claim_for(cf.coded_encounter())
    path = ["clean", "queued", "submitted", "accepted", "partially_paid", "paid", "closed"]
    for to in path:
        services.claim_transition(claim, to, reason=f"to {to}", source="test", user=world.biller)
    events = list(ClaimStatusEvent.objects.filter(claim=claim).order_by("at", "id")
                  .values_list("from_status", "to_status", "reason", "source", "user__username"))
    assert events[0] == ("", "draft", "generated from coded encounter", "generate", None)
    assert events[1:] == [(a, b, f"to {b}", "test", "a_biller") for a, b in zip(["draft", *path], path, strict=False)]
    assert Claim.objects.get(pk=claim.pk).status == "closed"


def test_refused_transition_changes_nothing() -> None:
    claim = cf.claim_for(cf.coded_encounter())
    with pytest.raises(ValidationError, match="A draft claim cannot become paid"):
        services.claim_transition(claim, "paid")
    assert Claim.objects.get(pk=claim.pk).status == "draft" and claim.status_events.count() == 1


def test_a_stale_copy_loses_to_the_conditional_update() -> None:
    claim = cf.claim_for(cf.coded_encounter())
    stale = Claim.objects.get(pk=claim.pk)
    services.claim_transition(claim, "clean")
    with pytest.raises(ValidationError, match="changed in the meantime"):
        services.claim_transition(stale, "scrubbed_errors")  # allowed from draft, but the row is no longer draft
    assert Claim.objects.get(pk=claim.pk).status == "clean" and claim.status_events.count() == 2


def test_bulk_transition_moves_only_allowed_rows_and_records_each() -> None:
    a, b, c = (cf.claim_for(cf.coded_encounter()) for _ in range(3))
    services.claim_transition(a, "clean")
    services.claim_transition(b, "clean")
    moved = services.claims_queue_for_submission(claim_ids=[a.pk, b.pk, c.pk])
    assert moved == sorted([a.pk, b.pk])
    assert dict(Claim.objects.values_list("pk", "status")) == {a.pk: "queued", b.pk: "queued", c.pk: "draft"}
    assert ClaimStatusEvent.objects.filter(to_status="queued").count() == 2
    assert services.claims_queue_for_submission(claim_ids=[a.pk, b.pk]) == []  # twice: nothing more


def test_every_status_is_modelled_and_terminal_ones_go_nowhere() -> None:
    assert set(TRANSITIONS) == set(ClaimStatus.values)
    assert TRANSITIONS["void"] == TRANSITIONS["replaced"] == frozenset()
    for targets in TRANSITIONS.values():
        assert targets <= set(ClaimStatus.values)
