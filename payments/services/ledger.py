"""The ledger's write side: entries, transactions, and charges (posted idempotently from claims).

Charges enter the ledger when a claim is generated — the claim line's charge is what the practice bills,
and from then on the encounter is billed and its service lines can no longer be edited or deleted by
coding. The claims service does not call us (yet), so `ledger_sync_charges` is idempotent and is run
before anything posts (ERA, manual posting, statements), by the demo, and every few minutes by beat: it
compares each service line's charges on the ledger with its latest primary claim line and posts only
the difference (a voided unsent claim brings the line back to zero). Self-pay encounters (coded, no
insurance on the date of service) are billed to the patient by the same sync when asked.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pgtrigger
from django.db import connection, transaction
from django.utils import timezone

from payments.models import Bucket, Category, EntryKind, LedgerTransaction
from payments.services._bulk import copy_lines, next_ids
from payments.services._bulk import text as _text
from payments.services._bulk import text_array as _array

ZERO = Decimal("0.00")

ENTRY_COLUMNS = ("practice_id", "txn_id", "line_id", "encounter_id", "patient_id", "claim_id", "claim_line_id", "payer_id",
                 "bucket", "kind", "category", "amount", "cas_group", "carc", "rarc", "reverses_id", "remit_line_id",
                 "allocation_id", "source_key", "posted_on", "created_by_id", "created_at")
TXN_COLUMNS = ("id", "practice_id", "kind", "source_key", "description", "remit_claim_id", "payment_id", "created_by_id",
               "created_at")


@dataclass(slots=True)
class Entry:
    practice_id: int
    line_id: int
    encounter_id: int
    patient_id: int
    bucket: str
    payer_id: int | None
    kind: str
    category: str
    amount: Decimal
    source_key: str
    posted_on: dt.date
    claim_id: int | None = None
    claim_line_id: int | None = None
    cas_group: str = ""
    carc: str = ""
    rarc: Sequence[str] = ()
    reverses_id: int | None = None
    remit_line_id: int | None = None
    allocation_id: int | None = None
    txn_id: int = 0


@dataclass(slots=True)
class Txn:
    practice_id: int
    kind: str
    source_key: str
    description: str = ""
    remit_claim_id: int | None = None
    payment_id: int | None = None
    entries: list[Entry] = field(default_factory=list)
    id: int = 0


def _uid(user: Any) -> int | None:
    return getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None


def txns_write(txns: Sequence[Txn], *, user: Any = None) -> int:
    """Write transactions and their entries (COPY). Refuses a transaction whose transfers do not sum to zero."""
    txns = [t for t in txns if t.entries]
    if not txns:
        return 0
    for t in txns:
        transfers = sum((e.amount for e in t.entries if e.category == Category.TRANSFER), ZERO)
        if transfers != ZERO:
            raise ValueError(f"transfers of {t.source_key} sum to {transfers}, not zero")
    ids = next_ids("payments_ledgertransaction", len(txns))
    now = timezone.now()
    uid = _uid(user)
    for t, i in zip(txns, ids, strict=True):
        t.id = i
    n = "\\N"
    tail = f"{n if uid is None else uid}\t{now.isoformat()}\n"
    # One f-string per row (5,000 in a large ERA); the description may hold a payer's name: escaped.
    copy_lines("payments_ledgertransaction", TXN_COLUMNS,
               (f"{t.id}\t{t.practice_id}\t{_text(t.kind)}\t{_text(t.source_key)}\t{_text(t.description[:200])}\t"
                f"{n if t.remit_claim_id is None else t.remit_claim_id}\t{n if t.payment_id is None else t.payment_id}\t"
                + tail for t in txns))
    return copy_lines("payments_ledgerentry", ENTRY_COLUMNS, _entry_lines(txns, uid, now))


_V: dict[str, str] = {str(v): str(v) for c in (Bucket, EntryKind, Category) for v in c.values}


def _entry_lines(txns: Sequence[Txn], uid: int | None, now: dt.datetime) -> Iterator[str]:
    """Entries as COPY text, one f-string per row (the hot path of a large ERA: ~70,000 rows)."""
    n = "\\N"
    tail = f"{uid if uid is not None else n}\t{now.isoformat()}\n"
    for t in txns:
        for e in t.entries:
            rarc = _array(e.rarc)
            # bucket, kind, category and source_key are our own tab-free values; CAS codes come from a file.
            yield (f"{e.practice_id}\t{t.id}\t{e.line_id}\t{e.encounter_id}\t{e.patient_id}\t"
                   f"{n if e.claim_id is None else e.claim_id}\t{n if e.claim_line_id is None else e.claim_line_id}\t"
                   f"{n if e.payer_id is None else e.payer_id}\t{_V[e.bucket]}\t{_V[e.kind]}\t{_V[e.category]}\t"
                   f"{e.amount}\t{_text(e.cas_group) if e.cas_group else ''}\t{_text(e.carc) if e.carc else ''}\t"
                   f"{rarc}\t{n if e.reverses_id is None else e.reverses_id}\t"
                   f"{n if e.remit_line_id is None else e.remit_line_id}\t"
                   f"{n if e.allocation_id is None else e.allocation_id}\t{e.source_key}\t{e.posted_on.isoformat()}\t"
                   + tail)


def transfer_pair(base: dict[str, Any], *, amount: Decimal, kind: str, from_payer: int | None, to_payer: int | None,
                  key: str, **extra: Any) -> list[Entry]:
    """Move `amount` from one bucket to another on one line: two entries that sum to zero."""
    from_bucket = Bucket.INSURANCE if from_payer else Bucket.PATIENT
    to_bucket = Bucket.INSURANCE if to_payer else Bucket.PATIENT
    return [Entry(**base, bucket=from_bucket, payer_id=from_payer, kind=kind, category=Category.TRANSFER, amount=-amount,
                  source_key=f"{key}:out", **extra),
            Entry(**base, bucket=to_bucket, payer_id=to_payer, kind=kind, category=Category.TRANSFER, amount=amount,
                  source_key=f"{key}:in", **extra)]


# --- charges ------------------------------------------------------------------------------------------
@dataclass
class ChargeSync:
    lines: int = 0
    charged: Decimal = ZERO
    corrected: int = 0
    self_pay_encounters: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"lines": self.lines, "charged": f"{self.charged:.2f}", "corrected": self.corrected,
                "self_pay_encounters": self.self_pay_encounters}


def ledger_sync_charges(*, practice_id: int | None = None, claim_ids: Iterable[int] | None = None,
                        self_pay: bool = False, user: Any = None, today: dt.date | None = None) -> ChargeSync:
    """Post the charges the ledger is missing (or their corrections); a second run posts nothing."""
    today = today or timezone.localdate()
    result = ChargeSync()
    ids = sorted(set(claim_ids)) if claim_ids is not None else None
    if ids is not None and not ids:
        return result
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('payments.charges'), %s)", [practice_id or 0])
        where, params = ["c.responsibility = 'P'", "c.frequency <> '8'", "cl.charge_line_id IS NOT NULL"], []
        if practice_id is not None:
            where.append("c.practice_id = %s")
            params.append(practice_id)
        if ids is not None:
            # bigint[] like the column: an int[] compares across types, which PostgreSQL cannot hash (a linear
            # scan of the whole array for every line: 0.4 s for an ERA of 5,000 claims).
            where.append("cl.charge_line_id IN (SELECT charge_line_id FROM claims_claimline WHERE claim_id = ANY(%s::bigint[]))")
            params.append(ids)
        sql = ("SELECT cl.charge_line_id, c.id, cl.id, cl.charge_amount, c.payer_id, c.status, c.patient_id, "  # noqa: S608
               "c.encounter_id, c.practice_id FROM claims_claimline cl JOIN claims_claim c ON c.id = cl.claim_id WHERE "
               + " AND ".join(where) + " ORDER BY cl.charge_line_id, c.id")
        cur.execute(sql, params)
        latest: dict[int, tuple] = {}
        live: dict[int, tuple] = {}
        for row in cur.fetchall():
            latest[row[0]] = row
            if row[5] != "void":
                live[row[0]] = row
        targets: dict[int, tuple[Decimal, int | None, tuple]] = {}
        for line_id, row in latest.items():
            chosen = live.get(line_id)
            targets[line_id] = (chosen[3], chosen[4], chosen) if chosen else (ZERO, row[4], row)
        if self_pay and ids is None:
            targets.update(_self_pay_targets(cur, practice_id, result))
        if not targets:
            return result
        line_ids = sorted(targets)
        cur.execute("SELECT line_id, sum(charges) FROM payments_ledgerbalance WHERE line_id = ANY(%s) GROUP BY line_id",
                    [line_ids])
        current = {r[0]: r[1] for r in cur.fetchall()}
        deltas = {i: targets[i][0] - current.get(i, ZERO) for i in line_ids}
        changed = [i for i in line_ids if deltas[i] != ZERO]
        if not changed:  # the usual case before posting: beat already synced them
            return result
        cur.execute("SELECT line_id, count(*) FROM payments_ledgerentry WHERE line_id = ANY(%s) AND category = 'charge' "
                    "GROUP BY line_id", [[i for i in changed if i in current]])
        counts = {r[0]: r[1] for r in cur.fetchall()}
        by_practice: dict[int, Txn] = {}
        for line_id in changed:
            _target, payer_id, row = targets[line_id]
            delta = deltas[line_id]
            _line, claim_id, claim_line_id, _amt, _p, _s, patient_id, encounter_id, prac = row
            txn = by_practice.get(prac)
            if txn is None:
                stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
                txn = by_practice[prac] = Txn(practice_id=prac, kind=LedgerTransaction.Kind.CHARGES,
                                              source_key=f"charges:{prac}:{stamp}", description="charges from claims")
            n = counts.get(line_id, 0) + 1
            txn.entries.append(Entry(
                practice_id=prac, line_id=line_id, encounter_id=encounter_id, patient_id=patient_id,
                bucket=Bucket.INSURANCE if payer_id else Bucket.PATIENT, payer_id=payer_id, kind=EntryKind.CHARGE,
                category=Category.CHARGE, amount=delta, source_key=f"charge:{line_id}:{n}", posted_on=today,
                claim_id=claim_id, claim_line_id=claim_line_id))
            result.lines += 1
            result.charged += delta
            result.corrected += n > 1
        txns_write(list(by_practice.values()), user=user)
    return result


def _self_pay_targets(cur: Any, practice_id: int | None, result: ChargeSync) -> dict[int, tuple[Decimal, None, tuple]]:
    """Coded encounters with no claim and no insurance on the date of service: billed to the patient."""
    params: list[Any] = []
    extra = ""
    if practice_id is not None:
        extra = "AND e.practice_id = %s"
        params.append(practice_id)
    cur.execute(
        "SELECT e.id FROM billing_encounter e WHERE e.status = 'coded' " + extra + " "  # noqa: S608
        "AND NOT EXISTS (SELECT 1 FROM claims_claim c WHERE c.encounter_id = e.id) "
        "AND NOT EXISTS (SELECT 1 FROM billing_coverage v JOIN billing_payer p ON p.id = v.payer_id "
        "  WHERE v.patient_id = e.patient_id AND v.priority = 1 AND p.kind <> 'self_pay' "
        "  AND v.effective_from <= e.date_of_service AND (v.effective_to IS NULL OR v.effective_to >= e.date_of_service))",
        params)
    encounter_ids = [r[0] for r in cur.fetchall()]
    if not encounter_ids:
        return {}
    from billing.services import encounter_mark_billed

    encounter_mark_billed(encounter_ids=encounter_ids)
    result.self_pay_encounters = len(encounter_ids)
    cur.execute("SELECT l.id, l.charge_amount, e.patient_id, e.id, e.practice_id FROM billing_chargeline l "
                "JOIN billing_encounter e ON e.id = l.encounter_id WHERE e.id = ANY(%s) AND e.status = 'billed'",
                [encounter_ids])
    return {r[0]: (r[1], None, (r[0], None, None, r[1], None, "", r[2], r[3], r[4])) for r in cur.fetchall()}


def claim_balances_refresh(*, claim_ids: Iterable[int], payer_claim_numbers: dict[int, str] | None = None) -> int:
    """Keep `Claim.balance` (the claims queue's sort key) equal to what the claim's payer owes on the ledger,
    and record the payer's claim numbers from an ERA, in one UPDATE (each claim row is rewritten once)."""
    ids = sorted(set(claim_ids) | set(payer_claim_numbers or {}))
    if not ids:
        return 0
    numbers = payer_claim_numbers or {}
    with connection.cursor() as cur, hash_joins(len(ids) > 200), claim_history_paused():
        cur.execute(
            "UPDATE claims_claim c SET balance = s.bal, payer_claim_number = coalesce(s.n, c.payer_claim_number), "
            "updated_at = now() FROM ("
            "  SELECT c2.id, coalesce(sum(b.balance), 0) AS bal, min(v.n) AS n FROM claims_claim c2 "
            "  JOIN unnest(%s::bigint[], %s::text[]) AS v(id, n) ON v.id = c2.id "
            "  JOIN claims_claimline cl ON cl.claim_id = c2.id "
            "  LEFT JOIN payments_ledgerbalance b ON b.line_id = cl.charge_line_id AND b.bucket = 'ins' "
            "    AND b.payer_id = c2.payer_id "
            "  GROUP BY c2.id) s "
            "WHERE c.id = s.id AND (c.balance IS DISTINCT FROM s.bal OR (s.n IS NOT NULL AND c.payer_claim_number "
            "IS DISTINCT FROM s.n))", [ids, [numbers[i][:50] if i in numbers else None for i in ids]])
        return cur.rowcount


CLAIM_HISTORY_TRIGGER = "claims.Claim:update_update"


@contextmanager
def claim_history_paused() -> Iterator[None]:
    """Bulk updates of `Claim.balance` / `payer_claim_number` without a change-history row each.

    The balance is derived from the ledger (the ledger is its history) and the payer's claim number is kept
    on the remittance claim. pghistory's row trigger opens a subtransaction per row to read its context;
    thousands of them in one transaction overflow PostgreSQL's subtransaction cache and make the whole
    transaction quadratic (measured: 30 s instead of 0.1 s for 5,000 claims).
    """
    with pgtrigger.ignore(CLAIM_HISTORY_TRIGGER):
        yield


@contextmanager
def hash_joins(on: bool = True) -> Iterator[None]:
    """Within a bulk statement, forbid nested loops: rows written earlier in this transaction are not in the
    planner's statistics yet, and a nested loop over a table it thinks is empty is quadratic."""
    if not on:
        yield
        return
    with connection.cursor() as cur:
        cur.execute("SET LOCAL enable_nestloop TO off")
        try:
            yield
        finally:
            cur.execute("SET LOCAL enable_nestloop TO on")


def line_context(line_ids: Iterable[int]) -> dict[int, tuple[int, int, int]]:
    """charge line id -> (practice, encounter, patient)."""
    ids = sorted(set(line_ids))
    if not ids:
        return {}
    with connection.cursor() as cur:
        cur.execute("SELECT l.id, l.practice_id, l.encounter_id, e.patient_id FROM billing_chargeline l "
                    "JOIN billing_encounter e ON e.id = l.encounter_id WHERE l.id = ANY(%s)", [ids])
        return {r[0]: (r[1], r[2], r[3]) for r in cur.fetchall()}


def line_buckets(line_ids: Iterable[int]) -> dict[int, dict[tuple[str, int], Decimal]]:
    """Current balance per (bucket, payer_key) for each line."""
    ids = sorted(set(line_ids))
    out: dict[int, dict[tuple[str, int], Decimal]] = defaultdict(dict)
    if not ids:
        return out
    with connection.cursor() as cur:
        cur.execute("SELECT line_id, bucket, payer_key, balance FROM payments_ledgerbalance WHERE line_id = ANY(%s)", [ids])
        for line_id, bucket, payer_key, balance in cur.fetchall():
            out[line_id][(bucket, payer_key)] = balance
    return out
