"""Growing a seeded demo practice to benchmark size with set-based SQL (`seed_demo --lines N`).

The services seed about 160 encounters a second (notes, coding, claims, scrubbing, 837 files, ERAs parsed
and posted), so a million claim lines that way takes well over an hour. `grow_practice` instead copies a
practice already seeded through those services ("the base") `copies` times, table by table, with one
`INSERT ... SELECT` per table and copy: new patients (new MRNs) with their coverage, encounters, notes,
diagnoses, charge lines, claims and lines (new PCNs and line control numbers), status histories, 837
batches, remittances and their claims and lines, ledger transactions and entries, denials, exceptions,
underpayments, denial cases and bank deposits. Every row keeps the base row's values (dates, payers,
amounts, statuses), so each copy has the base's distributions and states, except that copy k's visits move
to another provider of the same specialty and another location (`_Plan.rotation`); keys move by a fixed
offset per table and copy (`id + k * offset`), which keeps every reference inside the copy without
mapping tables. Money invariants hold by construction: each copied ledger entry is an exact copy of a
base entry, and the ledger's own statement trigger builds `LedgerBalance` from them, as it does for posts.

Audit triggers stay on. As in `billing.demo.seed_practice`, the insert events of the billing models are
not written (a bulk load of demo data); claims, claim lines, denial cases and deposits get their insert
events from pghistory's triggers, and the ledger's append-only and summary triggers run as always.

What is not rewritten in copies: the stored 837/835 file texts (a copy's batch or remittance row carries
the base file's text, whose claim numbers are the base's) and the coding worksheets (left to the base).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pgtrigger
from django.db import connection, transaction

from rcm.audit import TRACKED_MODELS

# pg_temp helpers: the claim number (PCN) and line control number of copy k, and a ledger source key of copy k.
# A PCN is "C" + 9 digits (claims.services._pcn); a line control number is the PCN + "-n".
HELPERS = """
CREATE OR REPLACE FUNCTION pg_temp.rcm_pcn(s text, off bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN s ~ '^C[0-9]{9}' THEN
        'C' || lpad((substr(s, 2, 9)::bigint + off)::text, 9, '0') || substr(s, 11) ELSE s END
$$;
CREATE OR REPLACE FUNCTION pg_temp.rcm_key(s text, k int, line_off bigint, rtx_off bigint, case_off bigint)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN s ~ '^(charge|refund|era|plb|denial):[0-9]+' THEN
            split_part(s, ':', 1) || ':' || (split_part(s, ':', 2)::bigint + CASE split_part(s, ':', 1)
                WHEN 'charge' THEN line_off WHEN 'refund' THEN line_off WHEN 'denial' THEN case_off
                ELSE rtx_off END)::text
            || substr(s, length(split_part(s, ':', 1)) + length(split_part(s, ':', 2)) + 2)
        ELSE s || ':copy' || k END
$$;
"""

# (table, {column: SQL expression}); every other column is copied as it is. `{o[t]}` is table t's key offset
# of the copy, `{k}` the copy number. Order: parents before children.
TABLES: list[tuple[str, dict[str, str]]] = [
    ("billing_patient", {"mrn": "left(mrn, 1) || lpad((substr(mrn, 2)::bigint + {k} * {mrn_off})::text, "
                                "greatest(7, length((substr(mrn, 2)::bigint + {k} * {mrn_off})::text)), '0')"}),
    ("billing_coverage", {"patient_id": "patient_id + {o[billing_patient]}"}),
    ("billing_encounter", {"patient_id": "patient_id + {o[billing_patient]}", "provider_id": "{r[provider_id]}",
                           "location_id": "{r[location_id]}"}),
    ("billing_chartnote", {"encounter_id": "encounter_id + {o[billing_encounter]}", "author": "{r[author]}"}),
    ("billing_diagnosis", {"encounter_id": "encounter_id + {o[billing_encounter]}"}),
    ("billing_chargeline", {"encounter_id": "encounter_id + {o[billing_encounter]}"}),
    ("claims_x12batch", {"control_number": "control_number + {k} * {x12_off}"}),
    ("claims_claim", {
        "pcn": "pg_temp.rcm_pcn(pcn, {k} * {pcn_off})",
        "encounter_id": "encounter_id + {o[billing_encounter]}", "patient_id": "patient_id + {o[billing_patient]}",
        "coverage_id": "coverage_id + {o[billing_coverage]}", "original_claim_id": "original_claim_id + {o[claims_claim]}",
        "prior_claim_id": "prior_claim_id + {o[claims_claim]}", "batch_id": "batch_id + {o[claims_x12batch]}",
        "rendering_provider_id": "{r[rendering_provider_id]}", "rendering_npi": "{r[rendering_npi]}",
        "rendering_taxonomy": "{r[rendering_taxonomy]}", "facility_id": "{r[facility_id]}",
        # a secondary claim carries its primary's adjudication: the primary's id and line control numbers
        "prior_adjudication": """CASE WHEN prior_adjudication ? 'claim_id' THEN prior_adjudication || jsonb_build_object(
            'claim_id', (prior_adjudication->>'claim_id')::bigint + {o[claims_claim]},
            'lines', coalesce((SELECT jsonb_agg(l || jsonb_build_object(
                'line_control_number', pg_temp.rcm_pcn(l->>'line_control_number', {k} * {pcn_off}),
                'prior_line_control_number', pg_temp.rcm_pcn(l->>'prior_line_control_number', {k} * {pcn_off}))
                ORDER BY n) FROM jsonb_array_elements(prior_adjudication->'lines') WITH ORDINALITY AS e(l, n)), '[]'))
            ELSE prior_adjudication END"""}),
    ("claims_claimline", {"claim_id": "claim_id + {o[claims_claim]}",
                          "charge_line_id": "charge_line_id + {o[billing_chargeline]}",
                          "line_control_number": "pg_temp.rcm_pcn(line_control_number, {k} * {pcn_off})"}),
    ("claims_claimstatusevent", {"claim_id": "claim_id + {o[claims_claim]}"}),
    ("payments_remittance", {"sha256": "encode(sha256(convert_to(sha256 || ':copy{k}', 'UTF8')), 'hex')"}),
    ("payments_remittransaction", {
        "remittance_id": "remittance_id + {o[payments_remittance]}",
        "identity": "encode(sha256(convert_to(identity || ':copy{k}', 'UTF8')), 'hex')",
        "trace_number": "CASE WHEN trace_number = '' THEN '' ELSE trace_number || lpad('{k}', 2, '0') END"}),
    ("payments_remitclaim", {"transaction_id": "transaction_id + {o[payments_remittransaction]}",
                             "claim_id": "claim_id + {o[claims_claim]}", "pcn": "pg_temp.rcm_pcn(pcn, {k} * {pcn_off})"}),
    ("payments_remitline", {"remit_claim_id": "remit_claim_id + {o[payments_remitclaim]}",
                            "claim_line_id": "claim_line_id + {o[claims_claimline]}",
                            "charge_line_id": "charge_line_id + {o[billing_chargeline]}",
                            "line_control_number": "pg_temp.rcm_pcn(line_control_number, {k} * {pcn_off})"}),
    ("payments_ledgertransaction", {
        "remit_claim_id": "remit_claim_id + {o[payments_remitclaim]}",
        "source_key": "pg_temp.rcm_key(source_key, {k}, {o[billing_chargeline]}, {o[payments_remittransaction]}, "
                      "{o[claims_denialcase]})",
        "description": "regexp_replace(description, 'C[0-9]{{9}}$', '') || "
                       "pg_temp.rcm_pcn(coalesce(substring(description from 'C[0-9]{{9}}$'), ''), {k} * {pcn_off})"}),
    ("payments_ledgerentry", {
        "txn_id": "txn_id + {o[payments_ledgertransaction]}", "line_id": "line_id + {o[billing_chargeline]}",
        "encounter_id": "encounter_id + {o[billing_encounter]}", "patient_id": "patient_id + {o[billing_patient]}",
        "claim_id": "claim_id + {o[claims_claim]}", "claim_line_id": "claim_line_id + {o[claims_claimline]}",
        "reverses_id": "reverses_id + {o[payments_ledgerentry]}", "remit_line_id": "remit_line_id + {o[payments_remitline]}",
        "source_key": "pg_temp.rcm_key(source_key, {k}, {o[billing_chargeline]}, {o[payments_remittransaction]}, "
                      "{o[claims_denialcase]})"}),
    ("payments_denial", {"remit_line_id": "remit_line_id + {o[payments_remitline]}", "claim_id": "claim_id + {o[claims_claim]}",
                         "claim_line_id": "claim_line_id + {o[claims_claimline]}",
                         "charge_line_id": "charge_line_id + {o[billing_chargeline]}"}),
    ("payments_remitexception", {
        "remit_claim_id": "remit_claim_id + {o[payments_remitclaim]}",
        # the candidates a biller picks from: claims and claim lines of the same copy
        "candidates": """CASE WHEN jsonb_typeof(candidates) = 'array' AND jsonb_array_length(candidates) > 0 THEN
            (SELECT jsonb_agg(c || CASE WHEN c ? 'claim' THEN jsonb_build_object('claim', (c->>'claim')::bigint
                                         + {o[claims_claim]}) ELSE '{{}}' END
                               || CASE WHEN c ? 'claim_line' THEN jsonb_build_object('claim_line',
                                         (c->>'claim_line')::bigint + {o[claims_claimline]}) ELSE '{{}}' END
                               || CASE WHEN c ? 'pcn' THEN jsonb_build_object('pcn', pg_temp.rcm_pcn(c->>'pcn',
                                         {k} * {pcn_off})) ELSE '{{}}' END ORDER BY n)
             FROM jsonb_array_elements(candidates) WITH ORDINALITY AS e(c, n)) ELSE candidates END"""}),
    ("payments_underpayment", {"remit_line_id": "remit_line_id + {o[payments_remitline]}",
                               "claim_id": "claim_id + {o[claims_claim]}",
                               "charge_line_id": "charge_line_id + {o[billing_chargeline]}"}),
    ("claims_denialcase", {"claim_id": "claim_id + {o[claims_claim]}", "new_claim_id": "new_claim_id + {o[claims_claim]}",
                           "provider_id": "{r[provider_id]}",
                           "remit_claim_id": "remit_claim_id + {o[payments_remitclaim]}"}),
    ("claims_denialaction", {"case_id": "case_id + {o[claims_denialcase]}"}),
    ("payments_bankdeposit", {
        "remit_transaction_id": "remit_transaction_id + {o[payments_remittransaction]}",
        "identity": "encode(sha256(convert_to(identity || ':copy{k}', 'UTF8')), 'hex')",
        "reference": "CASE WHEN reference = '' THEN '' ELSE reference || lpad('{k}', 2, '0') END",
        "description": "CASE WHEN reference = '' THEN description "
                       "ELSE replace(description, reference, reference || lpad('{k}', 2, '0')) END"}),
]

# Which base rows are copied (besides the practice and id <= the offset): a clearinghouse response belongs to
# one case (one-to-one), so only the cases born of remittances are copied.
SOURCE_FILTER = {"claims_denialcase": "response_id IS NULL"}
# The billing seed's own MRNs ("M0000001"): a copy's MRN is the base's number plus an offset.
SEEDED_MRN = "^[A-Z][0-9]+$"


@dataclass
class GrowResult:
    copies: int = 0
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)
    table_seconds: dict[str, float] = field(default_factory=dict)
    done: set[int] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        return {"copies": self.copies, "seconds": round(self.seconds, 1), "rows": self.rows,
                "table_seconds": {t: round(s, 1) for t, s in self.table_seconds.items()}}


def _columns(cur: Any, table: str) -> list[str]:
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s ORDER BY ordinal_position", [table])
    return [r[0] for r in cur.fetchall()]


def _last_value(cur: Any, table: str) -> int:
    """The highest key the table has handed out (its sequence), or its largest id."""
    cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    seq = cur.fetchone()[0]
    cur.execute(f"SELECT greatest((SELECT coalesce(max(id), 0) FROM {table}), "  # noqa: S608
                f"(SELECT coalesce(last_value, 0) FROM {seq}))")
    return int(cur.fetchone()[0])


def _sequence_value(cur: Any, name: str) -> int:
    cur.execute(f"SELECT coalesce(last_value, 0) FROM {name}")  # noqa: S608
    return int(cur.fetchone()[0])


def grow_practice(*, practice_id: int, copies: int, workers: int = 2, log: Any = None) -> GrowResult:
    """Add `copies` copies of the practice's seeded data to the same practice (see the module docstring).

    Each copy is one transaction with its foreign keys checked per statement (not queued to the commit);
    `workers` connections write copies side by side (their keys and unique values never overlap).
    """
    started = time.perf_counter()
    result = GrowResult(copies=copies)
    if copies < 1:
        return result
    with connection.cursor() as cur:
        offsets = {table: _last_value(cur, table) for table, _ in TABLES}
        cur.execute("SELECT count(*) FILTER (WHERE mrn !~ %s), coalesce(max(substr(mrn, 2)::bigint) "
                    "FILTER (WHERE mrn ~ %s), 0) FROM billing_patient WHERE practice_id = %s",
                    [SEEDED_MRN, SEEDED_MRN, practice_id])
        others, mrn_off = cur.fetchone()
        if others:  # EHR imports and the like come after growing (seed_demo runs them last)
            raise ValueError(f"practice {practice_id} has {others} patients the billing seed did not create")
        cur.execute("SELECT id, specialty, npi, taxonomy, first_name, last_name, credential FROM billing_provider "
                    "WHERE practice_id = %s ORDER BY specialty, id", [practice_id])
        providers = cur.fetchall()
        cur.execute("SELECT id FROM billing_location WHERE practice_id = %s ORDER BY id", [practice_id])
        locations = [r[0] for r in cur.fetchall()]
        plan = _Plan(practice_id=practice_id, offsets=offsets, pcn_off=_sequence_value(cur, "claims_pcn_seq"),
                     x12_off=_sequence_value(cur, "claims_x12_control_seq"), mrn_off=int(mrn_off),
                     columns={table: _columns(cur, table) for table, _ in TABLES}, providers=providers,
                     locations=locations)
    if workers > 1 and copies > 1 and not connection.in_atomic_block:
        lock = threading.Lock()
        pending = list(range(1, copies + 1))
        errors: list[BaseException] = []

        def work() -> None:
            try:
                while True:
                    with lock:
                        if not pending or errors:
                            return
                        k = pending.pop(0)
                    _copy(plan, k, result, lock, log, copies)
            except BaseException as exc:  # handed to the calling thread
                errors.append(exc)
            finally:
                connection.close()  # this thread's own connection

        threads = [threading.Thread(target=work) for _ in range(min(workers, copies))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        if len(result.done) != copies:
            raise RuntimeError(f"only copies {sorted(result.done)} of {copies} were written")
    else:
        for k in range(1, copies + 1):
            _copy(plan, k, result, threading.Lock(), log, copies)
    with connection.cursor() as cur:
        for table, _ in TABLES:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"greatest((SELECT max(id) FROM {table}), 1))")
        cur.execute("SELECT setval('claims_pcn_seq', %s)", [max(1, plan.pcn_off * (copies + 1))])
        if plan.x12_off:
            cur.execute("SELECT setval('claims_x12_control_seq', %s)", [plan.x12_off * (copies + 1)])
        for table, _ in TABLES:
            cur.execute(f"ANALYZE {table}")
        cur.execute("ANALYZE payments_ledgerbalance")
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class _Plan:
    practice_id: int
    offsets: dict[str, int]
    pcn_off: int
    x12_off: int
    mrn_off: int
    columns: dict[str, list[str]]
    providers: list[tuple[Any, ...]]  # (id, specialty, npi, taxonomy, first, last, credential)
    locations: list[int]

    def rotation(self, k: int) -> dict[str, str]:
        """Copy k's visits move to another provider of the same specialty and another location, so that
        every day has every provider x location x payer (as a big practice's does), not k identical days."""
        by_specialty: dict[str, list[tuple[Any, ...]]] = {}
        for p in self.providers:
            by_specialty.setdefault(p[1], []).append(p)
        to: dict[int, tuple[Any, ...]] = {}
        for group in by_specialty.values():
            for i, p in enumerate(group):
                to[p[0]] = group[(i + k) % len(group)]

        def case(column: str, value: Any, default: str) -> str:
            whens = " ".join(f"WHEN {old} THEN {value(new)}" for old, new in to.items())
            return f"CASE {column} {whens} ELSE {default} END" if whens else default

        def lit(text: str) -> str:
            return "'" + text.replace("'", "''") + "'"

        def author(p: tuple[Any, ...]) -> str:
            return f"{p[4]} {p[5]}, {p[6]}"  # as billing.demo writes it

        loc = {old: self.locations[(i + k) % len(self.locations)] for i, old in enumerate(self.locations)}
        by_author = {author(p): author(to[p[0]]) for p in self.providers}
        return {
            "provider_id": case("provider_id", lambda p: p[0], "provider_id"),
            "rendering_provider_id": case("rendering_provider_id", lambda p: p[0], "rendering_provider_id"),
            "rendering_npi": case("rendering_provider_id", lambda p: lit(p[2]), "rendering_npi"),
            "rendering_taxonomy": case("rendering_provider_id", lambda p: lit(p[3]), "rendering_taxonomy"),
            "location_id": ("CASE location_id " + " ".join(f"WHEN {a} THEN {b}" for a, b in loc.items())
                            + " ELSE location_id END") if loc else "location_id",
            "facility_id": ("CASE facility_id " + " ".join(f"WHEN {a} THEN {b}" for a, b in loc.items())
                            + " ELSE facility_id END") if loc else "facility_id",
            "author": ("CASE author " + " ".join(f"WHEN {lit(a)} THEN {lit(b)}" for a, b in by_author.items())
                       + " ELSE author END") if by_author else "author",
        }


def _copy(plan: _Plan, k: int, result: GrowResult, lock: threading.Lock, log: Any, copies: int) -> None:
    """Copy k: one INSERT ... SELECT per table, in one transaction."""
    started = time.perf_counter()
    values = {"k": k, "pcn_off": plan.pcn_off, "x12_off": plan.x12_off, "mrn_off": plan.mrn_off,
              "o": {name: k * off for name, off in plan.offsets.items()}, "r": plan.rotation(k)}
    ignore = [f"billing.{m}:insert_insert" for m in TRACKED_MODELS]
    with connection.cursor() as cur:
        cur.execute(HELPERS)
        cur.execute("SET synchronous_commit TO off")  # a demo load: a crash loses the last copy, not integrity
        cur.execute("SET jit TO off")  # compiling each copy's ~20 statements costs more than it saves
    rows: dict[str, int] = {}
    seconds: dict[str, float] = {}
    with transaction.atomic(), pgtrigger.ignore(*ignore), connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, exprs in TABLES:
            t = time.perf_counter()
            cols = plan.columns[table]
            select = [("id + {o[" + table + "]}" if col == "id" else exprs.get(col, f'"{col}"')).format_map(values)
                      for col in cols]
            where = f"practice_id = %s AND id <= {plan.offsets[table]}"
            if table in SOURCE_FILTER:
                where += f" AND {SOURCE_FILTER[table]}"
            quoted = ", ".join(f'"{c}"' for c in cols)
            cur.execute(f"INSERT INTO {table} ({quoted}) SELECT {', '.join(select)} FROM {table} "  # noqa: S608
                        f"WHERE {where} ORDER BY id", [plan.practice_id])
            rows[table] = cur.rowcount
            seconds[table] = time.perf_counter() - t
    with lock:
        for table, n in rows.items():
            result.rows[table] = result.rows.get(table, 0) + n
            result.table_seconds[table] = result.table_seconds.get(table, 0.0) + seconds[table]
        result.done.add(k)
    if log:
        log(f"copy {k}/{copies}: {time.perf_counter() - started:.1f} s")
