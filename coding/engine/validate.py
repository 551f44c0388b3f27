"""Stage 4: validation of a final code set (the engine's, or the coder's after edits).

Checks that need the code set (billable, 7th character, age/sex, Excludes1, manifestation order)
run against the version in effect on the date of service; the rest are structural (pointers,
add-on codes without their primary, overlapping destruction codes, modifier 25).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from coding.engine.types import Message, Patient

IndexFor = Callable[[str], Mapping[str, object]]

ADD_ON_PRIMARIES: dict[str, tuple[str, ...]] = {
    "11103": ("11102", "11104", "11106"), "11105": ("11104", "11106"), "11107": ("11106",),
    "17003": ("17000",), "17312": ("17311",), "17314": ("17313",), "17315": ("17311", "17313"),
    "90472": ("90471", "90473", "90460"), "90474": ("90471", "90473"), "11201": ("11200",), "11732": ("11730",),
    "13102": ("13100", "13101"), "13122": ("13120", "13121"), "13133": ("13131", "13132"),
    "13153": ("13151", "13152"), "14302": ("14301",), "99417": ("99205", "99215"), "G2211": tuple(
        f"992{n:02d}" for n in range(2, 16)),
}
EM_CODES = frozenset(f"992{n:02d}" for n in (2, 3, 4, 5, 11, 12, 13, 14, 15))


@dataclass
class Line:
    code: str
    units: int = 1
    modifiers: list[str] = field(default_factory=list)
    pointers: list[str] = field(default_factory=list)  # ICD codes


def validate(*, diagnoses: list[str], lines: Iterable[Line], patient: Patient, on: dt.date,
             index_for: IndexFor | None = None, mod25_codes: Iterable[str] = ()) -> list[Message]:
    lines = list(lines)
    out: list[Message] = []
    icd = index_for("ICD10CM") if index_for else {}
    infos = {}
    if not diagnoses:
        out.append(Message("error", "no_diagnosis", "Add at least one diagnosis."))
    if len(diagnoses) > 12:
        out.append(Message("error", "too_many_diagnoses", "A claim carries at most 12 diagnoses."))
    if len(set(diagnoses)) != len(diagnoses):
        out.append(Message("error", "duplicate_diagnosis", "A diagnosis is listed twice."))
    for rank, code in enumerate(diagnoses, start=1):
        info = icd.get(code) if icd else None
        if icd and info is None:
            out.append(Message("error", "not_in_code_set", f"{code} is not in the ICD-10-CM code set in effect on {on}.",
                               code))
            continue
        if info is None:
            continue
        infos[code] = info
        if getattr(info, "requires_7th", False):
            out.append(Message("error", "missing_7th", f"{code} needs a 7th character (e.g. A, D or S).", code))
        elif not getattr(info, "billable", True):
            out.append(Message("error", "not_billable", f"{code} is a category, not a billable code; choose a more "
                                                        "specific code.", code))
        sex = getattr(info, "sex", None)
        if sex and patient.sex in ("M", "F") and patient.sex != sex:
            out.append(Message("error", "sex_conflict", f"{code} applies to {'female' if sex == 'F' else 'male'} "
                                                        "patients only.", code))
        lo, hi = getattr(info, "age_min", None), getattr(info, "age_max", None)
        if patient.age is not None and ((lo is not None and patient.age < lo) or (hi is not None and patient.age > hi)):
            out.append(Message("error", "age_conflict", f"{code} is for ages {lo if lo is not None else 0}"
                                                        f"-{hi if hi is not None else '124'}; the patient is {patient.age}.",
                               code))
        if rank == 1 and getattr(info, "manifestation", False):
            out.append(Message("error", "manifestation_first", f"{code} is a manifestation code: list the underlying "
                                                               "condition first.", code))
    for a in diagnoses:
        for b in diagnoses:
            if a < b and (_excludes(infos.get(a), b) or _excludes(infos.get(b), a)):
                out.append(Message("error", "excludes1", f"{a} and {b} are an Excludes1 pair: they cannot be coded "
                                                         "together.", f"{a} {b}"))
    out.extend(_procedure_checks(lines, diagnoses, index_for, set(mod25_codes)))
    return out


def _excludes(info: object, other: str) -> bool:
    return any(other.startswith(prefix) for prefix in getattr(info, "excludes1", ()) or ())


def _procedure_checks(lines: list[Line], diagnoses: list[str], index_for: IndexFor | None,
                      mod25_codes: set[str]) -> list[Message]:
    out: list[Message] = []
    codes = [line.code for line in lines]
    cpt = index_for("CPT") if index_for else {}
    hcpcs = index_for("HCPCS") if index_for else {}
    modifiers = index_for("MODIFIER") if index_for else {}
    for line in lines:
        known = (cpt or hcpcs) and (line.code in cpt or line.code in hcpcs)
        if (cpt or hcpcs) and not known:
            out.append(Message("warning", "unknown_procedure", f"{line.code} is not in the loaded CPT/HCPCS lists; "
                                                               "check the code.", line.code))
        for mod in line.modifiers:
            if modifiers and mod not in modifiers:
                out.append(Message("warning", "unknown_modifier", f"Modifier {mod} is not in the modifier list.",
                                   line.code))
        if not line.pointers:
            out.append(Message("error", "no_pointer", f"{line.code} needs a diagnosis pointer.", line.code))
        elif len(line.pointers) > 4:
            out.append(Message("error", "too_many_pointers", f"{line.code} points at more than 4 diagnoses.", line.code))
        missing = [p for p in line.pointers if p not in diagnoses]
        if missing:
            out.append(Message("error", "bad_pointer", f"{line.code} points at {', '.join(missing)}, which is not a "
                                                       "diagnosis on this encounter.", line.code))
        if line.units < 1:
            out.append(Message("error", "bad_units", f"{line.code} needs at least 1 unit.", line.code))
        primaries = ADD_ON_PRIMARIES.get(line.code)
        if primaries and not any(p in codes for p in primaries):
            out.append(Message("error", "addon_without_primary", f"{line.code} is an add-on code; report it with "
                                                                 f"{' or '.join(primaries[:3])}.", line.code))
    if "17004" in codes and ("17000" in codes or "17003" in codes):
        out.append(Message("error", "destruction_overlap", "17004 (15 or more lesions) replaces 17000/17003; do not "
                                                           "report them together.", "17004"))
    ems = [line for line in lines if line.code in EM_CODES]
    globals_ = [line for line in lines if line.code in mod25_codes]
    for line in ems:
        if globals_ and "25" not in line.modifiers:
            out.append(Message("warning", "missing_25", f"{line.code} is billed with a same-day procedure: add modifier "
                                                        "25 if the visit was significant and separately identifiable.",
                               line.code))
        if not globals_ and "25" in line.modifiers:
            out.append(Message("warning", "needless_25", f"{line.code} has modifier 25 but no same-day procedure with a "
                                                         "global period.", line.code))
    if len(ems) > 1:
        out.append(Message("error", "two_visits", "Only one office visit code per encounter.", ems[1].code))
    return out
