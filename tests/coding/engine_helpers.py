"""Shared helpers for the engine tests (no database: the curated dictionary alone)."""

from __future__ import annotations

from coding.engine import EngineResult, suggest


def run(note: str, *, age: int = 50, sex: str = "F", new: bool = False) -> EngineResult:
    return suggest(note, age=age, sex=sex, new_patient=new, use_database=False, use_llm=False)


def dx(note: str, **kw: object) -> list[str]:
    return [d.code for d in run(note, **kw).diagnoses]  # type: ignore[arg-type]


def px(note: str, **kw: object) -> list[tuple[str, int, tuple[str, ...]]]:
    return [(p.code, p.units, tuple(p.modifiers)) for p in run(note, **kw).procedures]  # type: ignore[arg-type]
