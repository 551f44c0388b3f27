"""Writes of the denial queue: open cases from 277CA rejections and 835 denials, and work them.

Every action is one transaction that also appends a `DenialAction` (who, what, why, how much), so a
case's history is complete; `DenialCase` itself is tracked by pghistory. Money moves go through the
payments ledger (append-only entries with unique source keys, so an action cannot post twice):

- write off: what the payer still owes on the case's lines is adjusted off (an 835 denial's CAS
  adjustment is usually already on the ledger: then the write-off records the decision, as the payments
  app does for underpayments);
- transfer to patient: the balance moves to the patient; for an 835 denial whose amount the payer's
  CAS already adjusted off, those adjustment entries are reversed first and the amount moved;
- replacement (7) / void (8) claims through `claims.services.claim_generate`; a 277CA-rejected claim
  (never adjudicated) is corrected and resubmitted instead (`claim_reopen`), or voided directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from claims.clearinghouse.models import ClaimResponse, PayerPolicy
from claims.denials.categories import denial_category, rejection_category
from claims.denials.models import Appeal, DenialAction, DenialCase
from claims.denials.reference import describe, descriptions
from claims.models import Claim, ClaimStatus, Frequency

S = ClaimStatus
ZERO = Decimal("0.00")
DEFAULT_APPEAL_DAYS = 180
OPEN_STATUSES = (DenialCase.Status.OPEN, DenialCase.Status.APPEALED)


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _appeal_days(payer_id: int) -> int:
    days = PayerPolicy.objects.filter(payer_id=payer_id).values_list("appeal_days", flat=True).first()
    return int(days or DEFAULT_APPEAL_DAYS)


def _act(case: DenialCase, kind: str, *, note: str = "", amount: Decimal | None = None, user: Any = None,
         data: dict[str, Any] | None = None) -> DenialAction:
    return DenialAction.objects.create(practice_id=case.practice_id, case=case, kind=kind, note=note[:500],
                                       amount=amount, data=data or {}, user=_user(user))


# --- opening ------------------------------------------------------------------------------------------
def denial_case_from_rejection(*, response: ClaimResponse, user: Any = None) -> DenialCase:
    """A 277CA (or 277) rejection of a claim becomes a case, with the status code's category."""
    existing = DenialCase.objects.filter(response=response).first()
    if existing is not None:
        return existing
    claim = Claim.objects.get(pk=response.claim_id)
    day = response.effective_date or timezone.localdate()
    case = DenialCase.objects.create(
        practice_id=claim.practice_id, claim=claim, payer_id=claim.payer_id, provider_id=claim.rendering_provider_id,
        source=DenialCase.Source.REJECTION, response=response,
        category=rejection_category(status_code=response.status_code, category_code=response.category_code),
        status_code=response.status_code, category_code=response.category_code, reason=response.message[:500],
        segment=response.segment, field=response.field, amount=claim.total_charge, denied_on=day,
        appeal_deadline=None)
    _act(case, DenialAction.Kind.OPENED, note=f"277CA rejection {response.category_code}:{response.status_code}",
         user=user)
    return case


