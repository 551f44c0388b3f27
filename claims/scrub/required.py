"""Required data: what a payer's front end rejects before anyone looks at the codes."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from claims.scrub.base import ERROR, Finding, Rule, RuleData, line_field, rule
from claims.snapshot import ClaimSnap
from rcm.validators import TAX_ID_RE, TAXONOMY_RE, npi_is_valid

RELATIONSHIPS = frozenset({"18", "01", "19", "G8"})
_npi_ok = functools.lru_cache(maxsize=8192)(npi_is_valid)  # a batch repeats a handful of NPIs thousands of times


@rule(code="REQ_PAYER_ID", severity=ERROR, family="required", field="payer",
      title="Payer ID missing", hint="Enter the clearinghouse payer ID on the payer's record (Payers).")
def payer_id(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if not claim.payer_id.strip():
        yield r.finding(f"{claim.payer_name or 'The payer'} has no clearinghouse payer ID, so the claim cannot be routed.")


@rule(code="REQ_MEMBER_ID", severity=ERROR, family="required", field="member_id",
      title="Member ID missing", hint="Copy the member ID from the insurance card.")
def member_id(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if not claim.member_id.strip():
        yield r.finding("The subscriber's member ID is missing.")


@rule(code="REQ_RELATIONSHIP", severity=ERROR, family="required", field="relationship",
      title="Relationship missing", hint="Choose self, spouse, child or other.")
def relationship(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if claim.relationship not in RELATIONSHIPS:
        yield r.finding("The patient's relationship to the subscriber is missing or not a valid code.")


@rule(code="REQ_SUBSCRIBER", severity=ERROR, family="required", field="subscriber_last_name",
      title="Subscriber missing", hint="Enter the subscriber's name and date of birth from the insurance card.")
def subscriber(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if claim.patient_is_subscriber:
        if not (claim.patient_last_name and claim.patient_first_name and claim.patient_date_of_birth):
            yield r.finding("The patient (who is the subscriber) needs a first name, last name and date of birth.")
        return
    missing = [label for label, value in (("first name", claim.subscriber_first_name),
                                          ("last name", claim.subscriber_last_name),
                                          ("date of birth", claim.subscriber_date_of_birth)) if not value]
    if missing:
        yield r.finding(f"The patient is not the subscriber, and the subscriber's {', '.join(missing)} is missing.")


@rule(code="REQ_BILLING_NPI", severity=ERROR, family="required", field="billing_npi",
      title="Billing NPI invalid", hint="Use the group's 10-digit NPI (Practice settings).")
def billing_npi(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if not _npi_ok(claim.billing_npi):
        yield r.finding(f"The billing NPI {claim.billing_npi or '(blank)'} is missing or fails the NPI check digit.")


@rule(code="REQ_BILLING_TAX_ID", severity=ERROR, family="required", field="billing_tax_id",
      title="Billing tax ID invalid", hint="Use the group's 9-digit EIN without a dash.")
def billing_tax_id(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if not TAX_ID_RE.match(claim.billing_tax_id or ""):
        yield r.finding("The billing provider's tax ID is missing or not 9 digits.")


@rule(code="REQ_BILLING_TAXONOMY", severity=ERROR, family="required", field="billing_taxonomy",
      title="Billing taxonomy invalid", hint="Use the group's taxonomy code, e.g. 193200000X for a multi-specialty group.")
def billing_taxonomy(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if not TAXONOMY_RE.match(claim.billing_taxonomy or ""):
        yield r.finding("The billing provider's taxonomy code is missing or malformed.")


@rule(code="REQ_RENDERING_NPI", severity=ERROR, family="required", field="rendering_npi",
      title="Rendering NPI invalid", hint="Use the rendering provider's individual NPI (Providers).")
def rendering_npi(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if not _npi_ok(claim.rendering_npi):
        yield r.finding(f"The rendering provider's NPI {claim.rendering_npi or '(blank)'} is missing or fails the check digit.")


@rule(code="REQ_POS", severity=ERROR, family="required", field="place_of_service",
      title="Place of service missing", hint="Use the two-digit CMS place-of-service code (11 = office).")
def place_of_service(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if not (len(claim.place_of_service) == 2 and claim.place_of_service.isdigit()):
        yield r.finding("The claim's place of service is missing or not a two-digit code.")
    for line in claim.lines:
        if not (len(line.place_of_service) == 2 and line.place_of_service.isdigit()):
            yield r.finding(f"Line {line.line_number} has no valid place of service.", line=line.line_number,
                            field=line_field(line.line_number, "place_of_service"))


@rule(code="REQ_DATES", severity=ERROR, family="required", field="date_of_service",
      title="Service dates invalid", hint="Dates of service must be known and not in the future.")
def dates(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if claim.patient_date_of_birth and claim.date_of_service < claim.patient_date_of_birth:
        yield r.finding("The date of service is before the patient's date of birth.")
    for line in claim.lines:
        if line.date_of_service > data.today:
            yield r.finding(f"Line {line.line_number}'s date of service {line.date_of_service:%m/%d/%Y} is in the future.",
                            line=line.line_number, field=line_field(line.line_number, "date_of_service"))
    if claim.onset_date and claim.onset_date > claim.date_of_service:
        yield r.finding("The onset date is after the date of service.", field="onset_date")


@rule(code="REQ_LINES", severity=ERROR, family="required", field="lines",
      title="No service lines", hint="A claim needs at least one procedure line; add the charges on the encounter.")
def lines(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if not claim.lines:
        yield r.finding("The claim has no service lines.")
    elif len(claim.lines) > 50:
        yield r.finding(f"The claim has {len(claim.lines)} lines; an 837P claim carries at most 50.",
                        hint="Split the services over two claims.")


@rule(code="REQ_DIAGNOSIS", severity=ERROR, family="required", field="diagnosis_codes",
      title="No diagnosis", hint="Add the ICD-10-CM diagnosis that supports the services.")
def diagnosis(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if not claim.diagnosis_codes:
        yield r.finding("The claim has no diagnosis code.")
    elif len(claim.diagnosis_codes) > 12:
        yield r.finding("An 837P claim carries at most 12 diagnosis codes.")
    elif len(set(claim.diagnosis_codes)) != len(claim.diagnosis_codes):
        yield r.finding("A diagnosis code is listed twice.", hint="Remove the repeated code and fix the pointers.")


@rule(code="REQ_POINTER", severity=ERROR, family="required", field="diagnosis_pointers",
      title="Bad diagnosis pointer", hint="Point each line at 1 to 4 of the claim's diagnoses (1 = first listed).")
def pointers(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    count = len(claim.diagnosis_codes)
    for line in claim.lines:
        where = line_field(line.line_number, "diagnosis_pointers")
        if not line.pointers:
            yield r.finding(f"Line {line.line_number} ({line.code}) points at no diagnosis.", line=line.line_number, field=where)
        elif len(line.pointers) > 4:
            yield r.finding(f"Line {line.line_number} ({line.code}) has more than 4 diagnosis pointers.",
                            line=line.line_number, field=where)
        else:
            bad = [p for p in line.pointers if not 1 <= p <= count]
            if bad:
                yield r.finding(f"Line {line.line_number} ({line.code}) points at diagnosis "
                                f"{', '.join(map(str, bad))}, which is not on the claim (it has {count}).",
                                line=line.line_number, field=where)
