"""The suggestion engine: a pipeline of small stages, each leaving evidence on what it finds.

1. `nlp`         sections and assertion context (medspaCy) over dictionary concepts
2. `diagnoses`   affirmed current conditions -> the most specific ICD-10-CM code the note supports
3. `procedures`  CPT/HCPCS computed from documented facts (E/M level, skin procedures, office tests)
4. `validate`    the final set checked against the code set in effect on the date of service

It runs without a network and without a model download. Heavy pieces (spaCy, the dictionary)
load on first use, never at Django start-up. `suggest()` works with or without a database: with
one, ICD-10-CM descriptions extend the dictionary and codes get their labels and checks.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

from coding.engine.types import EngineResult, Message, Patient, Suggestion

ENGINE_VERSION = "1.1"  # 1.1: wording generalisation (postposed cues, biopsied lesions, visit time, ...)


def suggest(note: str, *, age: int | None = None, sex: str | None = None, new_patient: bool = False,
            on: dt.date | None = None, use_database: bool = True, use_llm: bool | None = None) -> EngineResult:
    """Suggest diagnoses and procedures for one note."""
    from coding.engine import diagnoses, llm, procedures
    from coding.engine.dictionary import dictionary_for
    from coding.engine.nlp import pipeline
    from coding.engine.validate import Line, validate

    on = on or dt.date.today()
    patient = Patient(age=age, sex=(sex or "").upper()[:1] or None, new_patient=bool(new_patient))
    index_for, version_id = _code_sets(on) if use_database else (None, None)
    dictionary = dictionary_for(version_id, _generic_rows if version_id else None)
    nlp = pipeline()
    started = time.perf_counter()  # per-note time: the one-off loads above are not part of it
    analysis = nlp.analyze(note or "", dictionary)
    dx = diagnoses.diagnose(analysis, patient, dictionary.concepts)
    mod25 = mod25_codes()
    lines, extra_dx = procedures.procedures(analysis, patient, dx, mod25)
    dx_suggestions = [*dx.suggestions, *extra_dx]
    _adjust_exam_codes(dx_suggestions)
    if use_llm or (use_llm is None and llm.configured()):
        llm.extend(note, analysis, dx_suggestions, lines, patient)
    _label(dx_suggestions, lines, index_for)
    messages: list[Message] = validate(
        diagnoses=[d.code for d in dx_suggestions],
        lines=[Line(p.code, p.units, list(p.modifiers), list(p.pointers)) for p in lines],
        patient=patient, on=on, index_for=index_for, mod25_codes=mod25) if dx_suggestions or lines else []
    sections = [{"category": s.category, "start": s.start, "end": s.end, "heading": s.heading} for s in analysis.sections]
    return EngineResult(diagnoses=dx_suggestions, procedures=lines, messages=messages,
                        ms=(time.perf_counter() - started) * 1000, sections=sections, version=ENGINE_VERSION)


def _adjust_exam_codes(dxs: list[Suggestion]) -> None:
    """A general exam with problems found is 'with abnormal findings'."""
    others = [d for d in dxs if not d.code.startswith("Z")]
    if not others:
        return
    for d in dxs:
        if d.code in ("Z00.00", "Z00.129"):
            d.code = "Z00.01" if d.code == "Z00.00" else "Z00.121"
            d.rule += ", with abnormal findings"


_CPT_CACHE: dict[str, Any] = {}


def cpt_table() -> dict[str, dict[str, Any]]:
    if not _CPT_CACHE:
        from coding.services.codesets import cpt_shipped

        _CPT_CACHE.update(cpt_shipped())
    return _CPT_CACHE


def mod25_codes() -> frozenset[str]:
    """Procedures beside which a same-day E/M needs modifier 25 (global-period and injection procedures)."""
    return frozenset(code for code, row in cpt_table().items() if row["mod25"])


def _code_sets(on: dt.date) -> tuple[Any, int | None]:
    try:
        from django.db import DatabaseError

        from coding import codesets

        version = codesets.version_for(system="ICD10CM", on=on)
    except Exception:
        return None, None
    cache: dict[str, Mapping[str, Any]] = {}

    def index_for(system: str) -> Mapping[str, Any]:
        if system not in cache:
            try:
                cache[system] = codesets.code_index(system=system, on=on)
            except DatabaseError:
                cache[system] = {}
        return cache[system]

    for system in ("ICD10CM", "CPT", "HCPCS", "MODIFIER"):
        index_for(system)  # built once per process; loaded here so a note's time is the note's
    return index_for, version.id if version else None


def _generic_rows(version_id: int) -> list[tuple[str, str, str]]:
    from coding.models import Code

    return list(Code.objects.filter(version_id=version_id, billable=True).values_list("code", "label", "terms"))


def _label(dxs: list[Suggestion], lines: list[Suggestion], index_for: Any) -> None:
    table = cpt_table()
    for s in [*dxs, *lines]:
        info = None
        if index_for is not None:
            info = index_for(s.system).get(s.code)
        if info is not None:
            s.label = info.label
        elif s.system == "CPT" and s.code in table:
            s.label = table[s.code]["label"]
        if s.system == "CPT" and not s.family and s.code in table:
            s.family = table[s.code]["family"]
        elif s.system != "ICD10CM" and not s.family:
            s.family = s.code[:1]


__all__ = ["ENGINE_VERSION", "EngineResult", "Patient", "Suggestion", "mod25_codes", "suggest"]
