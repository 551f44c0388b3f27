"""The coder's work: claim the next encounter, review the engine's suggestions, decide on each, complete.

Completing writes Diagnosis and ChargeLine rows through `billing.services` (validation, pricing from
the fee schedule and the audit trail stay in one place) and marks the encounter coded. Every
decision stays on its CodingLine (who, when, what was suggested, what was kept), and the
pghistory triggers keep each change, so acceptance rates are reportable per family and coder.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from billing import services as billing_services
from billing.models import Encounter
from coding import codesets
from coding.engine import ENGINE_VERSION, mod25_codes, suggest
from coding.engine.types import Message, Patient, Suggestion
from coding.engine.validate import Line, validate
from coding.models import CodeSystem, CodingLine, EncounterClaim, Worksheet
from rcm.validators import ICD10CM_RE, is_procedure_code, validate_modifiers, validate_pointers

CLAIM_MINUTES = int(getattr(settings, "CODING_CLAIM_MINUTES", 30))
ACTIVE = (CodingLine.Decision.ACCEPTED, CodingLine.Decision.EDITED, CodingLine.Decision.ADDED)


# --- the queue ------------------------------------------------------------------------------------
def encounter_claim_next(*, practice_id: int, user: Any, queryset: QuerySet[Encounter] | None = None) -> Encounter | None:
    """Hand this coder an encounter nobody else is working: their own open claim first, else the oldest free one.

    `SELECT … FOR UPDATE SKIP LOCKED` makes concurrent coders skip a row another transaction is claiming, and the
    claim row (committed with it) keeps it theirs for CLAIM_MINUTES.
    """
    now = timezone.now()
    base = queryset if queryset is not None else Encounter.objects.all()
    base = base.filter(practice_id=practice_id, status=Encounter.Status.AWAITING_CODING)
    with transaction.atomic():
        mine = (base.filter(coding_claim__user=user, coding_claim__expires_at__gt=now)
                .order_by("date_of_service", "id").select_for_update(skip_locked=True, of=("self",)).first())
        if mine is not None:
            EncounterClaim.objects.filter(encounter=mine).update(expires_at=now + dt.timedelta(minutes=CLAIM_MINUTES))
            return mine
        taken = EncounterClaim.objects.filter(encounter_id=OuterRef("pk"), expires_at__gt=now)
        encounter = (base.filter(~Exists(taken)).order_by("date_of_service", "id")
                     .select_for_update(skip_locked=True, of=("self",)).first())
        if encounter is None:
            return None
        EncounterClaim.objects.update_or_create(
            encounter=encounter,
            defaults={"practice_id": encounter.practice_id, "user": user, "claimed_at": now,
                      "expires_at": now + dt.timedelta(minutes=CLAIM_MINUTES)})
        return encounter


def encounter_claim_release(*, encounter: Encounter, user: Any) -> int:
    return EncounterClaim.objects.filter(encounter=encounter, user=user).delete()[0]


def claimed_by_other(*, encounter: Encounter, user: Any) -> Any:
    claim = (EncounterClaim.objects.filter(encounter=encounter, expires_at__gt=timezone.now())
             .exclude(user=user).select_related("user").first())
    return claim.user if claim else None


# --- the worksheet ----------------------------------------------------------------------------------
def note_text(encounter: Encounter) -> str:
    """The text the engine reads and evidence offsets point into: the encounter's notes, oldest first."""
    return "\n\n".join(n.text for n in encounter.notes.order_by("created_at", "id"))


def patient_for(encounter: Encounter) -> Patient:
    return Patient(age=encounter.patient.age_on(encounter.date_of_service), sex=encounter.patient.sex,
                   new_patient=encounter.new_patient)


@transaction.atomic
def worksheet_open(*, encounter: Encounter, user: Any = None) -> Worksheet:
    """The encounter's worksheet, created with the engine's suggestions the first time it is opened."""
    worksheet, created = Worksheet.objects.select_for_update().get_or_create(
        encounter=encounter, defaults={"practice_id": encounter.practice_id})
    if created or (worksheet.suggested_at is None and worksheet.status == Worksheet.Status.OPEN):
        _fill(worksheet, encounter)
    return worksheet


