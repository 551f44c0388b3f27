"""835 import and auto-posting: store, validate, match, post, update claims — exactly once.

- The file is stored first (unique per practice by SHA-256): a second import of the same bytes, even by
  two workers at the same moment, finds the row and posts nothing. Each ST transaction is recorded by its
  identity (payer, trace, amount, date, claims), so the same payment inside another file posts nothing.
  Every ledger entry has a unique source key as a last guard.
- A file with a structural error or a balancing failure is kept with its reasons; nothing posts.
- Each CLP is posted whole or not at all: CLP01 must be one of our sent claims from the paying payer;
  its lines are matched by REF*6R, then by code (SVC06 when the payer changed it) + modifiers + date +
  charge, tolerating dropped or reordered modifiers and bundled lines. Anything else goes to the
  exceptions queue with its best candidates.
- Posting: payment, every CAS (PR moves to the patient, or to the secondary payer whose claim is then
  generated with the primary's adjudication), reversals (CLP02 22) as offsetting entries of what was
  posted, structured denials, PLB on the provider ledger, underpayments against the contract, claim
  status through `claims.services` only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from billing.models import Coverage, FeeScheduleEntry, Payer
from claims.models import Claim, ClaimLine, ClaimStatus
from payments.models import (
    Bucket,
    Category,
    EntryKind,
    LedgerEntry,
    LedgerTransaction,
    RemitClaim,
    RemitException,
    Remittance,
    RemitTransaction,
)
from payments.services._bulk import IdPool, Json, copy_lines, copy_rows, next_ids, text, text_array
from payments.services.ledger import (
    Entry,
    Txn,
    claim_balances_refresh,
    ledger_sync_charges,
    transfer_pair,
    txns_write,
)
from payments.x12.reader_835 import Cas, RemitClaimIn, RemitServiceIn, RemitTransactionIn, read_835
from rcm.db.arrays import any_of
from rcm.gc_pause import gc_paused

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
S = ClaimStatus
POSTABLE = (S.SUBMITTED, S.ACCEPTED, S.PAID, S.PARTIALLY_PAID, S.DENIED, S.CLOSED)
PRIMARY_PROCESSED = ("1", "19")
SECONDARY_PROCESSED = ("2", "20")
CROSSOVER = ("19", "20")
REVERSAL = "22"
# Nothing to post: the payer says the claim is not theirs (and forwarded it), or priced a predetermination.
NOT_PAYABLE = {"23": "The payer says claim {pcn} is not its claim (CLP02 23) and forwarded it; bill the right payer.",
               "25": "Claim {pcn} was priced as a predetermination (CLP02 25): no payment to post."}
NOT_DENIAL_REASONS = ("45", "23", "253")


def _tolerance() -> Decimal:
    return Decimal(str(getattr(settings, "PAYMENTS_UNDERPAYMENT_TOLERANCE", "1.00")))


@dataclass
class ImportResult:
    files: int = 0
    claims: int = 0
    claims_matched: int = 0
    lines_posted: int = 0
    paid: Decimal = ZERO
    adjusted: Decimal = ZERO
    patient_responsibility: Decimal = ZERO
    plb: Decimal = ZERO
    exceptions: int = 0
    already_posted: int = 0
    rejected: int = 0
    remittance_ids: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    secondary_claims: int = 0

    def add(self, other: ImportResult) -> None:
        for name in ("files", "claims", "claims_matched", "lines_posted", "paid", "adjusted", "patient_responsibility",
                     "plb", "exceptions", "already_posted", "rejected", "secondary_claims"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.remittance_ids += other.remittance_ids
        self.problems += other.problems

    def as_dict(self) -> dict[str, Any]:
        money = ("paid", "adjusted", "patient_responsibility", "plb")
        keys = ("files", "claims", "claims_matched", "lines_posted", "paid", "adjusted", "patient_responsibility", "plb",
                "exceptions", "already_posted")
        return {k: f"{getattr(self, k):.2f}" if k in money else getattr(self, k) for k in keys}


# --- entry points -------------------------------------------------------------------------------------
def era_import(*, practice_id: int, content: bytes | str, filename: str = "remittance.835", source: str = "upload",
               user: Any = None) -> ImportResult:
    """Store and post one 835 in one database transaction (the command, the folder scan and the API use it)."""
    with transaction.atomic():
        remittance, created = remittance_store(practice_id=practice_id, content=content, filename=filename,
                                               source=source, user=user)
        if not created:
            return _already(remittance)
        return remittance_post(remittance_id=remittance.pk, user=user)


def remittance_store(*, practice_id: int, content: bytes | str, filename: str, source: str = "upload",
                     user: Any = None) -> tuple[Remittance, bool]:
    """Keep the file (once per practice). Concurrent stores of one file: the second waits, then finds it."""
    raw = content.encode("latin-1") if isinstance(content, str) else content
    digest = hashlib.sha256(raw).hexdigest()
    text = raw.decode("latin-1")
    uid = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO payments_remittance (practice_id, filename, sha256, content, source, status, problems, summary, "
            "interchange_control, sender_id, payer_names, total_paid, created_by_id, created_at) "
            "VALUES (%s, %s, %s, %s, %s, 'received', '[]', '{}', '', '', '', 0, %s, now()) "
            "ON CONFLICT (practice_id, sha256) DO NOTHING RETURNING id",
            [practice_id, filename[:200], digest, text, source[:10], uid])
        row = cur.fetchone()
    # The file itself (megabytes) is read back only by whoever posts it.
    if row:
        return Remittance.objects.defer("content").get(pk=row[0]), True
    return Remittance.objects.defer("content").get(practice_id=practice_id, sha256=digest), False


def _already(remittance: Remittance) -> ImportResult:
    result = ImportResult(files=1, remittance_ids=[remittance.pk])
    result.claims = int(remittance.summary.get("claims", 0)) if remittance.summary else 0
    result.already_posted = result.claims
    result.problems = [f"{remittance.filename}: this file was already imported on "
                       f"{timezone.localtime(remittance.created_at):%Y-%m-%d %H:%M}; nothing posted."]
    return result


# What posting writes back on the file's row: not the file itself, which an UPDATE of every column would
# send back and store again (megabytes, compressed anew).
_OUTCOME_FIELDS = ("interchange_control", "sender_id", "payer_names", "total_paid", "status", "problems", "summary",
                   "posted_at")


def remittance_post(*, remittance_id: int, user: Any = None) -> ImportResult:
    """Validate and post a stored file. Locked; a file already handled posts nothing (idempotent job)."""
    # Paused around the call, not inside it: when collection resumes the posting's objects are already freed.
    with gc_paused():
        return _remittance_post(remittance_id=remittance_id, user=user)


def _remittance_post(*, remittance_id: int, user: Any) -> ImportResult:
    with transaction.atomic():
        remittance = Remittance.objects.select_for_update().get(pk=remittance_id)
        if remittance.status != Remittance.Status.RECEIVED:
            return _already(remittance)
        # The commit waits for its WAL flush (synchronous_commit is left on): once it returns, the job, the API
        # and the folder scan report the money as posted, and a crash must not take that back.
        result = ImportResult(files=1, remittance_ids=[remittance.pk])
        read = read_835(remittance.content.encode("latin-1"))
        remit = read.remit
        if remit is not None:
            remittance.interchange_control = remit.interchange_control[:9]
            remittance.sender_id = remit.sender_id[:15]
            remittance.payer_names = ", ".join(sorted({t.payer_name for t in remit.transactions}))[:200]
            remittance.total_paid = sum((t.total_paid for t in remit.transactions), ZERO)
            result.claims = sum(len(t.claims) for t in remit.transactions)
        if not read.ok or remit is None:
            remittance.status = Remittance.Status.REJECTED
            remittance.problems = read.problems[:200]
            remittance.summary = {"claims": result.claims, "rejected": True}
            remittance.save(update_fields=_OUTCOME_FIELDS)
            result.rejected = 1
            result.problems = [f"{remittance.filename}: rejected, nothing posted — {p}" for p in read.problems[:20]]
            return result
        pcns = {c.pcn for t in remit.transactions for c in t.claims}
        ledger_sync_charges(practice_id=remittance.practice_id, user=user, claim_ids=list(
            Claim.objects.filter(any_of(Claim, "pcn", pcns, "text"), practice_id=remittance.practice_id).values_list(
                "pk", flat=True)))
        for t in remit.transactions:
            poster = _Poster(remittance=remittance, txn_in=t, user=user)
            poster.run(result)
        remittance.status = Remittance.Status.EXCEPTIONS if result.exceptions else (
            Remittance.Status.DUPLICATE if result.already_posted == result.claims and result.claims else Remittance.Status.POSTED)
        remittance.summary = {**result.as_dict(), "warnings": read.warnings[:50]}
        remittance.posted_at = timezone.now()
        remittance.save(update_fields=_OUTCOME_FIELDS)
        _denial_queue(remittance.pk)
    return result


def _denial_queue(remittance_id: int) -> None:
    """Hook: the claims app's denial queue opens a case for each remittance claim with denied lines."""
    from claims.denials.services import denial_cases_open

    denial_cases_open(remittance_ids=[remittance_id])


