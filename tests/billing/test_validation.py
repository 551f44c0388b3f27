"""Validation where data enters: identifiers, codes, money, dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from billing import services
from billing.models import ChargeLine, Coverage
from rcm.money import to_money
from rcm.validators import (
    normalize_icd10,
    npi_is_valid,
    validate_icd10cm,
    validate_modifiers,
    validate_procedure_code,
)
from tests import factories as f


@pytest.mark.parametrize("npi, ok", [
    ("1234567893", True),   # the CMS example NPI
    ("1000000020", True),   # check digit 0 is valid (a popular Django NPI field rejects it)
    ("1234567890", False),  # wrong check digit
    ("123456789", False),   # too short
    ("12345678A3", False),
    ("", False),
])
def test_npi_check_digit(npi: str, ok: bool) -> None:
    assert npi_is_valid(npi) is ok


@pytest.mark.parametrize("code, ok", [("L57.0", True), ("E11.65", True), ("I10", True), ("S01.01XA", True),
                                      ("U07.1", False), ("L57.", False), ("l57.0", False), ("123.4", False)])
def test_icd10_format(code: str, ok: bool) -> None:
    if ok:
        validate_icd10cm(code)
    else:
        with pytest.raises(ValidationError):
            validate_icd10cm(code)


def test_icd10_normalized_to_dotted_upper() -> None:
    assert normalize_icd10(" e119 ") == "E11.9"
    assert normalize_icd10("i10") == "I10"


@pytest.mark.parametrize("code, ok", [("99213", True), ("0001F", True), ("0042T", True), ("J3301", True),
                                      ("G0439", True), ("9921", False), ("992134", False), ("W1234", False)])
def test_procedure_code_format(code: str, ok: bool) -> None:
    if ok:
        validate_procedure_code(code)
    else:
        with pytest.raises(ValidationError):
            validate_procedure_code(code)


def test_modifiers_format_and_count() -> None:
    validate_modifiers(["25", "XS", "RT", "59"])
    for bad in (["2"], ["25", "25"], ["25", "59", "XS", "RT", "LT"], ["2%"]):
        with pytest.raises(ValidationError):
            validate_modifiers(bad)


def test_money_is_decimal_never_float() -> None:
    assert to_money("12.345") == Decimal("12.35")
    assert to_money("$1,200.5") == Decimal("1200.50")
    with pytest.raises(TypeError):
        to_money(12.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        to_money("twelve")


@pytest.mark.django_db
def test_practice_rejects_bad_npi_tax_id_taxonomy_zip() -> None:
    practice = f.PracticeFactory.build(npi="1234567890", tax_id="12-3456789", taxonomy="207N0000", zip_code="1710")
    with pytest.raises(ValidationError) as exc:
        practice.full_clean()
    assert set(exc.value.message_dict) >= {"npi", "tax_id", "taxonomy", "zip_code"}


@pytest.mark.django_db
def test_encounter_date_of_service_not_in_future() -> None:
    patient = f.PatientFactory()
    encounter = f.EncounterFactory.build(patient=patient, practice=patient.practice,
                                         provider=f.ProviderFactory(practice=patient.practice),
                                         location=f.LocationFactory(practice=patient.practice),
                                         date_of_service=dt.date.today() + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        encounter.full_clean()
    assert "date_of_service" in exc.value.message_dict


@pytest.mark.django_db
def test_coverage_dates_must_be_ordered_in_form_and_database() -> None:
    coverage = f.CoverageFactory()
    coverage.effective_to = coverage.effective_from - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        coverage.full_clean()
    assert "effective_to" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Coverage.objects.filter(pk=coverage.pk).update(effective_to=coverage.effective_from - dt.timedelta(days=1))


@pytest.mark.django_db
def test_coverage_needs_subscriber_when_patient_is_not_subscriber() -> None:
    coverage = f.CoverageFactory.build(patient=f.PatientFactory(), relationship="19")
    coverage.practice = coverage.patient.practice
    coverage.payer = f.PayerFactory(practice=coverage.practice)
    with pytest.raises(ValidationError) as exc:
        coverage.full_clean()
    assert {"subscriber_first_name", "subscriber_last_name", "subscriber_date_of_birth"} <= set(exc.value.message_dict)


@pytest.mark.django_db
def test_coverage_payer_from_another_practice_is_refused() -> None:
    patient = f.PatientFactory()
    with pytest.raises(ValidationError) as exc:
        services.coverage_create(practice=patient.practice, patient=patient, payer=f.PayerFactory(), member_id="X1",
                                 effective_from=dt.date(2024, 1, 1))
    assert "payer" in exc.value.message_dict
    assert not Coverage.objects.filter(patient=patient).exists()


@pytest.mark.django_db
def test_charge_line_units_positive_and_amount_two_places() -> None:
    line = f.ChargeLineFactory.build(encounter=f.EncounterFactory(), units=0, charge_amount=Decimal("10.123"))
    line.practice = line.encounter.practice
    with pytest.raises(ValidationError) as exc:
        line.full_clean()
    assert {"units", "charge_amount"} <= set(exc.value.message_dict)


@pytest.mark.django_db
def test_charge_line_database_constraints_hold_against_raw_updates() -> None:
    line = f.ChargeLineFactory(encounter=f.DiagnosisFactory().encounter)
    for bad in ({"units": 0}, {"charge_amount": Decimal("-1.00")}, {"modifiers": ["25", "59", "XS", "RT", "LT"]}):
        with pytest.raises(IntegrityError), transaction.atomic():
            ChargeLine.objects.filter(pk=line.pk).update(**bad)


@pytest.mark.django_db
def test_charge_priced_from_fee_schedule_and_pointer_checked() -> None:
    encounter = f.EncounterFactory()
    from billing.models import FeeSchedule, FeeScheduleEntry

    fs = FeeSchedule.objects.create(practice=encounter.practice, name="Std", kind="charge", effective_from=dt.date(2020, 1, 1))
    FeeScheduleEntry.objects.create(practice=encounter.practice, schedule=fs, code="17003", amount=Decimal("22.00"))
    services.diagnosis_add(encounter=encounter, code="l570")
    line = services.charge_line_add(encounter=encounter, code="17003", units=6, diagnosis_pointers=[1])
    assert line.charge_amount == Decimal("132.00")
    with pytest.raises(ValidationError) as exc:
        services.charge_line_add(encounter=encounter, code="17003", units=1, diagnosis_pointers=[2])
    assert "diagnosis_pointers" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.charge_line_add(encounter=encounter, code="11102", units=1, diagnosis_pointers=[1])  # no fee on file


@pytest.mark.django_db
def test_mark_coded_requires_complete_coding_and_blocks_later_edits() -> None:
    encounter = f.EncounterFactory()
    with pytest.raises(ValidationError) as exc:
        services.encounter_mark_coded(encounter=encounter)
    assert any("diagnosis" in m for m in exc.value.messages)
    services.diagnosis_add(encounter=encounter, code="L57.0")
    services.charge_line_add(encounter=encounter, code="17000", diagnosis_pointers=[1], charge_amount=Decimal("140.00"))
    services.encounter_mark_coded(encounter=encounter)
    encounter.refresh_from_db()
    assert encounter.status == "coded" and encounter.coded_at is not None
    assert services.encounter_mark_billed(encounter_ids=[encounter.pk]) == 1
    assert services.encounter_mark_billed(encounter_ids=[encounter.pk]) == 0  # only one biller wins
    with pytest.raises(ValidationError):
        services.diagnosis_add(encounter=encounter, code="L82.1")
