"""Bulk posting internals (issue 5): streamed COPY, the GC pause, and the application-role (RLS) path."""

from __future__ import annotations

import gc
from decimal import Decimal as D
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from payments.models import LedgerEntry
from payments.services import era_import
from payments.services._bulk import copy_rows
from rcm import rls
from rcm.gc_pause import gc_paused
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db


@pytest.fixture
def scratch() -> str:
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE _bulk_scratch (n int, s text, a text[])")
    return "_bulk_scratch"


def _rows(table: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT n, s, a FROM {table} ORDER BY n")  # noqa: S608 - the fixture's name
        return list(cur.fetchall())


def test_copy_streams_many_chunks_and_escapes(scratch: str) -> None:
    rows = [(i, f"tab\there {i}\\ \n", ["x", 'q"uote']) for i in range(20_000)]  # ~40 driver chunks
    assert copy_rows(scratch, ("n", "s", "a"), iter(rows)) == 20_000
    got = _rows(scratch)
    assert len(got) == 20_000
    assert got[7] == (7, "tab\there 7\\ \n", ["x", 'q"uote'])
    assert copy_rows(scratch, ("n", "s", "a"), iter(())) == 0


def test_an_error_while_formatting_stops_the_copy_and_is_raised_as_itself(scratch: str) -> None:
    def rows() -> Any:
        for i in range(5_000):
            yield (i, "ok", [])
        raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"), transaction.atomic():
        copy_rows(scratch, ("n", "s", "a"), rows())
    assert _rows(scratch) == []  # nothing half-written; the connection is usable again


def test_gc_is_back_on_after_posting_even_when_it_fails() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested: the outer one decides
            pass
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()


def test_posting_as_the_application_role_goes_through_staging_and_posts_once(settings: Any) -> None:
    settings.RCM_DB_RLS = True
    practice, payer = pf.practice_with_payer()
    claims = [pf.sent_claim(practice=practice, payer=payer) for _ in range(3)]
    text = pf.era_file([pf.transaction([pf.paid_claim(c) for c in claims], payer=payer)])
    with rls.scoped(practice_ids=[practice.pk]):
        with connection.cursor() as cur:
            cur.execute("SELECT current_user = %s", [rls.app_role()])
            assert cur.fetchone()[0]
        result = era_import(practice_id=practice.pk, content=text)
        again = era_import(practice_id=practice.pk, content=text, filename="again.835")
    assert (result.claims_matched, result.exceptions, again.already_posted) == (3, 0, 3)
    paid = LedgerEntry.objects.filter(kind="ins_payment")
    assert paid.count() == 6 and sum(e.amount for e in paid) == -result.paid
    assert result.paid > D("0")


def test_the_source_key_stays_unique() -> None:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer)
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer)]))
    entry = LedgerEntry.objects.filter(kind="ins_payment").first()
    assert entry is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(**{f.attname: getattr(entry, f.attname) for f in LedgerEntry._meta.concrete_fields
                                      if f.name != "id"})
