"""NCCI procedure-to-procedure edits and medically unlikely edits (CMS practitioner files).

PTP: when column 1 and column 2 codes are billed for the same patient on the same day, column 2 is
not paid unless the edit's modifier indicator is 1 and an NCCI-associated modifier on the column 2
line (or 25 on an E/M) documents a separate service. Indicator 0: never; 9: edit not applicable.
MUE: units of a code per line (indicator 1) or per day across lines (2 and 3).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from claims.scrub.base import ERROR, Finding, Rule, RuleData, line_field, rule
from claims.snapshot import ClaimSnap

# Modifiers CMS accepts to bypass an indicator-1 edit when the documentation supports it.
NCCI_BYPASS = frozenset({"25", "59", "XE", "XS", "XP", "XU", "24", "27", "57", "58", "78", "79", "91",
                         "E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9",
                         "TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "LT", "RT", "LC", "LD",
                         "LM", "RC", "RI"})


@rule(code="NCCI_PTP", severity=ERROR, family="ncci", field="modifiers",
      title="NCCI procedure-to-procedure edit",
      hint="If the services were separate (different site, session or lesion) and documented, add 59 or XS/XE/XP/XU "
           "to the column 2 line; otherwise remove the column 2 line.")
def ncci_ptp(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if not data.ptp:
        return
    for a in claim.lines:
        for b in claim.lines:
            if a is b or a.date_of_service != b.date_of_service:
                continue
            edits = data.ptp.get((a.code, b.code))
            if not edits:
                continue
            edit = next((e for e in edits if e.active_on(b.date_of_service)), None)
            if edit is None or edit.modifier_indicator == "9":
                continue
            where = line_field(b.line_number, "modifiers")
            if edit.modifier_indicator == "0":
                yield r.finding(f"Line {b.line_number} ({b.code}) is bundled into line {a.line_number} ({a.code}) and is "
                                f"never paid with it on the same day (NCCI modifier indicator 0"
                                f"{': ' + edit.rationale if edit.rationale else ''}).", line=b.line_number,
                                field=line_field(b.line_number, "code"),
                                hint="Remove the column 2 line; no modifier can bypass this edit.")
            elif not (set(b.modifiers) & NCCI_BYPASS):
                yield r.finding(f"Line {b.line_number} ({b.code}) is bundled into line {a.line_number} ({a.code}) unless a "
                                f"modifier shows a separate service (NCCI modifier indicator 1"
                                f"{': ' + edit.rationale if edit.rationale else ''}).", line=b.line_number, field=where)


@rule(code="MUE_UNITS", severity=ERROR, family="ncci", field="units",
      title="Medically unlikely units",
      hint="Check the units; if more were truly performed, split them as the payer requires and keep the documentation.")
def mue_units(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    if not data.mue:
        return
    per_day: dict[tuple[str, object], int] = defaultdict(int)
    for line in claim.lines:
        limit = data.mue.get(line.code)
        if limit is None:
            continue
        where = line_field(line.line_number, "units")
        if limit.value == 0:
            yield r.finding(f"Line {line.line_number}: {line.code} has an MUE of 0 — it is not payable to practitioners.",
                            line=line.line_number, field=line_field(line.line_number, "code"))
        elif line.units > limit.value and not limit.per_day:
            yield r.finding(f"Line {line.line_number}: {line.units} units of {line.code}; at most {limit.value} per line.",
                            line=line.line_number, field=where)
        per_day[(line.code, line.date_of_service)] += line.units
    for (code, day), units in per_day.items():
        limit = data.mue[code]
        if limit.per_day and limit.value and units > limit.value:
            first = next(ln for ln in claim.lines if ln.code == code and ln.date_of_service == day)
            yield r.finding(f"{units} units of {code} on {day:%m/%d/%Y}; at most {limit.value} per day.",
                            line=first.line_number, field=line_field(first.line_number, "units"))
