"""Load the rule data for a batch of claims: six queries whatever the batch size.

Only the NCCI pairs the batch's claims bill together on one day are read (index lookups into the full
table of about a million pairs), so a worker never holds the whole table in memory and never queries per claim.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection

from claims.models import INACTIVE, MueEdit, PayerRule
from claims.scrub.base import CodeIndex, EligibilityAnswer, MueLimit, PayerRuleData, PtpEdit, RuleData
from claims.snapshot import ClaimSnap
from rcm.db.arrays import id_in


def default_code_index() -> CodeIndex | None:
    """`coding.codesets.code_index` (the code-set contract), or None until the coding app provides it."""
    try:
        from coding.codesets import code_index
    except ImportError:
        return None

    def lookup(system: str, on: dt.date) -> Mapping[str, Any]:
        return code_index(system=system, on=on)

    return lookup


_DEFAULT: Any = object()


def rule_data_for(snaps: Iterable[ClaimSnap], *, today: dt.date, code_index: CodeIndex | None = _DEFAULT,
                  indexes: dict[tuple[str, dt.date], Mapping[str, Any] | None] | None = None) -> RuleData:
    """`indexes`: a memo of code-set editions by (system, date) shared by the chunks of one scrub run, so each
    edition is resolved once per run rather than once per chunk."""
    snaps = list(snaps)
    codes = sorted({line.code for s in snaps for line in s.lines})
    ptp: dict[tuple[str, str], list[PtpEdit]] = defaultdict(list)
    pairs = _same_day_pairs(snaps)
    if pairs:
        # Only the pairs billed together on a claim the same day (all the PTP rule ever looks up): one join on
        # the (column1, column2, effective_date) index, whatever the table's size or statistics.
        with connection.cursor() as cur:
            cur.execute("SELECT e.column1, e.column2, e.effective_date, e.deletion_date, e.modifier_indicator, e.rationale "
                        "FROM unnest(%s::text[], %s::text[]) AS p(a, b) "
                        "JOIN claims_ncciptpedit e ON e.column1 = p.a AND e.column2 = p.b",
                        [[a for a, _ in pairs], [b for _, b in pairs]])
            for c1, c2, eff, dele, mi, why in cur.fetchall():
                ptp[(c1, c2)].append(PtpEdit(c1, c2, eff, dele, mi, why))
    mue = {code: MueLimit(code, value, not ind.strip().startswith("1"), why) for code, value, ind, why in
           MueEdit.objects.filter(code__in=codes).values_list("code", "mue_value", "adjudication_indicator", "rationale")}
    payer_rules: dict[int, list[PayerRuleData]] = defaultdict(list)
    payers = {s.payer_pk for s in snaps}
    for payer_id, kind, value, severity, message in PayerRule.objects.filter(payer_id__in=payers, is_active=True).values_list(
            "payer_id", "kind", "value", "severity", "message"):
        payer_rules[payer_id].append(PayerRuleData(kind, value, severity, message))
    billed: dict[tuple[int, dt.date, str, int, int], set[int]] = defaultdict(set)
    for patient, day, code, provider, payer, claim_id in _billed_same_days(snaps):
        billed[(patient, day, code, provider, payer)].add(claim_id)
    return RuleData(
        today=today,
        eligibility=_eligibility(snaps),
        code_index=default_code_index() if code_index is _DEFAULT else code_index,
        ptp={k: tuple(sorted(v, key=lambda e: e.effective, reverse=True)) for k, v in ptp.items()},
        mue=mue,
        payer_rules={k: tuple(v) for k, v in payer_rules.items()},
        billed={k: frozenset(v) for k, v in billed.items()},
        _indexes={} if indexes is None else indexes,
    )


def _billed_same_days(snaps: list[ClaimSnap]) -> list[tuple[int, dt.date, str, int, int, int]]:
    """Lines of live claims for the batch's patients on the batch's days of service (all the duplicate rule
    looks up): one join over (patient, day) pairs, so a patient with years of history costs nothing extra."""
    days = sorted({(s.patient_pk, line.date_of_service) for s in snaps for line in s.lines})
    if not days:
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT c.patient_id, l.date_of_service, l.code, c.rendering_provider_id, c.payer_id, l.claim_id "
                    "FROM unnest(%s::bigint[], %s::date[]) AS k(patient, day) "
                    "JOIN claims_claim c ON c.patient_id = k.patient "
                    "JOIN claims_claimline l ON l.claim_id = c.id AND l.date_of_service = k.day "
                    "WHERE c.status <> ALL(%s::text[]) AND c.frequency <> '8'",
                    [[p for p, _ in days], [d for _, d in days], [str(s) for s in INACTIVE]])
        return cur.fetchall()


def _same_day_pairs(snaps: list[ClaimSnap]) -> list[tuple[str, str]]:
    """Every ordered (code, code) of two different lines of one claim on the same day, once."""
    pairs: set[tuple[str, str]] = set()
    for s in snaps:
        lines = s.lines
        if len(lines) < 2:
            continue
        for a in lines:
            for b in lines:
                if a is not b and a.date_of_service == b.date_of_service:
                    pairs.add((a.code, b.code))
    return sorted(pairs)


def _eligibility(snaps: list[ClaimSnap]) -> dict[int, EligibilityAnswer]:
    """The newest answered eligibility check for each claim's coverage on its date of service (two queries)."""
    from claims.eligibility.models import EligibilityCheck
    from claims.models import Claim

    ids = [s.id for s in snaps if s.id]
    if not ids:
        return {}
    wanted = {(cov, dos): pk for pk, cov, dos in Claim.objects.filter(pk__in=id_in(ids)).values_list(
        "pk", "coverage_id", "date_of_service")}
    out: dict[int, EligibilityAnswer] = {}
    rows = (EligibilityCheck.objects.filter(coverage_id__in={c for c, _ in wanted},
                                            service_date__in={d for _, d in wanted},
                                            status__in=["answered", "rejected"])
            .order_by("coverage_id", "service_date", "-requested_at", "-id")
            .values_list("coverage_id", "service_date", "active", "plan_name", "requested_at", "errors"))
    for cov, day, active, plan, asked, errors in rows:
        claim_id = wanted.get((cov, day))
        if claim_id is not None and claim_id not in out:
            out[claim_id] = EligibilityAnswer(active, plan, asked.date(), tuple(errors or ()))
    return out
