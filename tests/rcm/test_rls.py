"""Row-level security: every practice-owned table is fenced in PostgreSQL, for the application role."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from billing.models import Patient, Practice
from rcm import rls
from rcm.models import AccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def rls_on(settings: Any) -> None:
    settings.RCM_DB_RLS = True


def _fetch(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params or [])
        return list(cur.fetchall())


def test_every_practice_owned_table_has_a_forced_policy() -> None:
    """The catalog decides: a table with practice_id that a later migration adds without the policy fails here."""
    with connection.cursor() as cur:
        tables = [*rls.practice_owned_tables(cur), rls.PRACTICE_TABLE]
    assert len(tables) > 60  # billing, coding, claims, payments, interop, reports, rcm and their event tables
    rows = {name: (enabled, forced) for name, enabled, forced in _fetch(
        "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
        "WHERE relnamespace = current_schema()::regnamespace AND relname = ANY(%s)", [tables])}
    policies = {t for (t,) in _fetch("SELECT tablename FROM pg_policies WHERE policyname = %s AND %s = ANY(roles)",
                                     [rls.POLICY, rls.app_role()])}
    missing = [t for t in tables if rows.get(t) != (True, True) or t not in policies]
    assert missing == []


def test_the_application_role_is_not_owner_superuser_or_bypassrls() -> None:
    role = rls.app_role()
    [(superuser, bypass, login)] = _fetch("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = %s", [role])
    assert (superuser, bypass, login) == (False, False, False)
    assert _fetch("SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = %s)", [role]) == [(0,)]


def test_with_no_practice_set_the_application_role_sees_no_rows(world: Any, rls_on: None) -> None:
    assert Patient.objects.count() == 2 and Practice.objects.count() == 2  # as the owner
    with rls.scoped(practice_ids=[]):
        assert _fetch("SELECT current_user") == [(rls.app_role(),)]
        assert Patient.objects.count() == 0
        assert Practice.objects.count() == 0
        with connection.cursor() as cur:  # raw SQL too, on every practice-owned table
            for table in rls.practice_owned_tables(cur):
                cur.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - names from the catalog
                assert cur.fetchone() == (0,), table
    assert Patient.objects.count() == 2


def test_practice_scope_sees_only_its_practice_and_cannot_write_another(world: Any, rls_on: None) -> None:
    with rls.scoped(practice_ids=[world.practice.pk]):
        assert list(Patient.objects.values_list("pk", flat=True)) == [world.patient.pk]
        assert list(Practice.objects.values_list("pk", flat=True)) == [world.practice.pk]
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            AccessLog.objects.create(practice_id=world.other_practice.pk, username="x", action="view",
                                     object_type="Patient", path="/")
        # an UPDATE aimed at the other practice's row touches nothing
        assert Patient.objects.filter(pk=world.other_patient.pk).update(first_name="Hacked") == 0
    world.other_patient.refresh_from_db()
    assert world.other_patient.first_name != "Hacked"


def test_system_scope_sees_everything(world: Any, rls_on: None) -> None:
    with rls.scoped(system=True):
        assert Patient.objects.count() == 2


def test_a_request_runs_as_the_application_role_and_is_switched_back(world: Any, rls_on: None, client_for: Any) -> None:
    seen: list[Any] = []
    from django.test.utils import CaptureQueriesContext

    owner = _fetch("SELECT current_user")
    client = client_for(world.biller)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/patients/{world.patient.pk}/")
    assert response.status_code == 200
    seen = [q["sql"] for q in queries.captured_queries]
    assert any(s.endswith(f"SET ROLE {rls.app_role()}") for s in seen)  # pghistory may prefix its context
    assert client.get(f"/patients/{world.other_patient.pk}/").status_code == 404
    assert _fetch("SELECT current_user") == owner  # the connection is handed back as it was
    assert client.get("/api/v1/patients/").json()["count"] == 1


def test_a_token_api_request_is_scoped_to_the_tokens_user(world: Any, rls_on: None) -> None:
    """The token is checked inside the view, after the middleware switched the connection for an anonymous user."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.biller).key}")
    assert [p["id"] for p in api.get("/api/v1/patients/").json()["results"]] == [world.patient.pk]
    assert api.get(f"/api/v1/patients/{world.other_patient.pk}/").status_code == 404
    assert _fetch("SELECT current_user") != [(rls.app_role(),)]


def test_a_task_runs_in_system_scope(world: Any, rls_on: None) -> None:
    from celery import shared_task

    @shared_task(name="tests.rls_probe")
    def probe() -> list[Any]:
        return [_fetch("SELECT current_user, current_setting('rcm.scope', true)")[0], Patient.objects.count()]

    [(user, scope), count] = probe.apply().get()
    assert (user, scope, count) == (rls.app_role(), "system", 2)
    assert _fetch("SELECT current_user") != [(rls.app_role(),)]