# --- matching -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OurLine:
    id: int
    claim_id: int
    line_number: int
    line_control_number: str
    code: str
    modifiers: tuple[str, ...]
    units: int
    charge: Decimal
    date: dt.date
    charge_line_id: int | None


Match = list[tuple[OurLine, Decimal]]  # lines and their share of one remit service


class MatchProblem(Exception):
    def __init__(self, kind: str, message: str, candidates: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.kind, self.message, self.candidates = kind, message, candidates


def _cand(line: OurLine, why: str) -> dict[str, Any]:
    return {"claim_line": line.id, "line_number": line.line_number, "code": line.code, "modifiers": list(line.modifiers),
            "charge": f"{line.charge:.2f}", "date": line.date.isoformat(), "why": why}


def match_services(services: Sequence[RemitServiceIn], ours: Sequence[OurLine], *, claim_date: dt.date | None,
                   forced: dict[int, list[int]] | None = None) -> list[Match]:
    """Match each remit service to our line(s); raises MatchProblem when any is not certain."""
    by_id = {ln.id: ln for ln in ours}
    result: list[Match | None] = [None] * len(services)
    free = {ln.id for ln in ours}
    if forced is not None:
        for i, _svc in enumerate(services):
            ids = forced.get(i, [])
            lines = [by_id[x] for x in ids if x in by_id]
            if not lines or len(lines) != len(ids):
                raise MatchProblem("line_unmatched", f"Service {i + 1}: choose our line(s) for it.", [])
            result[i] = _shares(lines)
        return [m for m in result if m is not None]
    by_lcn = {ln.line_control_number: ln for ln in ours}
    for i, svc in enumerate(services):
        ln = by_lcn.get(svc.line_control_number) if svc.line_control_number else None
        if ln is not None and ln.id in free:
            result[i] = [(ln, Decimal(1))]
            free.discard(ln.id)
    for i, svc in enumerate(services):
        if result[i] is not None:
            continue
        day = svc.service_date or claim_date
        codes = {svc.code, svc.original_code} - {""}
        pool = [by_id[x] for x in sorted(free)]
        same = [ln for ln in pool if ln.code in codes and (day is None or ln.date == day)]
        mods = tuple(svc.original_modifiers or svc.modifiers)
        for strict in (True, False):
            hits = [ln for ln in same if ln.charge == svc.charge
                    and (ln.modifiers == mods if strict else set(mods) <= set(ln.modifiers))]
            if len(hits) == 1:
                result[i] = [(hits[0], Decimal(1))]
                free.discard(hits[0].id)
                break
            if len(hits) > 1:
                raise MatchProblem("line_ambiguous", f"Service {i + 1} ({svc.code}) matches {len(hits)} of our lines "
                                   "equally; choose one.", [_cand(h, "same code, modifiers, date and charge") for h in hits])
        if result[i] is not None:
            continue
        bundle = _bundle(svc, [ln for ln in pool if day is None or ln.date == day], codes)
        if bundle:
            result[i] = _shares(bundle)
            free -= {ln.id for ln in bundle}
            continue
        near = sorted(pool, key=lambda ln: (ln.code not in codes, ln.date != day, ln.charge != svc.charge))[:3]
        raise MatchProblem("line_unmatched", f"Service {i + 1} ({svc.code}{'-' + '-'.join(svc.modifiers) if svc.modifiers else ''}"
                           f", ${svc.charge}) matches none of our lines with confidence.",
                           [_cand(ln, "closest by code, date and charge") for ln in near])
    return [m for m in result if m is not None]


def _bundle(svc: RemitServiceIn, pool: list[OurLine], codes: set[str]) -> list[OurLine] | None:
    """Lines the payer paid as one: one has the code, and their charges add up to the service's exactly."""
    if len(pool) < 2 or not any(ln.code in codes for ln in pool):
        return None
    found: list[list[OurLine]] = []
    for size in range(2, min(len(pool), 4) + 1):
        for combo in itertools.combinations(pool, size):
            if any(ln.code in codes for ln in combo) and sum((ln.charge for ln in combo), ZERO) == svc.charge:
                found.append(list(combo))
        if found:
            break
    return found[0] if len(found) == 1 else None


def _shares(lines: list[OurLine]) -> Match:
    total = sum((ln.charge for ln in lines), ZERO)
    if total == ZERO:
        return [(ln, Decimal(1) / len(lines)) for ln in lines]
    return [(ln, ln.charge / total) for ln in lines]


def split(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split an amount by weights into cents that add up exactly (largest remainder)."""
    if len(weights) == 1:
        return [amount]
    sign = -1 if amount < 0 else 1
    cents = abs(amount)
    raw = [cents * w for w in weights]
    parts = [r.quantize(CENT, rounding=ROUND_DOWN) for r in raw]
    left = int((cents - sum(parts, ZERO)) / CENT)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[:left]:
        parts[i] += CENT
    return [p * sign for p in parts]


# --- underpayment contract book ----------------------------------------------------------------------
class FeeBook:
    """Payers' contracted allowed amounts, loaded once per posting (a code's modifier entry wins)."""

    def __init__(self, practice_id: int, payer_ids: set[int]) -> None:
        self.rows: dict[tuple[int, str, str], list[tuple[dt.date, dt.date | None, Decimal]]] = defaultdict(list)
        for payer_id, code, modifier, start, end, amount in FeeScheduleEntry.objects.filter(
                practice_id=practice_id, schedule__kind="allowed", schedule__payer_id__in=payer_ids).values_list(
                "schedule__payer_id", "code", "modifier", "schedule__effective_from", "schedule__effective_to", "amount"):
            self.rows[(payer_id, code, modifier)].append((start, end, amount))
        for v in self.rows.values():
            v.sort(key=lambda r: r[0], reverse=True)

    def allowed(self, payer_id: int, code: str, modifiers: Sequence[str], on: dt.date) -> Decimal | None:
        for modifier in [*modifiers[:1], ""]:
            for start, end, amount in self.rows.get((payer_id, code, modifier), ()):
                if start <= on and (end is None or on <= end):
                    return amount
        return None


# --- the poster ---------------------------------------------------------------------------------------
@dataclass
class _ClaimRow:
    id: int
    pcn: str
    status: str
    payer_id: int
    patient_id: int
    encounter_id: int
    responsibility: str
    date_of_service: dt.date
    practice_id: int
    coverage_id: int


class _Poster:
    """Posts one ST transaction: everything in bulk, a fixed number of queries whatever its size."""

    def __init__(self, *, remittance: Remittance | None, txn_in: RemitTransactionIn, user: Any = None,
                 practice_id: int | None = None) -> None:
        self.remittance = remittance
        self.practice_id = practice_id if practice_id is not None else remittance.practice_id  # type: ignore[union-attr]
        self.t = txn_in
        self.user = user
        self.day = txn_in.payment_date or timezone.localdate()
        self.remit_claim_rows: list[tuple] = []
        self.remit_line_rows: list[tuple] = []
        self.denial_rows: list[tuple] = []
        self.under_rows: list[tuple] = []
        self.exception_rows: list[tuple] = []
        self.txns: list[Txn] = []
        self.targets: dict[int, str] = {}
        self.numbers: dict[int, str] = {}
        self.secondaries: list[tuple[int, int, RemitClaimIn, dict[int, OurLine], list[tuple[RemitServiceIn, Match]]]] = []
        self.touched: set[int] = set()

    # loading
    def _load(self, pcns: list[str], extra_claim_ids: Sequence[int] = ()) -> None:
        fields = ("id", "pcn", "status", "payer_id", "patient_id", "encounter_id", "responsibility", "date_of_service",
                  "practice_id", "coverage_id")
        qs = Claim.objects.filter(practice_id=self.practice_id).filter(Q(any_of(Claim, "pcn", pcns, "text"))
                                                                      | Q(pk__in=list(extra_claim_ids)))
        self.claims = {row[0]: _ClaimRow(*row) for row in qs.values_list(*fields)}
        self.by_pcn = {c.pcn: c for c in self.claims.values()}
        self.lines: dict[int, list[OurLine]] = defaultdict(list)
        for row in ClaimLine.objects.filter(any_of(ClaimLine, "claim", self.claims, "bigint")).order_by("claim_id", "line_number").values_list(
                "id", "claim_id", "line_number", "line_control_number", "code", "modifiers", "units", "charge_amount",
                "date_of_service", "charge_line_id"):
            self.lines[row[1]].append(OurLine(row[0], row[1], row[2], row[3], row[4], tuple(row[5]), row[6], row[7],
                                              row[8], row[9]))
        posted = list(RemitClaim.objects.filter(any_of(RemitClaim, "claim", self.claims, "bigint"), outcome__in=[
            RemitClaim.Outcome.POSTED, RemitClaim.Outcome.RESOLVED]).values_list(
            "id", "claim_id", "payer_claim_number", "status_code", "charge", "paid"))
        reversed_ids = set(LedgerEntry.objects.filter(reverses__txn__remit_claim_id__in=[p[0] for p in posted])
                           .values_list("reverses__txn__remit_claim_id", flat=True).distinct())
        self.posted: dict[int, list[tuple]] = defaultdict(list)
        for p in posted:
            self.posted[p[1]].append((*p, p[0] in reversed_ids))
        self.payer = self._payer()
        patient_ids = {c.patient_id for c in self.claims.values()}
        self.secondary_cov: dict[int, list[tuple[int, int, dt.date, dt.date | None, str]]] = defaultdict(list)
        for cov in Coverage.objects.filter(any_of(Coverage, "patient", patient_ids, "bigint"), priority=2).values_list(
                "patient_id", "id", "payer_id", "effective_from", "effective_to", "payer__kind"):
            self.secondary_cov[cov[0]].append(cov[1:])
        self.existing_claim_cov = set(Claim.objects.filter(any_of(Claim, "encounter",
                                                                     {c.encounter_id for c in self.claims.values()}, "bigint"))
                                      .values_list("encounter_id", "coverage_id"))
        payer_ids = {c.payer_id for c in self.claims.values()}
        self.fees = FeeBook(self.practice_id, payer_ids)
        self.tolerance = _tolerance()

    def _payer(self) -> Payer | None:
        qs = Payer.objects.filter(practice_id=self.practice_id)
        for ident in (self.t.payer_id, self.t.payer_identifier):
            if ident:
                hit = qs.filter(payer_id=ident).first()
                if hit:
                    return hit
        return qs.filter(name__iexact=self.t.payer_name).first() if self.t.payer_name else None

    # main
    def run(self, result: ImportResult) -> None:
        identity = self.t.identity()
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO payments_remittransaction (practice_id, remittance_id, identity, control_number, payer_name, "
                "payer_identifier, trace_number, handling_code, payment_method, credit_debit, total_paid, payment_date, "
                "claim_count, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now()) "
                "ON CONFLICT (practice_id, identity) DO NOTHING RETURNING id",
                [self.practice_id, self.remittance.pk, identity, self.t.control_number[:9], self.t.payer_name[:60],  # type: ignore[union-attr]
                 self.t.payer_identifier[:15], self.t.trace_number[:50], self.t.handling_code[:2],
                 self.t.payment_method[:3], self.t.credit_debit[:1], self.t.total_paid, self.t.payment_date,
                 len(self.t.claims)])
            row = cur.fetchone()
        if row is None:
            result.already_posted += len(self.t.claims)
            result.problems.append(f"Payment {self.t.trace_number} of {self.t.payer_name} (${self.t.total_paid}) was "
                                   f"already posted from another file; nothing posted for it.")
            return
        self.txn_id = row[0]
        self._load(sorted({c.pcn for c in self.t.claims}))
        if self.payer is not None:
            RemitTransaction.objects.filter(pk=self.txn_id).update(payer=self.payer)
        self._plb(result)
        self.claim_ids = iter(next_ids("payments_remitclaim", len(self.t.claims)))
        self.line_ids = IdPool("payments_remitline", block=max(100, sum(len(c.services) for c in self.t.claims) + 50))
        for seq, cin in enumerate(self.t.claims, start=1):
            self.plan(seq, cin, result)
        self.flush(result)

    def _plb(self, result: ImportResult) -> None:
        rows = []
        for i, p in enumerate(self.t.provider_adjustments, start=1):
            rows.append((self.practice_id, self.txn_id, getattr(self.payer, "pk", None), p.provider_id[:50], p.fiscal_date,
                         p.reason[:2], p.reference[:50], p.amount, f"plb:{self.txn_id}:{i}", timezone.now()))
            result.plb += p.amount
        copy_rows("payments_provideradjustment", ("practice_id", "transaction_id", "payer_id", "provider_id", "fiscal_date",
                                                  "reason", "reference", "amount", "source_key", "created_at"), rows)

    def _remit_claim(self, seq: int, cin: RemitClaimIn, claim_id: int | None, outcome: str, note: str = "",
                     rc_id: int | None = None) -> int:
        """The CLP's row. Its full data is kept when it may be posted later (an exception); a posted one keeps
        its claim-level adjustments and remarks (its lines are RemitLine rows)."""
        rc_id = rc_id or next(self.claim_ids)
        if outcome == RemitClaim.Outcome.EXCEPTION:
            data: dict[str, Any] = cin.model_dump(mode="json")
        else:
            data = {k: v for k, v in (("adjustments", [c.model_dump(mode="json") for c in cin.adjustments]),
                                      ("remarks", list(cin.remarks)), ("crossover_payer_name", cin.crossover_payer_name))
                    if v}
        self.remit_claim_rows.append((
            rc_id, self.practice_id, self.txn_id, seq, cin.pcn[:38], cin.status_code[:2], cin.charge, cin.paid,
            cin.patient_responsibility, cin.payer_claim_number[:50],
            f"{cin.patient_last_name}, {cin.patient_first_name}".strip(", ")[:100], claim_id, outcome, note[:300],
            Json(data)))
        return rc_id

    def _exception(self, seq: int, cin: RemitClaimIn, kind: str, message: str, candidates: list[dict[str, Any]],
                   claim_id: int | None, result: ImportResult) -> None:
        rc_id = self._remit_claim(seq, cin, claim_id, RemitClaim.Outcome.EXCEPTION, message)
        self.exception_rows.append((self.practice_id, rc_id, kind, message[:400], Json(candidates), "open", Json({}),
                                    timezone.now()))
        result.exceptions += 1

    def _claim_candidates(self, cin: RemitClaimIn) -> list[dict[str, Any]]:
        qs = Claim.objects.filter(practice_id=self.practice_id).exclude(status__in=[S.VOID, S.REPLACED])
        q = Q(total_charge=cin.charge)
        if cin.patient_last_name:
            q |= Q(patient__last_name__iexact=cin.patient_last_name)
        qs = qs.filter(q)
        if cin.statement_from:
            qs = qs.filter(date_of_service=cin.statement_from)
        return [{"claim": c.pk, "pcn": c.pcn, "patient": f"{c.patient.last_name}, {c.patient.first_name}",
                 "date": c.date_of_service.isoformat(), "charge": f"{c.total_charge:.2f}", "status": c.status}
                for c in qs.select_related("patient").order_by("-date_of_service")[:5]]

    def plan(self, seq: int, cin: RemitClaimIn, result: ImportResult, *, forced_claim: int | None = None,
             forced_lines: dict[int, list[int]] | None = None, rc_id: int | None = None) -> bool:
        """Decide one CLP: post it (rows queued for flush) or queue an exception. True when it will post."""
        claim = self.claims.get(forced_claim) if forced_claim else self.by_pcn.get(cin.pcn)
        if claim is None:
            self._exception(seq, cin, RemitException.Kind.NO_CLAIM, f"No claim {cin.pcn} in this practice.",
                            self._claim_candidates(cin), None, result)
            return False
        if cin.status_code in NOT_PAYABLE:
            self._exception(seq, cin, RemitException.Kind.NOT_PAYABLE, NOT_PAYABLE[cin.status_code].format(pcn=claim.pcn),
                            [{"claim": claim.id, "pcn": claim.pcn}], claim.id, result)
            return False
        reversal = cin.status_code == REVERSAL
        if claim.status not in POSTABLE and not (reversal and claim.status in (S.VOID, S.REPLACED)):
            self._exception(seq, cin, RemitException.Kind.NOT_SENT, f"Claim {claim.pcn} is {S(claim.status).label.lower()}; "
                            "payments post only to sent claims.", [], claim.id, result)
            return False
        if self.payer is not None and claim.payer_id != self.payer.pk and forced_claim is None:
            self._exception(seq, cin, RemitException.Kind.PAYER_MISMATCH,
                            f"{self.t.payer_name} paid claim {claim.pcn}, which was sent to another payer.",
                            [{"claim": claim.id, "pcn": claim.pcn}], claim.id, result)
            return False
        if reversal:
            return self._plan_reversal(seq, cin, claim, result, rc_id=rc_id)
        for p in self.posted.get(claim.id, ()):
            _id, _cid, icn, status, charge, paid, was_reversed = p
            if not was_reversed and icn == cin.payer_claim_number and status == cin.status_code and charge == cin.charge \
                    and paid == cin.paid and forced_claim is None:
                self._exception(seq, cin, RemitException.Kind.DUPLICATE, f"Claim {claim.pcn} was already posted from "
                                f"this payer's claim {icn or '(no number)'} with the same amounts.",
                                [{"remit_claim": _id}], claim.id, result)
                return False
        ours = self.lines.get(claim.id, [])
        if any(ln.charge_line_id is None for ln in ours):
            self._exception(seq, cin, RemitException.Kind.NO_SERVICE_LINE, f"Claim {claim.pcn} has a line without a "
                            "service line; it cannot be posted.", [], claim.id, result)
            return False
        services = list(cin.services)
        claim_level: list[Cas] = list(cin.adjustments)
        if not services:
            # Adjudicated at claim level only: spread the payment and adjustments over our lines by charge.
            matches = [_shares(list(ours))] if ours else []
            services = [RemitServiceIn(code="", charge=cin.charge, paid=cin.paid + sum((a.amount for a in claim_level), ZERO),
                                       adjustments=claim_level)] if ours else []
            claim_level = []
            match_kind = "claim_level"
        else:
            try:
                matches = match_services(services, ours, claim_date=cin.statement_from or claim.date_of_service,
                                         forced=forced_lines)
            except MatchProblem as exc:
                self._exception(seq, cin, exc.kind, f"Claim {claim.pcn}: {exc.message}", exc.candidates, claim.id, result)
                return False
            match_kind = ""
        self._post_claim(seq, cin, claim, services, matches, claim_level, match_kind, result, rc_id=rc_id,
                         manual=forced_claim is not None)
        return True

    def _secondary_payer(self, claim: _ClaimRow, cin: RemitClaimIn) -> tuple[int, int] | None:
        """(coverage, payer) of the secondary to transfer the patient share to, when there is one to bill."""
        if claim.responsibility != "P" or cin.status_code not in (*PRIMARY_PROCESSED, "20"):
            return None
        for cov_id, payer_id, start, end, kind in self.secondary_cov.get(claim.patient_id, ()):
            if kind != Payer.Kind.SELF_PAY and start <= claim.date_of_service and (end is None or claim.date_of_service <= end):
                if (claim.encounter_id, cov_id) in self.existing_claim_cov:
                    return None
                return cov_id, payer_id
        return None

    def _post_claim(self, seq: int, cin: RemitClaimIn, claim: _ClaimRow, services: list[RemitServiceIn],
                    matches: list[Match], claim_level: list[Cas], match_kind: str, result: ImportResult, *,
                    rc_id: int | None, manual: bool) -> None:
        note = ""
        secondary = self._secondary_payer(claim, cin)
        rc = self._remit_claim(seq, cin, claim.id, RemitClaim.Outcome.RESOLVED if manual else RemitClaim.Outcome.POSTED,
                               note, rc_id=rc_id)
        txn = Txn(practice_id=self.practice_id, kind=LedgerTransaction.Kind.ERA, source_key=f"era:{self.txn_id}:{seq}",
                  description=f"{self.t.payer_name} {self.t.trace_number} claim {cin.pcn}", remit_claim_id=rc)
        # Claim-level adjustments on a claim with lines: spread over the matched lines by charge.
        extra: dict[int, list[Cas]] = defaultdict(list)
        if claim_level:
            all_lines = [(i, ln) for i, m in enumerate(matches) for ln, _w in m]
            weights = _shares([ln for _i, ln in all_lines])
            for cas in claim_level:
                for (_i, ln), part in zip(all_lines, split(cas.amount, [w for _l, w in weights]), strict=True):
                    if part:
                        extra[ln.id].append(Cas(group=cas.group, reason=cas.reason, amount=part))
        is_primary = claim.responsibility == "P"
        denied_any = False
        posted_lines: list[tuple[RemitServiceIn, Match]] = []
        for svc_index, (svc, match) in enumerate(zip(services, matches, strict=True)):
            kind = match_kind or ("bundle" if len(match) > 1 else self._how(svc, match[0][0]))
            weights = [w for _ln, w in match]
            paid_parts = split(svc.paid, weights)
            single = len(match) == 1  # the usual case: the service's own adjustments, no new ones to build
            cas_parts = [] if single else [(c, split(c.amount, weights)) for c in svc.adjustments]
            remarks = list(svc.remarks) + list(cin.remarks)
            for k, (ln, _w) in enumerate(match):
                rl_id = next(self.line_ids)
                line_cas = (list(svc.adjustments) if single else
                            [Cas(group=c.group, reason=c.reason, amount=parts[k]) for c, parts in cas_parts])
                line_cas += extra.pop(ln.id, [])
                line_paid = paid_parts[k]
                line_charge = ln.charge if len(match) > 1 else svc.charge
                self.remit_line_rows.append((
                    rl_id, self.practice_id, rc, svc_index + 1, svc.code[:48], list(svc.modifiers), line_charge, line_paid,
                    svc.units_paid, svc.service_date, svc.line_control_number[:50], ln.id, ln.charge_line_id, kind,
                    Json([{"group": c.group, "reason": c.reason, "amount": str(c.amount)} for c in line_cas]),
                    remarks[:20]))
                pr = self._line_entries(txn, claim, ln, rl_id, line_paid, line_cas, remarks, secondary, f"{seq}:{svc_index}:{k}")
                result.lines_posted += 1
                result.paid += line_paid
                result.patient_responsibility += pr
                result.adjusted += sum((c.amount for c in line_cas if c.group != "PR" and not self._memo(c, claim)), ZERO)
                if line_paid == ZERO and pr == ZERO and ln.charge > ZERO:
                    denied_any = True
                    self._denials(claim, ln, rl_id, line_cas, remarks)
                elif is_primary and (line_paid or pr):
                    self._underpayment(claim, ln, rl_id, svc, line_paid, pr, len(match))
            posted_lines.append((svc, match))
        self.txns.append(txn)
        result.claims_matched += 1
        self.touched.add(claim.id)
        if cin.payer_claim_number:
            self.numbers[claim.id] = cin.payer_claim_number
        adjudicated = {ln.id for m in matches for ln, _w in m}
        all_ours = {ln.id for ln in self.lines.get(claim.id, [])}
        if cin.status_code == "4" or (cin.paid == ZERO and cin.patient_responsibility == ZERO):
            target = S.DENIED
        elif denied_any or adjudicated != all_ours:
            target = S.PARTIALLY_PAID
        else:
            target = S.PAID
        self.targets[claim.id] = target
        if secondary and cin.patient_responsibility > ZERO:
            self.secondaries.append((claim.id, secondary[0], cin, {ln.id: ln for ln in self.lines[claim.id]}, posted_lines))

    @staticmethod
    def _how(svc: RemitServiceIn, ln: OurLine) -> str:
        if svc.line_control_number and svc.line_control_number == ln.line_control_number:
            return "ref_6r"
        if tuple(svc.modifiers) == ln.modifiers and svc.code == ln.code:
            return "exact"
        return "modifiers" if svc.code == ln.code else "code_changed"

    @staticmethod
    def _memo(cas: Cas, claim: _ClaimRow) -> bool:
        """OA-23 on a secondary claim restates the prior payer's adjudication, already on the ledger."""
        return claim.responsibility != "P" and cas.reason == "23"

    def _line_entries(self, txn: Txn, claim: _ClaimRow, ln: OurLine, rl_id: int, paid: Decimal, cas: list[Cas],
                      remarks: list[str], secondary: tuple[int, int] | None, key: str) -> Decimal:
        assert ln.charge_line_id is not None
        # One dict of what every entry of this line shares (~60,000 entries in a large file).
        common = {"practice_id": self.practice_id, "line_id": ln.charge_line_id, "encounter_id": claim.encounter_id,
                  "patient_id": claim.patient_id, "posted_on": self.day, "claim_id": claim.id, "claim_line_id": ln.id,
                  "remit_line_id": rl_id}
        entries = txn.entries
        payer_id = claim.payer_id
        src = f"era:{self.txn_id}:{key}"
        if paid:
            entries.append(Entry(**common, bucket=Bucket.INSURANCE, payer_id=payer_id, kind=EntryKind.INSURANCE_PAYMENT,
                                 category=Category.PAYMENT, amount=-paid, source_key=f"{src}:pay", rarc=remarks[:10]))
        pr_total = ZERO
        memo_possible = claim.responsibility != "P"  # see _memo
        for j, c in enumerate(cas):
            if not c.amount or (memo_possible and self._memo(c, claim)):
                continue
            if c.group == "PR":
                pr_total += c.amount
                if secondary:
                    entries += transfer_pair(common, amount=c.amount, kind=EntryKind.TRANSFER_TO_SECONDARY,
                                             from_payer=payer_id, to_payer=secondary[1], key=f"{src}:cas{j}",
                                             cas_group="PR", carc=c.reason)
                else:
                    entries += transfer_pair(common, amount=c.amount, kind=EntryKind.TRANSFER_TO_PATIENT,
                                             from_payer=payer_id, to_payer=None, key=f"{src}:cas{j}",
                                             cas_group="PR", carc=c.reason)
            else:
                entries.append(Entry(**common, bucket=Bucket.INSURANCE, payer_id=payer_id, kind=EntryKind.ADJUSTMENT,
                                     category=Category.ADJUSTMENT, amount=-c.amount, source_key=f"{src}:cas{j}",
                                     cas_group=c.group, carc=c.reason, rarc=remarks[:10]))
        return pr_total

    def _denials(self, claim: _ClaimRow, ln: OurLine, rl_id: int, cas: list[Cas], remarks: list[str]) -> None:
        reasons = [c for c in cas if c.group != "PR" and c.reason not in NOT_DENIAL_REASONS and c.amount > 0] or \
                  [c for c in cas if c.group != "PR" and c.amount > 0]
        for c in reasons:
            self.denial_rows.append((self.practice_id, rl_id, claim.id, ln.id, ln.charge_line_id, claim.payer_id,
                                     c.group, c.reason[:5], remarks[:20], c.amount, "open", timezone.now()))

    def _underpayment(self, claim: _ClaimRow, ln: OurLine, rl_id: int, svc: RemitServiceIn, paid: Decimal, pr: Decimal,
                      shares: int) -> None:
        unit = self.fees.allowed(claim.payer_id, ln.code, ln.modifiers, ln.date)
        if unit is None:
            return
        expected = (unit * ln.units).quantize(CENT)
        allowed = svc.allowed if (svc.allowed is not None and shares == 1) else paid + pr
        difference = expected - allowed
        if difference > self.tolerance:
            self.under_rows.append((self.practice_id, rl_id, claim.id, ln.charge_line_id, claim.payer_id, ln.code,
                                    ln.units, expected, allowed, difference, "open", "", timezone.now()))

    def _plan_reversal(self, seq: int, cin: RemitClaimIn, claim: _ClaimRow, result: ImportResult, *,
                       rc_id: int | None) -> bool:
        """Offset exactly what an earlier posting of this claim put on the ledger (CLP02 22)."""
        candidates = [p for p in self.posted.get(claim.id, ()) if not p[6] and p[3] != REVERSAL
                      and p[4] == -cin.charge and p[5] == -cin.paid
                      and (not cin.payer_claim_number or not p[2] or p[2] == cin.payer_claim_number)]
        if not candidates:
            self._exception(seq, cin, RemitException.Kind.REVERSAL_UNMATCHED,
                            f"Reversal of claim {claim.pcn} (${-cin.paid} paid) matches no posting of ours that is "
                            "still standing; nothing was taken back.", [], claim.id, result)
            return False
        original = candidates[-1]
        entries = list(LedgerEntry.objects.filter(txn__remit_claim_id=original[0]).order_by("id"))
        rc = self._remit_claim(seq, cin, claim.id, RemitClaim.Outcome.POSTED, f"reverses remittance claim #{original[0]}",
                               rc_id=rc_id)
        txn = Txn(practice_id=self.practice_id, kind=LedgerTransaction.Kind.REVERSAL, source_key=f"era:{self.txn_id}:{seq}",
                  description=f"{self.t.payer_name} reversal of claim {cin.pcn}", remit_claim_id=rc)
        for e in entries:
            txn.entries.append(Entry(
                practice_id=e.practice_id, line_id=e.line_id, encounter_id=e.encounter_id, patient_id=e.patient_id,
                bucket=e.bucket, payer_id=e.payer_id, kind=EntryKind.REVERSAL, category=e.category, amount=-e.amount,
                source_key=f"era:{self.txn_id}:{seq}:rev{e.pk}", posted_on=self.day, claim_id=e.claim_id,
                claim_line_id=e.claim_line_id, cas_group=e.cas_group, carc=e.carc, rarc=list(e.rarc), reverses_id=e.pk))
            if e.kind == EntryKind.INSURANCE_PAYMENT:
                result.paid += e.amount
            elif e.category == Category.ADJUSTMENT:
                result.adjusted += e.amount
            elif e.kind in (EntryKind.TRANSFER_TO_PATIENT, EntryKind.TRANSFER_TO_SECONDARY) and e.amount > 0:
                result.patient_responsibility -= e.amount
        self.posted[claim.id] = [(*p[:6], True) if p[0] == original[0] else p for p in self.posted[claim.id]]
        # The adjudication is taken back: the claim is with the payer again until its corrected one posts
        # (a later CLP for the same claim in this file sets its own target).
        if claim.status not in (S.VOID, S.REPLACED):
            self.targets.setdefault(claim.id, S.ACCEPTED)
        self.txns.append(txn)
        result.claims_matched += 1
        result.lines_posted += len({e.claim_line_id for e in entries})
        self.touched.add(claim.id)
        return True

    # writing
    def flush(self, result: ImportResult) -> None:
        copy_lines("payments_remitclaim", ("id", "practice_id", "transaction_id", "seq", "pcn", "status_code", "charge",
                                           "paid", "patient_responsibility", "payer_claim_number", "patient_name",
                                           "claim_id", "outcome", "note", "data"),
                   map(_remit_claim_text, self.remit_claim_rows))
        copy_lines("payments_remitline", ("id", "practice_id", "remit_claim_id", "seq", "code", "modifiers", "charge", "paid",
                                          "units", "service_date", "line_control_number", "claim_line_id", "charge_line_id",
                                          "match", "adjustments", "remarks"), map(_remit_line_text, self.remit_line_rows))
        txns_write(self.txns, user=self.user)
        copy_rows("payments_denial", ("practice_id", "remit_line_id", "claim_id", "claim_line_id", "charge_line_id",
                                      "payer_id", "group", "reason", "remarks", "amount", "status", "created_at"),
                  self.denial_rows)
        _insert_tracked("payments_underpayment", ("practice_id", "remit_line_id", "claim_id", "charge_line_id", "payer_id",
                                                  "code", "units", "expected", "allowed", "difference", "status", "note",
                                                  "created_at"), self.under_rows)
        _insert_tracked("payments_remitexception", ("practice_id", "remit_claim_id", "kind", "message", "candidates",
                                                    "status", "resolution", "created_at"), self.exception_rows)
        self._claims_update()
        result.secondary_claims += self._secondary_claims()

    def _claims_update(self) -> None:
        from claims.services import claims_transition_bulk

        reason = f"835 {self.t.payer_name} {self.t.trace_number}"[:300]
        source = "era"
        submitted = [cid for cid in self.targets if self.claims[cid].status == S.SUBMITTED]
        if submitted:
            claims_transition_bulk(claim_ids=submitted, to_status=S.ACCEPTED, from_statuses=[S.SUBMITTED],
                                   reason=f"adjudicated: {reason}"[:300], source=source, user=self.user)
        by_target: dict[str, list[int]] = defaultdict(list)
        for cid, target in self.targets.items():
            by_target[target].append(cid)
        for target, ids in by_target.items():
            claims_transition_bulk(claim_ids=ids, to_status=target, reason=reason, source=source, user=self.user,
                                   from_statuses=[S.ACCEPTED, S.PAID, S.PARTIALLY_PAID, S.DENIED])
        claim_balances_refresh(claim_ids=self.touched, payer_claim_numbers=self.numbers)

    def _secondary_claims(self) -> int:
        """Bill the secondary payers: one job, after commit, makes their claims with the primary's adjudication."""
        if not self.secondaries:
            return 0
        items = []
        for claim_id, coverage_id, cin, _ours, posted in self.secondaries:
            items.append({"claim_id": claim_id, "coverage_id": coverage_id, "remit_transaction_id": self.txn_id,
                          "adjudication": prior_adjudication(claim_id, cin, posted, self.day).model_dump(mode="json")})
        from rcm.jobs import job_enqueue

        job_enqueue(kind="payments.secondary_claims", practice_id=self.practice_id, params={"items": items},
                    total=len(items), user=self.user, idempotency_key=f"secondary:{self.txn_id}:{self.claim_seq_key()}")
        return len(items)

    def claim_seq_key(self) -> str:
        return hashlib.sha256(",".join(str(x[0]) for x in self.secondaries).encode()).hexdigest()[:16]


def prior_adjudication(claim_id: int, cin: RemitClaimIn, posted: list[tuple[RemitServiceIn, Match]], day: dt.date) -> Any:
    """The primary payer's adjudication as `claims.adjudication.PriorAdjudication` (837P loops 2320/2430)."""
    from claims.adjudication import CasAdjustment, LineAdjudicationIn, PriorAdjudication

    groups = ("CO", "CR", "OA", "PI", "PR")
    lines = [LineAdjudicationIn(line_control_number=m[0][0].line_control_number, code=m[0][0].code,
                                modifiers=list(m[0][0].modifiers)[:4], paid=svc.paid, units=m[0][0].units,
                                adjudication_date=day,
                                adjustments=[CasAdjustment(group=c.group, reason=c.reason[:5], amount=c.amount)
                                             for c in svc.adjustments if c.group in groups])
             for svc, m in posted if m]
    return PriorAdjudication(claim_id=claim_id, paid=cin.paid, adjudication_date=day,
                             payer_claim_number=cin.payer_claim_number,
                             claim_adjustments=[CasAdjustment(group=c.group, reason=c.reason[:5], amount=c.amount)
                                                for c in cin.adjustments if c.group in groups], lines=lines)


def secondary_claims_generate(*, items: list[dict[str, Any]], user: Any = None) -> dict[str, Any]:
    """Make the secondary claims (idempotent: an encounter that has one for the coverage is skipped)."""
    from billing.models import Encounter
    from claims.services import claim_generate

    made, skipped, failed = 0, 0, []
    for item in items:
        claim = Claim.objects.get(pk=item["claim_id"])
        coverage = Coverage.objects.select_related("payer").get(pk=item["coverage_id"])
        if Claim.objects.filter(encounter_id=claim.encounter_id, coverage=coverage, frequency="1").exists():
            skipped += 1
            continue
        try:
            with transaction.atomic():
                claim_generate(encounter=Encounter.objects.get(pk=claim.encounter_id), coverage=coverage,
                               prior_adjudication=item["adjudication"], user=user)
            made += 1
        except ValidationError as exc:
            failed.append(f"{claim.pcn}: {' '.join(exc.messages)}")
            RemitClaim.objects.filter(transaction_id=item["remit_transaction_id"], claim_id=claim.pk).update(
                note=f"secondary claim not generated: {' '.join(exc.messages)}"[:300])
    return {"secondary_claims": made, "already_there": skipped, "failed": failed[:50]}


def _remit_claim_text(row: tuple) -> str:
    """One RemitClaim as a COPY line (5,000 in a large file): file data escaped, ours as is."""
    (rc_id, practice_id, txn_id, seq, pcn, status_code, charge, paid, responsibility, icn, name, claim_id, outcome,
     note, data) = row
    return (f"{rc_id}\t{practice_id}\t{txn_id}\t{seq}\t{text(pcn)}\t{text(status_code)}\t{charge}\t{paid}\t"
            f"{responsibility}\t{text(icn)}\t{text(name)}\t{chr(92) + 'N' if claim_id is None else claim_id}\t"
            f"{text(outcome)}\t{text(note)}\t{text(json.dumps(data.value, default=str))}\n")


def _remit_line_text(row: tuple) -> str:
    """One RemitLine as a COPY line (15,000 of them in a large file): file data escaped, ours as is."""
    (rl_id, practice_id, rc, seq, code, modifiers, charge, paid, units, day, lcn, claim_line, charge_line, match,
     adjustments, remarks) = row
    return (f"{rl_id}\t{practice_id}\t{rc}\t{seq}\t{text(code)}\t{text_array(modifiers)}\t{charge}\t{paid}\t{units}\t"
            f"{day.isoformat() if day else chr(92) + 'N'}\t{text(lcn)}\t{claim_line}\t"
            f"{chr(92) + 'N' if charge_line is None else charge_line}\t{match}\t"
            f"{text(json.dumps(adjustments.value))}\t{text_array(remarks)}\n")


def _insert_tracked(table: str, columns: Sequence[str], rows: list[tuple]) -> None:
    """Plain INSERTs (not COPY) for small tables whose history triggers must see each row."""
    if not rows:
        return
    from psycopg2.extras import Json as PgJson
    from psycopg2.extras import execute_values

    fixed = [tuple(PgJson(v.value) if isinstance(v, Json) else v for v in row) for row in rows]
    with connection.cursor() as cur:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES %s"  # noqa: S608 - our own table and column names
        execute_values(cur.cursor, sql, fixed, page_size=2000)


# --- exceptions ---------------------------------------------------------------------------------------
def exception_resolve(*, exception: RemitException, claim: Claim, lines: dict[int, list[int]] | None = None,
                      user: Any = None) -> RemitException:
    """Post an excepted ERA claim to the claim (and lines) a biller chose. Still all-or-nothing, still once."""
    with transaction.atomic():
        exc = RemitException.objects.select_for_update().select_related("remit_claim__transaction__remittance").get(
            pk=exception.pk)
        if exc.status != RemitException.Status.OPEN:
            raise ValidationError("This exception was already handled.")
        if claim.practice_id != exc.practice_id:
            raise ValidationError({"claim": "Not found in this practice."})
        rc = exc.remit_claim
        cin = RemitClaimIn.model_validate(rc.data)
        t = rc.transaction
        txn_in = RemitTransactionIn(control_number=t.control_number, total_paid=t.total_paid, trace_number=t.trace_number,
                                    payer_name=t.payer_name, payer_identifier=t.payer_identifier,
                                    payment_date=t.payment_date, claims=[cin])
        ledger_sync_charges(claim_ids=[claim.pk], user=user)
        poster = _Poster(remittance=t.remittance, txn_in=txn_in, user=user, practice_id=exc.practice_id)
        poster.txn_id = t.pk
        poster._load([cin.pcn], extra_claim_ids=[claim.pk])
        poster.payer = t.payer
        poster.line_ids = IdPool("payments_remitline", block=50)
        poster.claim_ids = iter(())
        result = ImportResult()
        if cin.status_code == REVERSAL:
            ok = poster._plan_reversal(rc.seq, cin, poster.claims[claim.pk], result, rc_id=rc.pk)
        else:
            forced = {int(k): list(v) for k, v in lines.items()} if lines else None
            ok = poster.plan(rc.seq, cin, result, forced_claim=claim.pk, forced_lines=forced, rc_id=rc.pk)
        if not ok:
            row = poster.exception_rows[-1] if poster.exception_rows else None
            raise ValidationError(row[3] if row else "This remittance claim still cannot be posted to that claim.")
        # The RemitClaim row exists: update it instead of inserting it again.
        (_id, *_rest) = poster.remit_claim_rows.pop()
        poster.flush(result)
        RemitClaim.objects.filter(pk=rc.pk).update(claim=claim, outcome=RemitClaim.Outcome.RESOLVED,
                                                   note=f"posted by {getattr(user, 'username', 'system')}"[:300])
        exc.status = RemitException.Status.RESOLVED
        exc.resolution = {"claim": claim.pk, "lines": {str(k): v for k, v in (lines or {}).items()},
                          "paid": f"{result.paid:.2f}", "lines_posted": result.lines_posted}
        exc.resolved_by = user if getattr(user, "is_authenticated", False) else None
        exc.resolved_at = timezone.now()
        exc.save()
        _refresh_remittance_status(rc.transaction.remittance_id)
        _denial_queue(rc.transaction.remittance_id)
    return exc


def exception_dismiss(*, exception: RemitException, reason: str, user: Any = None) -> RemitException:
    """Close an exception without posting (e.g. another practice's claim); the reason is kept."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why nothing is posted."})
    with transaction.atomic():
        exc = RemitException.objects.select_for_update().get(pk=exception.pk)
        if exc.status != RemitException.Status.OPEN:
            raise ValidationError("This exception was already handled.")
        exc.status = RemitException.Status.DISMISSED
        exc.resolution = {"reason": reason.strip()[:300]}
        exc.resolved_by = user if getattr(user, "is_authenticated", False) else None
        exc.resolved_at = timezone.now()
        exc.save()
        RemitClaim.objects.filter(pk=exc.remit_claim_id).update(outcome=RemitClaim.Outcome.DISMISSED,
                                                                 note=reason.strip()[:300])
        _refresh_remittance_status(RemitClaim.objects.get(pk=exc.remit_claim_id).transaction.remittance_id)
    return exc


def _refresh_remittance_status(remittance_id: int) -> None:
    open_left = RemitException.objects.filter(remit_claim__transaction__remittance_id=remittance_id,
                                              status=RemitException.Status.OPEN).exists()
    if not open_left:
        Remittance.objects.filter(pk=remittance_id, status=Remittance.Status.EXCEPTIONS).update(
            status=Remittance.Status.POSTED)
