"""Writes of the clearinghouse loop: connections, submission (exactly once), polling, and the answers.

Submission: `claims_submit` puts every queued claim into 837 files and writes one `Submission` per file
(unique idempotency key, committed before anything is sent); `submission_deliver` (the Celery task's
body) sends it: it claims the row under a lock, records an attempt, and — if an earlier attempt was
interrupted — first asks the clearinghouse whether the file arrived (`adapter.confirm`), so a killed worker
or a lost answer never sends a file twice. A file is sent again only when a biller asks (`submission_resend`
creates the next sequence, or `claim_reopen` puts a rejected claim into a new file).

Answers: `clearinghouse_poll` stores every file first (`InboundFile`, unique per practice by SHA-256; a
second copy with the same sender and control number is a duplicate), then processes each in its own
transaction: TA1, 999, 277CA, 277, 271, 835 (posted by payments), or kept and flagged as unknown/unreadable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import socket
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db import connection as db
from django.db.models import Q
from django.utils import timezone

from claims.clearinghouse.base import (
    ClearinghouseAdapter,
    InboundRef,
    Outbound,
    PermanentError,
    TransportError,
    adapter_for,
)
from claims.clearinghouse.models import (
    ClaimResponse,
    ClearinghouseConnection,
    InboundFile,
    StatusInquiry,
    Submission,
    SubmissionAttempt,
)
from claims.models import Claim, ClaimStatus, X12Batch
from claims.x12.segments import X12SyntaxError, detect_kind, parse_interchange

logger = logging.getLogger(__name__)
S = ClaimStatus
STALE_AFTER = dt.timedelta(minutes=10)
KIND_ORDER = {"ta1": 0, "999": 1, "277ca": 2, "277": 3, "271": 4, "835": 5, "unknown": 6}


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


# --- connections ------------------------------------------------------------------------------------
def connection_for(*, practice_id: int) -> ClearinghouseConnection:
    conn = ClearinghouseConnection.objects.filter(practice_id=practice_id, is_active=True).first()
    if conn is None:
        raise ValidationError("This practice has no active clearinghouse connection; add one under "
                              "Claims → Clearinghouse.")
    return conn


def connection_save(*, connection: ClearinghouseConnection, secrets: dict[str, str | None] | None = None
                    ) -> ClearinghouseConnection:
    """Save a connection (and change its secrets: a value replaces, '' keeps, None removes); one active each."""
    from claims.clearinghouse.secrets import credentials_update

    with transaction.atomic():
        if secrets:
            credentials_update(connection, secrets)
        if connection.is_active:
            ClearinghouseConnection.objects.filter(practice_id=connection.practice_id, is_active=True).exclude(
                pk=connection.pk).update(is_active=False)
        connection.full_clean(exclude=["practice", "credentials"])
        connection.save()
    return connection


def sandbox_connection_ensure(*, practice_id: int, options: dict[str, Any] | None = None) -> ClearinghouseConnection:
    """The built-in sandbox as the practice's connection (demo, first run), unless it has an active one."""
    existing = ClearinghouseConnection.objects.filter(practice_id=practice_id, is_active=True).first()
    if existing is not None:
        return existing
    return ClearinghouseConnection.objects.create(practice_id=practice_id, name="Sandbox clearinghouse",
                                                  kind=ClearinghouseConnection.Kind.SANDBOX, options=options or {})


# --- submission ---------------------------------------------------------------------------------------
@dataclass
class SubmitResult:
    batches: int = 0
    claims_sent: int = 0
    claims_skipped: int = 0
    submission_ids: list[int] = field(default_factory=list)
    skipped_reasons: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"batches": self.batches, "claims_sent": self.claims_sent, "claims_skipped": self.claims_skipped}


