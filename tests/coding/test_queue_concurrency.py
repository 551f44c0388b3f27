"""Two coders pressing "next encounter" at the same moment never get the same encounter (PostgreSQL
SELECT … FOR UPDATE SKIP LOCKED), and many coders drain a queue without a duplicate."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from coding.models import EncounterClaim
from coding.services import worksheet as ws
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


def in_threads(n: int, work: Callable[[int], Any]) -> list[Any]:
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results


def test_two_coders_claiming_at_the_same_moment_get_different_encounters(monkeypatch: pytest.MonkeyPatch) -> None:
    practice = f.PracticeFactory()
    patient = f.PatientFactory(practice=practice)
    encounters = [f.EncounterFactory(patient=patient) for _ in range(3)]
    coders = [f.UserFactory(username=f"race{i}") for i in range(2)]
    for user in coders:
        f.MembershipFactory(user=user, practice=practice, role="coder")
    # Both transactions must hold their row lock at once: each waits here, after its SELECT … FOR UPDATE.
    barrier = threading.Barrier(2, timeout=10)
    original = EncounterClaim.objects.update_or_create

    def claim_when_both_are_in(*args: Any, **kwargs: Any) -> Any:
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(EncounterClaim.objects, "update_or_create", claim_when_both_are_in)
    got = in_threads(2, lambda i: ws.encounter_claim_next(practice_id=practice.pk, user=coders[i]).pk)
    assert sorted(got) == sorted(e.pk for e in encounters[:2])
    assert dict(EncounterClaim.objects.values_list("encounter_id", "user_id")) == {got[0]: coders[0].pk,
                                                                                  got[1]: coders[1].pk}


def test_many_coders_drain_the_queue_without_duplicates() -> None:
    practice = f.PracticeFactory()
    patient = f.PatientFactory(practice=practice)
    encounters = {f.EncounterFactory(patient=patient).pk for _ in range(12)}
    coders = [f.UserFactory(username=f"drain{i}") for i in range(4)]
    for user in coders:
        f.MembershipFactory(user=user, practice=practice, role="coder")

    def work(i: int) -> list[int]:
        mine = []
        while (encounter := ws.encounter_claim_next(practice_id=practice.pk, user=coders[i])) is not None:
            mine.append(encounter.pk)
            encounter.status = "coded"  # what completing does, before the claim goes
            encounter.save(update_fields=["status"])
            ws.encounter_claim_release(encounter=encounter, user=coders[i])
        return mine

    claimed = [pk for mine in in_threads(4, work) for pk in mine]
    assert sorted(claimed) == sorted(encounters)