@transaction.atomic
def worksheet_resuggest(*, worksheet: Worksheet, user: Any = None) -> Worksheet:
    """Run the engine again (after a note was added): pending suggestions are replaced, decisions are kept."""
    worksheet = Worksheet.objects.select_for_update().get(pk=worksheet.pk)
    _require_open(worksheet)
    worksheet.lines.filter(decision=CodingLine.Decision.PENDING).delete()
    _fill(worksheet, worksheet.encounter)
    return worksheet


def _fill(worksheet: Worksheet, encounter: Encounter) -> None:
    result = suggest(note_text(encounter), age=patient_for(encounter).age, sex=encounter.patient.sex,
                     new_patient=encounter.new_patient, on=encounter.date_of_service)
    decided = {(line.kind, line.suggested_code) for line in worksheet.lines.exclude(suggested_code="")}
    rows = []
    for kind, suggestions in ((CodingLine.Kind.DIAGNOSIS, result.diagnoses), (CodingLine.Kind.PROCEDURE, result.procedures)):
        for position, s in enumerate(suggestions):
            if (kind, s.code) in decided:
                continue
            rows.append(line_from_suggestion(worksheet, kind, position, s))
    CodingLine.objects.bulk_create(rows)
    worksheet.engine_version = ENGINE_VERSION
    worksheet.engine_ms = int(result.ms)
    worksheet.suggested_at = timezone.now()
    worksheet.save(update_fields=["engine_version", "engine_ms", "suggested_at"])


def line_from_suggestion(worksheet: Worksheet, kind: str, position: int, s: Suggestion) -> CodingLine:
    return CodingLine(practice_id=worksheet.practice_id, worksheet=worksheet, kind=kind, system=s.system,
                      position=position, code=s.code, label=s.label[:400], units=s.units, modifiers=list(s.modifiers),
                      pointers=list(s.pointers), suggested_code=s.code, suggested_units=s.units,
                      suggested_modifiers=list(s.modifiers), family=s.family[:40], rule=s.rule[:400],
                      confidence=round(s.confidence, 2), evidence=[e.as_dict() for e in s.evidence],
                      missing=s.missing[:300])


def _require_open(worksheet: Worksheet) -> None:
    if worksheet.status != Worksheet.Status.OPEN:
        raise ValidationError("This encounter's coding is complete; it can no longer change here.")


def _clean_code(kind: str, code: str, on: dt.date) -> tuple[str, str, str]:
    """(system, code, label) for a code the coder typed; unknown ICD codes are refused."""
    raw = (code or "").strip().upper()
    if kind == CodingLine.Kind.DIAGNOSIS:
        normalized = codesets.normalize_code(CodeSystem.ICD10CM, raw)
        if not ICD10CM_RE.match(normalized):
            raise ValidationError({"code": f"{code!r} is not an ICD-10-CM code."})
        info = codesets.code_lookup(system=CodeSystem.ICD10CM, code=normalized, on=on)
        if info is None and codesets.version_for(system=CodeSystem.ICD10CM, on=on) is not None:
            raise ValidationError({"code": f"{normalized} is not in the ICD-10-CM code set in effect on {on}."})
        return CodeSystem.ICD10CM, normalized, info.label if info else ""
    if not is_procedure_code(raw):
        raise ValidationError({"code": f"{code!r} is not a CPT or HCPCS code."})
    system = CodeSystem.HCPCS if raw[0].isalpha() else CodeSystem.CPT
    info = codesets.code_lookup(system=system, code=raw, on=on)
    return system, raw, info.label if info else ""


def code_family(system: str, code: str, on: dt.date) -> str:
    if system == CodeSystem.ICD10CM:
        return code[:3]
    from coding.engine import cpt_table

    return str(cpt_table().get(code, {}).get("family", code[:1]))


