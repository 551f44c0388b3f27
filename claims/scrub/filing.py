"""Timely filing, duplicate claims, and the references a corrected claim must carry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from claims.scrub.base import ERROR, WARNING, Finding, Rule, RuleData, line_field, rule
from claims.snapshot import ClaimSnap

WARN_DAYS = 14


def filing_deadline(claim: ClaimSnap) -> dt.date:
    """Date of service + the payer's limit; for a secondary claim, from the primary payer's adjudication."""
    start = claim.other_payer.adjudication_date if claim.other_payer is not None else claim.date_of_service
    return start + dt.timedelta(days=claim.timely_filing_days)


@rule(code="TIMELY_FILING", severity=ERROR, family="filing", field="date_of_service",
      title="Timely filing limit",
      hint="Past the payer's filing limit the claim will be denied; send it only with proof of timely filing "
           "(an earlier acceptance report) or write the balance off per policy.")
def timely_filing(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if claim.frequency != "1":
        return  # corrections are judged against the original claim's filing, which the payer already has
    deadline = filing_deadline(claim)
    left = (deadline - data.today).days
    if left < 0:
        yield r.finding(f"The payer's {claim.timely_filing_days}-day filing limit passed on {deadline:%m/%d/%Y} "
                        f"({-left} day{'s' if left != -1 else ''} ago).")
    elif left <= WARN_DAYS:
        yield r.finding(f"Only {left} day{'s' if left != 1 else ''} left to file: the payer's limit is {deadline:%m/%d/%Y}.", severity=WARNING,
                        hint="Send this claim first.")


@rule(code="DUPLICATE_CLAIM", severity=ERROR, family="filing", field="code",
      title="Duplicate of another claim",
      hint="Another live claim bills the same service to this payer; void one, or send a replacement (frequency 7) "
           "instead of a new claim.")
def duplicate_claim(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if claim.frequency == "8" or not data.billed:
        return
    for line in claim.lines:
        others = data.billed.get((claim.patient_pk, line.date_of_service, line.code, claim.rendering_pk, claim.payer_pk),
                                 frozenset()) - {claim.id}
        if others:
            yield r.finding(f"Line {line.line_number} ({line.code} on {line.date_of_service:%m/%d/%Y}) is already billed "
                            f"to this payer for this patient and provider on claim #{min(others)}.",
                            line=line.line_number, field=line_field(line.line_number, "code"))


@rule(code="CORRECTION_REFERENCE", severity=ERROR, family="filing", field="original_payer_claim_number",
      title="Corrected claim without the payer's claim number",
      hint="Enter the payer's claim number (ICN) of the claim being replaced or voided, from its 835 or 277.")
def correction_reference(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if claim.frequency in ("7", "8") and not claim.original_payer_claim_number.strip():
        kind = "replacement" if claim.frequency == "7" else "void"
        yield r.finding(f"A {kind} claim must carry the payer's original claim number.")
