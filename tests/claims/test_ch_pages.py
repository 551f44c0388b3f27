"""Clearinghouse, denial, eligibility and CMS-1500 pages and their API twins: role gates (biller/admin act,
others 403), tenancy (another practice's row is 404), secrets never shown, and what each page shows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from claims.clearinghouse.models import ClearinghouseConnection, InboundFile, Submission
from claims.clearinghouse.secrets import decrypt_credentials
from claims.clearinghouse.services import claims_submit, clearinghouse_poll, inbound_upload
from claims.denials.models import Appeal, DenialAction, DenialCase
from claims.eligibility.models import EligibilityCheck
from claims.models import Claim
from tests.claims import ch_helpers as ch

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(world: Any) -> dict[str, Any]:
    """Practice A: one paid claim, one rejected (unenrolled NPI) and one denied by the 835; practice B: one file."""
    practice = world.practice
    practice.phone = "7175550100"
    practice.save()
    claims = ch.queued_claims(practice, 3)
    conn = ch.sandbox(practice, unenrolled_npis=[claims[1].rendering_npi])
    claims_submit(practice_id=practice.pk, send_now=True)
    clearinghouse_poll(connection=conn)
    other = world.other_practice
    other_file = inbound_upload(practice_id=other.pk, content=b"junk", filename="theirs.x12")
    return {"conn": conn, "claims": claims, "sub": Submission.objects.get(practice=practice),
            "their_file": InboundFile.objects.get(pk=other_file.file_ids[0])}


def _denied_835(practice: Any) -> DenialCase:
    """A claim the sandbox payer denies on its 835 (CO-50 family), with its payer claim number."""
    for row in ClearinghouseConnection.objects.filter(practice=practice):
        row.is_active = False
        row.save()
    conn = ch.sandbox(practice, denial_rate=1, seed=11)
    [claim] = ch.queued_claims(practice, 1)
    claims_submit(practice_id=practice.pk, send_now=True)
    clearinghouse_poll(connection=conn)
    return DenialCase.objects.get(claim=claim, source="835")


def test_pages_are_for_billers_and_admins(world: Any, sent: dict[str, Any], client_for: Any) -> None:
    case = DenialCase.objects.get(source="277ca")
    urls = [reverse("claims:ch_connection"), reverse("claims:ch_submissions"),
            reverse("claims:ch_submission", args=[sent["sub"].pk]), reverse("claims:ch_inbound"),
            reverse("claims:denials"), reverse("claims:denial", args=[case.pk]), reverse("claims:denial_analytics"),
            reverse("claims:cms1500", args=[sent["claims"][0].pk]),
            reverse("claims:batch_cms1500", args=[sent["sub"].batch_id]),
            reverse("claims:eligibility", args=[sent["claims"][0].coverage_id])]
    for user, expected in ((world.biller, 200), (world.admin, 200), (world.coder, 403), (world.manager, 403)):
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == expected, (user.username, url)
    client = client_for(world.coder)
    assert client.post(reverse("claims:ch_submit")).status_code == 403
    assert client.post(reverse("claims:denial_act", args=[case.pk]), {"action": "close"}).status_code == 403
    assert DenialCase.objects.get(pk=case.pk).status == "open"


def test_another_practices_rows_are_404(world: Any, sent: dict[str, Any], client_for: Any, api_for: Any) -> None:
    case = DenialCase.objects.get(source="277ca")
    client = client_for(world.outsider)  # admin of practice B
    for url in (reverse("claims:ch_submission", args=[sent["sub"].pk]),
                reverse("claims:ch_inbound_detail", args=[InboundFile.objects.filter(practice=world.practice)[0].pk]),
                reverse("claims:denial", args=[case.pk]), reverse("claims:cms1500", args=[sent["claims"][0].pk]),
                reverse("claims:batch_cms1500", args=[sent["sub"].batch_id]),
                reverse("claims:eligibility", args=[sent["claims"][0].coverage_id])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("claims:denial_act", args=[case.pk]), {"action": "close", "note": "x"}).status_code == 404
    assert client_for(world.biller).get(reverse("claims:ch_inbound_detail", args=[sent["their_file"].pk])
                                        ).status_code == 404
    api = api_for(world.outsider)
    assert api.get(f"/api/v1/clearinghouse/submissions/{sent['sub'].pk}/").status_code == 404
    assert api.get(f"/api/v1/denials/{case.pk}/").status_code == 404
    assert api.post(f"/api/v1/denials/{case.pk}/act/", {"action": "close"}, format="json").status_code == 404
    assert api.get(f"/api/v1/clearinghouse/files/{InboundFile.objects.filter(practice=world.practice)[0].pk}/"
                   ).status_code == 404
    assert [r["id"] for r in api.get("/api/v1/clearinghouse/files/").json()["results"]] == [sent["their_file"].pk]
    assert DenialCase.objects.get(pk=case.pk).status == "open"


def test_connection_secrets_are_encrypted_and_never_shown(world: Any, client_for: Any, api_for: Any) -> None:
    client = client_for(world.biller)
    data = {"name": "Acme SFTP", "kind": "sftp", "is_active": "on", "host": "sftp.example.com", "port": "22",
            "username": "practice", "upload_dir": "in", "download_dir": "out", "options_json": "{}",
            "secret_password": "hunter2-very-secret"}
    response = client.post(reverse("claims:ch_connection"), data)
    assert response.status_code == 302
    conn = ClearinghouseConnection.objects.get(practice=world.practice, is_active=True)
    assert b"hunter2" not in bytes(conn.credentials)
    assert decrypt_credentials(conn.credentials)["password"] == "hunter2-very-secret"
    page = client.get(reverse("claims:ch_connection")).content.decode()
    assert "hunter2" not in page and "Stored encrypted" in page
    # a blank secret keeps the stored one
    client.post(reverse("claims:ch_connection"), {**data, "secret_password": "", "name": "Acme"})
    conn.refresh_from_db()
    assert conn.name == "Acme" and decrypt_credentials(conn.credentials)["password"] == "hunter2-very-secret"
    body = api_for(world.biller).get(f"/api/v1/clearinghouse/connections/{conn.pk}/").json()
    assert "hunter2" not in str(body) and body["credentials_set"] == ["password"]


def test_submissions_and_files_show_what_was_sent_and_received(world: Any, sent: dict[str, Any],
                                                                client_for: Any, api_for: Any) -> None:
    client = client_for(world.biller)
    sub = sent["sub"]
    page = client.get(reverse("claims:ch_submissions")).content.decode()
    assert sub.filename in page and sub.interchange_control in page
    detail = client.get(reverse("claims:ch_submission", args=[sub.pk])).content.decode()
    assert sub.group_control in detail and sent["claims"][0].pcn in detail and "Sent" in detail
    # a hand upload that is not X12 is refused at the gate, with the reason, and nothing is stored
    client.post(reverse("claims:ch_upload"), {"file": _upload("notx12.x12", b"hello")})
    assert not InboundFile.objects.filter(filename="notx12.x12").exists()
    # a malformed file the clearinghouse sent is kept and shown among the flagged files
    inbound_upload(practice_id=world.practice.pk, content=b"ISA*00*short", filename="broken.x12")
    flagged = client.get(reverse("claims:ch_inbound") + "?flagged=1")
    names = [f.filename for f in flagged.context["page"]]
    assert names == ["broken.x12"]
    row = InboundFile.objects.get(filename="broken.x12")
    shown = client.get(reverse("claims:ch_inbound_detail", args=[row.pk])).content.decode()
    assert "cut short" in shown and "ISA*00*short" in shown
    assert client.get(reverse("claims:ch_inbound_download", args=[row.pk])).content == b"ISA*00*short"
    api = api_for(world.biller)
    listed = api.get("/api/v1/clearinghouse/submissions/").json()["results"]
    assert [(s["id"], s["status"], s["interchange_control"]) for s in listed] == [
        (sub.pk, "sent", sub.interchange_control)]
    files = api.get("/api/v1/clearinghouse/files/?status=error").json()["results"]
    assert [f["filename"] for f in files] == ["broken.x12"]


def _upload(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_denial_queue_groups_by_category_with_next_action(world: Any, sent: dict[str, Any],
                                                          client_for: Any, api_for: Any) -> None:
    case = DenialCase.objects.get(source="277ca")
    response = client_for(world.biller).get(reverse("claims:denials"))
    groups = response.context["groups"]
    assert [(g["category"], [c.pk for c in g["cases"]]) for g in groups] == [("missing_information", [case.pk])]
    html = response.content.decode()
    assert "Add the missing or corrected information" in html and sent["claims"][1].pcn in html
    body = api_for(world.biller).get(f"/api/v1/denials/{case.pk}/").json()
    assert body["category"] == "missing_information" and body["next_action"].startswith("Add the missing")
    assert body["segment"] == case.segment


def test_rejected_claim_is_corrected_and_resubmitted(world: Any, sent: dict[str, Any], client_for: Any) -> None:
    case = DenialCase.objects.get(source="277ca")
    client = client_for(world.biller)
    response = client.post(reverse("claims:denial_act", args=[case.pk]), {"action": "correct", "note": "NPI fixed"})
    claim = Claim.objects.get(pk=case.claim_id)
    assert response.status_code == 302 and response["Location"] == reverse("claims:detail", args=[claim.pk])
    case.refresh_from_db()
    assert case.status == "corrected" and case.new_claim_id == claim.pk
    assert claim.status not in ("rejected", "submitted")
    assert list(DenialAction.objects.filter(case=case).values_list("kind", flat=True)) == ["opened", "resubmit"]


def test_835_denial_replacement_write_off_and_appeal(world: Any, sent: dict[str, Any], client_for: Any,
                                                     api_for: Any) -> None:
    case = _denied_835(world.practice)
    client = client_for(world.biller)
    # appeal: a letter PDF and a deadline
    client.post(reverse("claims:denial_act", args=[case.pk]), {"action": "appeal", "argument": "Notes attached.",
                                                               "attachments": "Office note"})
    appeal = Appeal.objects.get(case=case)
    assert appeal.deadline == case.denied_on + dt.timedelta(days=180)
    pdf = client.get(reverse("claims:appeal_letter", args=[appeal.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    client.post(reverse("claims:appeal_update", args=[appeal.pk]), {"action": "lost", "note": "upheld"})
    case.refresh_from_db()
    assert case.status == "open"
    # replacement claim: frequency 7 with the payer's original claim number
    api = api_for(world.biller)
    body = api.post(f"/api/v1/denials/{case.pk}/act/", {"action": "correct"}, format="json").json()
    new = Claim.objects.get(pk=body["new_claim"])
    original = Claim.objects.get(pk=case.claim_id)
    assert (new.frequency, new.original_claim_id, body["status"]) == ("7", original.pk, "corrected")
    assert original.payer_claim_number
    assert list(DenialAction.objects.filter(case=case).values_list("kind", flat=True)) == [
        "opened", "appeal", "appeal_outcome", "replacement"]


def test_write_off_with_reason_keeps_history(world: Any, sent: dict[str, Any], client_for: Any) -> None:
    case = _denied_835(world.practice)
    client = client_for(world.biller)
    client.post(reverse("claims:denial_act", args=[case.pk]), {"action": "write_off", "note": ""})
    assert DenialCase.objects.get(pk=case.pk).status == "open"  # a reason is required
    client.post(reverse("claims:denial_act", args=[case.pk]), {"action": "write_off", "note": "small balance"})
    case.refresh_from_db()
    assert case.status == "written_off"
    action = DenialAction.objects.get(case=case, kind="write_off")
    assert action.note == "small balance" and action.amount is not None and action.amount >= Decimal("0.00")
    page = client.get(reverse("claims:denial", args=[case.pk])).content.decode()
    assert "small balance" in page and "Written off" in page


def test_denial_analytics_rates(world: Any, sent: dict[str, Any], client_for: Any, api_for: Any) -> None:
    response = client_for(world.biller).get(reverse("claims:denial_analytics"))
    data = response.context["data"]
    assert (data["submitted"], data["denied"], data["rate"]) == (3, 1, 33.3)
    assert [(r["name"], r["submitted"], r["denied"], r["rate"]) for r in data["by_payer"]] == [("Aetna", 3, 1, 33.3)]
    assert [(r["name"], r["denied"]) for r in data["by_category"]] == [("missing_information", 1)]
    assert [r["name"] for r in data["by_code"]] == ["277CA 562"]
    assert sum(r["denied"] for r in data["by_provider"]) == 1
    assert data["by_month"][-1]["submitted"] == 3
    api = api_for(world.biller).get("/api/v1/denials/analytics/").json()
    assert api["denied"] == 1 and api["rate"] == 33.3


def test_cms1500_pdfs_plain_and_red_form(world: Any, sent: dict[str, Any], client_for: Any, api_for: Any) -> None:
    client = client_for(world.biller)
    claim = sent["claims"][0]
    plain = client.get(reverse("claims:cms1500", args=[claim.pk]))
    red = client.get(reverse("claims:cms1500", args=[claim.pk]) + "?red=1")
    assert plain["Content-Type"] == red["Content-Type"] == "application/pdf"
    assert plain.content.startswith(b"%PDF") and red.content.startswith(b"%PDF")
    assert claim.patient.last_name.upper().encode() in plain.content  # uncompressed text
    assert len(red.content) < len(plain.content)  # text only: no drawn form
    api = api_for(world.biller)
    assert api.get(f"/api/v1/claims/{claim.pk}/cms1500/").content == plain.content
    assert api.get(f"/api/v1/claim-batches/{sent['sub'].batch_id}/cms1500/?red=1")["Content-Type"] == "application/pdf"
    assert api_for(world.outsider).get(f"/api/v1/claims/{claim.pk}/cms1500/").status_code == 404
    batch = client.get(reverse("claims:batch_cms1500", args=[sent["sub"].batch_id]))
    assert batch.content.count(b"/Type /Page\n") + batch.content.count(b"/Type /Page ") >= 3 or \
        batch.content.count(b"/Type /Page") - batch.content.count(b"/Type /Pages") == 3


def test_eligibility_button_stores_and_shows_the_answer(world: Any, sent: dict[str, Any], client_for: Any,
                                                        api_for: Any) -> None:
    claim = sent["claims"][0]
    client = client_for(world.biller)
    url = reverse("claims:eligibility", args=[claim.coverage_id]) + f"?encounter={claim.encounter_id}"
    response = client.post(url, {"service_date": claim.date_of_service.isoformat(), "encounter": claim.encounter_id})
    assert response.status_code == 302
    check = EligibilityCheck.objects.get(coverage_id=claim.coverage_id)
    assert (check.status, check.active, check.encounter_id) == ("answered", True, claim.encounter_id)
    page = client.get(url).content.decode()
    assert "Active" in page and (check.plan_name in page)
    body = api_for(world.biller).post("/api/v1/eligibility/", {"coverage": claim.coverage_id}, format="json")
    assert body.status_code == 201 and body.json()["verdict"] == "Active"
    assert api_for(world.outsider).post("/api/v1/eligibility/", {"coverage": claim.coverage_id},
                                        format="json").status_code == 404


def test_queue_shows_no_response_in_n_days(world: Any, sent: dict[str, Any], client_for: Any) -> None:
    from django.utils import timezone

    practice = world.practice
    for row in ClearinghouseConnection.objects.filter(practice=practice):
        row.is_active = False
        row.save()
    conn = ch.sandbox(practice, silent_rate=1)
    [claim] = ch.queued_claims(practice, 1)
    claims_submit(practice_id=practice.pk, send_now=True)
    clearinghouse_poll(connection=conn)
    when = timezone.now() - dt.timedelta(days=12)
    Claim.objects.filter(pk=claim.pk).update(last_response_at=when)
    html = client_for(world.biller).get(reverse("claims:queue") + "?status=accepted").content.decode()
    assert "no response in 12 days" in html
    detail = client_for(world.biller).get(reverse("claims:detail", args=[claim.pk])).content.decode()
    assert "no response in 12 days" in detail
