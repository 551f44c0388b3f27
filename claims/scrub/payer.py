"""Payer-specific rules, stored as data per payer (`claims.models.PayerRule`) and edited by admins."""

from __future__ import annotations

from collections.abc import Iterator

from claims.scrub.base import ERROR, Finding, Rule, RuleData, line_field, rule
from claims.snapshot import ClaimSnap


def _rules(claim: ClaimSnap, data: RuleData, kind: str) -> list:
    return [p for p in data.payer_rules.get(claim.payer_pk, ()) if p.kind == kind]


@rule(code="PAYER_PRIOR_AUTH", severity=ERROR, family="payer", field="prior_authorization",
      title="Payer requires prior authorization",
      hint="Enter the prior-authorization number the payer issued (call the payer or check its portal).")
def payer_prior_auth(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if claim.prior_authorization.strip():
        return
    for p in _rules(claim, data, "requires_prior_auth"):
        hits = [ln for ln in claim.lines if ln.code in p.codes] if p.codes else list(claim.lines)
        if hits:
            what = f" for {', '.join(sorted({ln.code for ln in hits}))}" if p.codes else ""
            yield r.finding(p.message or f"{claim.payer_name} requires a prior-authorization number{what}.",
                            severity=p.severity)


@rule(code="PAYER_REFERRING", severity=ERROR, family="payer", field="referring_provider_npi",
      title="Payer requires a referring provider",
      hint="Enter the referring provider's NPI and name from the referral.")
def payer_referring(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if claim.referring_npi.strip() and claim.referring_name.strip():
        return
    for p in _rules(claim, data, "requires_referring"):
        hits = [ln for ln in claim.lines if ln.code in p.codes] if p.codes else list(claim.lines)
        if hits:
            yield r.finding(p.message or f"{claim.payer_name} requires the referring provider's NPI and name.",
                            severity=p.severity)


@rule(code="PAYER_MODIFIER", severity=ERROR, family="payer", field="modifiers",
      title="Payer does not accept a modifier",
      hint="Use the modifier this payer accepts instead (often 59 rather than an X-modifier, or the reverse).")
def payer_modifier(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    for p in _rules(claim, data, "modifier_not_accepted"):
        refused = p.value.strip().upper()
        for line in claim.lines:
            if refused in line.modifiers:
                yield r.finding(p.message or f"{claim.payer_name} does not accept modifier {refused} "
                                f"(line {line.line_number}, {line.code}).", line=line.line_number,
                                field=line_field(line.line_number, "modifiers"), severity=p.severity)


@rule(code="PAYER_NOT_COVERED", severity=ERROR, family="payer", field="code",
      title="Payer does not cover a procedure",
      hint="Bill the patient with a signed waiver (ABN for Medicare), or confirm coverage with the payer.")
def payer_not_covered(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    for p in _rules(claim, data, "code_not_covered"):
        for line in claim.lines:
            if line.code in p.codes:
                yield r.finding(p.message or f"{claim.payer_name} does not cover {line.code} (line {line.line_number}).",
                                line=line.line_number, field=line_field(line.line_number, "code"), severity=p.severity)


@rule(code="ELIGIBILITY_INACTIVE", severity=ERROR, family="payer", field="member_id",
      title="Coverage inactive on the date of service",
      hint="The payer's eligibility answer (271) says this coverage was not active on the date of service: "
           "check the member ID and the patient's other coverage, bill the right payer, or bill the patient.")
def eligibility_inactive(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    answer = data.eligibility.get(claim.id)
    if answer is None or answer.active is not False:
        return
    why = f" ({'; '.join(answer.errors)})" if answer.errors else ""
    yield r.finding(f"{claim.payer_name} said on {answer.asked_on:%m/%d/%Y} that this coverage was inactive on "
                    f"{claim.date_of_service:%m/%d/%Y}{why}.")
