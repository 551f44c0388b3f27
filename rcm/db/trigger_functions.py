"""Faster versions of the two helper functions every pgtrigger / pghistory trigger calls.

Both libraries read a session setting inside `BEGIN … EXCEPTION WHEN OTHERS`, which PL/pgSQL runs as a
subtransaction — one per audited row. Past 64 in one transaction PostgreSQL's subtransaction cache
overflows, and every visibility check for the rest of that transaction, and its commit, slows with each
row: a 5,000-claim ERA spent seconds there. `current_setting(name, true)` returns NULL (or '' once the
setting was used in the session) instead of raising, so no exception block is needed. Behaviour is the
libraries': a trigger is skipped only inside `pgtrigger.ignore`, and a history row gets a context only
inside `pghistory.context`.

pgtrigger re-creates its function whenever a migration installs a trigger, so these are installed after
every `migrate` (post_migrate), not by a migration of ours.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

SHOULD_IGNORE = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$
    DECLARE
        _raw TEXT := current_setting('pgtrigger.ignore', true);
    BEGIN
        IF _raw IS NULL OR _raw NOT LIKE '{%}' THEN
            RETURN FALSE;
        END IF;
        RETURN trigger_name = ANY(_raw::TEXT[]);
    END;
$$ LANGUAGE plpgsql;
"""

ATTACH_CONTEXT = """
CREATE OR REPLACE FUNCTION _pgh_attach_context()
RETURNS pghistory_context.id%TYPE AS $$
    DECLARE
        _id TEXT := current_setting('pghistory.context_id', true);
        _metadata TEXT := current_setting('pghistory.context_metadata', true);
    BEGIN
        IF coalesce(_id, '') = '' OR coalesce(_metadata, '') = '' THEN
            RETURN NULL;
        END IF;
        INSERT INTO pghistory_context (id, metadata, created_at, updated_at)
            VALUES (_id::uuid, _metadata::jsonb, NOW(), NOW())
            ON CONFLICT (id) DO UPDATE
                SET metadata = EXCLUDED.metadata,
                    updated_at = EXCLUDED.updated_at
                WHERE pghistory_context.metadata != EXCLUDED.metadata;
        RETURN _id::uuid;
    END;
$$ LANGUAGE plpgsql;
"""


def install(*, using: str = "default") -> None:
    with connections[using].cursor() as cur:
        cur.execute(SHOULD_IGNORE)
        cur.execute(ATTACH_CONTEXT)


def post_migrate_install(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: once per `migrate`, after every app's migrations (and their triggers)."""
    if getattr(sender, "name", None) == "rcm":
        install(using=using)
