"""Rebuilding a practice's dashboard summaries: set-based SQL over claims, the ledger and coding, one snapshot.

`summaries_refresh(practice_id=)` deletes the practice's rows of every `reports` table and rebuilds them with
INSERT ... SELECT statements (no Python per row) inside one REPEATABLE READ transaction, so facts and cells
describe the same moment. A session-level advisory lock keeps two refreshes of one practice from
overlapping (the second returns at once: the first is already doing the work). It runs from beat (every
15 minutes, `rcm/celery.py`), on a manager's "Refresh now", and after `seed_demo`.

Denial categories come from `claims.denials.categories.denial_category`, called once per distinct
(group, CARC, RARCs) combination of the practice, not per row.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reports.definitions import CONTRACTUAL_CARCS
from reports.models import RefreshState

TABLES = ("reports_arcell", "reports_claimcell", "reports_flowcell", "reports_denialcell", "reports_codingcell",
          "reports_arfact", "reports_claimfact", "reports_denialfact")

# --- working tables (temporary, dropped at the end) -----------------------------------------------------------
LINE_PAYER = """
CREATE TEMP TABLE r_line_payer AS
SELECT line_id, max(payer_id) AS payer_id FROM payments_ledgerbalance
WHERE practice_id = %(p)s AND bucket = 'ins' AND charges > 0 GROUP BY line_id
"""

CLAIM_EVENTS = """
CREATE TEMP TABLE r_claim_events AS
SELECT claim_id,
       min(at) FILTER (WHERE to_status = 'submitted') AS submitted_at,
       min(at) FILTER (WHERE to_status = 'scrubbed_errors') AS errors_at,
       (array_agg(to_status ORDER BY at, id) FILTER (WHERE to_status IN ('accepted', 'rejected')))[1] AS first_answer,
       (array_agg(to_status ORDER BY at, id)
            FILTER (WHERE to_status IN ('paid', 'partially_paid', 'denied')))[1] AS first_adjudication,
       bool_or(to_status = 'rejected') AS ever_rejected
FROM claims_claimstatusevent WHERE practice_id = %(p)s GROUP BY claim_id
"""

# Claims whose sent data (the claim or a line) was edited before their first submission (pghistory's update events;
# status, scrub results and the ledger-derived balance are not tracked, so only real edits appear).
EDITED = """
CREATE TEMP TABLE r_edited AS
SELECT ce.pgh_obj_id AS claim_id FROM claims_claimevent ce JOIN r_claim_events s ON s.claim_id = ce.pgh_obj_id
WHERE ce.practice_id = %(p)s AND ce.pgh_label = 'update' AND ce.pgh_created_at < s.submitted_at
UNION
SELECT le.claim_id FROM claims_claimlineevent le JOIN r_claim_events s ON s.claim_id = le.claim_id
WHERE le.practice_id = %(p)s AND le.pgh_label = 'update' AND le.pgh_created_at < s.submitted_at
"""

# Per claim and service line: non-contractual payer write-offs still standing (reversals net them out) and the
# first insurance payment that came through the claim.
CLAIM_MONEY = """
CREATE TEMP TABLE r_claim_money AS
SELECT claim_id, line_id,
       -coalesce(sum(amount) FILTER (WHERE category = 'adjustment' AND cas_group <> ''
                                     AND NOT (carc = ANY(%(contractual)s))), 0) AS writeoff,
       min(posted_on) FILTER (WHERE kind = 'ins_payment') AS first_paid_on
FROM payments_ledgerentry WHERE practice_id = %(p)s AND claim_id IS NOT NULL
GROUP BY claim_id, line_id
"""

FIRST_REMIT = """
CREATE TEMP TABLE r_first_remit AS
SELECT claim_id, min(id) AS remit_claim_id FROM payments_remitclaim
WHERE practice_id = %(p)s AND claim_id IS NOT NULL AND outcome IN ('posted', 'resolved') AND status_code <> '22'
GROUP BY claim_id
"""

# --- facts ---------------------------------------------------------------------------------------------------
DENIAL_FACTS = """
INSERT INTO reports_denialfact (practice_id, dos, provider_id, location_id, payer_id, denial_id, claim_id, patient_id,
    line_id, pcn, month, denied_on, "group", carc, rarcs, category, amount, initial)
