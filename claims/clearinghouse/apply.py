"""Apply one stored answer file to our claims, submissions, inquiries and eligibility checks.

Each function reads the file with its reader (raising `X12SyntaxError` if it cannot: the caller keeps the
file and flags it, and nothing here is applied), records a `ClaimResponse` per claim with the payer's
words and where they point, moves claim status through `claims.services`, and returns a summary whose
`problems` list says what could not be matched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.utils import timezone

from claims.clearinghouse.models import ClaimResponse, InboundFile, StatusInquiry, Submission
from claims.denials.reference import descriptions, status_words
from claims.models import Claim, ClaimStatus
from claims.x12.reader_277 import ClaimStatusIn, Status
from claims.x12.segments import Interchange

S = ClaimStatus
R = ClaimResponse


def _responses(rows: list[ClaimResponse]) -> list[ClaimResponse]:
    """Store answers and restart each claim's follow-up clock."""
    if not rows:
        return []
    made = ClaimResponse.objects.bulk_create(rows, batch_size=2000)
    Claim.objects.filter(pk__in={r.claim_id for r in rows}).update(last_response_at=timezone.now())
    return made


def _transition(ids: list[int], to: str, *, reason: str, source: str, user: Any, from_statuses: list[str]) -> list[int]:
    from claims.services import claims_transition_bulk

    return claims_transition_bulk(claim_ids=ids, to_status=to, reason=reason[:300], source=source, user=user,
                                  from_statuses=from_statuses)


def _submission(row: InboundFile, *, group: str = "", interchange: str = "") -> Submission | None:
    qs = Submission.objects.filter(practice_id=row.practice_id)
    if group:
        return qs.filter(group_control=group.lstrip("0") or "0").order_by("-created_at").first()
    return qs.filter(interchange_control=interchange.zfill(9)).order_by("-created_at").first()


def _failed_inquiries(sub: Submission, why: str) -> None:
    from claims.eligibility.models import EligibilityCheck

    EligibilityCheck.objects.filter(submission=sub, status=EligibilityCheck.Status.PENDING).update(
        status=EligibilityCheck.Status.FAILED, errors=[why[:300]], answered_at=timezone.now())


# --- TA1 ------------------------------------------------------------------------------------------------
def apply_ta1(row: InboundFile, ix: Interchange, result: Any, *, user: Any = None) -> dict[str, Any]:
    from claims.x12.reader_ta1 import read_ta1_segments

    acks = read_ta1_segments(ix)
    problems: list[str] = []
    rejected_claims = 0
    for ack in acks:
        sub = _submission(row, interchange=ack.control_number)
        if sub is None:
            problems.append(f"TA1 answers interchange {ack.control_number}, which we did not send")
            continue
        if ack.accepted:
            continue
        if sub.batch_id:
            ids = list(Claim.objects.filter(batch_id=sub.batch_id, status__in=[S.SUBMITTED, S.QUEUED])
                       .values_list("pk", flat=True))
            moved = _transition(ids, S.REJECTED, reason=f"TA1: {ack.message}", source="clearinghouse:ta1", user=user,
                                from_statuses=[S.SUBMITTED])
            _responses([R(practice_id=row.practice_id, claim_id=cid, inbound_file=row, submission=sub, source=R.Source.TA1,
                          outcome=R.Outcome.REJECTED, segment="ISA (interchange envelope)",
                          message=f"The clearinghouse rejected the whole file: {ack.message}"[:500],
                          payer_text=f"TA1*{ack.ack_code}*{ack.note_code}") for cid in moved])
            rejected_claims += len(moved)
        else:
            _failed_inquiries(sub, ack.message)
    result.rejected += rejected_claims
    return {"acknowledgements": len(acks), "rejected_claims": rejected_claims, "problems": problems}


# --- 999 ------------------------------------------------------------------------------------------------
def _claim_ranges(content: str) -> list[tuple[int, int, int]]:
    """(first segment position in the ST, last position, claim id) for each CLM of one of our 837 batches."""
    from claims.x12.segments import parse_interchange

    ix = parse_interchange(content)
    ranges: list[tuple[int, int, str]] = []
    pos = 0
    start = None
    pcn = ""
    for seg in ix.segments:
        if seg.id == "ST":
            pos = 0
        pos += 1
        if seg.id == "HL" and seg.get(3) == "22":
            if start is not None:
                ranges.append((start, pos - 1, pcn))
            start, pcn = pos, ""
        if seg.id == "CLM":
            pcn = seg.get(1)
        if seg.id == "SE" and start is not None:
            ranges.append((start, pos - 1, pcn))
            start = None
    ids = dict(Claim.objects.filter(pcn__in=[r[2] for r in ranges]).values_list("pcn", "pk"))
    return [(a, b, ids[p]) for a, b, p in ranges if p in ids]


