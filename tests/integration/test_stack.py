"""The scaled-out topology for real: gunicorn serving the app, a Celery worker on Redis, PostgreSQL.

Skipped (with the reason) only when Redis is absent; PostgreSQL is always there (embedded or DATABASE_URL).
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from rcm.models import Job
from tests import factories as f
from tests.integration.stack import celery_worker, gunicorn

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]


def _call(base: str, path: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(base + path, method="POST" if body is not None else "GET",
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, json.loads(resp.read())


def test_task_round_trips_through_gunicorn_redis_and_a_real_worker(redis_url: str) -> None:
    membership = f.MembershipFactory(role="biller")
    token = Token.objects.create(user=membership.user).key
    with celery_worker(redis_url) as worker, gunicorn(redis_url) as base:
        status, job = _call(base, "/api/v1/jobs/ping/", token, {"message": "hello from the web"})
        assert status == 202 and job["status"] == "queued"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            _, job = _call(base, f"/api/v1/jobs/{job['id']}/", token)
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert job["status"] == "done", job
        assert job["result"]["pong"] == "hello from the web"
        assert job["result"]["worker_pid"] == worker.pid  # run by the worker process, not in the web process
    assert Job.objects.get(pk=job["id"]).attempts == 1
