"""Scrubbing stored claims: findings persisted, statuses moved, idempotent, the command's summary."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.models import Claim, ClaimStatusEvent, PayerRule
from claims.ncci.files import load_sample
from tests.claims import factories as cf
from tests.claims.fakes import fake_code_index

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def _claims() -> tuple[Claim, Claim]:
    practice = cf.practice()
    clean = cf.claim_for(cf.coded_encounter(practice_obj=practice))
    broken = cf.claim_for(cf.coded_encounter(practice_obj=practice, dx=("L57.0",), lines=(
        ("99213", (), 1, (1,), "150.00"), ("17000", (), 1, (1,), "140.00"))))
    return clean, broken


def test_scrub_stores_findings_and_moves_status() -> None:
    clean, broken = _claims()
    summary = services.claims_scrub(claim_ids=[clean.pk, broken.pk], code_index=fake_code_index)
    assert summary.as_dict() == {"scrubbed": 2, "clean": 1, "with_errors": 1, "with_warnings": 0, "changed": 2,
                                 "skipped": 0, "errors_by_rule": {"EM_NEEDS_25": 1}, "warnings_by_rule": {}}
    clean.refresh_from_db()
    broken.refresh_from_db()
    assert (clean.status, clean.scrub_findings, clean.scrub_errors) == ("clean", [], 0)
    assert (broken.status, broken.scrub_rules, broken.scrub_errors) == ("scrubbed_errors", ["EM_NEEDS_25"], 1)
    assert broken.scrub_findings[0]["field"] == "lines.1.modifiers" and broken.scrub_findings[0]["line"] == 1
    assert broken.status_events.last().reason == "scrubbed: errors to fix"


def test_scrubbing_twice_changes_nothing() -> None:
    clean, broken = _claims()
    services.claims_scrub(claim_ids=[clean.pk, broken.pk], code_index=fake_code_index)
    before = list(Claim.objects.order_by("pk").values_list("pk", "status", "scrubbed_at", "updated_at"))
    events = ClaimStatusEvent.objects.count()
    again = services.claims_scrub(claim_ids=[clean.pk, broken.pk], code_index=fake_code_index)
    assert (again.changed, again.clean, again.with_errors) == (0, 1, 1)
    assert list(Claim.objects.order_by("pk").values_list("pk", "status", "scrubbed_at", "updated_at")) == before
    assert ClaimStatusEvent.objects.count() == events


def test_edit_and_rescrub_fixes_the_claim() -> None:
    _, broken = _claims()
    services.claims_scrub(claim_ids=[broken.pk], code_index=fake_code_index)
    services.claim_update(claim=broken, data={}, lines={1: {"modifiers": ["25"]}})
    broken.refresh_from_db()
    assert broken.status == "draft"
    findings = services.claim_scrub(claim=broken, code_index=fake_code_index)
    assert findings == [] and Claim.objects.get(pk=broken.pk).status == "clean"
    steps = list(broken.status_events.values_list("to_status", flat=True))
    assert steps == ["draft", "scrubbed_errors", "draft", "clean"]
    assert broken.status_events.get(to_status="draft", from_status="scrubbed_errors").reason == "edited: line 1 modifiers"


def test_sent_claims_are_not_scrubbed_or_edited() -> None:
    clean, _ = _claims()
    for to in ("clean", "queued", "submitted"):
        services.claim_transition(clean, to)
    summary = services.claims_scrub(claim_ids=[clean.pk], code_index=fake_code_index)
    assert (summary.scrubbed, summary.skipped) == (0, 1)
    with pytest.raises(Exception, match="cannot be edited"):
        services.claim_update(claim=clean, data={"member_id": "X"})
    assert Claim.objects.get(pk=clean.pk).member_id != "X"


def test_payer_rules_from_the_database_apply_without_code_changes() -> None:
    clean, _ = _claims()
    PayerRule.objects.create(practice=clean.practice, payer=clean.payer, kind="requires_prior_auth")
    services.claims_scrub(claim_ids=[clean.pk], code_index=fake_code_index)
    clean.refresh_from_db()
    assert clean.scrub_rules == ["PAYER_PRIOR_AUTH"] and clean.status == "scrubbed_errors"
    PayerRule.objects.update(is_active=False)
    services.claims_scrub(claim_ids=[clean.pk], code_index=fake_code_index)
    assert Claim.objects.get(pk=clean.pk).status == "clean"


def test_duplicate_claims_for_the_same_service_are_caught() -> None:
    first = cf.claim_for(cf.coded_encounter())
    twin_enc = cf.coded_encounter(patient=first.patient, dos=first.date_of_service, provider=first.rendering_provider,
                                  location=first.facility)
    twin = cf.claim_for(twin_enc)
    services.claims_scrub(claim_ids=[first.pk, twin.pk], code_index=fake_code_index)
    assert list(Claim.objects.order_by("pk").values_list("scrub_rules", flat=True)) == [["DUPLICATE_CLAIM"]] * 2
    twin.refresh_from_db()
    services.claim_void(claim=twin)
    services.claims_scrub(claim_ids=[first.pk], code_index=fake_code_index)
    assert Claim.objects.get(pk=first.pk).status == "clean"


def test_ncci_from_the_imported_sample_is_applied() -> None:
    load_sample()
    claim = cf.claim_for(cf.coded_encounter(lines=(("11102", (), 1, (1,), "160.00"), ("17000", (), 1, (1,), "140.00"))))
    services.claims_scrub(claim_ids=[claim.pk], code_index=fake_code_index)
    claim.refresh_from_db()
    assert claim.scrub_rules == ["NCCI_PTP"]
    assert "Line 2 (17000) is bundled into line 1 (11102)" in claim.scrub_findings[0]["message"]


def test_rule_data_is_loaded_in_a_constant_number_of_queries() -> None:
    ids = [cf.claim_for(cf.coded_encounter()).pk for _ in range(2)]
    with CaptureQueriesContext(connection) as small:
        services.claims_scrub(claim_ids=ids, code_index=fake_code_index)
    ids += [cf.claim_for(cf.coded_encounter()).pk for _ in range(8)]
    Claim.objects.update(scrub_findings=[{"x": 1}])  # force every claim to be rewritten
    with CaptureQueriesContext(connection) as large:
        services.claims_scrub(claim_ids=ids, code_index=fake_code_index)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_scrub_claims_command_prints_the_summary(monkeypatch: pytest.MonkeyPatch) -> None:
    from claims.scrub import data as scrub_data

    monkeypatch.setattr(scrub_data, "default_code_index", lambda: fake_code_index)
    _claims()
    out = io.StringIO()
    call_command("scrub_claims", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == {
        "scrubbed": 2, "clean": 1, "with_errors": 1, "with_warnings": 0, "rules": {"EM_NEEDS_25": 1}}
