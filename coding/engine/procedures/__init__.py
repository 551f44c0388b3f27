"""Stage 3: procedures computed from documented facts, then modifiers, units and diagnosis pointers."""

from __future__ import annotations

from coding.engine.diagnoses import DiagnosisResult
from coding.engine.nlp import Analysis
from coding.engine.procedures import em, office, skin
from coding.engine.procedures.common import ProcContext
from coding.engine.types import Evidence, Patient, Suggestion

SKIN_PROCEDURE_KEYS = frozenset({"biopsy", "excision", "shave_removal", "destruction_premalignant", "destruction_benign",
                                 "destruction_malignant", "mohs", "repair", "flap", "intralesional", "skin_tags",
                                 "drainage"})
DISTINCT_MODIFIER = "59"


def procedures(analysis: Analysis, patient: Patient, dx: DiagnosisResult,
               mod25_codes: frozenset[str]) -> tuple[list[Suggestion], list[Suggestion]]:
    """Procedure lines, and any diagnoses the procedures imply (Z23 for a vaccine given)."""
    ctx = ProcContext(analysis, patient, dx.suggestions)
    lines = [*skin.all_rules(ctx), *office.all_rules(ctx)]
    extra_dx: list[Suggestion] = []
    if any(line.key == "vaccine" for line in lines) and not any(d.code == "Z23" for d in dx.suggestions):
        first = next(line for line in lines if line.key == "vaccine")
        extra_dx.append(Suggestion(system="ICD10CM", code="Z23", label="", confidence=0.9,
                                   rule="encounter for immunization (vaccine given)", evidence=list(first.evidence),
                                   family="Z23", key="need_vaccine"))
    targets = {p for line in lines if line.code in mod25_codes for p in line.pointers}
    preventive = em.preventive_visit(ctx)
    visit = em.office_visit(ctx, dx.problems, [*preventive, *lines], set(mod25_codes) | {c.code for c in preventive},
                            targets if not preventive else targets | {d.code for d in dx.suggestions
                                                                      if d.code.startswith("Z00")})
    if preventive and visit and "25" not in visit[0].modifiers:
        visit[0].modifiers.append("25")
    _distinct_sites(lines)
    all_dx = [d.code for d in [*dx.suggestions, *extra_dx]]
    ordered = [*preventive, *visit, *lines]
    for line in ordered:
        line.pointers = [p for p in dict.fromkeys(line.pointers) if p in all_dx][:4] or [
            c for c in all_dx if not c.startswith("Z")][:1] or all_dx[:1]
    return ordered, extra_dx


def _distinct_sites(lines: list[Suggestion]) -> None:
    """A biopsy beside a destruction, shave removal or excision of other lesions is a distinct procedure."""
    keys = {line.key for line in lines}
    if keys & {"destruction_premalignant", "destruction_benign", "excision", "shave_removal"}:
        for line in lines:
            if line.key == "biopsy" and line.code in ("11102", "11104", "11106") and DISTINCT_MODIFIER not in line.modifiers:
                line.modifiers.append(DISTINCT_MODIFIER)
                line.evidence.append(Evidence(line.evidence[0].start, line.evidence[0].end, line.evidence[0].text,
                                              line.evidence[0].section, role="modifier")
                                     if line.evidence else Evidence(0, 0, "", role="modifier"))
