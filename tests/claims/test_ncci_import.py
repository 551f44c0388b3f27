"""Importing CMS's NCCI practitioner files (our own sample in their layouts, and an .xlsx written here)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from claims.models import MueEdit, NcciPtpEdit
from claims.ncci.files import SAMPLE_MUE, SAMPLE_PTP

pytestmark = pytest.mark.django_db


def test_sample_loads_in_cms_layout_and_reloading_changes_nothing() -> None:
    out = io.StringIO()
    call_command("import_ncci", "--ptp", str(SAMPLE_PTP), "--mue", str(SAMPLE_MUE), stdout=out)
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert figures == {"ptp": NcciPtpEdit.objects.count(), "mue": MueEdit.objects.count()}
    edit = NcciPtpEdit.objects.get(column1="17110", column2="17000")
    assert (edit.effective_date, edit.deletion_date, edit.modifier_indicator) == (dt.date(2016, 1, 1), dt.date(2019, 12, 31), "1")
    assert NcciPtpEdit.objects.get(column1="93000", column2="93005").prior_1996 is True
    mue = MueEdit.objects.get(code="17003")
    assert (mue.mue_value, mue.per_day) == (13, True) and MueEdit.objects.get(code="96372").per_day is False
    again = io.StringIO()
    call_command("import_ncci", "--ptp", str(SAMPLE_PTP), stdout=again)
    assert "0 new or changed" in again.getvalue()


def test_xlsx_files_are_read(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["CPT codes and descriptions only are copyright American Medical Association."])
    sheet.append(["Column 1", "Column 2", "*=in existence prior to 1996", "Effective Date", "Deletion Date *=no data",
                  "Modifier 0=not allowed 1=allowed 9=not applicable", "PTP Edit Rationale"])
    sheet.append(["11200", "11201", None, 20200101, "*", "0", "Mutually exclusive"])
    path = tmp_path / "ptp_f1.xlsx"
    book.save(path)
    call_command("import_ncci", "--ptp", str(path), stdout=io.StringIO())
    assert list(NcciPtpEdit.objects.values_list("column1", "column2", "modifier_indicator")) == [("11200", "11201", "0")]


def test_a_bad_row_stops_the_import_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("Column 1\tColumn 2\n11102\t17000\t\t20190101\t*\t1\tok\n11102\t17003\t\tnot-a-date\t*\t1\tbad\n")
    with pytest.raises(CommandError, match=r"bad\.txt line 3"):
        call_command("import_ncci", "--ptp", str(path), stdout=io.StringIO())
    assert NcciPtpEdit.objects.count() == 0
