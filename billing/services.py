"""Writes to the shared model. Every write validates fully and keeps practices apart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from billing.models import ChargeLine, ChartNote, Coverage, Diagnosis, Encounter, Patient
from billing.selectors import fee_for
from rcm.validators import normalize_icd10

M = TypeVar("M", bound=models.Model)

EDITABLE_CODING_STATUSES = (Encounter.Status.AWAITING_CODING, Encounter.Status.CODED)


def _save(instance: M) -> M:
    instance.full_clean()
    instance.save()
    return instance


def _assign(instance: M, data: dict[str, Any]) -> M:
    for key, value in data.items():
        setattr(instance, key, value)
    return instance


@transaction.atomic
def patient_create(**data: Any) -> Patient:
    return _save(Patient(**data))


@transaction.atomic
def patient_update(*, patient: Patient, data: dict[str, Any]) -> Patient:
    data.pop("practice", None)
    return _save(_assign(patient, data))


@transaction.atomic
def coverage_create(**data: Any) -> Coverage:
    return _save(Coverage(**data))


@transaction.atomic
def coverage_update(*, coverage: Coverage, data: dict[str, Any]) -> Coverage:
    data.pop("practice", None)
    return _save(_assign(coverage, data))


@transaction.atomic
def encounter_create(*, note_text: str = "", note_kind: str = ChartNote.Kind.PROGRESS, **data: Any) -> Encounter:
    encounter = _save(Encounter(**data))
    if note_text:
        note_add(encounter=encounter, text=note_text, kind=note_kind)
    return encounter


@transaction.atomic
def encounter_update(*, encounter: Encounter, data: dict[str, Any]) -> Encounter:
    data.pop("practice", None)
    if encounter.status == Encounter.Status.BILLED and set(data) - {"prior_authorization", "referring_provider_npi",
                                                                    "referring_provider_name"}:
        raise ValidationError("This encounter is billed; correct it through its claim (a replacement claim), not here.")
    return _save(_assign(encounter, data))


def note_add(*, encounter: Encounter, text: str, kind: str = ChartNote.Kind.PROGRESS, author: str = "") -> ChartNote:
    if not text.strip():
        raise ValidationError({"text": "A note needs text."})
    return _save(ChartNote(practice_id=encounter.practice_id, encounter=encounter, kind=kind, text=text, author=author))


def _lock_encounter_for_coding(encounter: Encounter) -> Encounter:
    locked = Encounter.objects.select_for_update().get(pk=encounter.pk)
    if locked.status not in EDITABLE_CODING_STATUSES:
        raise ValidationError(f"Encounter {locked.pk} is {locked.get_status_display().lower()}; its codes can no longer change here.")
    return locked


@transaction.atomic
def diagnosis_add(*, encounter: Encounter, code: str, rank: int | None = None) -> Diagnosis:
    encounter = _lock_encounter_for_coding(encounter)
    code = normalize_icd10(code)
    if rank is None:
        rank = (encounter.diagnoses.aggregate(m=models.Max("rank"))["m"] or 0) + 1
    if encounter.diagnoses.filter(code=code).exists():
        raise ValidationError({"code": f"{code} is already on this encounter."})
    return _save(Diagnosis(practice_id=encounter.practice_id, encounter=encounter, code=code, rank=rank))


@transaction.atomic
def diagnosis_update(*, diagnosis: Diagnosis, data: dict[str, Any]) -> Diagnosis:
    _lock_encounter_for_coding(diagnosis.encounter)
    if "code" in data:
        data["code"] = normalize_icd10(data["code"])
    data.pop("encounter", None)
    data.pop("practice", None)
    return _save(_assign(diagnosis, data))


@transaction.atomic
def diagnosis_delete(*, diagnosis: Diagnosis) -> None:
    _lock_encounter_for_coding(diagnosis.encounter)
    diagnosis.delete()


def _check_pointers(encounter: Encounter, pointers: list[int]) -> None:
    ranks = set(encounter.diagnoses.values_list("rank", flat=True))
    missing = [p for p in pointers if p not in ranks]
    if missing:
        raise ValidationError({"diagnosis_pointers": f"No diagnosis at position {', '.join(map(str, missing))} on this encounter."})


@transaction.atomic
def charge_line_add(*, encounter: Encounter, code: str, units: int = 1, modifiers: list[str] | None = None,
                    diagnosis_pointers: list[int] | None = None, charge_amount: Decimal | None = None) -> ChargeLine:
    """Add a charge; with no amount given, price it from the practice's fee schedule on the date of service."""
    encounter = _lock_encounter_for_coding(encounter)
    modifiers = [m.strip().upper() for m in (modifiers or []) if m.strip()]
    pointers = list(diagnosis_pointers or [])
    _check_pointers(encounter, pointers)
    if charge_amount is None:
        unit_fee = fee_for(practice_id=encounter.practice_id, code=code, modifiers=modifiers, on=encounter.date_of_service)
        if unit_fee is None:
            raise ValidationError({"charge_amount": f"No fee for {code} in the practice's fee schedule; enter the charge."})
        charge_amount = unit_fee * units
    line_number = (encounter.charge_lines.aggregate(m=models.Max("line_number"))["m"] or 0) + 1
    return _save(ChargeLine(practice_id=encounter.practice_id, encounter=encounter, line_number=line_number, code=code.upper(),
                            modifiers=modifiers, units=units, diagnosis_pointers=pointers, charge_amount=charge_amount))


@transaction.atomic
def charge_line_update(*, line: ChargeLine, data: dict[str, Any]) -> ChargeLine:
    encounter = _lock_encounter_for_coding(line.encounter)
    data.pop("encounter", None)
    data.pop("practice", None)
    if "diagnosis_pointers" in data:
        _check_pointers(encounter, list(data["diagnosis_pointers"]))
    return _save(_assign(line, data))


@transaction.atomic
def charge_line_delete(*, line: ChargeLine) -> None:
    _lock_encounter_for_coding(line.encounter)
    line.delete()


@transaction.atomic
def encounter_mark_coded(*, encounter: Encounter, user: Any = None) -> Encounter:
    """Close coding: needs a diagnosis, a charge, and every charge pointing at a diagnosis."""
    encounter = _lock_encounter_for_coding(encounter)
    diagnoses = list(encounter.diagnoses.all())
    lines = list(encounter.charge_lines.all())
    problems: list[str] = []
    if not diagnoses:
        problems.append("Add at least one diagnosis.")
    if not lines:
        problems.append("Add at least one procedure line.")
    ranks = {d.rank for d in diagnoses}
    for line in lines:
        if not line.diagnosis_pointers:
            problems.append(f"Line {line.line_number} ({line.code}) has no diagnosis pointer.")
        elif not set(line.diagnosis_pointers) <= ranks:
            problems.append(f"Line {line.line_number} ({line.code}) points at a diagnosis that is not on the encounter.")
    if problems:
        raise ValidationError(problems)
    encounter.status = Encounter.Status.CODED
    encounter.coded_at = timezone.now()
    encounter.coded_by = user if getattr(user, "is_authenticated", False) else None
    encounter.save(update_fields=["status", "coded_at", "coded_by", "updated_at"])
    return encounter


def encounter_mark_billed(*, encounter_ids: list[int]) -> int:
    """Coded -> billed, only from coded (a conditional update, so two billers cannot both win)."""
    return Encounter.objects.filter(pk__in=encounter_ids, status=Encounter.Status.CODED).update(
        status=Encounter.Status.BILLED, updated_at=timezone.now())


def today() -> dt.date:
    return timezone.localdate()