def denial_cases_open(*, remittance_ids: Iterable[int]) -> int:
    """One case per remittance claim with denied lines (payments' `Denial` rows) that has none yet.

    Called by payments right after it posts a file (and after an exception is resolved); bulk and
    idempotent (the remittance claim is unique on a case)."""
    from payments.models import Denial

    ids = list(remittance_ids)
    if not ids:
        return 0
    rows = list(Denial.objects.filter(remit_line__remit_claim__transaction__remittance_id__in=ids,
                                      remit_line__remit_claim__denial_case__isnull=True)
                .select_related("remit_line__remit_claim__transaction", "claim")
                .order_by("remit_line__remit_claim_id", "-amount", "id"))
    if not rows:
        return 0
    table = descriptions()
    by_rc: dict[int, list[Any]] = {}
    for d in rows:
        by_rc.setdefault(d.remit_line.remit_claim_id, []).append(d)
    days = dict(PayerPolicy.objects.filter(payer_id__in={d.claim.payer_id for d in rows}).values_list("payer_id",
                                                                                                      "appeal_days"))
    cases = []
    for rc_id, denials in by_rc.items():
        top = denials[0]
        claim = top.claim
        rc = top.remit_line.remit_claim
        day = rc.transaction.payment_date or timezone.localdate()
        rarcs = list(dict.fromkeys(r for d in denials for r in d.remarks))
        words = describe("carc", top.reason, table) or f"reason {top.reason}"
        remark_words = "; ".join(f"{r}: {describe('rarc', r, table)}" for r in rarcs if describe("rarc", r, table))
        lines = len({d.charge_line_id for d in denials})
        cases.append(DenialCase(
            practice_id=claim.practice_id, claim=claim, payer_id=claim.payer_id, provider_id=claim.rendering_provider_id,
            source=DenialCase.Source.REMIT, remit_claim_id=rc_id,
            category=denial_category(group=top.group, carc=top.reason, rarcs=rarcs), group=top.group, carc=top.reason,
            rarcs=rarcs[:10], reason=(f"{top.group}-{top.reason}: {words}" + (f" ({remark_words})" if remark_words else "")
                                      + f" — {lines} line{'s' if lines != 1 else ''} denied")[:500],
            amount=sum((d.amount for d in denials), ZERO), denied_on=day,
            appeal_deadline=day + dt.timedelta(days=int(days.get(claim.payer_id) or DEFAULT_APPEAL_DAYS))))
    made = DenialCase.objects.bulk_create(cases)
    DenialAction.objects.bulk_create([DenialAction(practice_id=c.practice_id, case=c, kind=DenialAction.Kind.OPENED,
                                                   note=f"835 denial {c.group}-{c.carc}", amount=c.amount) for c in made])
    return len(made)


# --- working a case -----------------------------------------------------------------------------------
def _lock(case: DenialCase) -> DenialCase:
    locked = DenialCase.objects.select_for_update().select_related("claim").get(pk=case.pk)
    return locked


def _resolve(case: DenialCase, status: str, *, user: Any, new_claim: Claim | None = None) -> None:
    case.status = status
    case.resolved_at = timezone.now() if status not in OPEN_STATUSES else None
    case.resolved_by = _user(user) if status not in OPEN_STATUSES else None
    if new_claim is not None:
        case.new_claim = new_claim
    case.save()
    if case.remit_claim_id:
        from payments.models import Denial

        mapped = {DenialCase.Status.APPEALED: Denial.Status.APPEALED, DenialCase.Status.CORRECTED: Denial.Status.CORRECTED,
                  DenialCase.Status.VOIDED: Denial.Status.CLOSED, DenialCase.Status.WRITTEN_OFF: Denial.Status.WRITTEN_OFF,
                  DenialCase.Status.TRANSFERRED: Denial.Status.CLOSED, DenialCase.Status.CLOSED: Denial.Status.CLOSED,
                  DenialCase.Status.OPEN: Denial.Status.OPEN}
        Denial.objects.filter(remit_line__remit_claim_id=case.remit_claim_id).update(status=mapped[status])


def _require_open(case: DenialCase) -> None:
    if case.status not in OPEN_STATUSES:
        raise ValidationError(f"This denial is already {case.get_status_display().lower()}; reopen it first.")


def denial_correct(*, case: DenialCase, user: Any = None, note: str = "") -> Claim:
    """Correct and resubmit. An 835 denial: a replacement claim (frequency 7, the payer's claim number) for
    the biller to edit; a 277CA rejection: the rejected claim itself, reopened for editing and resending."""
    from claims.services import claim_generate, claim_reopen

    with transaction.atomic():
        case = _lock(case)
        _require_open(case)
        claim = Claim.objects.select_related("encounter", "coverage").get(pk=case.claim_id)
        if case.source == DenialCase.Source.REJECTION:
            claim = claim_reopen(claim=claim, user=user, reason=f"correcting 277CA rejection: {case.reason}"[:300])
            _act(case, DenialAction.Kind.RESUBMIT, note=note or "reopened to correct and resubmit", user=user,
                 data={"claim": claim.pk})
            _resolve(case, DenialCase.Status.CORRECTED, user=user, new_claim=claim)
            return claim
        if not claim.payer_claim_number:
            raise ValidationError("The payer's claim number is not known (no 835/277CA gave it); a replacement "
                                  "claim must carry it.")
        new = claim_generate(encounter=claim.encounter, coverage=claim.coverage, frequency=Frequency.REPLACEMENT,
                             original_claim=claim, user=user)
        _act(case, DenialAction.Kind.REPLACEMENT, note=note or f"replacement claim {new.pcn}", user=user,
             data={"claim": new.pk})
        _resolve(case, DenialCase.Status.CORRECTED, user=user, new_claim=new)
    return new