def apply_999(row: InboundFile, ix: Interchange, result: Any, *, user: Any = None) -> dict[str, Any]:
    from claims.x12.reader_999 import read_999

    ack = read_999(bytes(row.content))
    problems: list[str] = []
    summary = {"transactions": 0, "accepted": 0, "rejected": 0}
    for group in ack.groups:
        sub = _submission(row, group=group.group_control)
        if sub is None:
            problems.append(f"999 answers group {group.group_control}, which we did not send")
            continue
        for txn in group.transactions:
            summary["transactions"] += 1
            if sub.kind != Submission.Kind.CLAIMS or sub.batch is None:
                if not txn.accepted:
                    _failed_inquiries(sub, f"999: {txn.message}")
                continue
            claim_ids = list(Claim.objects.filter(batch_id=sub.batch_id).values_list("pk", flat=True))
            if txn.accepted:
                summary["accepted"] += 1
                _responses([R(practice_id=row.practice_id, claim_id=cid, inbound_file=row, submission=sub,
                              source=R.Source.ACK_999, outcome=R.Outcome.ACCEPTED,
                              message="Accepted by the clearinghouse (999): the file is valid and on its way to the payer")
                            for cid in claim_ids])
                continue
            summary["rejected"] += 1
            ranges = _claim_ranges(sub.payload())
            first = txn.segment_errors[0] if txn.segment_errors else None
            culprit = next((cid for a, b, cid in ranges if first and a <= first.position <= b), None)
            moved = _transition(claim_ids, S.REJECTED, reason=f"999: {txn.message}", source="clearinghouse:999",
                                user=user, from_statuses=[S.SUBMITTED])
            rows = []
            for cid in moved:
                where = first.pointer if first else "the transaction set"
                words = "; ".join(e.message for e in txn.segment_errors) or txn.message
                mine = culprit == cid
                rows.append(R(practice_id=row.practice_id, claim_id=cid, inbound_file=row, submission=sub,
                              source=R.Source.ACK_999, outcome=R.Outcome.REJECTED, segment=where[:200],
                              message=(f"The clearinghouse rejected the file (999): {words}"
                                       + ("" if mine or culprit is None else " — the error is in another claim of "
                                          "the same file; this claim was not sent and must be resubmitted"))[:500],
                              payer_text=f"IK5*{txn.status}"))
            _responses(rows)
            result.rejected += len(moved)
    return {**summary, "problems": problems}


# --- 277CA / 277 ----------------------------------------------------------------------------------------
def _outcome(status: Status, kind: str) -> str:
    if status.rejected:
        return R.Outcome.REJECTED
    if status.category.startswith("F"):
        return R.Outcome.FINALIZED
    if status.category.startswith("P"):
        return R.Outcome.PENDING
    if status.accepted:
        return R.Outcome.ACCEPTED
    return R.Outcome.INFO


def _find_claims(row: InboundFile, claims: list[ClaimStatusIn], kind: str) -> dict[int, tuple[Claim, StatusInquiry | None]]:
    traces = {c.pcn for c in claims}
    inquiries = {i.trace: i for i in StatusInquiry.objects.filter(practice_id=row.practice_id, trace__in=traces)}
    pcns = traces | {i.claim.pcn for i in StatusInquiry.objects.filter(pk__in=[i.pk for i in inquiries.values()])
                     .select_related("claim")}
    by_pcn = {c.pcn: c for c in Claim.objects.filter(practice_id=row.practice_id, pcn__in=pcns)}
    found: dict[int, tuple[Claim, StatusInquiry | None]] = {}
    for i, c in enumerate(claims):
        inquiry = inquiries.get(c.pcn)
        claim = inquiry.claim if inquiry is not None else by_pcn.get(c.pcn)
        if claim is not None:
            found[i] = (claim, inquiry)
    return found


