"""Clinical coding sanity: E/M with a same-day minor procedure, bilateral and multiple procedures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from claims.scrub.base import ERROR, WARNING, Finding, Rule, RuleData, line_field, rule
from claims.scrub.codes import procedure_system
from claims.scrub.tables import ADDON_PRIMARIES, DISTINCT_MODIFIERS, EM_CODES, GLOBAL_DAYS
from claims.snapshot import ClaimSnap, LineSnap


def global_days(line: LineSnap, data: RuleData) -> int | None:
    info = data.lookup(procedure_system(line.code), line.code, line.date_of_service)
    days = getattr(info, "global_days", None) if info is not None else None
    return days if days is not None else GLOBAL_DAYS.get(line.code)


@rule(code="EM_NEEDS_25", severity=ERROR, family="clinical", field="modifiers",
      title="E/M with a same-day minor procedure needs modifier 25",
      hint="If the visit was significant and separately identifiable from the procedure, add 25 to the E/M line; "
           "otherwise remove the E/M line (the procedure includes the usual evaluation).")
def em_needs_25(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    for em in claim.lines:
        if em.code not in EM_CODES or "25" in em.modifiers:
            continue
        minor = next((p for p in claim.lines if p is not em and p.code not in EM_CODES
                      and p.date_of_service == em.date_of_service and global_days(p, data) in (0, 10)), None)
        if minor is not None:
            yield r.finding(f"Line {em.line_number} ({em.code}) is an E/M visit on the same day as the minor procedure "
                            f"{minor.code} (line {minor.line_number}) and has no modifier 25.", line=em.line_number,
                            field=line_field(em.line_number, "modifiers"))


@rule(code="BILATERAL", severity=ERROR, family="clinical", field="modifiers",
      title="Bilateral procedure reported inconsistently",
      hint="Report a bilateral procedure on one line with modifier 50 and 1 unit, without RT/LT.")
def bilateral(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    sides: dict[tuple[str, object], set[str]] = defaultdict(set)
    for line in claim.lines:
        where = line_field(line.line_number, "modifiers")
        if "50" in line.modifiers:
            if line.units != 1:
                yield r.finding(f"Line {line.line_number} ({line.code}) has modifier 50 and {line.units} units; "
                                f"a bilateral procedure is 1 unit.", line=line.line_number,
                                field=line_field(line.line_number, "units"))
            if {"RT", "LT"} & set(line.modifiers):
                yield r.finding(f"Line {line.line_number} ({line.code}) has modifier 50 together with RT/LT.",
                                line=line.line_number, field=where)
        for side in {"RT", "LT"} & set(line.modifiers):
            sides[(line.code, line.date_of_service)].add(side)
    for (code, _day), found in sides.items():
        if found == {"RT", "LT"}:
            first = next(ln for ln in claim.lines if ln.code == code)
            yield r.finding(f"{code} is billed on two lines with RT and LT; most payers want one line with modifier 50.",
                            line=first.line_number, field=line_field(first.line_number, "modifiers"), severity=WARNING)


@rule(code="ADDON_WITHOUT_PRIMARY", severity=ERROR, family="clinical", field="code",
      title="Add-on code without its primary procedure",
      hint="Bill the primary procedure on the same claim, or replace the add-on code with the primary code.")
def addon_without_primary(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    codes = {line.code for line in claim.lines}
    for line in claim.lines:
        primaries = ADDON_PRIMARIES.get(line.code)
        if primaries and not codes & primaries:
            yield r.finding(f"Line {line.line_number}: add-on code {line.code} needs one of {', '.join(sorted(primaries))} "
                            f"on the same claim.", line=line.line_number, field=line_field(line.line_number, "code"))


@rule(code="ADDON_MODIFIER_51", severity=ERROR, family="clinical", field="modifiers",
      title="Modifier 51 on an add-on code",
      hint="Add-on codes are exempt from the multiple-procedure reduction; remove modifier 51.")
def addon_modifier_51(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    for line in claim.lines:
        if line.code in ADDON_PRIMARIES and "51" in line.modifiers:
            yield r.finding(f"Line {line.line_number}: add-on code {line.code} carries modifier 51.", line=line.line_number,
                            field=line_field(line.line_number, "modifiers"))


@rule(code="DUPLICATE_LINE", severity=WARNING, family="clinical", field="code",
      title="Same code twice without a distinguishing modifier",
      hint="Combine the lines into one with more units, or add 59/XS/76/91 (or RT/LT) where documented.")
def duplicate_line(claim: ClaimSnap, data: RuleData, r: Rule) -> Iterator[Finding]:
    seen: dict[tuple[str, object, frozenset[str]], LineSnap] = {}
    for line in claim.lines:
        mods = frozenset(line.modifiers)
        key = (line.code, line.date_of_service, mods)
        if key in seen and not mods & DISTINCT_MODIFIERS:
            first = seen[key]
            yield r.finding(f"Lines {first.line_number} and {line.line_number} both bill {line.code} the same day with the "
                            f"same modifiers; payers deny the second as a duplicate.", line=line.line_number,
                            field=line_field(line.line_number, "modifiers"))
        seen.setdefault(key, line)