SELECT d.practice_id, c.date_of_service, c.rendering_provider_id, c.facility_id, c.payer_id, d.id, d.claim_id,
       c.patient_id, d.charge_line_id, c.pcn, date_trunc('month', x.day)::date, x.day, d."group", d.reason, d.remarks,
       '', d.amount, rl.remit_claim_id = fr.remit_claim_id
FROM payments_denial d
JOIN claims_claim c ON c.id = d.claim_id
JOIN payments_remitline rl ON rl.id = d.remit_line_id
JOIN payments_remitclaim rc ON rc.id = rl.remit_claim_id
JOIN payments_remittransaction t ON t.id = rc.transaction_id
LEFT JOIN r_first_remit fr ON fr.claim_id = d.claim_id
CROSS JOIN LATERAL (SELECT coalesce(t.payment_date, (d.created_at AT TIME ZONE %(tz)s)::date) AS day) x
WHERE d.practice_id = %(p)s AND c.frequency <> '8'
"""

CLAIM_FACTS = """
INSERT INTO reports_claimfact (practice_id, dos, provider_id, location_id, payer_id, claim_id, patient_id, pcn, status,
    status_since, created_on, submitted_on, first_answer, first_adjudication, submitted, answered, clean, adjudicated,
    first_pass, denied_initial, denied_final, total_charge, balance, denied_initial_amount, denied_final_amount,
    first_paid_on, days_to_payment, charge_lag)
WITH di AS (
    SELECT claim_id, count(*) FILTER (WHERE initial) AS n_initial,
           coalesce(sum(amount) FILTER (WHERE initial), 0) AS initial_amount
    FROM reports_denialfact WHERE practice_id = %(p)s GROUP BY claim_id
), df AS (
    SELECT dl.claim_id, sum(greatest(m.writeoff, 0)) AS final_amount
    FROM (SELECT DISTINCT claim_id, line_id FROM reports_denialfact WHERE practice_id = %(p)s) dl
    JOIN r_claim_money m ON m.claim_id = dl.claim_id AND m.line_id = dl.line_id
    GROUP BY dl.claim_id
), pay AS (
    SELECT claim_id, min(first_paid_on) AS first_paid_on FROM r_claim_money GROUP BY claim_id
)
SELECT c.practice_id, c.date_of_service, c.rendering_provider_id, c.facility_id, c.payer_id, c.id, c.patient_id, c.pcn,
       c.status, (c.status_changed_at AT TIME ZONE %(tz)s)::date, y.created_on, (s.submitted_at AT TIME ZONE %(tz)s)::date,
       coalesce(s.first_answer, ''), coalesce(s.first_adjudication, ''),
       y.submitted, y.submitted AND s.first_answer IS NOT NULL,
       y.submitted AND coalesce(s.first_answer = 'accepted', false) AND (s.errors_at IS NULL OR s.errors_at > s.submitted_at)
           AND ed.claim_id IS NULL,
       y.adjudicated,
       y.adjudicated AND s.first_adjudication = 'paid' AND NOT coalesce(s.ever_rejected, false) AND c.frequency = '1'
           AND coalesce(di.n_initial, 0) = 0,
       y.adjudicated AND coalesce(di.n_initial, 0) > 0,
       y.adjudicated AND coalesce(df.final_amount, 0) > 0,
       c.total_charge, c.balance, coalesce(di.initial_amount, 0), coalesce(df.final_amount, 0),
       pay.first_paid_on, pay.first_paid_on - c.date_of_service,
       CASE WHEN c.frequency = '1' AND c.responsibility = 'P' THEN y.created_on - c.date_of_service END
FROM claims_claim c
LEFT JOIN r_claim_events s ON s.claim_id = c.id
LEFT JOIN (SELECT DISTINCT claim_id FROM r_edited) ed ON ed.claim_id = c.id
LEFT JOIN di ON di.claim_id = c.id
LEFT JOIN df ON df.claim_id = c.id
LEFT JOIN pay ON pay.claim_id = c.id
CROSS JOIN LATERAL (SELECT (c.created_at AT TIME ZONE %(tz)s)::date AS created_on,
                           s.submitted_at IS NOT NULL AS submitted,
                           s.first_adjudication IS NOT NULL AS adjudicated) y
