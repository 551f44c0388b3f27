"""PostgreSQL row-level security: the second wall of tenant isolation, under rcm.tenancy's scoped selectors.

Every table with a `practice_id` column (and `billing_practice` itself) gets RLS ENABLEd and FORCEd with a
policy `rcm_tenant` for the application role (`RCM_DB_APP_ROLE`, default `rcm_app`: NOLOGIN, not the owner
of anything, no BYPASSRLS). A row is visible to that role only when

- the connection's `rcm.scope` is `system` (a Celery task, a command that asks for it), or
- its practice is in `rcm.practice_ids` (a request: every practice the signed-in user belongs to).

With neither set the role sees no rows. The login role (the table owner, which runs migrations and commands)
switches to the application role per request (`RlsMiddleware`) and per task (`task_prerun`), when
`RCM_DB_RLS` is on (the default). Policies are (re)applied after every `migrate` by finding the tables in the catalog, so a
table added later by any app is covered without being listed (tests/rcm/test_rls.py fails if one is not).

The same handler grants the role what the app needs and withholds UPDATE, DELETE and TRUNCATE on the
append-only ledger and audit tables (the second wall beside their triggers).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.http import HttpRequest, HttpResponse

POLICY = "rcm_tenant"
OWNER_POLICY = "rcm_owner"
PRACTICE_TABLE = "billing_practice"
# Each setting is read in its own scalar subquery: PostgreSQL evaluates it once per query (an InitPlan) instead
# of once per row, which took ~20 ms off each dashboard aggregate over the summary tables at 1M claim lines.
_VISIBLE = ("((SELECT current_setting('rcm.scope', true)) = 'system' OR {col} = ANY "
            "((SELECT string_to_array(NULLIF(current_setting('rcm.practice_ids', true), ''), ','))::bigint[]))")


def app_role() -> str:
    role = settings.RCM_DB_APP_ROLE
    if not role.replace("_", "").isalnum():
        raise ValueError(f"RCM_DB_APP_ROLE must be a plain identifier, got {role!r}")
    return role


def practice_owned_tables(cursor: Any) -> list[str]:
    """Every ordinary table in the schema with a practice_id column: the catalog, not a list."""
    cursor.execute("""
        SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
         WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
           AND a.attname = 'practice_id' AND NOT a.attisdropped ORDER BY 1""")
    return [r[0] for r in cursor.fetchall()]


def append_only_tables() -> list[str]:
    """Ledger and audit tables: those whose rows a PostgreSQL trigger already protects from UPDATE/DELETE
    (pgtrigger.Protect on payments' ledger, django-pghistory's append-only event tables, the access log)."""
    import pghistory.models
    import pgtrigger
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        if issubclass(model, pghistory.models.Event):
            found.append(model._meta.db_table)
            continue
        for trigger in getattr(model._meta, "triggers", []):
            ops = str(getattr(trigger, "operation", ""))
            if isinstance(trigger, pgtrigger.Protect) and "UPDATE" in ops and "DELETE" in ops:
                found.append(model._meta.db_table)
                break
    return sorted(set(found))


def install(*, using: str = "default") -> dict[str, int]:
    """Create the role, grant, and put the policy on every practice-owned table. Idempotent."""
    role = app_role()
    conn = connections[using]
    with conn.cursor() as cur:
        # The role is cluster-wide: another database (or a parallel test run) may create it at the same moment.
        cur.execute(f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                BEGIN CREATE ROLE {role} NOLOGIN NOBYPASSRLS;
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
            END IF; END $$""")  # noqa: S608 - role is checked to be a plain identifier
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = bool(cur.fetchone()[0])
        if not superuser:  # the login role must be a member to SET ROLE to it
            cur.execute(f"GRANT {role} TO current_user")
        cur.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cur.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}")
        cur.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}")
        existing = set(conn.introspection.table_names(cur))
        frozen = [t for t in append_only_tables() if t in existing]
        for table in frozen:
            cur.execute(f'REVOKE UPDATE, DELETE, TRUNCATE ON "{table}" FROM {role}')
        tables = practice_owned_tables(cur)
        for table in [*tables, PRACTICE_TABLE]:
            visible = _VISIBLE.format(col="id" if table == PRACTICE_TABLE else "practice_id")
            cur.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
            cur.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
            cur.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
            cur.execute(f'CREATE POLICY {POLICY} ON "{table}" TO {role} USING {visible} WITH CHECK {visible}')
            cur.execute(f'DROP POLICY IF EXISTS {OWNER_POLICY} ON "{table}"')
            if not superuser:  # FORCE binds the owner too: the migrating/command role keeps its full view
                cur.execute(f'CREATE POLICY {OWNER_POLICY} ON "{table}" TO current_user USING (true) WITH CHECK (true)')
    return {"tables": len(tables) + 1, "append_only": len(frozen)}