def apply_status(row: InboundFile, ix: Interchange, result: Any, *, user: Any = None) -> dict[str, Any]:
    from claims.denials.services import denial_case_from_rejection
    from claims.services import claims_set_payer_claim_numbers
    from claims.x12.reader_277 import read_277, read_277ca

    kind = row.kind
    report = read_277ca(bytes(row.content)) if kind == "277ca" else read_277(bytes(row.content))
    table = descriptions()
    found = _find_claims(row, report.claims, kind)
    problems = [f"{kind.upper()} names claim {c.pcn}, which is not one of ours" for i, c in enumerate(report.claims)
                if i not in found]
    accepted: list[int] = []
    rejected: dict[int, str] = {}
    numbers: dict[int, str] = {}
    rows: list[ClaimResponse] = []
    answered: list[int] = []
    source = R.Source.ACK_277CA if kind == "277ca" else R.Source.STATUS_277
    for i, c in enumerate(report.claims):
        if i not in found:
            continue
        claim, inquiry = found[i]
        st = c.primary
        loop, segment, field = st.pointer()
        words = status_words(st.category, st.status, st.entity, st.text, table)
        outcome = _outcome(st, kind)
        rows.append(R(practice_id=row.practice_id, claim=claim, inbound_file=row, source=source, outcome=outcome,
                      category_code=st.category[:3], status_code=st.status[:5], entity_code=st.entity[:3],
                      segment=(f"{segment} (loop {loop})" if loop else segment)[:200] if outcome == "rejected" else "",
                      field=field if outcome == "rejected" else "", message=words[:500], payer_text=st.text[:300],
                      payer_claim_number=c.payer_claim_number[:50], amount=st.paid if st.paid is not None else st.charge,
                      effective_date=st.effective_date))
        for line in c.lines:
            for ls in line.statuses[:1]:
                ll, lseg, lfield = ls.pointer()
                rows.append(R(practice_id=row.practice_id, claim=claim, inbound_file=row, source=source,
                              outcome=_outcome(ls, kind), category_code=ls.category[:3], status_code=ls.status[:5],
                              entity_code=ls.entity[:3], line_control_number=line.line_control_number[:50],
                              segment=(f"{lseg} (loop {ll or '2400'})")[:200] if ls.rejected else "",
                              field=lfield if ls.rejected else "",
                              message=f"Line {line.line_control_number or line.code}: "
                                      f"{status_words(ls.category, ls.status, ls.entity, ls.text, table)}"[:500],
                              payer_text=ls.text[:300], effective_date=ls.effective_date))
        if c.payer_claim_number:
            numbers[claim.pk] = c.payer_claim_number
        if inquiry is not None:
            answered.append(inquiry.pk)
        if outcome == R.Outcome.ACCEPTED and kind == "277ca":
            accepted.append(claim.pk)
        elif outcome == R.Outcome.REJECTED:
            rejected[claim.pk] = words
    made = _responses(rows)
    by_claim = {r.claim_id: r for r in made if not r.line_control_number}
    if answered:
        for inq_id in answered:
            inq = StatusInquiry.objects.get(pk=inq_id)
            StatusInquiry.objects.filter(pk=inq_id).update(answered_at=timezone.now(), response=by_claim.get(inq.claim_id))
    claims_set_payer_claim_numbers(numbers=numbers)
    moved_ok = _transition(accepted, S.ACCEPTED, reason="accepted into adjudication (277CA)",
                           source="clearinghouse:277ca", user=user, from_statuses=[S.SUBMITTED])
    moved_bad: list[int] = []
    for reason, ids in _group(rejected).items():
        moved_bad += _transition(ids, S.REJECTED, reason=f"{kind.upper()}: {reason}", source=f"clearinghouse:{kind}",
                                 user=user, from_statuses=[S.SUBMITTED, S.ACCEPTED])
    for cid in moved_bad:
        denial_case_from_rejection(response=by_claim[cid], user=user)
    result.accepted += len(moved_ok)
    result.rejected += len(moved_bad)
    if kind == "277":
        result.status_updates += len(found)
    return {"claims": len(report.claims), "accepted": len(moved_ok), "rejected": len(moved_bad),
            "answered_inquiries": len(answered), "problems": problems}


def _group(mapping: dict[int, str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for k, v in mapping.items():
        out[v].append(k)
    return out


# --- 271 ------------------------------------------------------------------------------------------------
def apply_271(row: InboundFile, ix: Interchange, result: Any, *, user: Any = None) -> dict[str, Any]:
    from claims.eligibility.services import eligibility_apply_271

    return eligibility_apply_271(inbound=row, raw=bytes(row.content))


# --- 835 ------------------------------------------------------------------------------------------------
def apply_835(row: InboundFile, ix: Interchange, result: Any, *, user: Any = None) -> dict[str, Any]:
    """Posted by payments (its own all-or-nothing rules and exceptions); we keep the link and the answers."""
    from payments.models import RemitClaim
    from payments.services import era_import

    imported = era_import(practice_id=row.practice_id, content=bytes(row.content), filename=row.filename,
                          source="poll", user=user)
    if imported.remittance_ids:
        InboundFile.objects.filter(pk=row.pk).update(remittance_id=imported.remittance_ids[0])
        row.remittance_id = imported.remittance_ids[0]
    problems = list(imported.problems)
    if imported.rejected:
        return {**imported.as_dict(), "problems": problems or ["the payments import rejected the 835"]}
    result.remittances_posted += 1
    rows = []
    for rc in RemitClaim.objects.filter(transaction__remittance_id__in=imported.remittance_ids, claim__isnull=False):
        paid = Decimal(rc.paid)
        if rc.status_code == "22":
            words = f"Payer reversed its earlier adjudication of this claim (${-paid:.2f})"
        elif rc.status_code == "4" or (paid == 0 and rc.patient_responsibility == 0):
            words = "Denied by the payer (835): see the denial queue"
        else:
            words = f"Adjudicated (835): paid ${paid:.2f}, patient responsibility ${rc.patient_responsibility:.2f}"
        rows.append(R(practice_id=row.practice_id, claim_id=rc.claim_id, inbound_file=row, source=R.Source.REMIT_835,
                      outcome=R.Outcome.FINALIZED, status_code=rc.status_code[:5], message=words[:500],
                      payer_claim_number=rc.payer_claim_number[:50], amount=paid))
    _responses(rows)
    return {**imported.as_dict(), "problems": problems}


APPLIERS: dict[str, Callable[..., dict[str, Any]]] = {
    "ta1": apply_ta1, "999": apply_999, "277ca": apply_status, "277": apply_status, "271": apply_271,
    "835": apply_835,
}

