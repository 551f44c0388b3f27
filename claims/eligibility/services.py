"""Eligibility: ask (270) and store the answers (271), on demand or for tomorrow's encounters.

On demand (a coverage's page, an encounter): one 270 for one member. When the connection can answer in
real time (REST, sandbox) the 271 comes back at once and is stored as an inbound file like any other;
over SFTP the 270 goes out as a file and the 271 arrives with a later poll. The batch puts every member
with an encounter on a day into one 270 per payer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing.models import Coverage, Encounter, Payer
from claims.clearinghouse.base import PermanentError, TransportError, adapter_for
from claims.clearinghouse.models import InboundFile, Submission
from claims.eligibility.models import EligibilityCheck
from claims.x12.reader_271 import EligibilityResponseIn, read_271
from claims.x12.segments import X12SyntaxError
from claims.x12.writer_270 import EligibilityParties, EligibilityQuestion, write_270


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _question(coverage: Coverage, day: dt.date, trace: str) -> EligibilityQuestion:
    patient = coverage.patient
    if coverage.relationship == "18":
        return EligibilityQuestion(trace=trace, member_id=coverage.member_id, subscriber_last=patient.last_name,
                                   subscriber_first=patient.first_name, subscriber_birth=patient.date_of_birth,
                                   subscriber_sex=patient.sex, service_date=day)
    return EligibilityQuestion(trace=trace, member_id=coverage.member_id,
                               subscriber_last=coverage.subscriber_last_name or patient.last_name,
                               subscriber_first=coverage.subscriber_first_name or patient.first_name,
                               subscriber_birth=coverage.subscriber_date_of_birth, subscriber_sex=coverage.subscriber_sex,
                               service_date=day, patient_last=patient.last_name, patient_first=patient.first_name,
                               patient_birth=patient.date_of_birth, patient_sex=patient.sex)


def _checks_for(items: list[tuple[Coverage, dt.date, Encounter | None]], *, source: str, user: Any
                ) -> list[EligibilityCheck]:
    from claims.clearinghouse.services import _control

    checks = []
    for coverage, day, encounter in items:
        checks.append(EligibilityCheck(practice_id=coverage.practice_id, coverage=coverage, patient_id=coverage.patient_id,
                                       payer_id=coverage.payer_id, encounter=encounter, service_date=day,
                                       trace=f"E{_control():09d}", source=source, requested_by=_user(user)))
    return EligibilityCheck.objects.bulk_create(checks)


def _send(practice_id: int, payer: Payer, checks: list[EligibilityCheck], *, user: Any) -> dict[str, int]:
    """One 270 for one payer's members: answered in real time when the connection can, else sent as a file."""
    from claims.clearinghouse.services import (
        _control,
        _ids,
        _usage,
        connection_for,
        inbound_process,
        inbound_store,
        submission_deliver_safely,
    )

    conn = connection_for(practice_id=practice_id)
    practice = checks[0].coverage.practice
    control = _control()
    ids = _ids(practice, conn)
    text = write_270([_question(c.coverage, c.service_date, c.trace) for c in checks],
                     EligibilityParties(payer.name, payer.payer_id or "PAYER", practice.name, practice.npi,
                                        practice.tax_id),
                     sender_id=ids[0], receiver_id=ids[1], control_number=control, created=timezone.localtime(),
                     usage=_usage())
    try:
        adapter = adapter_for(conn)
    except PermanentError as exc:  # a connection saved before its settings were checked
        EligibilityCheck.objects.filter(pk__in=[c.pk for c in checks]).update(
            status=EligibilityCheck.Status.FAILED, errors=[f"could not ask the payer: {exc}"[:300]],
            answered_at=timezone.now())
        return {"asked": len(checks), "answered": 0, "failed": len(checks)}
    try:
        if adapter.supports_realtime:
            try:
                answer = adapter.realtime(text)
            except (TransportError, PermanentError) as exc:
                EligibilityCheck.objects.filter(pk__in=[c.pk for c in checks]).update(
                    status=EligibilityCheck.Status.FAILED, errors=[f"could not ask the payer: {exc}"[:300]],
                    answered_at=timezone.now())
                return {"asked": len(checks), "answered": 0, "failed": len(checks)}
            row, _ = inbound_store(practice_id=practice_id, connection=conn, raw=answer.encode("latin-1"),
                                   filename=f"271_{control:09d}.x12")
            inbound_process(inbound_id=row.pk, user=user)
            answered = EligibilityCheck.objects.filter(pk__in=[c.pk for c in checks]).exclude(
                status=EligibilityCheck.Status.PENDING).count()
            return {"asked": len(checks), "answered": answered, "failed": 0}
    finally:
        adapter.close()
    with transaction.atomic():
        sub = Submission.objects.create(
            practice_id=practice_id, connection=conn, kind=Submission.Kind.ELIGIBILITY,
            idempotency_key=f"270:{practice_id}:{control}", filename=f"270_{practice_id}_{control:09d}.x12",
            content=text, interchange_control=f"{control:09d}", group_control=str(control), claim_count=len(checks),
            created_by=_user(user))
        EligibilityCheck.objects.filter(pk__in=[c.pk for c in checks]).update(submission=sub)
    submission_deliver_safely(submission_id=sub.pk)
    return {"asked": len(checks), "answered": 0, "failed": 0}