def denial_void(*, case: DenialCase, user: Any = None, note: str = "") -> Claim:
    """Void the claim: a frequency-8 claim to the payer (835 denial), or directly (277CA: never adjudicated)."""
    from claims.services import claim_generate, claim_transition

    with transaction.atomic():
        case = _lock(case)
        _require_open(case)
        claim = Claim.objects.select_related("encounter", "coverage").get(pk=case.claim_id)
        if case.source == DenialCase.Source.REJECTION:
            claim_transition(claim, S.VOID, reason=note or "voided after a 277CA rejection", source="denials", user=user)
            from claims.services import _sync_ledger

            _sync_ledger([claim.pk], user=user)
            _act(case, DenialAction.Kind.VOID, note=note or "claim voided", user=user)
            _resolve(case, DenialCase.Status.VOIDED, user=user)
            return claim
        if not claim.payer_claim_number:
            raise ValidationError("The payer's claim number is not known; a void claim must carry it.")
        new = claim_generate(encounter=claim.encounter, coverage=claim.coverage, frequency=Frequency.VOID,
                             original_claim=claim, user=user)
        _act(case, DenialAction.Kind.VOID, note=note or f"void claim {new.pcn}", user=user, data={"claim": new.pk})
        _resolve(case, DenialCase.Status.VOIDED, user=user, new_claim=new)
    return new


def _case_lines(case: DenialCase) -> list[tuple[int, int, int, int]]:
    """(charge line, claim line, encounter, patient) the case is about."""
    with connection.cursor() as cur:
        if case.remit_claim_id:
            cur.execute("SELECT DISTINCT d.charge_line_id, d.claim_line_id, l.encounter_id, e.patient_id "
                        "FROM payments_denial d JOIN payments_remitline rl ON rl.id = d.remit_line_id "
                        "JOIN billing_chargeline l ON l.id = d.charge_line_id "
                        "JOIN billing_encounter e ON e.id = l.encounter_id WHERE rl.remit_claim_id = %s "
                        "ORDER BY 1", [case.remit_claim_id])
        else:
            cur.execute("SELECT cl.charge_line_id, cl.id, l.encounter_id, e.patient_id FROM claims_claimline cl "
                        "JOIN billing_chargeline l ON l.id = cl.charge_line_id "
                        "JOIN billing_encounter e ON e.id = l.encounter_id WHERE cl.claim_id = %s ORDER BY 1",
                        [case.claim_id])
        return [tuple(r) for r in cur.fetchall()]  # type: ignore[misc]


