"""Money under faults: eight concurrent imports of one ERA post it once; Redis never re-delivers a running task."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.conf import settings

from payments.models import LedgerEntry, Remittance, RemitTransaction
from rcm.celery import app
from tests.payments import factories as pf
from tests.payments.test_concurrent_import import _race


def _task_limits() -> list[tuple[str, float]]:
    """Every registered task's hard time limit (its own, else the app's)."""
    app.loader.import_default_modules()
    default = app.conf.task_time_limit
    out = []
    for name, task in app.tasks.items():
        limit = getattr(task, "time_limit", None) or default
        out.append((name, limit))
    return out


def test_redis_visibility_timeout_is_above_every_task_time_limit() -> None:
    """A task still running when the visibility timeout passes is delivered to a second worker: the timeout
    must exceed the longest a task may run."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert app.conf.broker_transport_options["visibility_timeout"] == visibility
    limits = _task_limits()
    assert limits and all(limit is not None for _, limit in limits), "every task needs a time limit"
    longest = max(limit for _, limit in limits)
    assert visibility > longest, (visibility, longest)
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT


@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_imports_of_one_era_post_it_once() -> None:
    practice, payer = pf.practice_with_payer()
    claims = [pf.sent_claim(practice=practice, payer=payer) for _ in range(4)]
    text = pf.era_file([pf.transaction([pf.paid_claim(c) for c in claims], payer=payer, trace="RACE8")])
    results = _race(practice.pk, [text] * 8)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.claims_matched for r in results) == [0] * 7 + [4]
    assert Remittance.objects.count() == 1 and RemitTransaction.objects.count() == 1
    payments = LedgerEntry.objects.filter(kind="ins_payment")
    assert payments.count() == 8  # 4 claims x 2 lines, once
    expected = -sum((c.paid for c in [pf.paid_claim(c) for c in claims]), D("0.00"))
    assert sum(payments.values_list("amount", flat=True)) == expected