def eligibility_check(*, coverage: Coverage, service_date: dt.date, encounter: Encounter | None = None,
                      user: Any = None) -> EligibilityCheck:
    """Ask the payer about one coverage on one date; returns the check (answered, or pending a poll)."""
    if coverage.payer.kind == Payer.Kind.SELF_PAY:
        raise ValidationError("Self-pay has no payer to ask.")
    [check] = _checks_for([(coverage, service_date, encounter)], source=EligibilityCheck.Source.ON_DEMAND, user=user)
    _send(coverage.practice_id, coverage.payer, [check], user=user)
    check.refresh_from_db()
    return check


def eligibility_batch(*, practice_id: int, day: dt.date, user: Any = None) -> dict[str, int]:
    """Every primary coverage of the patients seen on `day` (tomorrow, from beat), one 270 per payer."""
    encounters = list(Encounter.objects.filter(practice_id=practice_id, date_of_service=day)
                      .select_related("patient").order_by("pk"))
    coverages: dict[int, Coverage] = {}
    for cov in Coverage.objects.filter(patient_id__in={e.patient_id for e in encounters}, priority=1).select_related(
            "payer", "patient", "practice").order_by("-effective_from"):
        if cov.is_active_on(day) and cov.payer.kind != Payer.Kind.SELF_PAY:
            coverages.setdefault(cov.patient_id, cov)
    done = set(EligibilityCheck.objects.filter(practice_id=practice_id, service_date=day, source="batch")
               .exclude(status=EligibilityCheck.Status.FAILED).values_list("coverage_id", flat=True))
    items = []
    for enc in encounters:
        cov = coverages.get(enc.patient_id)
        if cov is not None and cov.pk not in done:
            items.append((cov, day, enc))
            done.add(cov.pk)
    if not items:
        return {"asked": 0, "answered": 0, "failed": 0, "files": 0}
    checks = _checks_for(items, source=EligibilityCheck.Source.BATCH, user=user)
    by_payer: dict[int, list[EligibilityCheck]] = defaultdict(list)
    for c in checks:
        by_payer[c.payer_id].append(c)
    totals = {"asked": 0, "answered": 0, "failed": 0, "files": 0}
    payers = Payer.objects.in_bulk(list(by_payer))
    for payer_id, group in sorted(by_payer.items()):
        for key, value in _send(practice_id, payers[payer_id], group, user=user).items():
            totals[key] += value
        totals["files"] += 1
    return totals


def _money(value: Decimal | None) -> Decimal | None:
    return value.quantize(Decimal("0.01")) if value is not None else None


def eligibility_apply_271(*, inbound: InboundFile, raw: bytes) -> dict[str, Any]:
    """Fill the checks a 271 answers (matched by trace); unknown traces are reported, not dropped silently."""
    response: EligibilityResponseIn = read_271(raw)
    problems = [f"the payer could not answer: {w} ({c})" for c, w in response.source_rejections]
    checks = {c.trace: c for c in EligibilityCheck.objects.filter(practice_id=inbound.practice_id,
                                                                   trace__in=[m.trace for m in response.members])}
    answered = rejected = 0
    now = timezone.now()
    for m in response.members:
        check = checks.get(m.trace)
        if check is None:
            problems.append(f"271 answers trace {m.trace or '(none)'}, which we did not ask")
            continue
        check.inbound_file = inbound
        check.answered_at = now
        check.benefits = [b.model_dump(mode="json") for b in m.benefits]
        check.errors = [f"{w} (AAA {c})" for c, w in m.rejections]
        if m.rejections and not m.benefits:
            check.status = EligibilityCheck.Status.REJECTED
            rejected += 1
        else:
            check.status = EligibilityCheck.Status.ANSWERED
            answered += 1
        check.active = m.active
        check.plan_name = m.plan_description[:80]
        check.group_number = m.group_number[:50]
        check.plan_begin, check.plan_end = m.plan_begin, m.plan_end
        check.copay = _money(m.copay)
        check.coinsurance_percent = (m.coinsurance * 100).quantize(Decimal("0.01")) if m.coinsurance is not None else None
        check.deductible, check.deductible_remaining = _money(m.deductible), _money(m.deductible_remaining)
        check.out_of_pocket, check.out_of_pocket_remaining = _money(m.out_of_pocket), _money(m.out_of_pocket_remaining)
        check.save()
    if response.source_rejections and not response.members:
        raise X12SyntaxError(problems[0])
    return {"members": len(response.members), "answered": answered, "rejected": rejected, "problems": problems}


# --- reads ------------------------------------------------------------------------------------------------
def eligibility_latest(*, coverage_ids: Iterable[int], on: dt.date | None = None) -> dict[int, EligibilityCheck]:
    """The newest finished check per coverage (for `on`: one asked about that date, else within 30 days of it)."""
    qs = EligibilityCheck.objects.filter(coverage_id__in=list(coverage_ids)).exclude(
        status__in=[EligibilityCheck.Status.PENDING, EligibilityCheck.Status.FAILED])
    if on is not None:
        qs = qs.filter(service_date__gte=on - dt.timedelta(days=30), service_date__lte=on + dt.timedelta(days=30))
    out: dict[int, EligibilityCheck] = {}
    for check in qs.order_by("coverage_id", "-requested_at", "-id"):
        if on is not None and check.coverage_id in out and out[check.coverage_id].service_date == on:
            continue
        if check.coverage_id not in out or (on is not None and check.service_date == on):
            out[check.coverage_id] = check
    return out
