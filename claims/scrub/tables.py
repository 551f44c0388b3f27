"""Small public reference tables the clinical rules use (CPT code numbers only, no descriptors).

Global days come from the code sets (`CodeInfo.global_days`) when known; this table is the fallback
for the common minor procedures of our specialties, from the CMS physician fee schedule's global
surgery indicators.
"""

from __future__ import annotations


def _span(first: int, last: int) -> list[str]:
    return [str(n) for n in range(first, last + 1)]


EM_CODES = frozenset(
    _span(99202, 99205) + _span(99211, 99215) + _span(99221, 99223) + _span(99231, 99233) + _span(99238, 99239)
    + _span(99242, 99245) + _span(99252, 99255) + _span(99281, 99285) + _span(99304, 99310) + _span(99341, 99350)
    + _span(99381, 99387) + _span(99391, 99397)
)

# Minor procedures: global period 0 or 10 days (an E/M the same day needs modifier 25).
GLOBAL_DAYS: dict[str, int] = {
    **dict.fromkeys(_span(11102, 11107), 0), **dict.fromkeys(_span(11300, 11313), 0),
    **dict.fromkeys(_span(11400, 11446), 10), **dict.fromkeys(_span(11600, 11646), 10),
    **dict.fromkeys(_span(12001, 12021), 0), **dict.fromkeys(_span(12031, 12057), 10),
    "17000": 10, "17004": 10, "17110": 10, "17111": 10, **dict.fromkeys(_span(17311, 17315), 0),
    "11900": 0, "11901": 0, "10060": 10, "10061": 10, "11200": 10, "11055": 0, "11056": 0, "11057": 0,
    "11720": 0, "11721": 0, "11730": 0, "20610": 0, "20600": 0, "69210": 0, "11042": 0,
}

# Add-on codes and the primary codes they may be reported with.
ADDON_PRIMARIES: dict[str, frozenset[str]] = {
    "11103": frozenset({"11102", "11104", "11106"}),
    "11105": frozenset({"11104", "11106"}),
    "11107": frozenset({"11106"}),
    "17003": frozenset({"17000"}),
    "11201": frozenset({"11200"}),
    "11732": frozenset({"11730"}),
    "17312": frozenset({"17311"}),
    "17314": frozenset({"17313"}),
    "17315": frozenset(_span(17311, 17314)),
    "90472": frozenset({"90460", "90471", "90473"}),
    "99417": frozenset({"99205", "99215"}),
}

# Modifiers that make two lines of the same code distinct services.
DISTINCT_MODIFIERS = frozenset({"59", "XE", "XS", "XP", "XU", "76", "77", "91", "RT", "LT", "E1", "E2", "E3", "E4",
                                "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9",
                                "TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"})
