"""The SFTP adapter against a real SFTP server on loopback, and the REST adapter against a local fake API.

Behind each server the sandbox clearinghouse's engine plays the remote side: it reads what we uploaded and
writes the 999 / 277CA / 835 a real one would put in the outbound folder or the reports mailbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from claims.clearinghouse.base import Outbound, PermanentError, TransportError, adapter_for
from claims.clearinghouse.models import ClearinghouseConnection, InboundFile, SandboxFile, Submission
from claims.clearinghouse.sandbox import sandbox_work
from claims.clearinghouse.services import (
    claims_submit,
    clearinghouse_poll,
    connection_save,
    submission_deliver,
)
from claims.models import Claim
from tests.claims import ch_helpers as ch
from tests.claims import factories as cf
from tests.claims.ch_servers import FakeClearinghouse, SftpServer, rest_server, sftp_server

pytestmark = pytest.mark.django_db


def _remote_answers(conn: ClearinghouseConnection, name: str, content: bytes) -> list[tuple[str, str]]:
    """The sandbox engine answers a file as the clearinghouse behind the server would: (name, content)."""
    before = set(SandboxFile.objects.filter(connection=conn, direction="out").values_list("pk", flat=True))
    SandboxFile.objects.create(practice_id=conn.practice_id, connection=conn, direction="in", name=name,
                               content=content.decode("latin-1"), available_at=timezone.now())
    sandbox_work(conn)
    return list(SandboxFile.objects.filter(connection=conn, direction="out").exclude(pk__in=before)
                .order_by("pk").values_list("name", "content"))


# --- SFTP ----------------------------------------------------------------------------------------------------
@pytest.fixture
def sftp(tmp_path: Path) -> Any:
    for folder in ("inbound", "outbound", "archive"):
        (tmp_path / folder).mkdir()
    with sftp_server(tmp_path) as server:
        yield server


def _sftp_connection(practice: Any, server: SftpServer, **changes: Any) -> ClearinghouseConnection:
    conn = ClearinghouseConnection(practice=practice, name="Loopback SFTP", kind="sftp", host=server.host,
                                   port=server.port, username=server.username, host_key=server.host_key,
                                   upload_dir="/inbound", download_dir="/outbound", archive_dir="/archive",
                                   options=dict(ch.QUIET))
    for k, v in changes.items():
        setattr(conn, k, v)
    return connection_save(connection=conn, secrets={"password": changes.pop("password", server.password)})


def test_sftp_upload_poll_and_archive(sftp: SftpServer) -> None:
    practice = cf.practice()
    claims = ch.queued_claims(practice, 2)
    conn = _sftp_connection(practice, sftp)
    # when the claims are submitted
    result = claims_submit(practice_id=practice.pk, send_now=True)
    assert result.as_dict() == {"batches": 1, "claims_sent": 2, "claims_skipped": 0}
    sub = Submission.objects.get()
    uploaded = sftp.root / "inbound" / sub.filename
    # then the whole file is in the inbound folder under its final name, and no partial file is left
    assert uploaded.read_bytes() == sub.payload().encode("latin-1")
    assert sorted(p.name for p in (sftp.root / "inbound").iterdir()) == [sub.filename]
    assert (sub.status, sub.step, sub.remote_ref) == ("sent", "renamed", f"/inbound/{sub.filename}")
    # the clearinghouse puts its answers in the outbound folder
    for name, content in _remote_answers(conn, sub.filename, uploaded.read_bytes()):
        (sftp.root / "outbound" / name).write_text(content, encoding="latin-1")
    (sftp.root / "outbound" / "upload.x12.part").write_text("half a file")  # still being written: not fetched
    polled = clearinghouse_poll(connection=conn)
    assert polled.as_dict() == {"files": 3, "accepted": 2, "rejected": 0, "status_updates": 0,
                                "remittances_posted": 1, "errors": 0}
    assert set(Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list("status", flat=True)) == {"paid"}
    # fetched files are archived, byte for byte what we stored
    archived = {p.name: p.read_bytes() for p in (sftp.root / "archive").iterdir()}
    assert {f.filename: bytes(f.content) for f in InboundFile.objects.all()} == archived
    assert [p.name for p in (sftp.root / "outbound").iterdir()] == ["upload.x12.part"]
    assert clearinghouse_poll(connection=conn).files == 0


def test_sftp_interrupted_upload_is_confirmed_from_the_folder(sftp: SftpServer) -> None:
    practice = cf.practice()
    ch.queued_claims(practice, 1)
    conn = _sftp_connection(practice, sftp)
    with pytest.MonkeyPatch.context() as mp:
        from claims.clearinghouse import services

        mp.setattr(services, "_enqueue_on_commit", lambda *a, **k: None)
        sub_id = claims_submit(practice_id=practice.pk).submission_ids[0]
    sub = Submission.objects.get(pk=sub_id)
    outbound = Outbound(key=sub.idempotency_key, filename=sub.filename, content=sub.payload().encode("latin-1"))
    adapter = adapter_for(conn)
    try:
        # a partial file only (the worker died mid-upload): not delivered; the part is removed
        (sftp.root / "inbound" / (sub.filename + ".part")).write_text("ISA*half")
        assert adapter.confirm(outbound, "uploading") is False
        assert list((sftp.root / "inbound").iterdir()) == []
        # the final name present: delivered
        (sftp.root / "inbound" / sub.filename).write_bytes(outbound.content)
        assert adapter.confirm(outbound, "uploaded") is True
    finally:
        adapter.close()
    # and the task after the interruption does not upload again
    Submission.objects.filter(pk=sub_id).update(status="sending", step="uploaded", attempts=1,
                                                heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    (sftp.root / "inbound" / sub.filename).write_bytes(b"the clearinghouse's copy")
    assert submission_deliver(submission_id=sub_id) == "sent"
    assert (sftp.root / "inbound" / sub.filename).read_bytes() == b"the clearinghouse's copy"
    assert list(Submission.objects.get(pk=sub_id).attempt_rows.values_list("outcome", flat=True)) == [
        "already_there"]


def test_sftp_refuses_wrong_host_key_and_bad_password(sftp: SftpServer) -> None:
    import asyncssh

    practice = cf.practice()
    other_key = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().split()
    conn = _sftp_connection(practice, sftp, host_key=f"{other_key[0]} {other_key[1]}")
    with pytest.raises(PermanentError, match="host key"):
        adapter_for(conn).list_inbound()
    conn.is_active = False
    conn.save()
    conn2 = _sftp_connection(practice, sftp, password="wrong")
    with pytest.raises(PermanentError, match="login refused"):
        adapter_for(conn2).list_inbound()
    polled = clearinghouse_poll(connection=conn2)
    assert polled.errors == 1
    conn2.refresh_from_db()
    assert "login refused" in conn2.last_error


def test_sftp_server_down_is_a_transport_error(sftp: SftpServer) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    conn = _sftp_connection(cf.practice(), sftp, port=closed_port)
    with pytest.raises(TransportError):
        adapter_for(conn).list_inbound()


# --- REST ----------------------------------------------------------------------------------------------------
@pytest.fixture
def api() -> Any:
    with rest_server() as state:
        yield state


def _rest_connection(practice: Any, api: FakeClearinghouse, key: str | None = None) -> ClearinghouseConnection:
    conn = ClearinghouseConnection(practice=practice, name="Fake API", kind="rest", base_url=api.url,
                                   options=dict(ch.QUIET))
    return connection_save(connection=conn, secrets={"api_key": key or api.api_key})


def test_rest_submit_once_and_poll_the_mailbox_with_a_cursor(api: FakeClearinghouse) -> None:
    practice = cf.practice()
    claims = ch.queued_claims(practice, 2)
    conn = _rest_connection(practice, api)
    api.fail_next = [503]  # the first try meets a busy server
    result = claims_submit(practice_id=practice.pk, send_now=True)
    sub = Submission.objects.get()
    assert result.claims_sent == 0 and sub.status == "sending" and "503" in sub.error
    # the retry (the task's autoretry) sends it
    assert submission_deliver(submission_id=sub.pk, stale_after=0) == "sent"
    assert list(api.submissions) == [sub.idempotency_key] and api.posts == 1
    sub.refresh_from_db()
    assert sub.remote_ref == "sub-1" and sub.attempts == 2
    # the vendor's answers in the mailbox
    content = api.submissions[sub.idempotency_key]["content"]
    for n, (name, text) in enumerate(_remote_answers(conn, sub.filename, content), start=1):
        api.reports.append({"id": n, "name": name, "content": text.encode("latin-1")})
    polled = clearinghouse_poll(connection=conn)
    assert (polled.files, polled.accepted, polled.remittances_posted, polled.errors) == (3, 2, 1, 0)
    conn.refresh_from_db()
    assert conn.cursor == "3"
    assert set(Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list("status", flat=True)) == {"paid"}
    assert clearinghouse_poll(connection=conn).files == 0  # the cursor moved past them


def test_rest_lost_answer_is_confirmed_by_idempotency_key(api: FakeClearinghouse) -> None:
    practice = cf.practice()
    ch.queued_claims(practice, 1)
    conn = _rest_connection(practice, api)
    with pytest.MonkeyPatch.context() as mp:
        from claims.clearinghouse import services

        mp.setattr(services, "_enqueue_on_commit", lambda *a, **k: None)
        sub_id = claims_submit(practice_id=practice.pk).submission_ids[0]
    sub = Submission.objects.get(pk=sub_id)
    adapter = adapter_for(conn)
    adapter.send(Outbound(key=sub.idempotency_key, filename=sub.filename, content=b"ISA..."), lambda s: None)
    adapter.close()
    # our side never heard the answer: the submission still says "sending", journaled "posting"
    Submission.objects.filter(pk=sub_id).update(status="sending", step="posting", attempts=1,
                                                heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    assert submission_deliver(submission_id=sub_id) == "sent"
    assert api.posts == 1 and len(api.submissions) == 1


def test_rest_bad_api_key_fails_without_retry(api: FakeClearinghouse) -> None:
    practice = cf.practice()
    ch.queued_claims(practice, 1)
    _rest_connection(practice, api, key="wrong")
    claims_submit(practice_id=practice.pk, send_now=True)
    sub = Submission.objects.get()
    assert sub.status == "failed" and "API key" in sub.error and api.posts == 0
    assert Claim.objects.get().status == "queued"