def post_migrate_install(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: runs once per `migrate` (for the rcm app; by then every app's tables exist)."""
    if getattr(sender, "name", None) == "rcm":
        install(using=using)


# --- Switching the connection to the application role -------------------------------------------------------
def _apply(cursor: Any, *, scope: str, practice_ids: Sequence[int]) -> None:
    cursor.execute(f"SET ROLE {app_role()}")
    cursor.execute("SELECT set_config('rcm.scope', %s, false), set_config('rcm.practice_ids', %s, false)",
                   [scope, ",".join(str(int(i)) for i in practice_ids)])


def _state(cursor: Any) -> tuple[str, str, str]:
    cursor.execute("SELECT current_user, coalesce(current_setting('rcm.scope', true), ''), "
                   "coalesce(current_setting('rcm.practice_ids', true), '')")
    row = cursor.fetchone()
    return str(row[0]), str(row[1]), str(row[2])


def _restore(cursor: Any, state: tuple[str, str, str]) -> None:
    user, scope, ids = state
    cursor.execute("RESET ROLE")
    cursor.execute("SELECT current_user")
    if cursor.fetchone()[0] != user:
        cursor.execute(f'SET ROLE "{user}"')
    cursor.execute("SELECT set_config('rcm.scope', %s, false), set_config('rcm.practice_ids', %s, false)", [scope, ids])


@contextlib.contextmanager
def scoped(*, practice_ids: Sequence[int] | None = None, system: bool = False) -> Iterator[None]:
    """Run a block as the application role: `system=True` (tasks, commands) or a practice scope."""
    if not settings.RCM_DB_RLS:
        yield
        return
    with connection.cursor() as cur:
        before = _state(cur)
        _apply(cur, scope="system" if system else "practice", practice_ids=practice_ids or ())
    try:
        yield
    finally:
        if connection.connection is not None and not connection.needs_rollback:
            with connection.cursor() as cur:
                _restore(cur, before)


class RlsMiddleware:
    """Each request runs as the application role, seeing only the signed-in user's practices.

    Placed before rcm.tenancy.PracticeMiddleware: the user's memberships are read (and cached on the user) as
    the login role, then the connection switches; the switch is undone when the response is closed (after a
    streamed export has been read), before Django recycles the connection."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.RCM_DB_RLS:
            return self.get_response(request)
        from rcm.tenancy import memberships

        ids = [m.practice_id for m in memberships(getattr(request, "user", None))]
        with connection.cursor() as cur:
            before = _state(cur)
            _apply(cur, scope="practice", practice_ids=ids)
        try:
            response = self.get_response(request)
        except BaseException:
            _reset_after(before)
            raise
        response._resource_closers.append(lambda: _reset_after(before))
        return response


def rescope_for(user: Any) -> None:
    """Narrow a request's scope to `user`'s practices once the API has authenticated it.

    A token (or any DRF authenticator) is checked inside the view, after `RlsMiddleware` has already
    switched the connection with the user it knew then (anonymous: no practices). Memberships are read as
    the login role, then the application role is set again with them; the middleware still restores the
    connection at the end of the response."""
    if not settings.RCM_DB_RLS:
        return
    from rcm.tenancy import memberships

    with connection.cursor() as cur:
        if _state(cur)[1] != "practice":
            return  # not inside a request's scope (a command, a task, a system block)
        cur.execute("RESET ROLE")
        ids = [m.practice_id for m in memberships(user)]
        _apply(cur, scope="practice", practice_ids=ids)


def _reset_after(before: tuple[str, str, str]) -> None:
    try:
        if connection.connection is None:
            return
        if connection.in_atomic_block and connection.needs_rollback:
            return  # the enclosing transaction (a test's) rolls the SET ROLE back with it
        with connection.cursor() as cur:
            _restore(cur, before)
    except Exception:
        connection.close()  # never hand a connection in an unknown role to the next request


# --- Celery -------------------------------------------------------------------------------------------------
_task_states: list[tuple[str, str, str]] = []


def task_started(**kwargs: Any) -> None:
    """task_prerun: a task runs as the application role in system scope (it was authorised when enqueued)."""
    if not settings.RCM_DB_RLS:
        return
    with connection.cursor() as cur:
        _task_states.append(_state(cur))
        _apply(cur, scope="system", practice_ids=())


def task_finished(**kwargs: Any) -> None:
    if not settings.RCM_DB_RLS or not _task_states:
        return
    _reset_after(_task_states.pop())
