"""A connection's required settings are refused when saved; one saved without them (before the check, or by
hand) fails its poll, submission or eligibility question with the reason, never with a server error."""

from __future__ import annotations

from typing import Any

import pytest

from claims.clearinghouse.models import ClearinghouseConnection

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("body", "field"), [({"kind": "sftp", "host": " "}, "host"),
                                             ({"kind": "rest", "base_url": ""}, "base_url")])
def test_saving_without_the_kinds_required_setting_is_refused(world: Any, api_for: Any, body: dict, field: str) -> None:
    resp = api_for(world.admin).post("/api/v1/clearinghouse/connections/", {"name": "CH", **body}, format="json")
    assert resp.status_code == 400 and field in resp.json()
    assert not ClearinghouseConnection.objects.filter(practice=world.practice).exists()


def test_a_poll_through_a_misconfigured_connection_reports_the_reason(world: Any, api_for: Any) -> None:
    conn = ClearinghouseConnection.objects.create(practice=world.practice, name="Old", kind="rest", base_url="")
    resp = api_for(world.admin).post(f"/api/v1/clearinghouse/files/poll/?practice={world.practice.pk}")
    assert resp.status_code == 200 and resp.json()["errors"] == 1
    conn.refresh_from_db()
    assert "base URL" in conn.last_error