WHERE c.practice_id = %(p)s AND c.frequency <> '8'
"""

LINE_CLAIM = """
CREATE TEMP TABLE r_line_claim AS
SELECT cl.charge_line_id AS line_id, min(f.submitted_on) AS submitted_on, max(cl.claim_id) AS claim_id
FROM claims_claimline cl JOIN reports_claimfact f ON f.claim_id = cl.claim_id
WHERE f.practice_id = %(p)s AND cl.charge_line_id IS NOT NULL
GROUP BY cl.charge_line_id
"""

AR_FACTS = """
INSERT INTO reports_arfact (practice_id, dos, provider_id, location_id, payer_id, line_id, encounter_id, patient_id,
    claim_id, bucket, submitted_on, balance)
SELECT b.practice_id, e.date_of_service, e.provider_id, e.location_id,
       CASE WHEN b.bucket = 'ins' THEN b.payer_id ELSE lp.payer_id END,
       b.line_id, b.encounter_id, b.patient_id, lc.claim_id, b.bucket, lc.submitted_on, b.balance
FROM payments_ledgerbalance b
JOIN billing_encounter e ON e.id = b.encounter_id
LEFT JOIN r_line_payer lp ON lp.line_id = b.line_id
LEFT JOIN r_line_claim lc ON lc.line_id = b.line_id
WHERE b.practice_id = %(p)s AND b.balance <> 0
"""

# --- cells ---------------------------------------------------------------------------------------------------
AR_CELLS = """
INSERT INTO reports_arcell (practice_id, dos, provider_id, location_id, payer_id, submitted_on, bucket, balance, lines)
SELECT practice_id, dos, provider_id, location_id, payer_id, submitted_on, bucket, sum(balance), count(*)
FROM reports_arfact WHERE practice_id = %(p)s
GROUP BY practice_id, dos, provider_id, location_id, payer_id, submitted_on, bucket
"""

CLAIM_CELLS = """
INSERT INTO reports_claimcell (practice_id, dos, provider_id, location_id, payer_id, status, status_since, claims, charges,
    balance, submitted, answered, clean, adjudicated, adjudicated_charges, first_pass, denied_initial,
    denied_initial_amount, denied_final, denied_final_amount, paid, days_to_payment, lagged, charge_lag)
SELECT practice_id, dos, provider_id, location_id, payer_id, status, status_since, count(*), sum(total_charge),
       sum(balance), count(*) FILTER (WHERE submitted), count(*) FILTER (WHERE answered), count(*) FILTER (WHERE clean),
       count(*) FILTER (WHERE adjudicated), coalesce(sum(total_charge) FILTER (WHERE adjudicated), 0),
       count(*) FILTER (WHERE first_pass), count(*) FILTER (WHERE denied_initial),
       coalesce(sum(denied_initial_amount) FILTER (WHERE denied_initial), 0), count(*) FILTER (WHERE denied_final),
       coalesce(sum(denied_final_amount) FILTER (WHERE denied_final), 0), count(first_paid_on),
       coalesce(sum(days_to_payment), 0), count(charge_lag), coalesce(sum(charge_lag), 0)
FROM reports_claimfact WHERE practice_id = %(p)s
GROUP BY practice_id, dos, provider_id, location_id, payer_id, status, status_since
"""

# Charges count in their month of service; payments and adjustments in the month they were posted. A patient
# bucket's entries count under the payer the line was billed to (see ArFact).
FLOW_CELLS = """
INSERT INTO reports_flowcell (practice_id, dos, provider_id, location_id, payer_id, month, charges, ins_payments,
    pat_payments, contractual, other_adjustments)
SELECT %(p)s, e.date_of_service, e.provider_id, e.location_id,
       CASE WHEN x.bucket = 'ins' THEN x.payer_id ELSE lp.payer_id END AS payer,
       date_trunc('month', CASE WHEN x.category = 'charge' THEN e.date_of_service ELSE x.posted_on END)::date AS month,
       coalesce(sum(x.amount) FILTER (WHERE x.category = 'charge'), 0),
       -coalesce(sum(x.amount) FILTER (WHERE x.category = 'payment' AND x.bucket = 'ins'), 0),
       -coalesce(sum(x.amount) FILTER (WHERE x.category = 'payment' AND x.bucket = 'pat'), 0),
       -coalesce(sum(x.amount) FILTER (WHERE x.category = 'adjustment' AND x.carc = ANY(%(contractual)s)), 0),
       -coalesce(sum(x.amount) FILTER (WHERE x.category = 'adjustment' AND NOT (x.carc = ANY(%(contractual)s))), 0)
