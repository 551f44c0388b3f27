"""Deterministic generator of realistic outpatient chart notes with the codes a certified coder would assign.

Used by `manage.py seed_demo` to fill demo practices (up to 100,000 encounters) and as a gold set for the
coding engine, so every scenario follows the practice's coding conventions exactly. Pure Python with no
heavy imports: a note takes a few tens of microseconds.

    from billing import demo_notes
    visit = demo_notes.generate_visit(random.Random(1), specialty="dermatology", age=72, sex="M",
                                      new_patient=False)
"""

from __future__ import annotations

import random
from bisect import bisect_right
from itertools import accumulate

from . import derm, derm_procedures, primary_care
from .common import (
    _EXC_BASE,
    _REPAIR_BANDS,
    Ctx,
    ProcedureLine,
    Scenario,
    Visit,
)

__all__ = ["PROCEDURE_CODES", "SCENARIOS", "ProcedureLine", "Visit", "generate_visit"]

SCENARIOS: tuple[Scenario, ...] = derm.SCENARIOS + derm_procedures.SCENARIOS + primary_care.SCENARIOS
SPECIALTIES = ("dermatology", "primary_care")


def _all_codes() -> frozenset[str]:
    """Every code a scenario can emit, derived from the same tables the coding helpers use."""
    codes = {f"9920{n}" for n in range(2, 6)} | {f"9921{n}" for n in range(2, 6)}
    codes |= {str(c) for c in range(11102, 11108)}
    codes |= {str(base + s) for base in _EXC_BASE.values() for s in (0, 1, 2, 3, 4, 6)}
    codes |= {code for bands in _REPAIR_BANDS.values() for _, code in bands}
    codes |= {"17000", "17003", "17004", "17110", "17111", "17311", "17312", "17313", "17314", "11900", "11901",
              "90471", "90472", "90715", "90686", "81002", "81003", "93000", "36415", "87880"}
    return frozenset(codes)


PROCEDURE_CODES: frozenset[str] = _all_codes()

_POOLS: dict[tuple[str, int, str], tuple[tuple[Scenario, ...], list[float]]] = {}


def _pool(specialty: str, age: int, sex: str) -> tuple[tuple[Scenario, ...], list[float]]:
    """Scenarios that fit the demographics, with cumulative weights (cached: ages and sexes are few)."""
    key = (specialty, age, sex)
    hit = _POOLS.get(key)
    if hit is None:
        fits = tuple(s for s in SCENARIOS if s.specialty == specialty and s.min_age <= age <= s.max_age
                     and sex in s.sexes)
        hit = _POOLS[key] = (fits, list(accumulate(s.weight for s in fits)))
    return hit


def scenarios_for(specialty: str, age: int, sex: str) -> tuple[Scenario, ...]:
    """The scenario families eligible for a patient (for stats and tests)."""
    return _pool(specialty, age, sex)[0]


def generate_visit(rng: random.Random, *, specialty: str, age: int, sex: str, new_patient: bool) -> Visit:
    """One chart note plus its gold coding; uses only `rng`, so a seeded Random reproduces the same visit."""
    spec = str(getattr(specialty, "value", specialty))
    if spec not in SPECIALTIES:
        raise ValueError(f"unknown specialty {specialty!r}")
    sx = str(getattr(sex, "value", sex) or "U")[:1].upper()
    sx = sx if sx in ("F", "M") else "U"
    age = max(0, min(int(age), 110))
    fits, cum = _pool(spec, age, sx)
    scenario = fits[min(bisect_right(cum, rng.random() * cum[-1]), len(fits) - 1)]
    return scenario.build(Ctx(rng=rng, specialty=spec, age=age, sex=sx, new_patient=bool(new_patient)))
