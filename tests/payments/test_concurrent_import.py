"""Two workers importing the same file at the same moment post it exactly once (real PostgreSQL transactions)."""

from __future__ import annotations

import threading
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import connection

from payments.models import LedgerEntry, Remittance, RemitTransaction
from payments.services import era_import
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db(transaction=True)


def _race(practice_id: int, contents: list[str]) -> list[Any]:
    barrier = threading.Barrier(len(contents))
    results: list[Any] = [None] * len(contents)

    def work(i: int) -> None:
        try:
            barrier.wait(5)
            results[i] = era_import(practice_id=practice_id, content=contents[i], filename=f"w{i}.835")
        except Exception as exc:  # reported below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(contents))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_workers_one_file_post_once() -> None:
    practice, payer = pf.practice_with_payer()
    claims = [pf.sent_claim(practice=practice, payer=payer) for _ in range(5)]
    text = pf.era_file([pf.transaction([pf.paid_claim(c) for c in claims], payer=payer, trace="RACE1")])
    results = _race(practice.pk, [text, text])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.claims_matched for r in results) == [0, 5]
    assert sorted(r.already_posted for r in results) == [0, 5]
    assert Remittance.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="ins_payment").count() == 10
    assert sum(LedgerEntry.objects.filter(kind="ins_payment").values_list("amount", flat=True)) == D("-696.00")


def test_two_files_with_the_same_payment_post_it_once() -> None:
    practice, payer = pf.practice_with_payer()
    claims = [pf.sent_claim(practice=practice, payer=payer) for _ in range(3)]
    txn = pf.transaction([pf.paid_claim(c) for c in claims], payer=payer, trace="RACE2")
    results = _race(practice.pk, [pf.era_file([txn], control=1), pf.era_file([txn], control=2)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.claims_matched for r in results) == [0, 3]
    assert Remittance.objects.count() == 2 and RemitTransaction.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="ins_payment").count() == 6