def _clean_modifiers(modifiers: list[str] | None) -> list[str]:
    mods = [m.strip().upper() for m in (modifiers or []) if m and m.strip()]
    validate_modifiers(mods)
    return mods


@transaction.atomic
def coding_line_decide(*, line: CodingLine, user: Any, decision: str, code: str | None = None,
                       units: int | None = None, modifiers: list[str] | None = None,
                       pointers: list[str] | None = None) -> CodingLine:
    """Accept, reject or edit one line. An accepted line whose code, units or modifiers changed is 'edited'."""
    line = CodingLine.objects.select_for_update().select_related("worksheet__encounter").get(pk=line.pk)
    _require_open(line.worksheet)
    on = line.worksheet.encounter.date_of_service
    if decision == CodingLine.Decision.REJECTED:
        line.decision = decision
    elif decision in (CodingLine.Decision.ACCEPTED, CodingLine.Decision.EDITED):
        if code is not None and code.strip():
            line.system, line.code, label = _clean_code(line.kind, code, on)
            line.label = label or (line.label if line.code == line.suggested_code else "")
            line.family = code_family(line.system, line.code, on)
        if units is not None:
            if int(units) < 1:
                raise ValidationError({"units": "At least 1 unit."})
            line.units = int(units)
        if modifiers is not None:
            line.modifiers = _clean_modifiers(modifiers)
        if pointers is not None and line.kind == CodingLine.Kind.PROCEDURE:
            line.pointers = _clean_pointers(line.worksheet, pointers)
        changed = (line.code != line.suggested_code or line.units != (line.suggested_units or 1)
                   or sorted(line.modifiers) != sorted(line.suggested_modifiers))
        if line.decision == CodingLine.Decision.ADDED:
            pass  # a hand-added line stays "added" when the coder edits it
        else:
            line.decision = CodingLine.Decision.EDITED if changed else CodingLine.Decision.ACCEPTED
    else:
        raise ValidationError({"decision": f"Unknown decision {decision!r}."})
    line.decided_by = user if getattr(user, "is_authenticated", False) else None
    line.decided_at = timezone.now()
    line.full_clean()
    line.save()
    return line


