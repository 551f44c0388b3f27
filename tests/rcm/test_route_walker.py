"""Every URL pattern and API route, walked by an admin of practice A with practice B's objects: 404 every time.

How the ids are filled: before practice B's data is built, every sequence in the database is moved to the same
value, so the first row practice B gets in *every* table has the same id (B_ID, practice B's own id). Filling every id
parameter of every route with B_ID therefore names practice B's object of exactly the type the route expects — a claim
for a claim route, a ledger entry for a ledger route — without a hand-kept map that a new route could escape.

Decision (documented in the README): the walker is a practice *admin*, so every role gate is open and only
tenancy decides; another practice's object must be a 404 (GET and POST), never a 403, 400 or 200 that would
reveal it exists. A 405 (wrong method for the route) is decided before any lookup and reveals nothing. Routes
without ids (lists, dashboards, exports) are fetched too, and must not contain practice B's patient name.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver
from rest_framework.test import APIClient

from tests import factories as f

pytestmark = pytest.mark.django_db

SENTINEL = "Quixotebee"  # practice B's patient's surname: must never appear in practice A's answers
PARAM = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:(\w+):)?(\w+)>")
SKIP_PREFIXES = ("admin/", "static/", "api/schema", "api/docs", "api/redoc", "logout/", "login/", "mfa/")


def routes() -> list[tuple[str, str]]:
    """(route pattern as text, name) for every URL pattern, format-suffix twins left out."""
    found: list[tuple[str, str]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            text = prefix + str(p.pattern).lstrip("^")
            if isinstance(p, URLResolver):
                walk(p.url_patterns, text)
            elif isinstance(p, URLPattern):
                if "<format>" in text or "drf_format_suffix" in text or text.startswith(SKIP_PREFIXES):
                    continue
                found.append((text, p.name or ""))
    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


def _params(route: str) -> list[str]:
    return [m.group(1) or m.group(3) for m in PARAM.finditer(route)]


def _is_id(name: str) -> bool:
    return name == "pk" or name == "id" or name.endswith(("_pk", "_id"))


def _url(route: str, value: int) -> str:
    path = PARAM.sub(lambda m: str(value), route)
    return "/" + path.replace("$", "").replace("/?", "/").replace("\\", "")


def _align_sequences() -> int:
    """Move every sequence past every id in use (sequences are not rolled back between tests) to one value."""
    with connection.cursor() as cur:
        cur.execute("SELECT c.oid::regclass::text FROM pg_class c WHERE c.relkind = 'S' "
                    "AND c.relnamespace = current_schema()::regnamespace")
        sequences = [seq for (seq,) in cur.fetchall()]
        cur.execute("SELECT max(last_value) FROM pg_sequences WHERE schemaname = current_schema()")
        top = int(cur.fetchone()[0] or 0)
        b_id = (top // 1_000_000 + 1) * 1_000_000 + 1
        for seq in sequences:
            cur.execute("SELECT setval(%s, %s, false)", [seq, b_id])
    return b_id


@pytest.fixture
def practice_b_everything(world: Any) -> Any:
    """Practice B with one (first) row in as many tables as its flows fill, each with id B_ID."""
    from payments.services import era_import
    from rcm.audit import access_record
    from rcm.models import Job
    from tests.payments import factories as pf

    b_id = _align_sequences()
    b = f.PracticeFactory(name="Practice Bee")
    owner = f.UserFactory(username="bee_admin")
    f.MembershipFactory(user=owner, practice=b, role="admin")
    payer = f.PayerFactory(practice=b, name="Aetna", payer_id="60054")
    patient = f.PatientFactory(practice=b, last_name=SENTINEL)
    claim = pf.sent_claim(practice=b, patient=patient, payer=payer)
    era_import(practice_id=b.pk, content=pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer)]),
               filename="b.835")
    unknown = pf.sent_claim(practice=b, payer=payer)
    unknown.pcn = "C999999999"
    era_import(practice_id=b.pk, content=pf.era_file([pf.transaction([pf.paid_claim(unknown)], payer=payer)],
                                                        control=2), filename="b2.835")
    access_record(user=owner, practice_id=b.pk, object_type="Patient", object_ids=[patient.pk])
    Job.objects.create(practice_id=b.pk, kind="test", created_by=owner)
    assert b.pk == b_id
    return b


def _tables_with_b_id(b: Any) -> int:
    """How many practice-owned tables hold a row of practice B with id B_ID (the walker's reach)."""
    with connection.cursor() as cur:
        cur.execute("""SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
                        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
                          AND a.attname = 'practice_id'""")
        tables = [t for (t,) in cur.fetchall()]
        hits = 0
        for t in tables:
            cur.execute(f'SELECT 1 FROM "{t}" WHERE id = %s AND practice_id = %s', [b.pk, b.pk])  # noqa: S608
            hits += cur.fetchone() is not None
    return hits


@pytest.mark.parametrize("rls_on", [False, True], ids=["selectors", "selectors+rls"])
def test_every_route_answers_404_for_another_practices_objects(world: Any, practice_b_everything: Any, rls_on: bool,
                                                              settings: Any) -> None:
    settings.RCM_DB_RLS = rls_on
    b = practice_b_everything
    b_id = b.pk  # the first row practice B has in every table carries this id
    covered = _tables_with_b_id(b)
    assert covered >= 25  # patients, encounters, claims, lines, ERAs, ledger, exceptions, denials, events …
    page = Client()
    page.force_login(world.admin)
    api = APIClient()
    api.force_authenticate(world.admin)
    leaks: list[str] = []
    walked = 0
    for route, name in routes():
        names = _params(route)
        if names and not all(_is_id(n) for n in names):
            continue  # e.g. reports/lists/<str:kind>/: no object in the path
        client = api if route.startswith("api/") else page
        url = _url(route, b_id)
        if not names:
            response = client.get(url)
            body = b"" if getattr(response, "streaming", False) else response.content
            if SENTINEL.encode() in body:
                leaks.append(f"GET {url} ({name}) shows practice B's patient")
            walked += 1
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            walked += 1
            if response.status_code not in (404, 405):
                leaks.append(f"{method.upper()} {url} ({name}) -> {response.status_code}")
    print(f"routes walked: {walked}; practice B tables holding id {b_id}: {covered}")
    assert leaks == [], "\n".join(leaks)
    assert walked > 150