FROM payments_ledgerentry x
JOIN billing_encounter e ON e.id = x.encounter_id
LEFT JOIN r_line_payer lp ON lp.line_id = x.line_id
WHERE x.practice_id = %(p)s AND x.category <> 'transfer'
GROUP BY e.date_of_service, e.provider_id, e.location_id, payer, month
"""

# A claim counts once overall, once per category and once per CARC: its first row (by id) in each carries the flag.
DENIAL_CELLS = """
INSERT INTO reports_denialcell (practice_id, dos, provider_id, location_id, payer_id, month, category, "group", carc,
    denials, amount, claims, claims_in_category, claims_with_carc)
SELECT practice_id, dos, provider_id, location_id, payer_id, month, category, "group", carc, count(*), sum(amount),
       count(*) FILTER (WHERE n_claim = 1), count(*) FILTER (WHERE n_category = 1), count(*) FILTER (WHERE n_carc = 1)
FROM (SELECT f.*, row_number() OVER (PARTITION BY claim_id ORDER BY id) AS n_claim,
             row_number() OVER (PARTITION BY claim_id, category ORDER BY id) AS n_category,
             row_number() OVER (PARTITION BY claim_id, carc ORDER BY id) AS n_carc
      FROM reports_denialfact f WHERE practice_id = %(p)s) x
GROUP BY practice_id, dos, provider_id, location_id, payer_id, month, category, "group", carc
"""

CODING_CELLS = """
INSERT INTO reports_codingcell (practice_id, dos, provider_id, location_id, payer_id, coder_id, completed_on, worksheets,
    suggested, accepted, edited, rejected, added)
SELECT w.practice_id, e.date_of_service, e.provider_id, e.location_id, cp.payer_id, w.completed_by_id,
       (w.completed_at AT TIME ZONE %(tz)s)::date AS completed_on, count(*), coalesce(sum(l.suggested), 0),
       coalesce(sum(l.accepted), 0), coalesce(sum(l.edited), 0), coalesce(sum(l.rejected), 0), coalesce(sum(l.added), 0)
FROM coding_worksheet w
JOIN billing_encounter e ON e.id = w.encounter_id
LEFT JOIN (SELECT worksheet_id, count(*) FILTER (WHERE suggested_code <> '') AS suggested,
                  count(*) FILTER (WHERE decision = 'accepted') AS accepted,
                  count(*) FILTER (WHERE decision = 'edited') AS edited,
                  count(*) FILTER (WHERE decision = 'rejected') AS rejected,
                  count(*) FILTER (WHERE decision = 'added') AS added
           FROM coding_codingline WHERE practice_id = %(p)s GROUP BY worksheet_id) l ON l.worksheet_id = w.id
LEFT JOIN (SELECT encounter_id, max(payer_id) AS payer_id FROM claims_claim
           WHERE practice_id = %(p)s AND responsibility = 'P' AND frequency = '1' GROUP BY encounter_id) cp
       ON cp.encounter_id = e.id