def _clean_pointers(worksheet: Worksheet, pointers: list[str]) -> list[str]:
    codes = [codesets.normalize_code(CodeSystem.ICD10CM, p) for p in pointers if p and p.strip()]
    known = set(worksheet.lines.filter(kind=CodingLine.Kind.DIAGNOSIS).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError({"pointers": f"{', '.join(unknown)} is not a diagnosis on this worksheet."})
    if len(codes) > 4 or len(set(codes)) != len(codes):
        raise ValidationError({"pointers": "Up to four different diagnoses per procedure line."})
    return codes


@transaction.atomic
def coding_line_add(*, worksheet: Worksheet, user: Any, kind: str, code: str, units: int = 1,
                    modifiers: list[str] | None = None, pointers: list[str] | None = None) -> CodingLine:
    """A code the coder adds by hand (recorded as 'added')."""
    worksheet = Worksheet.objects.select_for_update().select_related("encounter").get(pk=worksheet.pk)
    _require_open(worksheet)
    if kind not in CodingLine.Kind.values:
        raise ValidationError({"kind": "Diagnosis or procedure."})
    on = worksheet.encounter.date_of_service
    system, code, label = _clean_code(kind, code, on)
    if worksheet.lines.filter(kind=kind, code=code).exclude(decision=CodingLine.Decision.REJECTED).exists():
        raise ValidationError({"code": f"{code} is already on this worksheet."})
    if int(units) < 1:
        raise ValidationError({"units": "At least 1 unit."})
    position = worksheet.lines.filter(kind=kind).count()
    line = CodingLine(practice_id=worksheet.practice_id, worksheet=worksheet, kind=kind, system=system, position=position,
                      code=code, label=label, units=int(units), modifiers=_clean_modifiers(modifiers),
                      pointers=_clean_pointers(worksheet, pointers or []) if kind == CodingLine.Kind.PROCEDURE else [],
                      decision=CodingLine.Decision.ADDED, family=code_family(system, code, on), rule="added by the coder",
                      decided_by=user if getattr(user, "is_authenticated", False) else None, decided_at=timezone.now())
    line.full_clean()
    line.save()
    return line


@transaction.atomic
def coding_line_accept_all(*, worksheet: Worksheet, user: Any) -> int:
    """Accept every pending suggestion as suggested."""
    worksheet = Worksheet.objects.select_for_update().get(pk=worksheet.pk)
    _require_open(worksheet)
    count = 0
    for line in worksheet.lines.filter(decision=CodingLine.Decision.PENDING):
        coding_line_decide(line=line, user=user, decision=CodingLine.Decision.ACCEPTED)
        count += 1
    return count


def _final(worksheet: Worksheet) -> tuple[list[CodingLine], list[CodingLine]]:
    lines = list(worksheet.lines.filter(decision__in=ACTIVE).order_by("kind", "position", "id"))
    return ([line for line in lines if line.kind == CodingLine.Kind.DIAGNOSIS],
            [line for line in lines if line.kind == CodingLine.Kind.PROCEDURE])


def worksheet_validate(*, worksheet: Worksheet) -> list[Message]:
    """Validation messages for the coder's current set (pending suggestions are not part of it yet)."""
    encounter = worksheet.encounter
    on = encounter.date_of_service
    dxs, pxs = _final(worksheet)
    dx_codes = [d.code for d in dxs]
    messages = validate(diagnoses=dx_codes,
                        lines=[Line(p.code, p.units, list(p.modifiers), [c for c in p.pointers]) for p in pxs],
                        patient=patient_for(encounter), on=on,
                        index_for=lambda system: codesets.code_index(system=system, on=on), mod25_codes=mod25_codes())
    pending = worksheet.lines.filter(decision=CodingLine.Decision.PENDING).count()
    if pending:
        # Until every suggestion is decided, "add a diagnosis" would only repeat what the pending lines say.
        messages = [m for m in messages if m.code != "no_diagnosis"]
        messages.insert(0, Message("error", "pending", f"{pending} suggestion(s) still pending: accept or reject each."))
    elif not pxs:
        messages.append(Message("error", "no_procedure", "Add at least one procedure line."))
    return messages


@transaction.atomic
def worksheet_complete(*, worksheet: Worksheet, user: Any) -> Encounter:
    """Write the accepted codes to the encounter (priced from the fee schedule) and mark it coded."""
    worksheet = Worksheet.objects.select_for_update().select_related("encounter__patient").get(pk=worksheet.pk)
    _require_open(worksheet)
    errors = [m for m in worksheet_validate(worksheet=worksheet) if m.severity == "error"]
    if errors:
        raise ValidationError([m.text for m in errors])
    encounter = worksheet.encounter
    for line in list(encounter.charge_lines.all()):
        billing_services.charge_line_delete(line=line)
    for dx in list(encounter.diagnoses.all()):
        billing_services.diagnosis_delete(diagnosis=dx)
    dxs, pxs = _final(worksheet)
    rank_of: dict[str, int] = {}
    for rank, line in enumerate(dxs, start=1):
        billing_services.diagnosis_add(encounter=encounter, code=line.code, rank=rank)
        rank_of[line.code] = rank
    for line in pxs:
        pointers = [rank_of[p] for p in line.pointers if p in rank_of]
        validate_pointers(pointers)
        billing_services.charge_line_add(encounter=encounter, code=line.code, units=line.units,
                                         modifiers=list(line.modifiers), diagnosis_pointers=pointers)
    encounter = billing_services.encounter_mark_coded(encounter=encounter, user=user)
    worksheet.status = Worksheet.Status.COMPLETED
    worksheet.completed_at = timezone.now()
    worksheet.completed_by = user if getattr(user, "is_authenticated", False) else None
    worksheet.save(update_fields=["status", "completed_at", "completed_by"])
    EncounterClaim.objects.filter(encounter=encounter).delete()
    return encounter