def claims_submit(*, practice_id: int, user: Any = None, send_now: bool = False) -> SubmitResult:
    """Put every queued claim into 837 files and queue one submission per file not yet submitted.

    `send_now`: deliver in this process (the command, the demo); else a Celery task per submission is
    enqueued after commit (beat and the page).
    """
    from claims.services import claims_export_837

    conn = connection_for(practice_id=practice_id)
    result = SubmitResult()
    with transaction.atomic():
        loose = list(Claim.objects.filter(practice_id=practice_id, status=S.QUEUED, batch__isnull=True)
                     .order_by("pk").values_list("pk", flat=True))
        if loose:
            exported = claims_export_837(claim_ids=loose, practice_id=practice_id, strict=False, user=user)
            result.claims_skipped += len(exported.skipped)
            result.skipped_reasons += exported.skipped[:50]
        batches = list(X12Batch.objects.filter(practice_id=practice_id, claims__status=S.QUEUED)
                       .exclude(submissions__isnull=False).distinct().order_by("pk"))
        for batch in batches:
            ctrl = f"{batch.control_number:09d}"
            sub = Submission.objects.create(
                practice_id=practice_id, connection=conn, kind=Submission.Kind.CLAIMS, batch=batch, sequence=1,
                idempotency_key=f"837:{practice_id}:{batch.pk}:1", filename=batch.filename, interchange_control=ctrl,
                group_control=str(batch.control_number), claim_count=batch.claim_count, created_by=_user(user))
            result.submission_ids.append(sub.pk)
            result.batches += 1
        if not send_now:
            _enqueue_on_commit(result.submission_ids)
    if send_now:
        for sub_id in result.submission_ids:
            outcome = submission_deliver_safely(submission_id=sub_id)
            if outcome != Submission.Status.SENT:
                result.failed.append(f"submission {sub_id}: {outcome}")
    sent = Submission.objects.filter(pk__in=result.submission_ids, status=Submission.Status.SENT)
    result.claims_sent = sum(s.claim_count for s in sent) if send_now else sum(
        Submission.objects.filter(pk__in=result.submission_ids).values_list("claim_count", flat=True))
    return result


def _enqueue_on_commit(submission_ids: Iterable[int], *, stale_after: float | None = None) -> None:
    from claims.tasks import submission_send

    for sub_id in submission_ids:
        transaction.on_commit(lambda sub_id=sub_id: submission_send.delay(sub_id, stale_after))


def submission_deliver_safely(*, submission_id: int) -> str:
    """Deliver now, turning a transport error into a status (the command and the demo do not retry)."""
    try:
        return submission_deliver(submission_id=submission_id)
    except TransportError as exc:
        return f"transport error, will retry: {exc}"


def _journal(sub_id: int) -> Any:
    def write(step: str) -> None:
        Submission.objects.filter(pk=sub_id).update(step=step[:20], heartbeat_at=timezone.now())

    return write


def submission_deliver(*, submission_id: int, worker: str = "", stale_after: float | None = None) -> str:
    """Send one submission at most once. Returns the submission's status afterwards.

    Never called inside a transaction that spans the transfer: the attempt row is committed before the
    adapter runs, and each step the adapter takes is journaled in its own statement.
    """
    stale = dt.timedelta(seconds=stale_after) if stale_after is not None else STALE_AFTER
    now = timezone.now()
    with transaction.atomic():
        sub = Submission.objects.select_for_update(of=("self",)).select_related("connection", "batch").get(pk=submission_id)
        if sub.status in (Submission.Status.SENT, Submission.Status.FAILED, Submission.Status.REVIEW):
            return sub.status
        interrupted = sub.status == Submission.Status.SENDING
        if interrupted and sub.heartbeat_at and sub.heartbeat_at > now - stale:
            return "busy"  # another worker is sending it right now
        previous_step = sub.step
        sub.status = Submission.Status.SENDING
        sub.attempts += 1
        sub.heartbeat_at = now
        sub.save(update_fields=["status", "attempts", "heartbeat_at"])
        attempt = SubmissionAttempt.objects.create(practice_id=sub.practice_id, submission=sub, number=sub.attempts,
                                                   worker=(worker or socket.gethostname())[:100])
    try:
        adapter = adapter_for(sub.connection)
    except PermanentError as exc:
        _finish(sub, attempt, Submission.Status.FAILED, SubmissionAttempt.Outcome.FAILED, str(exc))
        return Submission.Status.FAILED
    outbound = Outbound(key=sub.idempotency_key, filename=sub.filename, content=sub.payload().encode("latin-1"),
                        kind=sub.kind)
    try:
        if interrupted:
            delivered = adapter.confirm(outbound, previous_step)
            if delivered is None:
                _finish(sub, attempt, Submission.Status.REVIEW, SubmissionAttempt.Outcome.UNKNOWN,
                        "an earlier attempt was interrupted and the clearinghouse cannot say whether it has the file")
                return Submission.Status.REVIEW
            if delivered:
                _finish(sub, attempt, Submission.Status.SENT, SubmissionAttempt.Outcome.ALREADY_THERE,
                        f"found at the clearinghouse after an interrupted attempt (last step: {previous_step or 'none'})")
                return Submission.Status.SENT
        receipt = adapter.send(outbound, _journal(sub.pk))
    except TransportError as exc:
        SubmissionAttempt.objects.filter(pk=attempt.pk).update(finished_at=timezone.now(), detail=str(exc)[:500],
                                                               outcome=SubmissionAttempt.Outcome.TRANSPORT_ERROR)
        Submission.objects.filter(pk=sub.pk).update(error=str(exc)[:500])
        raise
    except (PermanentError, X12SyntaxError) as exc:
        _finish(sub, attempt, Submission.Status.FAILED, SubmissionAttempt.Outcome.FAILED, str(exc))
        return Submission.Status.FAILED
    finally:
        adapter.close()
    _finish(sub, attempt, Submission.Status.SENT, SubmissionAttempt.Outcome.SENT, receipt.detail,
            remote_ref=receipt.remote_ref)
    return Submission.Status.SENT


