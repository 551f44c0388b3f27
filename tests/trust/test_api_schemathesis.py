"""schemathesis against the OpenAPI schema, as a user of each role: no server errors, and the status codes
and bodies the schema documents (drf-spectacular's schema; the WSGI app is called in process)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

# What issue 8 asks for: no 5xx, only documented status codes, bodies that match the documented schema.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
ROLES = ("coder", "biller", "manager", "admin")
EXAMPLES = int(os.environ.get("RCM_SCHEMATHESIS_EXAMPLES", "5"))


def _schema() -> Any:
    from drf_spectacular.generators import SchemaGenerator

    spec = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
    schema = schemathesis.openapi.from_dict(spec)
    schema.app = get_wsgi_application()
    return schema


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    """As Django's test client does: a request must not close the connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_as_each_role(role: str, world: Any, wsgi_in_test_transaction: None) -> None:
    token, _ = Token.objects.get_or_create(user=getattr(world, role))
    headers = {"Authorization": f"Token {token.key}"}
    failures: list[str] = []
    operations = 0
    for result in _schema().get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # every failure is collected, then reported together
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:600]}")
    assert operations > 100
    assert not failures, f"{len(failures)} of {operations} operations failed:\n" + "\n\n".join(failures)
