"""CSV import: column mapping guessed, preview of what will happen, row-level errors, all or nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from billing.models import ChargeLine, Coverage, Encounter, Patient
from interop.models import CsvImport
from interop.services.csv_import import (
    csv_import_commit,
    csv_import_create,
    csv_import_preview,
    guess_mapping,
)
from tests.interop import samples

pytestmark = pytest.mark.django_db

PATIENTS = (
    "Patient ID,Last Name,First Name,DOB,Gender,Street Address,City,ST,Zip Code,Home Phone,E-mail\n"
    "P-100,Reyes,Lucia,04/12/1962,Female,9 Elm St,York,pa,17401,(717) 555-0101,lucia@example.org\n"
    "P-101,Brandt,Otto,1949-11-30,M,77 River Rd,Lancaster,PA,17601-2202,,\n"
)


def create(ready: Any, kind: str, text: str | bytes) -> CsvImport:
    content = text if isinstance(text, bytes) else text.encode()
    return csv_import_create(practice_id=ready.practice.pk, kind=kind, filename=f"{kind}.csv", content=content)


def test_the_mapping_is_guessed_from_the_headers() -> None:
    headers = ["Patient ID", "Last Name", "First Name", "DOB", "Gender", "Street Address", "City", "ST", "Zip Code",
               "Home Phone", "E-mail"]
    assert guess_mapping("patients", headers) == {
        "mrn": "Patient ID", "first_name": "First Name", "last_name": "Last Name", "date_of_birth": "DOB",
        "sex": "Gender", "address_line1": "Street Address", "city": "City", "state": "ST", "zip_code": "Zip Code",
        "phone": "Home Phone", "email": "E-mail"}


def test_patients_preview_writes_nothing_and_commit_creates_them(ready: Any) -> None:
    imp = create(ready, "patients", PATIENTS)
    before = Patient.objects.count()
    imp = csv_import_preview(imp=imp)
    assert imp.status == "valid" and imp.errors == []
    assert imp.preview["counts"] == {"patient": {"created": 2}}
    assert [r["outcomes"][0]["action"] for r in imp.preview["sample"]] == ["created", "created"]
    assert Patient.objects.count() == before
    imp = csv_import_commit(imp=imp)
    assert imp.status == "committed"
    lucia = Patient.objects.get(practice=ready.practice, mrn="P-100")
    assert (lucia.last_name, lucia.first_name, str(lucia.date_of_birth), lucia.sex, lucia.state, lucia.zip_code,
            lucia.phone, lucia.email) == ("Reyes", "Lucia", "1962-04-12", "F", "PA", "17401", "7175550101",
                                          "lucia@example.org")
    assert Patient.objects.get(mrn="P-101").zip_code == "176012202"
    again = csv_import_preview(imp=create(ready, "patients", PATIENTS))
    assert again.preview["counts"] == {"patient": {"unchanged": 2}}


def test_row_errors_are_listed_and_nothing_is_imported(ready: Any) -> None:
    text = PATIENTS + "P-102,Stone,Ada,13/45/1990,F,1 Oak,York,PA,17401,,\nP-100,Reyes,Lucia,,F,,York,PA,17401,,\n"
    text += "P-103,Kim,Joon,1980-01-01,X-ray,5 Pine,York,PA,1740,,\n"
    imp = csv_import_preview(imp=create(ready, "patients", text))
    assert imp.status == "invalid"
    errors = {(tuple(e["rows"]), e["message"]) for e in imp.errors}
    assert ((4,), "date_of_birth: '13/45/1990' is not a date (use YYYY-MM-DD or MM/DD/YYYY)") in errors
    assert ((5,), "date_of_birth: required, but empty") in errors
    assert ((5,), "address_line1: required, but empty") in errors
    assert any(rows == (6,) and msg.startswith("sex: 'X-ray' is not one of") for rows, msg in errors)
    assert any(rows == (6,) and "zip_code" in msg for rows, msg in errors)
    imp = csv_import_commit(imp=imp)
    assert imp.status == "invalid"
    assert not Patient.objects.filter(mrn__in=["P-100", "P-101", "P-102", "P-103"]).exists()


def test_an_unmapped_required_column_is_named(ready: Any) -> None:
    imp = create(ready, "patients", PATIENTS)
    imp = csv_import_preview(imp=imp, mapping={**imp.mapping, "date_of_birth": ""})
    assert [e["message"] for e in imp.errors] == ["Choose the column for Date of birth."]
    assert imp.status == "invalid"


def test_coverage_rows_match_payers_by_name_or_id_and_unknown_payers_are_row_errors(ready: Any) -> None:
    csv_import_commit(imp=csv_import_preview(imp=create(ready, "patients", PATIENTS)))
    text = ("MRN,Insurance,Member ID,Group,Priority,Effective Date,Relationship,Subscriber First Name,"
            "Subscriber Last Name,Subscriber DOB\n"
            "P-100,Aetna,W111,G-1,primary,2025-01-01,self,,,\n"
            "P-101,12202,1EG4TE5MK72,,1,01/01/2024,spouse,Greta,Brandt,1950-02-02\n"
            "P-101,Nowhere Health,X9,,2,2025-01-01,self,,,\n")
    imp = csv_import_preview(imp=create(ready, "coverage", text))
    assert [(e["rows"], e["message"]) for e in imp.errors] == [
        ([4], "Payer Nowhere Health is not set up in this practice; add it to the payers first.")]
    assert not Coverage.objects.filter(member_id="W111").exists()
    fixed = csv_import_preview(imp=create(ready, "coverage", "\n".join(text.splitlines()[:3]) + "\n"))
    assert csv_import_commit(imp=fixed).status == "committed"
    medicare = Coverage.objects.get(member_id="1EG4TE5MK72")
    assert (medicare.payer_id, medicare.relationship, medicare.subscriber_first_name, str(medicare.effective_from)) == (
        ready.medicare.pk, "01", "Greta", "2024-01-01")


def test_charges_group_into_coded_encounters_and_unknown_codes_are_row_errors(ready: Any) -> None:
    csv_import_commit(imp=csv_import_preview(imp=create(ready, "patients", PATIENTS)))
    d = ready.dos.strftime("%m/%d/%Y")
    text = ("MRN,DOS,NPI,Location,CPT,Modifiers,Units,Charge,DX1,DX2\n"
            f"P-100,{d},{samples.NPI},Main Office,99213,25,1,120.00,L57.0,\n"
            f"P-100,{d},{samples.NPI},Main Office,17000,,1,,L57.0,\n"
            f"P-101,{d},{samples.NPI},Main Office,17003,,2,$50.00,L82.1,L57.0\n"
            f"P-101,{d},{samples.NPI},Main Office,1700X,,1,10,Q99.999,\n")
    imp = csv_import_preview(imp=create(ready, "charges", text))
    assert [(e["rows"], e["message"]) for e in imp.errors] == [
        ([5], f"1700X is not a CPT or HCPCS code. Unknown ICD-10-CM code Q99.999 on {ready.dos:%Y-%m-%d}.")]
    assert not Encounter.objects.filter(patient__mrn__in=["P-100", "P-101"]).exists()
    good = csv_import_preview(imp=create(ready, "charges", "\n".join(text.splitlines()[:4]) + "\n"))
    assert good.preview["counts"]["encounter"] == {"created": 2, "coded": 2}
    assert csv_import_commit(imp=good).status == "committed"
    lines = list(ChargeLine.objects.filter(encounter__patient__mrn="P-100").order_by("line_number").values_list(
        "code", "modifiers", "charge_amount", "diagnosis_pointers"))
    assert lines == [("99213", ["25"], Decimal("120.00"), [1]), ("17000", [], Decimal("140.00"), [1])]
    assert list(ChargeLine.objects.filter(encounter__patient__mrn="P-101").values_list("units", "charge_amount",
                                                                                       "diagnosis_pointers")) == [
        (2, Decimal("50.00"), [1, 2])]
    assert set(Encounter.objects.filter(patient__mrn__in=["P-100", "P-101"]).values_list("status", flat=True)) == {"coded"}


def test_windows_1252_files_from_excel_are_read(ready: Any) -> None:
    text = PATIENTS.replace("Reyes", "Muñoz")
    imp = csv_import_preview(imp=create(ready, "patients", text.encode("cp1252")))
    assert imp.status == "valid"
    csv_import_commit(imp=imp)
    assert Patient.objects.get(mrn="P-100").last_name == "Muñoz"


def test_a_committed_file_cannot_be_imported_twice(ready: Any) -> None:
    from django.core.exceptions import ValidationError

    imp = csv_import_commit(imp=csv_import_preview(imp=create(ready, "patients", PATIENTS)))
    with pytest.raises(ValidationError):
        csv_import_commit(imp=imp)