def _post(case: DenialCase, kind: str, *, reason: str, user: Any) -> Decimal:
    """Ledger entries for a write-off or a transfer of what the payer owes on the case's lines."""
    from payments.models import Bucket, Category, EntryKind, LedgerEntry, LedgerTransaction
    from payments.services.ledger import (
        Entry,
        Txn,
        claim_balances_refresh,
        ledger_sync_charges,
        line_buckets,
        transfer_pair,
        txns_write,
    )

    claim = case.claim
    ledger_sync_charges(claim_ids=[claim.pk], user=user)
    lines = _case_lines(case)
    balances = line_buckets([ln[0] for ln in lines])
    today = timezone.localdate()
    txn = Txn(practice_id=case.practice_id, kind=LedgerTransaction.Kind.TRANSFER, source_key=f"denial:{case.pk}:{kind}",
              description=f"denial {case.pk}: {reason}"[:200])
    moved = ZERO
    for charge_line, claim_line, encounter, patient in lines:
        base = {"practice_id": case.practice_id, "line_id": charge_line, "encounter_id": encounter,
                "patient_id": patient, "posted_on": today}
        link = {"claim_id": claim.pk, "claim_line_id": claim_line}
        owed = balances.get(charge_line, {}).get((Bucket.INSURANCE, claim.payer_id), ZERO)
        if kind == "transfer" and owed <= ZERO and case.remit_claim_id:
            # The payer's CAS already adjusted the denied amount off: take that adjustment back first.
            for e in LedgerEntry.objects.filter(txn__remit_claim_id=case.remit_claim_id, line_id=charge_line,
                                                category=Category.ADJUSTMENT, bucket=Bucket.INSURANCE,
                                                reversed_by__isnull=True).exclude(cas_group="PR"):
                txn.entries.append(Entry(**base, **link, bucket=Bucket.INSURANCE, payer_id=e.payer_id,
                                         kind=EntryKind.REVERSAL, category=Category.ADJUSTMENT, amount=-e.amount,
                                         source_key=f"denial:{case.pk}:rev{e.pk}", cas_group=e.cas_group, carc=e.carc,
                                         reverses_id=e.pk))
                owed += -e.amount
        if owed <= ZERO:
            continue
        if kind == "write_off":
            txn.entries.append(Entry(**base, **link, bucket=Bucket.INSURANCE, payer_id=claim.payer_id,
                                     kind=EntryKind.ADJUSTMENT, category=Category.ADJUSTMENT, amount=-owed,
                                     source_key=f"denial:{case.pk}:wo:{charge_line}", cas_group=case.group or "CO",
                                     carc=case.carc))
        else:
            txn.entries += transfer_pair(base, amount=owed, kind=EntryKind.TRANSFER_TO_PATIENT, from_payer=claim.payer_id,
                                         to_payer=None, key=f"denial:{case.pk}:pt:{charge_line}", cas_group="PR",
                                         carc=case.carc, **link)
        moved += owed
    if txn.entries:
        if kind == "write_off":
            txn.kind = LedgerTransaction.Kind.MANUAL
        txns_write([txn], user=user)
        claim_balances_refresh(claim_ids=[claim.pk])
    return moved


def _close_claim(claim: Claim, *, reason: str, user: Any) -> None:
    from claims.services import claims_transition_bulk

    claims_transition_bulk(claim_ids=[claim.pk], to_status=S.CLOSED, reason=reason[:300], source="denials", user=user,
                           from_statuses=[S.DENIED, S.PARTIALLY_PAID, S.REJECTED, S.PAID])


def denial_write_off(*, case: DenialCase, reason: str, user: Any = None) -> Decimal:
    if not reason.strip():
        raise ValidationError({"reason": "Say why this denial is written off."})
    with transaction.atomic():
        case = _lock(case)
        _require_open(case)
        amount = _post(case, "write_off", reason=reason.strip(), user=user)
        _act(case, DenialAction.Kind.WRITE_OFF, note=reason.strip(), amount=amount, user=user,
             data={"already_adjusted_by_payer": amount == ZERO})
        _resolve(case, DenialCase.Status.WRITTEN_OFF, user=user)
        _close_claim(case.claim, reason=f"denial written off: {reason.strip()}", user=user)
    return amount


def denial_transfer_to_patient(*, case: DenialCase, reason: str = "", user: Any = None) -> Decimal:
    with transaction.atomic():
        case = _lock(case)
        _require_open(case)
        amount = _post(case, "transfer", reason=reason.strip() or "transferred to patient", user=user)
        if amount <= ZERO:
            raise ValidationError("Nothing is owed by the payer on these lines; nothing to transfer.")
        _act(case, DenialAction.Kind.TRANSFER, note=reason.strip() or "patient responsibility", amount=amount, user=user)
        _resolve(case, DenialCase.Status.TRANSFERRED, user=user)
        _close_claim(case.claim, reason="denied amount transferred to the patient", user=user)
    return amount


def denial_note(*, case: DenialCase, note: str, user: Any = None) -> DenialAction:
    if not note.strip():
        raise ValidationError({"note": "Write the note."})
    return _act(case, DenialAction.Kind.NOTE, note=note.strip(), user=user)


