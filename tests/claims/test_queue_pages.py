"""The billers' pages: queue filters and order, constant queries, bulk actions, CSV, the claim page, tenancy."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import services
from claims.models import Claim, ClaimStatusEvent
from rcm.models import AccessLog, Job
from tests import factories as f
from tests.claims import factories as cf
from tests.claims.fakes import fake_code_index

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def _fake_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    from claims.scrub import data as scrub_data

    monkeypatch.setattr(scrub_data, "default_code_index", lambda: fake_code_index)


def _claim(world: Any, *, days_ago: int = 10, charge: str = "140.00", payer: Any = None, lines: Any = None,
           provider: Any = None) -> Claim:
    kwargs: dict[str, Any] = {"dos": TODAY - dt.timedelta(days=days_ago)}
    if provider is not None:
        kwargs["provider"] = provider
    enc = cf.coded_encounter(practice_obj=world.practice, payer=payer,
                             lines=lines or (("17000", (), 1, (1,), charge),), **kwargs)
    return cf.claim_for(enc)


def test_queue_lists_claims_in_priority_order(world: Any, client_for: Any) -> None:
    practice = world.practice
    fast = f.PayerFactory(practice=practice, timely_filing_days=90)
    slow = f.PayerFactory(practice=practice, timely_filing_days=365)
    urgent = _claim(world, days_ago=80, payer=fast)
    big = _claim(world, days_ago=20, payer=slow, charge="900.00")
    small = _claim(world, days_ago=20, payer=slow, charge="50.00")
    response = client_for(world.biller).get(reverse("claims:queue"))
    assert response.status_code == 200
    assert [c.pk for c in response.context["rows"]] == [urgent.pk, big.pk, small.pk]
    assert response.context["total"] == 3


def test_queue_filters(world: Any, client_for: Any) -> None:
    practice = world.practice
    payer_a, payer_b = f.PayerFactory(practice=practice), f.PayerFactory(practice=practice, timely_filing_days=30)
    other_provider = f.ProviderFactory(practice=practice)
    old = _claim(world, days_ago=60, payer=payer_a, charge="300.00")
    new = _claim(world, days_ago=5, payer=payer_b, charge="80.00", provider=other_provider)
    errs = _claim(world, days_ago=15, payer=payer_a, lines=(("99213", (), 1, (1,), "150.00"), ("17000", (), 1, (1,), "140.00")))
    services.claims_scrub(claim_ids=[old.pk, new.pk, errs.pk])
    client = client_for(world.biller)

    def ids(**params: Any) -> set[int]:
        return {c.pk for c in client.get(reverse("claims:queue"), params).context["rows"]}

    assert ids() == {old.pk, new.pk, errs.pk}
    assert ids(status="scrubbed_errors") == {errs.pk}
    assert ids(status="clean") == {old.pk, new.pk}
    assert ids(payer=payer_b.pk) == {new.pk}
    assert ids(provider=other_provider.pk) == {new.pk}
    assert ids(date_from=(TODAY - dt.timedelta(days=20)).isoformat()) == {new.pk, errs.pk}
    assert ids(date_to=(TODAY - dt.timedelta(days=20)).isoformat()) == {old.pk}
    assert ids(amount_min="200") == {old.pk, errs.pk} and ids(amount_max="100") == {new.pk}
    assert ids(age_min="30") == {old.pk} and ids(age_max="10") == {new.pk}
    assert ids(rule="EM_NEEDS_25") == {errs.pk}
    assert ids(deadline_before=(TODAY + dt.timedelta(days=26)).isoformat()) == {new.pk}
    assert ids(q=old.pcn) == {old.pk}
    services.claim_void(claim=Claim.objects.get(pk=old.pk))
    assert ids() == {new.pk, errs.pk} and ids(status="all") == {old.pk, new.pk, errs.pk}
    assert ids(amount_min="abc") == set()  # invalid input shows errors, not everything


def test_queue_query_count_is_constant(world: Any, client_for: Any) -> None:
    client = client_for(world.biller)
    _claim(world)
    client.get(reverse("claims:queue"))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("claims:queue")).status_code == 200
    for i in range(30):
        _claim(world, days_ago=5 + i)
    services.claims_scrub(claim_ids=list(Claim.objects.values_list("pk", flat=True)))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("claims:queue"))
    assert len(response.context["rows"]) == 31
    # (row-level security adds its own three: read the role, switch, switch back)
    assert len(many.captured_queries) == len(few.captured_queries) <= 14 + (3 if settings.RCM_DB_RLS else 0)


def test_bulk_scrub_enqueues_a_job_that_summarises(world: Any, client_for: Any,
                                                   django_capture_on_commit_callbacks: Any) -> None:
    a = _claim(world)
    b = _claim(world, lines=(("99213", (), 1, (1,), "150.00"), ("17000", (), 1, (1,), "140.00")))
    client = client_for(world.biller)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("claims:bulk"), {"action": "scrub", "ids": [a.pk, b.pk]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and len(callbacks) == 1
    job = Job.objects.get(kind="claims.scrub")
    assert job.status == "done" and job.params == {"claim_ids": [a.pk, b.pk]}
    assert job.result["errors_by_rule"] == {"EM_NEEDS_25": 1} and job.result["clean"] == 1
    page = client.get(reverse("claims:job", args=[job.pk])).content.decode()
    assert "1 clean" in page and "EM_NEEDS_25" in page and "hx-trigger" not in page


def test_bulk_all_matching_uses_the_filter(world: Any, client_for: Any, django_capture_on_commit_callbacks: Any) -> None:
    payer = f.PayerFactory(practice=world.practice)
    a = _claim(world, payer=payer)
    _claim(world)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.biller).post(reverse("claims:bulk"), {"action": "scrub", "all_matching": "1",
                                                                "query": f"payer={payer.pk}"})
    assert Job.objects.get().params["claim_ids"] == [a.pk]


def test_bulk_queue_and_export(world: Any, client_for: Any, django_capture_on_commit_callbacks: Any) -> None:
    world.practice.phone = "7175550100"
    world.practice.save()
    payer = f.PayerFactory(practice=world.practice)
    a, b = _claim(world, payer=payer), _claim(world, payer=payer)
    services.claims_scrub(claim_ids=[a.pk, b.pk])
    client = client_for(world.biller)
    response = client.post(reverse("claims:bulk"), {"action": "queue", "ids": [a.pk]}, HTTP_HX_REQUEST="true")
    assert "1 of 1 claims queued for submission." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("claims:bulk"), {"action": "export_837", "ids": f"{a.pk},{b.pk}"})
    job = Job.objects.get(kind="claims.export_837")
    assert (job.status, job.result["files"], job.result["claims"]) == ("done", 1, 2)
    batch_id = job.result["batches"][0]["id"]
    download = client.get(reverse("claims:batch_download", args=[batch_id]))
    assert download.status_code == 200 and download.content.startswith(b"ISA*00*")
    assert AccessLog.objects.filter(action="export", object_type="claim").count() == 1


def test_csv_export_follows_the_filter(world: Any, client_for: Any) -> None:
    payer = f.PayerFactory(practice=world.practice, name="Cigna")
    a = _claim(world, payer=payer, charge="123.45")
    _claim(world)
    response = client_for(world.biller).get(reverse("claims:csv"), {"payer": payer.pk})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["claim", "status", "date_of_service"]
    assert [(r[0], r[5], r[7]) for r in rows[1:]] == [(a.pcn, "Cigna", "123.45")]
    assert AccessLog.objects.get(action="export").object_ids == [a.pk]


def test_claim_page_shows_findings_next_to_fields_and_edits_in_place(world: Any, client_for: Any) -> None:
    claim = _claim(world, lines=(("99213", (), 1, (1,), "150.00"), ("17000", (), 1, (1,), "140.00")))
    services.claims_scrub(claim_ids=[claim.pk])
    client = client_for(world.biller)
    page = client.get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "EM_NEEDS_25" in page and "add 25 to the E/M line" in page and "Scrub errors" in page
    post = {"member_id": claim.member_id, "relationship": "18", "place_of_service": "11", "diagnosis_codes": "L57.0",
            "group_number": claim.group_number}
    post |= {"line1-code": "99213", "line1-modifiers": "25", "line1-units": "1", "line1-diagnosis_pointers": "1",
             "line1-charge_amount": "150.00", "line2-code": "17000", "line2-modifiers": "", "line2-units": "1",
             "line2-diagnosis_pointers": "1", "line2-charge_amount": "140.00"}
    response = client.post(reverse("claims:detail", args=[claim.pk]), post, HTTP_HX_REQUEST="true",
                           HTTP_HX_TARGET="claim-body")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Saved and re-scrubbed: no errors." in body and "<html" not in body
    claim.refresh_from_db()
    assert claim.status == "clean" and claim.lines.get(line_number=1).modifiers == ["25"]
    steps = list(ClaimStatusEvent.objects.filter(claim=claim).values_list("to_status", flat=True))
    assert steps == ["draft", "scrubbed_errors", "draft", "clean"]


def test_claim_page_rejects_bad_input_and_changes_nothing(world: Any, client_for: Any) -> None:
    claim = _claim(world)
    post = {"member_id": "X", "diagnosis_codes": "NOTACODE", "line1-code": "17000", "line1-units": "0",
            "line1-diagnosis_pointers": "1", "line1-charge_amount": "140.00"}
    response = client_for(world.biller).post(reverse("claims:detail", args=[claim.pk]), post)
    assert response.status_code == 422
    claim.refresh_from_db()
    assert claim.member_id != "X" and claim.status == "draft" and claim.status_events.count() == 1


def test_other_practices_claims_are_404_and_coders_are_refused(world: Any, client_for: Any) -> None:
    mine = _claim(world)
    theirs = cf.claim_for(cf.coded_encounter(patient=world.other_patient))
    outsider = client_for(world.outsider)
    for name in ("claims:detail", "claims:batch_download"):
        assert outsider.get(reverse(name, args=[mine.pk])).status_code == 404
    assert outsider.post(reverse("claims:scrub", args=[mine.pk])).status_code == 404
    assert outsider.post(reverse("claims:action", args=[mine.pk]), {"action": "void"}).status_code == 404
    assert Claim.objects.get(pk=mine.pk).status == "draft"
    biller = client_for(world.biller)
    assert biller.get(reverse("claims:detail", args=[theirs.pk])).status_code == 404
    biller.post(reverse("claims:bulk"), {"action": "queue", "ids": [theirs.pk]})
    assert Claim.objects.get(pk=theirs.pk).status == "draft"
    biller.logout()
    assert client_for(world.coder).get(reverse("claims:queue")).status_code == 403


def test_claim_actions_queue_unqueue_void(world: Any, client_for: Any) -> None:
    claim = _claim(world)
    services.claims_scrub(claim_ids=[claim.pk])
    client = client_for(world.biller)
    url = reverse("claims:action", args=[claim.pk])
    client.post(url, {"action": "queue"})
    assert Claim.objects.get(pk=claim.pk).status == "queued"
    client.post(url, {"action": "unqueue"})
    assert Claim.objects.get(pk=claim.pk).status == "clean"
    client.post(url, {"action": "void"})
    assert Claim.objects.get(pk=claim.pk).status == "void"
    assert Claim.objects.get(pk=claim.pk).balance == Decimal("140.00")