def _finish(sub: Submission, attempt: SubmissionAttempt, status: str, outcome: str, detail: str,
            remote_ref: str = "") -> None:
    now = timezone.now()
    with transaction.atomic():
        fields: dict[str, Any] = {"status": status, "heartbeat_at": now}
        if status == Submission.Status.SENT:
            fields.update(sent_at=now, error="")
            if remote_ref:
                fields["remote_ref"] = remote_ref[:200]
        else:
            fields["error"] = detail[:500]
        Submission.objects.filter(pk=sub.pk).update(**fields)
        SubmissionAttempt.objects.filter(pk=attempt.pk).update(finished_at=now, outcome=outcome, detail=detail[:500])
        if status == Submission.Status.SENT and sub.kind == Submission.Kind.CLAIMS and sub.batch is not None:
            from claims.services import claims_mark_submitted

            claims_mark_submitted(batch=sub.batch, reason=f"{sub.filename} sent to {sub.connection.name}",
                                  source="clearinghouse", user=sub.created_by)


def submissions_sweep(*, stale_after: float | None = None) -> int:
    """Re-send submissions whose worker died (sending, no heartbeat) or that were never picked up."""
    stale = dt.timedelta(seconds=stale_after) if stale_after is not None else STALE_AFTER
    cutoff = timezone.now() - stale
    ids = list(Submission.objects.filter(
        Q(status=Submission.Status.SENDING, heartbeat_at__lte=cutoff)
        | Q(status=Submission.Status.PENDING, created_at__lte=cutoff)).values_list("pk", flat=True)[:500])
    from claims.tasks import submission_send

    for sub_id in ids:
        submission_send.delay(sub_id, stale_after)
    return len(ids)