def denial_close(*, case: DenialCase, note: str, user: Any = None) -> DenialCase:
    with transaction.atomic():
        case = _lock(case)
        _require_open(case)
        _act(case, DenialAction.Kind.CLOSED, note=note.strip() or "closed", user=user)
        _resolve(case, DenialCase.Status.CLOSED, user=user)
    return case


def denial_reopen(*, case: DenialCase, note: str = "", user: Any = None) -> DenialCase:
    with transaction.atomic():
        case = _lock(case)
        if case.status in OPEN_STATUSES:
            raise ValidationError("This denial is already open.")
        if case.status in (DenialCase.Status.WRITTEN_OFF, DenialCase.Status.TRANSFERRED, DenialCase.Status.VOIDED,
                           DenialCase.Status.CORRECTED):
            raise ValidationError("Money or a claim already moved for this denial; it cannot be reopened.")
        _act(case, DenialAction.Kind.REOPENED, note=note, user=user)
        _resolve(case, DenialCase.Status.OPEN, user=user)
    return case


# --- appeals --------------------------------------------------------------------------------------------
def denial_appeal(*, case: DenialCase, argument: str, attachments: list[str] | None = None, contact: str = "",
                  user: Any = None) -> Appeal:
    """Draft an appeal: the letter PDF (claim, denial, argument, enclosures) and a tracked deadline."""
    from claims.denials.letters import appeal_letter_pdf

    if not argument.strip():
        raise ValidationError({"argument": "Say why the denial is wrong (the letter's argument)."})
    with transaction.atomic():
        case = _lock(case)
        _require_open(case)
        if case.source == DenialCase.Source.REJECTION:
            raise ValidationError("A 277CA rejection is not appealed: the claim never reached adjudication. "
                                  "Correct and resubmit it.")
        level = (case.appeals.order_by("-level").values_list("level", flat=True).first() or 0) + 1
        deadline = case.appeal_deadline or (case.denied_on + dt.timedelta(days=_appeal_days(case.payer_id)))
        details = {"argument": argument.strip(), "attachments": [a.strip() for a in attachments or [] if a.strip()],
                   "contact": contact.strip(), "level": level, "deadline": deadline.isoformat()}
        pdf = appeal_letter_pdf(case=case, details=details, today=timezone.localdate())
        appeal = Appeal.objects.create(practice_id=case.practice_id, case=case, level=level, deadline=deadline,
                                       letter=pdf, details=details, created_by=_user(user))
        _act(case, DenialAction.Kind.APPEAL, note=f"level {level} appeal letter drafted; due {deadline:%m/%d/%Y}",
             user=user, data={"appeal": appeal.pk})
        _resolve(case, DenialCase.Status.APPEALED, user=user)
    return appeal


def appeal_mark_sent(*, appeal: Appeal, sent_on: dt.date | None = None, user: Any = None) -> Appeal:
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.status != Appeal.Status.DRAFTED:
            raise ValidationError("This appeal was already sent.")
        appeal.status, appeal.sent_on = Appeal.Status.SENT, sent_on or timezone.localdate()
        appeal.save()
        _act(appeal.case, DenialAction.Kind.APPEAL_SENT, note=f"level {appeal.level} appeal sent "
                                                               f"{appeal.sent_on:%m/%d/%Y}", user=user)
    return appeal


def appeal_outcome(*, appeal: Appeal, won: bool, note: str = "", user: Any = None) -> Appeal:
    """The payer's answer. Won: the case closes (its corrected 835 posts the money as usual). Lost: the case
    is open again, for a next-level appeal, a write-off or a transfer."""
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("case").get(pk=appeal.pk)
        if appeal.status not in (Appeal.Status.SENT, Appeal.Status.DRAFTED):
            raise ValidationError("This appeal already has an outcome.")
        appeal.status = Appeal.Status.WON if won else Appeal.Status.LOST
        appeal.outcome_note = note.strip()[:300]
        appeal.save()
        case = _lock(appeal.case)
        _act(case, DenialAction.Kind.APPEAL_OUTCOME, note=f"level {appeal.level} appeal {'won' if won else 'lost'}"
             + (f": {note.strip()}" if note.strip() else ""), user=user)
        _resolve(case, DenialCase.Status.CLOSED if won else DenialCase.Status.OPEN, user=user)
    return appeal
