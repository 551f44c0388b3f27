"""`seed_demo --lines N`: a base seeded through the services, grown by set-based copies (billing.demo_bulk).

The copies must be as consistent as what the services write: the ledger's balances are its entries and
charges - payments - adjustments, every transaction's transfers net to zero, keys and claim numbers are new
and unique, every row belongs to the practice its parents belong to, and the summaries add up to the ledger.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from billing.demo_bulk import TABLES
from billing.models import Practice
from claims.models import ClaimLine
from reports.services import summaries_refresh

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 15)
LINES = 700


def _one(sql: str, params: list[Any]) -> Any:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def test_bulk_seed_is_consistent() -> None:
    """One seed (it takes a while), every check."""
    out = io.StringIO()
    call_command("seed_demo", lines=LINES, base_encounters=120, seed=5, today=TODAY, skip_codesets=True, stdout=out)
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    grown = Practice.objects.order_by("pk").first(), figures["bulk"]
    _lines_reached(grown)
    _ledger_exact(grown)
    _keys_numbers_and_ownership(grown)
    _summaries_add_up(grown)


def _lines_reached(grown: tuple[Practice, dict[str, Any]]) -> None:
    practice, bulk = grown
    assert bulk["copies"] >= 2
    lines = ClaimLine.objects.filter(practice=practice).count()
    assert lines == bulk["claim_lines"]
    assert abs(lines - LINES) <= bulk["base_lines"] / 2 + 1  # whole copies of the base: within half a base of N
    assert lines == bulk["base_lines"] * (bulk["copies"] + 1)
    for table in ("billing_encounter", "billing_chargeline", "claims_claim", "claims_claimline", "payments_ledgerentry",
                  "payments_remitclaim", "payments_denial"):
        assert bulk["rows"][table] > 0, table


def _ledger_exact(grown: tuple[Practice, dict[str, Any]]) -> None:
    practice, _ = grown
    p = [practice.pk]
    # every summary row is the sum of its entries, and balance = charges - payments - adjustments + transfers
    assert _one("""
        SELECT count(*) FROM (
            SELECT line_id, bucket, coalesce(payer_id, 0) AS payer_key, sum(amount) AS balance,
                   coalesce(sum(amount) FILTER (WHERE category = 'charge'), 0) AS charges,
                   -coalesce(sum(amount) FILTER (WHERE category = 'payment'), 0) AS payments,
                   -coalesce(sum(amount) FILTER (WHERE category = 'adjustment'), 0) AS adjustments,
                   coalesce(sum(amount) FILTER (WHERE category = 'transfer'), 0) AS transfers
            FROM payments_ledgerentry WHERE practice_id = %s GROUP BY 1, 2, 3) e
        FULL JOIN (SELECT * FROM payments_ledgerbalance WHERE practice_id = %s) b
               ON b.line_id = e.line_id AND b.bucket = e.bucket AND b.payer_key = e.payer_key
        WHERE b.id IS NULL OR e.line_id IS NULL OR b.balance <> e.balance OR b.charges <> e.charges
           OR b.payments <> e.payments OR b.adjustments <> e.adjustments OR b.transfers <> e.transfers
           OR b.balance <> b.charges - b.payments - b.adjustments + b.transfers""", p + p) == 0
    # per service line: transfers net to zero, so its balance is charges - payments - adjustments
    assert _one("""SELECT count(*) FROM (SELECT line_id FROM payments_ledgerbalance WHERE practice_id = %s
                   GROUP BY line_id HAVING sum(transfers) <> 0
                       OR sum(balance) <> sum(charges) - sum(payments) - sum(adjustments)) x""", p) == 0
    # each transaction's transfers sum to zero
    assert _one("""SELECT count(*) FROM (SELECT txn_id FROM payments_ledgerentry WHERE practice_id = %s
                   AND category = 'transfer' GROUP BY txn_id HAVING sum(amount) <> 0) x""", p) == 0
    # a line's charges are what its claims billed
    assert _one("""SELECT count(*) FROM billing_chargeline l JOIN (SELECT line_id, sum(charges) AS charges
                   FROM payments_ledgerbalance WHERE practice_id = %s GROUP BY line_id) b ON b.line_id = l.id
                   WHERE b.charges <> l.charge_amount""", p) == 0
    # every copied entry got its own source key (a second posting of one source is refused)
    assert _one("SELECT count(DISTINCT source_key) = count(*) FROM payments_ledgerentry WHERE practice_id = %s", p)


def _keys_numbers_and_ownership(grown: tuple[Practice, dict[str, Any]]) -> None:
    practice, _ = grown
    p = [practice.pk]
    for table, _exprs in TABLES:  # every copied row is the practice's
        assert _one(f"SELECT count(*) FROM {table} WHERE practice_id IS NULL", []) == 0, table  # noqa: S608
    checks = {
        "encounter and its patient": "SELECT count(*) FROM billing_encounter e JOIN billing_patient x ON x.id = "
                                     "e.patient_id WHERE e.practice_id = %s AND x.practice_id <> e.practice_id",
        "claim and its encounter": "SELECT count(*) FROM claims_claim c JOIN billing_encounter e ON e.id = c.encounter_id "
                                   "WHERE c.practice_id = %s AND (e.practice_id <> c.practice_id "
                                   "OR e.patient_id <> c.patient_id)",
        "claim and its rendering provider": "SELECT count(*) FROM claims_claim c JOIN billing_encounter e ON e.id = "
                                            "c.encounter_id JOIN billing_provider v ON v.id = c.rendering_provider_id "
                                            "WHERE c.practice_id = %s AND (v.id <> e.provider_id OR v.npi <> "
                                            "c.rendering_npi OR c.facility_id <> e.location_id)",
        "note and its author": "SELECT count(*) FROM billing_chartnote n JOIN billing_encounter e ON e.id = n.encounter_id "
                               "JOIN billing_provider v ON v.id = e.provider_id JOIN billing_patient x ON x.id = e.patient_id "
                               "WHERE n.practice_id = %s AND x.mrn LIKE 'M%%' AND n.author IN (SELECT first_name || ' ' || "
                               "last_name || ', ' || credential FROM billing_provider) AND n.author "
                               "<> v.first_name || ' ' || v.last_name || ', ' || v.credential",
        "visit and its provider's specialty": "SELECT count(*) FROM billing_encounter e JOIN billing_provider v ON "
                                              "v.id = e.provider_id WHERE e.practice_id = %s AND v.specialty <> e.specialty",
        "claim and its coverage": "SELECT count(*) FROM claims_claim c JOIN billing_coverage v ON v.id = c.coverage_id "
                                  "WHERE c.practice_id = %s AND (v.patient_id <> c.patient_id OR v.payer_id <> c.payer_id)",
        "claim line and its service line": "SELECT count(*) FROM claims_claimline cl JOIN claims_claim c ON c.id = "
                                           "cl.claim_id JOIN billing_chargeline l ON l.id = cl.charge_line_id "
                                           "WHERE cl.practice_id = %s AND (l.encounter_id <> c.encounter_id OR "
                                           "l.practice_id <> cl.practice_id OR cl.line_control_number NOT LIKE c.pcn || '-%%')",
        "entry and its line": "SELECT count(*) FROM payments_ledgerentry x JOIN billing_chargeline l ON l.id = x.line_id "
                              "JOIN billing_encounter e ON e.id = l.encounter_id WHERE x.practice_id = %s AND "
                              "(l.practice_id <> x.practice_id OR x.encounter_id <> e.id OR x.patient_id <> e.patient_id)",
        "entry and its claim": "SELECT count(*) FROM payments_ledgerentry x JOIN claims_claim c ON c.id = x.claim_id "
                               "WHERE x.practice_id = %s AND c.encounter_id <> x.encounter_id",
        "remit claim and its claim": "SELECT count(*) FROM payments_remitclaim r JOIN claims_claim c ON c.id = r.claim_id "
                                     "WHERE r.practice_id = %s AND (r.pcn <> c.pcn OR c.practice_id <> r.practice_id)",
        "denial and its claim line": "SELECT count(*) FROM payments_denial d JOIN claims_claimline cl ON cl.id = "
                                     "d.claim_line_id WHERE d.practice_id = %s AND (cl.claim_id <> d.claim_id "
                                     "OR cl.charge_line_id <> d.charge_line_id)",
    }
    for name, sql in checks.items():
        assert _one(sql, p) == 0, name
    assert _one("SELECT count(*) - count(DISTINCT mrn) FROM billing_patient WHERE practice_id = %s", p) == 0
    assert _one("SELECT count(*) FROM claims_claim WHERE practice_id = %s AND pcn !~ '^C[0-9]{9}$'", p) == 0
    # the next claim number and keys come after the copies
    assert _one("SELECT last_value FROM claims_pcn_seq", []) >= _one(
        "SELECT max(substr(pcn, 2)::bigint) FROM claims_claim", [])


def _summaries_add_up(grown: tuple[Practice, dict[str, Any]]) -> None:
    practice, _ = grown
    p = [practice.pk]
    refresh = summaries_refresh(practice_id=practice.pk)
    assert refresh.rows["claimfact"] == _one(
        "SELECT count(*) FROM claims_claim WHERE practice_id = %s AND frequency <> '8'", p)
    assert _one("SELECT coalesce(sum(balance), 0) FROM reports_arfact WHERE practice_id = %s", p) == _one(
        "SELECT coalesce(sum(balance), 0) FROM payments_ledgerbalance WHERE practice_id = %s", p)
    assert _one("SELECT sum(balance) FROM reports_arcell WHERE practice_id = %s", p) == _one(
        "SELECT sum(balance) FROM reports_arfact WHERE practice_id = %s", p)