WHERE w.practice_id = %(p)s AND w.status = 'completed' AND w.completed_at IS NOT NULL
GROUP BY w.practice_id, e.date_of_service, e.provider_id, e.location_id, cp.payer_id, w.completed_by_id, completed_on
"""

TEMP_TABLES = ("r_line_payer", "r_claim_events", "r_edited", "r_claim_money", "r_first_remit", "r_line_claim")


@dataclass
class RefreshResult:
    practice_id: int
    refreshed: bool = True
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"practice_id": self.practice_id, "refreshed": self.refreshed, "seconds": round(self.seconds, 2),
                "rows": self.rows}


@contextmanager
def _practice_lock(practice_id: int) -> Iterator[bool]:
    """A session-level advisory lock, taken before the snapshot is: a refresh that waited for another would
    otherwise read a snapshot older than the rows it must delete."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(hashtext('reports.refresh'), %s)", [practice_id])
        got = bool(cur.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(hashtext('reports.refresh'), %s)", [practice_id])


def summaries_refresh(*, practice_id: int) -> RefreshResult:
    """Rebuild every summary of one practice from one snapshot; returns the rows written per table."""
    started = time.perf_counter()
    result = RefreshResult(practice_id=practice_id)
    params = {"p": practice_id, "tz": settings.TIME_ZONE, "contractual": list(CONTRACTUAL_CARCS)}
    with _practice_lock(practice_id) as got:
        if not got:
            result.refreshed = False
            return result
        outer = connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cur:
            if not outer:  # one snapshot for every statement (inside a caller's transaction, theirs applies)
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cur.execute("SELECT clock_timestamp()")  # the snapshot is taken by this first statement
            snapshot_at = cur.fetchone()[0]
            cur.execute("SET LOCAL work_mem = '64MB'")
            for table in TABLES:
                cur.execute(f"DELETE FROM {table} WHERE practice_id = %s", [practice_id])  # noqa: S608
            for name in TEMP_TABLES:
                cur.execute(f"DROP TABLE IF EXISTS {name}")
            for sql in (LINE_PAYER, CLAIM_EVENTS, EDITED, CLAIM_MONEY, FIRST_REMIT):
                cur.execute(sql, params)
            cur.execute("CREATE INDEX ON r_claim_money (claim_id, line_id)")
            cur.execute("ANALYZE r_line_payer; ANALYZE r_claim_events; ANALYZE r_claim_money; ANALYZE r_first_remit")
            result.rows["denialfact"] = _run(cur, DENIAL_FACTS, params)
            _categorize(cur, practice_id)
            result.rows["claimfact"] = _run(cur, CLAIM_FACTS, params)
            cur.execute(LINE_CLAIM, params)
            cur.execute("ANALYZE r_line_claim")
            result.rows["arfact"] = _run(cur, AR_FACTS, params)
            for name, sql in (("arcell", AR_CELLS), ("claimcell", CLAIM_CELLS), ("flowcell", FLOW_CELLS),
                              ("denialcell", DENIAL_CELLS), ("codingcell", CODING_CELLS)):
                result.rows[name] = _run(cur, sql, params)
            for name in TEMP_TABLES:
                cur.execute(f"DROP TABLE IF EXISTS {name}")
            _analyze_own(cur)
            result.seconds = time.perf_counter() - started
            RefreshState.objects.update_or_create(practice_id=practice_id, defaults={
                "snapshot_at": snapshot_at, "refreshed_at": timezone.now(), "seconds": round(result.seconds, 3),
                "rows": result.rows})
    return result


def _analyze_own(cur: Any) -> None:
    """Planner statistics for the rebuilt tables, when this role may take them (the owner: commands, the bench).

    A rebuild replaces every row; until autovacuum's analyze comes by, the planner believes the cells empty and
    picks index scans and disk sorts over tens of thousands of rows (measured at a million claim lines: the
    claim cells' query 61 ms with an external-merge sort, 32 ms after ANALYZE). The application role may not
    analyze (it owns nothing) and leaves it to autovacuum.
    """
    cur.execute("SELECT relname FROM pg_class WHERE relname = ANY(%s) AND relnamespace = current_schema()::regnamespace "
                "AND pg_has_role(relowner, 'USAGE') ORDER BY relname", [list(TABLES)])
    for (table,) in cur.fetchall():
        cur.execute(f"ANALYZE {table}")


def _run(cur: Any, sql: str, params: dict[str, Any]) -> int:
    cur.execute(sql, params)
    return int(cur.rowcount)


def _categorize(cur: Any, practice_id: int) -> None:
    """Give each denial its category: one call of the contract function per distinct (group, CARC, RARCs)."""
    from claims.denials.categories import denial_category

    cur.execute('SELECT DISTINCT "group", carc, rarcs FROM reports_denialfact WHERE practice_id = %s', [practice_id])
    combos = cur.fetchall()
    if not combos:
        return
    groups, carcs, rarcs, categories = [], [], [], []
    for group, carc, remarks in combos:
        groups.append(group)
        carcs.append(carc)
        rarcs.append(",".join(remarks or []))
        categories.append(denial_category(group=group, carc=carc, rarcs=tuple(remarks or ())))
    cur.execute(
        'UPDATE reports_denialfact f SET category = v.category FROM unnest(%s::text[], %s::text[], %s::text[], '
        '%s::text[]) AS v("group", carc, rarcs, category) WHERE f.practice_id = %s AND f."group" = v."group" '
        "AND f.carc = v.carc AND array_to_string(f.rarcs, ',') = v.rarcs",
        [groups, carcs, rarcs, categories, practice_id])


def summaries_refresh_all() -> list[dict[str, Any]]:
    """Refresh every practice (the management command and tests; beat enqueues one job per practice)."""
    from billing.models import Practice

    return [summaries_refresh(practice_id=pk).as_dict() for pk in Practice.objects.order_by("pk").values_list("pk", flat=True)]
