"""Codes valid and billable on the date of service, modifiers, units, and age/sex conflicts.

Lookups go through the code-set version in effect on each line's date of service (`RuleData.codes`),
backed by `coding.codesets.code_index`, which caches every version in process memory.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from claims.scrub.base import ERROR, WARNING, Finding, Rule, RuleData, line_field, rule
from claims.snapshot import ClaimSnap
from rcm.validators import HCPCS_RE

ICD = "ICD10CM"


@functools.lru_cache(maxsize=65536)
def procedure_system(code: str) -> str:
    return "HCPCS" if HCPCS_RE.match(code) else "CPT"


@functools.lru_cache(maxsize=65536)
def _dotless(code: str) -> str:
    return code.replace(".", "").upper()


@rule(code="ICD_INVALID", severity=ERROR, family="codes", field="diagnosis_codes",
      title="Diagnosis code not valid on the date of service",
      hint="Check the code against the ICD-10-CM edition in effect on the date of service (editions start Oct 1).")
def icd_invalid(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    index = data.codes(ICD, claim.date_of_service)
    if index is None:
        return
    for n, code in enumerate(claim.diagnosis_codes, start=1):
        if code not in index:
            yield r.finding(f"Diagnosis {n} ({code}) does not exist in the ICD-10-CM edition in effect on "
                            f"{claim.date_of_service:%m/%d/%Y}.", field=f"diagnosis_codes.{n}")


@rule(code="ICD_NOT_BILLABLE", severity=ERROR, family="codes", field="diagnosis_codes",
      title="Diagnosis code is a category, not a billable code",
      hint="Use the most specific code (add the missing characters; injury codes need a 7th character).")
def icd_not_billable(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    for n, code in enumerate(claim.diagnosis_codes, start=1):
        info = data.lookup(ICD, code, claim.date_of_service)
        if info is None:
            continue
        if info.requires_7th:
            yield r.finding(f"Diagnosis {n} ({code}) needs a 7th character (for example A, D or S).",
                            field=f"diagnosis_codes.{n}")
        elif not info.billable:
            yield r.finding(f"Diagnosis {n} ({code}) is a header code; payers accept only the most specific code.",
                            field=f"diagnosis_codes.{n}")


@rule(code="ICD_MANIFESTATION_FIRST", severity=ERROR, family="codes", field="diagnosis_codes.1",
      title="Manifestation code listed first",
      hint="List the underlying condition first; a manifestation code follows it.")
def icd_manifestation_first(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if not claim.diagnosis_codes:
        return
    info = data.lookup(ICD, claim.diagnosis_codes[0], claim.date_of_service)
    if info is not None and info.manifestation:
        yield r.finding(f"{claim.diagnosis_codes[0]} is a manifestation code and cannot be the first-listed diagnosis.")
    for line in claim.lines:
        if line.pointers and 1 <= line.pointers[0] <= len(claim.diagnosis_codes):
            code = claim.diagnosis_codes[line.pointers[0] - 1]
            info = data.lookup(ICD, code, claim.date_of_service)
            if info is not None and info.manifestation and line.pointers[0] != 1:
                yield r.finding(f"Line {line.line_number} points first at {code}, a manifestation code.",
                                line=line.line_number, field=line_field(line.line_number, "diagnosis_pointers"))


@rule(code="ICD_EXCLUDES1", severity=ERROR, family="codes", field="diagnosis_codes",
      title="Diagnoses that exclude each other",
      hint="An Excludes1 note means the two conditions cannot be reported together; keep the one documented.")
def icd_excludes1(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    codes = claim.diagnosis_codes
    index = data.codes(ICD, claim.date_of_service)
    if index is None or len(codes) < 2:
        return
    dotless: list[str] | None = None
    for i, code in enumerate(codes):
        info = index.get(code)
        if info is None or not info.excludes1:
            continue
        prefixes = tuple(_dotless(p) for p in info.excludes1)
        if dotless is None:
            dotless = [_dotless(c) for c in codes]
        for j, other in enumerate(codes):
            if j != i and dotless[j].startswith(prefixes):
                yield r.finding(f"{code} (diagnosis {i + 1}) has an Excludes1 note for {other} (diagnosis {j + 1}).",
                                field=f"diagnosis_codes.{j + 1}")


@rule(code="PROC_INVALID", severity=ERROR, family="codes", field="code",
      title="Procedure code not valid on the date of service",
      hint="Check the CPT/HCPCS code for the year of the date of service; deleted codes are rejected.")
def proc_invalid(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    for line in claim.lines:
        system = procedure_system(line.code)
        index = data.codes(system, line.date_of_service)
        if index is None:
            continue
        info = index.get(line.code)
        if info is None:
            yield r.finding(f"Line {line.line_number}: {line.code} is not a {system} code in effect on "
                            f"{line.date_of_service:%m/%d/%Y}.", line=line.line_number,
                            field=line_field(line.line_number, "code"))
        elif not info.billable:
            yield r.finding(f"Line {line.line_number}: {line.code} was deleted before {line.date_of_service:%m/%d/%Y}.",
                            line=line.line_number, field=line_field(line.line_number, "code"))


@rule(code="MODIFIER_INVALID", severity=ERROR, family="codes", field="modifiers",
      title="Modifier not valid", hint="Use a current CPT/HCPCS modifier (two characters, e.g. 25, 59, RT).")
def modifier_invalid(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    for line in claim.lines:
        where = line_field(line.line_number, "modifiers")
        if len(line.modifiers) > 4:
            yield r.finding(f"Line {line.line_number} has more than 4 modifiers.", line=line.line_number, field=where)
        if len(set(line.modifiers)) != len(line.modifiers):
            yield r.finding(f"Line {line.line_number} repeats a modifier.", line=line.line_number, field=where)
        index = data.codes("MODIFIER", line.date_of_service)
        for mod in line.modifiers:
            bad_format = len(mod) != 2 or not mod.isalnum()
            if bad_format or (index is not None and (mod not in index or not index[mod].billable)):
                yield r.finding(f"Line {line.line_number}: modifier {mod!r} is not a valid modifier.",
                                line=line.line_number, field=where)


@rule(code="UNITS_POSITIVE", severity=ERROR, family="codes", field="units",
      title="Units must be positive", hint="Enter how many times the service was performed (1 or more).")
def units_positive(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    for line in claim.lines:
        if line.units < 1:
            yield r.finding(f"Line {line.line_number} ({line.code}) has {line.units} units.", line=line.line_number,
                            field=line_field(line.line_number, "units"))
        if line.charge <= 0:
            yield r.finding(f"Line {line.line_number} ({line.code}) has no charge.", line=line.line_number,
                            field=line_field(line.line_number, "charge_amount"), hint="Enter the practice's charge.")


def _age_sex_targets(claim: ClaimSnap, data: RuleData) -> Iterator[tuple[int, str, object, int | None]]:
    """(diagnosis number or 0, code, code info, line number or None) for every code found in the code sets;
    the rules format their texts only for a conflict (`_describe`)."""
    icd = data.codes(ICD, claim.date_of_service)
    if icd is not None:
        for n, code in enumerate(claim.diagnosis_codes, start=1):
            info = icd.get(code)
            if info is not None:
                yield n, code, info, None
    for line in claim.lines:
        info = data.lookup(procedure_system(line.code), line.code, line.date_of_service)
        if info is not None:
            yield 0, line.code, info, line.line_number


def _describe(n: int, code: str, line: int | None) -> tuple[str, str]:
    if line is None:
        return f"diagnosis {n} ({code})", f"diagnosis_codes.{n}"
    return f"line {line} ({code})", line_field(line, "code")


@rule(code="AGE_CONFLICT", severity=ERROR, family="codes", field="diagnosis_codes",
      title="Code does not fit the patient's age",
      hint="Check the patient's date of birth, or use the code for the patient's age group.")
def age_conflict(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    age = claim.age_on(claim.date_of_service)
    if age is None:
        return
    for n, code, info, line in _age_sex_targets(claim, data):
        lo, hi = getattr(info, "age_min", None), getattr(info, "age_max", None)
        if (lo is not None and age < lo) or (hi is not None and age > hi):
            what, where = _describe(n, code, line)
            span = f"{lo if lo is not None else 0} to {hi if hi is not None else 124}"
            yield r.finding(f"The patient is {age} on the date of service; {what} is for ages {span}.", field=where)


@rule(code="SEX_CONFLICT", severity=ERROR, family="codes", field="diagnosis_codes",
      title="Code does not fit the patient's sex",
      hint="Check the patient's sex on the patient record, or the code.")
def sex_conflict(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if claim.patient_sex not in ("F", "M"):
        return
    for n, code, info, line in _age_sex_targets(claim, data):
        code_sex = getattr(info, "sex", None)
        if code_sex in ("F", "M") and code_sex != claim.patient_sex:
            what, where = _describe(n, code, line)
            label = {"F": "female", "M": "male"}
            yield r.finding(f"{what[0].upper()}{what[1:]} applies to {label[code_sex]} patients; the patient is "
                            f"{label[claim.patient_sex]}.", field=where)


@rule(code="CODESETS_MISSING", severity=WARNING, family="codes", field="diagnosis_codes",
      title="Code sets not loaded", hint="Run `manage.py load_codesets`; until then codes are only format-checked.")
def codesets_missing(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if data.codes(ICD, claim.date_of_service) is None:
        yield r.finding("Code sets are not loaded, so codes were not checked against the code-set edition.")
