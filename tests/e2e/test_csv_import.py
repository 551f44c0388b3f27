"""In a real browser: a biller uploads a CSV, fixes the column mapping, sees the preview update, imports."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from billing.models import Patient
from tests import factories as f
from tests.e2e.auth import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

CSV = (
    "Patient ID,Last Name,First Name,Born on,Gender,Street Address,City,ST,Zip Code\n"
    "P-900,Reyes,Lucia,04/12/1962,F,9 Elm St,York,PA,17401\n"
    "P-901,Brandt,Otto,1949-11-30,M,77 River Rd,Lancaster,PA,17601\n"
)


def test_csv_mapping_preview_and_import(live_server: Any, page: Page, tmp_path: Any) -> None:
    practice = f.PracticeFactory(name="CSV Practice")
    f.MembershipFactory(user=f.UserFactory(username="web_biller"), practice=practice, role="biller")
    upload = tmp_path / "patients.csv"
    upload.write_text(CSV)

    sign_in(page, live_server, "web_biller")
    page.get_by_role("link", name="CSV import").click()
    page.get_by_label("What the file holds").select_option("patients")
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Patients from patients.csv")
    expect(page.get_by_label("Last name *")).to_have_value("Last Name")  # guessed from the header
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview).to_have_attribute("data-status", "invalid")
    expect(preview).to_contain_text("Choose the column for Date of birth.")
    expect(page.get_by_role("button", name="Import 2 rows")).to_have_count(0)

    page.get_by_label("Date of birth *").select_option("Born on")  # htmx previews on change
    expect(preview).to_have_attribute("data-status", "valid")
    expect(preview).to_contain_text("If imported now: patient: 2 created")
    expect(preview.get_by_role("cell", name="Reyes")).to_be_visible()
    assert not Patient.objects.filter(mrn__in=["P-900", "P-901"]).exists()  # nothing written by the preview

    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.locator(".messages")).to_contain_text("Imported 2 row(s).")
    expect(page.locator("#preview")).to_have_attribute("data-status", "committed")
    assert sorted(Patient.objects.filter(practice=practice).values_list("mrn", "last_name", "date_of_birth")) == [
        ("P-900", "Reyes", dt.date(1962, 4, 12)),
        ("P-901", "Brandt", dt.date(1949, 11, 30))]
