"""The claim scrubber: rules as small named functions over a claim snapshot and preloaded rule data.

`scrub_claim(claim, data)` is pure; `claims.scrub.data.rule_data_for` loads the rule data for a batch
in a fixed number of queries; `claims.services.claims_scrub` persists results and moves statuses.
"""

from __future__ import annotations

from claims.scrub import clinical, codes, filing, ncci, payer, required  # noqa: F401 - registers the rules
from claims.scrub.base import ERROR, RULES, WARNING, Finding, Rule, RuleData
from claims.snapshot import ClaimSnap

__all__ = ["ERROR", "RULES", "WARNING", "Finding", "Rule", "RuleData", "has_errors", "scrub_claim"]

_ORDER = {ERROR: 0, WARNING: 1}


def scrub_claim(claim: ClaimSnap, data: RuleData) -> list[Finding]:
    """Every finding of every rule for one claim, errors first, in a stable order."""
    findings: list[Finding] = []
    extend = findings.extend
    for r in RULES.values():
        extend(r.fn(claim, data, r))
    if len(findings) > 1:
        findings.sort(key=_order)
    return findings


def _order(f: Finding) -> tuple[int, int, str]:
    return _ORDER.get(f.severity, 2), f.line or 0, f.rule


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)
