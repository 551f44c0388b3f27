"""Ledger and audit rows are evidence: PostgreSQL refuses UPDATE and DELETE on them (triggers, and grants)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from rcm import rls
from rcm.audit import access_record

pytestmark = pytest.mark.django_db

MUST_BE_FROZEN = {"payments_ledgerentry", "payments_ledgertransaction", "payments_provideradjustment",
                  "payments_creditrefund", "rcm_accesslog", "billing_patientevent", "claims_claimevent"}


def test_the_application_role_may_insert_but_never_update_or_delete_ledger_and_audit_rows() -> None:
    frozen = set(rls.append_only_tables())
    assert frozen >= MUST_BE_FROZEN
    with connection.cursor() as cur:
        for table in sorted(frozen):
            cur.execute("SELECT has_table_privilege(%s, %s, 'INSERT'), has_table_privilege(%s, %s, 'UPDATE'), "
                        "has_table_privilege(%s, %s, 'DELETE'), has_table_privilege(%s, %s, 'TRUNCATE')",
                        [rls.app_role(), table] * 4)
            assert cur.fetchone() == (True, False, False, False), table


@pytest.mark.parametrize("sql", ["UPDATE rcm_accesslog SET path = 'edited'", "DELETE FROM rcm_accesslog",
                                 "UPDATE payments_ledgerentry SET amount = 0", "DELETE FROM payments_ledgerentry"])
def test_the_application_role_is_refused_by_grants(sql: str, settings: Any) -> None:
    settings.RCM_DB_RLS = True
    with (rls.scoped(system=True), pytest.raises(DatabaseError, match="permission denied"), transaction.atomic(),
          connection.cursor() as cur):
        cur.execute(sql)


def test_an_access_record_cannot_be_edited_or_removed_even_by_the_owner(world: Any) -> None:
    record = access_record(user=world.biller, practice_id=world.practice.pk, object_type="Patient",
                           object_ids=[world.patient.pk])
    for sql in ("UPDATE rcm_accesslog SET username = 'someone else' WHERE id = %s", "DELETE FROM rcm_accesslog WHERE id = %s"):
        with pytest.raises(DatabaseError, match="Cannot"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [record.pk])
    record.refresh_from_db()
    assert record.username == world.biller.username
