"""pgtrigger's and pghistory's per-row helpers, replaced by versions that open no subtransaction.

The originals wrap a settings read in an exception block; one subtransaction per audited row made
large ERA postings quadratic. These tests pin the replacement's behaviour to the libraries'.
"""

from __future__ import annotations

from typing import Any

import pghistory
import pgtrigger
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from billing.models import Patient
from rcm.audit import access_record

pytestmark = pytest.mark.django_db


def _source(name: str) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [name])
        return cur.fetchone()[0]


@pytest.mark.parametrize("name", ["_pgtrigger_should_ignore", "_pgh_attach_context"])
def test_installed_after_migrate_without_an_exception_block(name: str) -> None:
    assert "EXCEPTION" not in _source(name).upper()
    assert "current_setting" in _source(name)


def test_a_later_migrate_puts_them_back() -> None:
    with connection.cursor() as cur:  # what pgtrigger does whenever a migration installs a trigger
        cur.execute("""CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME)
                       RETURNS BOOLEAN AS $$ BEGIN BEGIN PERFORM 1; EXCEPTION WHEN OTHERS THEN END;
                       RETURN FALSE; END; $$ LANGUAGE plpgsql""")
    call_command("migrate", verbosity=0)
    assert "EXCEPTION" not in _source("_pgtrigger_should_ignore").upper()


def test_history_rows_carry_the_context_once_one_is_set(world: Any) -> None:
    """(pghistory sets its context for the rest of the transaction, which here is the whole test.)"""
    Patient.objects.filter(pk=world.patient.pk).update(city="Outside")
    with pghistory.context(user=world.biller.pk, reason="inside"):
        Patient.objects.filter(pk=world.patient.pk).update(city="Inside")
    events = {e.city: e.pgh_context for e in world.patient.events.order_by("pgh_id") if e.pgh_label == "update"}
    assert events["Outside"] is None
    assert events["Inside"].metadata == {"user": world.biller.pk, "reason": "inside"}


def test_ignore_skips_only_the_named_trigger_and_only_inside(world: Any) -> None:
    before = world.patient.events.count()
    with pgtrigger.ignore("billing.Patient:update_update"):
        Patient.objects.filter(pk=world.patient.pk).update(city="Silent")
    assert world.patient.events.count() == before
    Patient.objects.filter(pk=world.patient.pk).update(city="Heard")
    assert world.patient.events.count() == before + 1
    record = access_record(user=world.biller, practice_id=world.practice.pk, object_type="Patient",
                           object_ids=[world.patient.pk])
    with pytest.raises(DatabaseError, match="Cannot"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE rcm_accesslog SET username = 'x' WHERE id = %s", [record.pk])  # append-only still fires
