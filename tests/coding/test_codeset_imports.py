"""Importing official files: the CMS HCPCS quarterly file, a licensed CPT file, another ICD-10-CM year."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from coding.codesets import code_lookup
from coding.formats import hcpcs_anweb
from coding.models import CodeSetVersion

pytestmark = pytest.mark.django_db


def anweb(code: str, rid: str, long_text: str, short: str = "", seq: int = 100, ended: str = "") -> str:
    """One record in CMS's fixed-width layout (code 1-5, sequence 6-10, record id 11, long text 12-91,
    short text 92-119, dates from 269)."""
    line = f"{code:<5}{seq:05d}{rid}{long_text:<80.80}{short:<28.28}"
    return line.ljust(268) + "20250101" + "20260101" + f"{ended:<8}" + "N"


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


def test_anweb_records_join_continuation_lines_and_read_modifiers() -> None:
    records = hcpcs_anweb.parse([
        anweb("G9999", "3", "Home visit for a test of how the long description continues onto the second", "Test visit"),
        anweb("G9999", "4", "record of the same code", seq=101),
        anweb("   ZZ", "7", "A test modifier", "Test mod"),
        anweb("A9998", "3", "A code that was terminated", "Gone", ended="20251231"),
    ])
    visit, modifier, gone = records
    assert visit.code == "G9999" and visit.short_description == "Test visit"
    assert visit.long_description.endswith("continues onto the second record of the same code")
    assert modifier.is_modifier and modifier.code == "ZZ"
    assert gone.terminated == dt.date(2025, 12, 31)


def test_anweb_refuses_other_layouts() -> None:
    with pytest.raises(hcpcs_anweb.HcpcsFormatError, match="line 1"):
        hcpcs_anweb.parse(["G0008,Admin influenza virus vac"])


def test_import_hcpcs_adds_a_quarter_and_closes_the_previous_one(codesets: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "HCPC2026_APR_ANWEB.txt", [
        anweb("G0008", "3", "Administration of influenza virus vaccine", "Admin influenza virus vac"),
        anweb("G9999", "3", "A brand-new test code", "New test code"),
        anweb("   XS", "7", "Separate structure", "Separate structure"),
    ])
    call_command("import_hcpcs", str(path))
    quarter = CodeSetVersion.objects.get(system="HCPCS", label="2026 APR")
    assert quarter.effective_from == dt.date(2026, 4, 1) and quarter.code_count == 2
    shipped = CodeSetVersion.objects.get(system="HCPCS", label="Subset shipped with RCM")
    assert shipped.effective_to == dt.date(2026, 3, 31)
    assert code_lookup(system="HCPCS", code="G9999", on=dt.date(2026, 4, 1)).label == "New test code"
    assert code_lookup(system="HCPCS", code="G9999", on=dt.date(2026, 3, 31)) is None
    assert code_lookup(system="MODIFIER", code="25", on=dt.date(2026, 5, 1)) is not None  # ours kept with the file's
    call_command("import_hcpcs", str(path))  # idempotent
    assert CodeSetVersion.objects.filter(system="HCPCS").count() == 2


def test_import_hcpcs_needs_a_date_it_can_tell(tmp_path: Path, db: Any) -> None:
    before = CodeSetVersion.objects.count()
    path = write(tmp_path, "codes.txt", [anweb("G0008", "3", "Administration of influenza virus vaccine")])
    with pytest.raises(CommandError, match="effective-from"):
        call_command("import_hcpcs", str(path))
    assert CodeSetVersion.objects.count() == before


def test_licensed_cpt_import_keeps_our_global_days(codesets: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "cpt.txt", ["CODE\tDESCRIPTOR", "17000\tLicensed descriptor text for 17000",
                                       "99213\tLicensed descriptor text for 99213"])
    call_command("import_cpt", str(path), "--label", "CPT 2026 licensed", "--effective-from", "2026-01-01")
    info = code_lookup(system="CPT", code="17000", on=dt.date(2026, 2, 1))
    assert info.label == "Licensed descriptor text for 17000" and info.global_days == 10
    assert code_lookup(system="CPT", code="17000", on=dt.date(2025, 12, 31)).label.startswith("Destroying")


def test_an_icd_order_file_becomes_its_fiscal_year(codesets: Any, tmp_path: Path) -> None:
    def order(n: int, code: str, billable: str, short: str, long: str) -> str:
        return f"{n:05d} {code:<7} {billable} {short:<60.60} {long}"

    path = write(tmp_path, "icd10cm_order_2027.txt", [
        order(1, "L57", "0", "Skin changes due to chronic exposure to nonionizing radiatn",
              "Skin changes due to chronic exposure to nonionizing radiation"),
        order(2, "L570", "1", "Actinic keratosis", "Actinic keratosis"),
        order(3, "L5799", "1", "A code new in this test year", "A code new in this test year"),
    ])
    call_command("import_icd10cm", str(path), "--fiscal-year", "2027")
    fy2027 = CodeSetVersion.objects.get(system="ICD10CM", label="FY2027 (CMS order file)")
    assert (fy2027.effective_from, fy2027.effective_to) == (dt.date(2026, 10, 1), dt.date(2027, 9, 30))
    assert CodeSetVersion.objects.get(system="ICD10CM", label__startswith="FY2026").effective_to == dt.date(2026, 9, 30)
    new = code_lookup(system="ICD10CM", code="L57.99", on=dt.date(2026, 11, 2))
    assert new is not None and new.billable
    assert code_lookup(system="ICD10CM", code="L57.99", on=dt.date(2026, 9, 30)) is None
    ak = code_lookup(system="ICD10CM", code="L57.0", on=dt.date(2026, 11, 2))
    assert ak.label == "Actinic keratosis"
    with pytest.raises(CommandError, match="order-file layout"):
        call_command("import_icd10cm", str(write(tmp_path, "bad.txt", ["not an order file"])), "--fiscal-year", "2028")
