"""A small code-set index in the shape of `coding.codesets.code_index`, for the pure scrubber tests.

FY2025 ICD-10-CM (from 2024-10-01) adds E11.A, so "valid on the date of service" can be tested by date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

from coding.codesets import CodeInfo

FY2025 = dt.date(2024, 10, 1)


def _icd(code: str, billable: bool = True, **kw: object) -> CodeInfo:
    return CodeInfo(system="ICD10CM", code=code, label=f"test {code}", billable=billable, **kw)  # type: ignore[arg-type]


def _proc(code: str, system: str = "CPT", billable: bool = True, **kw: object) -> CodeInfo:
    return CodeInfo(system=system, code=code, label=f"test {code}", billable=billable, **kw)  # type: ignore[arg-type]


ICD = {c.code: c for c in [
    _icd("L57.0"), _icd("L82.1"), _icd("L82.0"), _icd("D48.5"), _icd("I10"), _icd("Z00.00"), _icd("L70.0"),
    _icd("E11.9", excludes1=("E10",)), _icd("E10.9", excludes1=("E11",)), _icd("L57", billable=False),
    _icd("S61.411", billable=False, requires_7th=True), _icd("S61.411A"),
    _icd("G63", manifestation=True), _icd("N40.0", sex="M"), _icd("O09.90", sex="F", age_min=12, age_max=55),
    _icd("P07.30", age_min=0, age_max=0),
]}
ICD_FY2025 = {**ICD, "E11.A": _icd("E11.A")}
CPT = {c.code: c for c in [
    *[_proc(str(n)) for n in range(99202, 99206)], *[_proc(str(n)) for n in range(99211, 99216)],
    _proc("17000", global_days=10), _proc("17003", global_days=None), _proc("17004", global_days=10),
    _proc("11102", global_days=0), _proc("11103"), _proc("11104", global_days=0), _proc("11105"),
    _proc("17110", global_days=10), _proc("11300", global_days=0), _proc("88305"), _proc("90471"), _proc("90686"),
    _proc("55700", sex="M", global_days=0), _proc("99391", age_min=0, age_max=0), _proc("11100", billable=False),
    _proc("20610", global_days=0), _proc("69210", global_days=0), _proc("36415"),
]}
HCPCS = {c.code: c for c in [_proc("G0008", "HCPCS"), _proc("J1100", "HCPCS")]}
MODIFIERS = {m: CodeInfo(system="MODIFIER", code=m, label=f"test {m}", billable=True)
             for m in ["25", "59", "XS", "XE", "XP", "XU", "50", "RT", "LT", "51", "76", "91", "GA", "GY", "24", "F1"]}


def fake_code_index(system: str, on: dt.date) -> Mapping[str, CodeInfo]:
    table = {"ICD10CM": ICD_FY2025 if on >= FY2025 else ICD, "CPT": CPT, "HCPCS": HCPCS, "MODIFIER": MODIFIERS}[system]
    return MappingProxyType(table)