def submission_resend(*, submission: Submission, reason: str, user: Any = None) -> Submission:
    """A biller's explicit resend of a file whose delivery failed or is in doubt (a new sequence and key): the
    only way a file goes out twice. Claims rejected by a 999/TA1/277CA are not resent this way: they are
    corrected and go out in a new file (`claim_reopen`)."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the file is sent again."})
    with transaction.atomic():
        sub = Submission.objects.select_for_update().get(pk=submission.pk)
        if sub.status not in (Submission.Status.FAILED, Submission.Status.REVIEW):
            raise ValidationError(f"This file is {sub.get_status_display().lower()}; only a failed file or one "
                                  "whose delivery is in doubt can be resent.")
        if sub.kind != Submission.Kind.CLAIMS or sub.batch is None:
            raise ValidationError("Only 837 files are resent; status and eligibility inquiries are asked again.")
        last = Submission.objects.filter(batch=sub.batch).order_by("-sequence").first()
        assert last is not None
        if last.pk != sub.pk:
            raise ValidationError("This file was already resent; see its latest submission.")
        seq = last.sequence + 1
        new = Submission.objects.create(
            practice_id=sub.practice_id, connection=connection_for(practice_id=sub.practice_id),
            kind=sub.kind, batch=sub.batch, sequence=seq, idempotency_key=f"837:{sub.practice_id}:{sub.batch_id}:{seq}",
            filename=sub.filename, interchange_control=sub.interchange_control, group_control=sub.group_control,
            claim_count=sub.claim_count, reason=reason.strip()[:300], created_by=_user(user))
        _enqueue_on_commit([new.pk])
    return new


# --- polling --------------------------------------------------------------------------------------------
@dataclass
class PollResult:
    files: int = 0
    accepted: int = 0
    rejected: int = 0
    status_updates: int = 0
    remittances_posted: int = 0
    errors: int = 0
    duplicates: int = 0
    file_ids: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, other: PollResult) -> None:
        for name in ("files", "accepted", "rejected", "status_updates", "remittances_posted", "errors", "duplicates"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.file_ids += other.file_ids
        self.problems += other.problems

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, "accepted": self.accepted, "rejected": self.rejected,
                "status_updates": self.status_updates, "remittances_posted": self.remittances_posted,
                "errors": self.errors}


def clearinghouse_poll(*, connection: ClearinghouseConnection, user: Any = None) -> PollResult:
    """Fetch every waiting answer, store it, tell the clearinghouse, then process what was stored."""
    result = PollResult()
    adapter: ClearinghouseAdapter | None = None
    stored: list[InboundFile] = []
    try:
        adapter = adapter_for(connection)  # a connection saved before its settings were checked can fail here
        for ref in adapter.list_inbound():
            raw = adapter.fetch(ref)
            row, _created = inbound_store(practice_id=connection.practice_id, connection=connection, ref=ref, raw=raw)
            stored.append(row)
            adapter.done(ref)
        ClearinghouseConnection.objects.filter(pk=connection.pk).update(last_polled_at=timezone.now(), last_error="")
    except (TransportError, PermanentError) as exc:
        ClearinghouseConnection.objects.filter(pk=connection.pk).update(last_polled_at=timezone.now(),
                                                                        last_error=str(exc)[:500])
        result.problems.append(str(exc))
        result.errors += 1
    finally:
        if adapter is not None:
            adapter.close()
    # Also anything stored earlier and not processed (a crash between store and process).
    pending = list(InboundFile.objects.filter(practice_id=connection.practice_id, status=InboundFile.Status.RECEIVED)
                   .exclude(pk__in=[r.pk for r in stored]).order_by("pk"))
    todo = sorted({r.pk: r for r in [*stored, *pending]}.values(), key=lambda r: (KIND_ORDER.get(_peek_kind(r), 9), r.pk))
    for row in todo:
        result.add(inbound_process(inbound_id=row.pk, user=user))
    return result


def _peek_kind(row: InboundFile) -> str:
    try:
        return detect_kind(parse_interchange(bytes(row.content)))
    except X12SyntaxError:
        return "unknown"


def inbound_store(*, practice_id: int, connection: ClearinghouseConnection | None, ref: InboundRef | None = None,
                  raw: bytes, filename: str = "") -> tuple[InboundFile, bool]:
    """Keep the file exactly as received (once per practice and SHA-256)."""
    digest = hashlib.sha256(raw).hexdigest()
    name = (ref.name if ref else filename) or f"inbound-{digest[:12]}.x12"
    sender = control = group = ""
    try:
        ix = parse_interchange(raw)
        sender, control, group = ix.sender_id[:15], ix.control_number[:9], ix.group_control[:9]
    except X12SyntaxError:
        pass
    try:
        with transaction.atomic():
            row = InboundFile.objects.create(
                practice_id=practice_id, connection=connection, remote_name=(ref.ref if ref else "")[:300],
                filename=name[:200], sha256=digest, content=raw, size=len(raw), sender_id=sender,
                interchange_control=control, group_control=group)
        return row, True
    except IntegrityError:
        return InboundFile.objects.get(practice_id=practice_id, sha256=digest), False


def inbound_process(*, inbound_id: int, user: Any = None) -> PollResult:
    """Read one stored file and apply it, all or nothing; an unreadable or unknown file is kept and flagged."""
    result = PollResult(files=1, file_ids=[inbound_id])
    with transaction.atomic():
        row = InboundFile.objects.select_for_update().get(pk=inbound_id)
        if row.status != InboundFile.Status.RECEIVED:
            result.files = 0
            return result
        raw = bytes(row.content)
        try:
            ix = parse_interchange(raw)
        except X12SyntaxError as exc:
            return _flag(row, result, InboundFile.Status.ERROR, [f"unreadable: {exc}"])
        row.kind = detect_kind(ix)
        if row.kind == "unknown":
            return _flag(row, result, InboundFile.Status.UNKNOWN,
                         [f"not a file type we read (transaction {ix.transaction_type or 'none'}, "
                          f"version {ix.version or 'none'}); kept for review"])
        if row.interchange_control and InboundFile.objects.filter(
                practice_id=row.practice_id, sender_id=row.sender_id, interchange_control=row.interchange_control,
                kind=row.kind).exclude(pk=row.pk).exclude(status__in=[InboundFile.Status.ERROR]).exists():
            result.duplicates += 1
            return _flag(row, result, InboundFile.Status.DUPLICATE,
                         [f"interchange {row.interchange_control} from {row.sender_id} was already received"],
                         error=False)
        try:
            with transaction.atomic():
                from claims.clearinghouse import apply

                summary = apply.APPLIERS[row.kind](row, ix, result, user=user)
        except X12SyntaxError as exc:
            return _flag(row, result, InboundFile.Status.ERROR, [str(exc)])
        row.summary = summary
        problems = summary.pop("problems", []) if isinstance(summary, dict) else []
        row.problems = problems[:100]
        row.status = InboundFile.Status.PROBLEMS if problems else InboundFile.Status.PROCESSED
        row.processed_at = timezone.now()
        row.save()
    return result


def _flag(row: InboundFile, result: PollResult, status: str, problems: list[str], *, error: bool = True) -> PollResult:
    row.status = status
    row.problems = problems
    row.processed_at = timezone.now()
    row.save()
    result.errors += 1 if error else 0
    result.problems += [f"{row.filename}: {p}" for p in problems]
    return result


def inbound_reprocess(*, inbound: InboundFile, user: Any = None) -> PollResult:
    """Process a flagged file again (after the practice fixed what it pointed at)."""
    if inbound.status not in (InboundFile.Status.ERROR, InboundFile.Status.UNKNOWN):
        raise ValidationError("Only unreadable or unknown files are processed again.")
    InboundFile.objects.filter(pk=inbound.pk).update(status=InboundFile.Status.RECEIVED, problems=[])
    return inbound_process(inbound_id=inbound.pk, user=user)


def inbound_upload(*, practice_id: int, content: bytes, filename: str, user: Any = None) -> PollResult:
    """A file a biller uploads by hand (a clearinghouse portal download): stored and processed the same way."""
    row, created = inbound_store(practice_id=practice_id, connection=None, raw=content, filename=filename)
    if not created:
        result = PollResult(duplicates=1, file_ids=[row.pk])
        result.problems.append(f"{filename}: this file was already received on {row.received_at:%Y-%m-%d}")
        return result
    return inbound_process(inbound_id=row.pk, user=user)


# --- claim status follow-up (276) ---------------------------------------------------------------------
def followup_days_by_payer(*, practice_id: int) -> dict[int, int]:
    from claims.clearinghouse.models import PayerPolicy

    return dict(PayerPolicy.objects.filter(practice_id=practice_id).values_list("payer_id", "followup_days"))


def default_followup_days() -> int:
    return int(getattr(settings, "CLAIMS_FOLLOWUP_DAYS", 21))


def claims_needing_followup(*, practice_id: int, now: dt.datetime | None = None) -> list[tuple[int, int, int]]:
    """(claim, payer, days without an answer) for sent claims quiet longer than their payer's follow-up days
    and not asked about within that time."""
    now = now or timezone.now()
    per_payer = followup_days_by_payer(practice_id=practice_id)
    default = default_followup_days()
    rows = Claim.objects.filter(practice_id=practice_id, status__in=[S.SUBMITTED, S.ACCEPTED]).values_list(
        "pk", "payer_id", "last_response_at", "status_changed_at")
    asked = dict(StatusInquiry.objects.filter(claim__practice_id=practice_id, claim__status__in=[S.SUBMITTED, S.ACCEPTED])
                 .order_by("claim_id", "created_at").values_list("claim_id", "created_at"))
    out = []
    for pk, payer_id, last, changed in rows:
        days_allowed = per_payer.get(payer_id, default)
        quiet = (now - (last or changed)).days
        if quiet < days_allowed:
            continue
        if pk in asked and (now - asked[pk]).days < days_allowed:
            continue
        out.append((pk, payer_id, quiet))
    return out


def status_followup(*, practice_id: int, user: Any = None, send_now: bool = False,
                    now: dt.datetime | None = None) -> dict[str, Any]:
    """276 inquiries (one file per payer) for claims with no answer in their payer's follow-up days."""
    from claims.x12.writer_276 import StatusQuestion, StatusRequestParties, write_276

    conn = connection_for(practice_id=practice_id)
    now = now or timezone.now()
    todo = claims_needing_followup(practice_id=practice_id, now=now)
    if not todo:
        return {"inquiries": 0, "files": 0}
    quiet = {pk: days for pk, _payer, days in todo}
    by_payer: dict[int, list[Claim]] = defaultdict(list)
    for claim in Claim.objects.filter(pk__in=list(quiet)).select_related("patient", "payer", "practice").order_by("pk"):
        by_payer[claim.payer_id].append(claim)
    sub_ids = []
    with transaction.atomic():
        for _payer_id, claims in sorted(by_payer.items()):
            practice, payer = claims[0].practice, claims[0].payer
            control = _control()
            questions, traces = [], []
            for c in claims:
                n = StatusInquiry.objects.filter(claim=c).count() + 1
                trace = f"{c.pcn}S{n}"
                traces.append((c, trace))
                self_ = c.relationship == "18"
                questions.append(StatusQuestion(
                    trace=trace, pcn=c.pcn, charge=c.total_charge, service_from=c.date_of_service,
                    service_to=c.date_of_service, member_id=c.member_id,
                    subscriber_last=c.patient.last_name if self_ else c.subscriber_last_name,
                    subscriber_first=c.patient.first_name if self_ else c.subscriber_first_name,
                    payer_claim_number=c.payer_claim_number,
                    patient_last="" if self_ else c.patient.last_name, patient_first="" if self_ else c.patient.first_name,
                    patient_birth=None if self_ else c.patient.date_of_birth, patient_sex="" if self_ else c.patient.sex))
            ids = _ids(practice, conn)
            text = write_276(questions, StatusRequestParties(payer.name, payer.payer_id or "PAYER", practice.name,
                                                             practice.tax_id, practice.name, practice.npi),
                             sender_id=ids[0], receiver_id=ids[1], control_number=control, created=timezone.localtime(now),
                             usage=_usage())
            sub = Submission.objects.create(
                practice_id=practice_id, connection=conn, kind=Submission.Kind.STATUS,
                idempotency_key=f"276:{practice_id}:{control}", filename=f"276_{practice_id}_{control:09d}.x12",
                content=text, interchange_control=f"{control:09d}", group_control=str(control),
                claim_count=len(claims), created_by=_user(user))
            StatusInquiry.objects.bulk_create([StatusInquiry(practice_id=practice_id, claim=c, submission=sub, trace=t,
                                                             days_without_answer=quiet[c.pk]) for c, t in traces])
            sub_ids.append(sub.pk)
        if not send_now:
            _enqueue_on_commit(sub_ids)
    if send_now:
        for sub_id in sub_ids:
            submission_deliver_safely(submission_id=sub_id)
    return {"inquiries": len(todo), "files": len(sub_ids)}


def _control() -> int:
    with db.cursor() as cur:
        cur.execute("SELECT nextval('claims_x12_control_seq')")
        return int(cur.fetchone()[0])


def _ids(practice: Any, conn: ClearinghouseConnection) -> tuple[str, str]:
    conf = dict(getattr(settings, "CLAIMS_X12", {}))
    return ((conn.sender_id or conf.get("sender_id") or practice.tax_id)[:15],
            (conn.receiver_id or conf.get("receiver_id") or "CLEARINGHOUSE")[:15])


def _usage() -> str:
    return str(dict(getattr(settings, "CLAIMS_X12", {})).get("usage", "T"))


# --- reads for the pages ------------------------------------------------------------------------------
def days_without_answer(claim: Claim, *, now: dt.datetime | None = None) -> int | None:
    if claim.status not in (S.SUBMITTED, S.ACCEPTED):
        return None
    now = now or timezone.now()
    return (now - (claim.last_response_at or claim.status_changed_at)).days


def response_money(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value is not None else None


__all__ = ["ClaimResponse", "PollResult", "SubmitResult", "claims_submit", "clearinghouse_poll", "connection_for",
           "inbound_process", "inbound_store", "status_followup", "submission_deliver", "submission_resend",
           "submissions_sweep"]
