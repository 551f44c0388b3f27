"""In a real browser: a coder takes the next encounter, sees the evidence highlighted in the note, accepts the
suggestions, fixes one (htmx swaps the panel in place), completes the coding and sees the priced charges."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from billing.models import ChargeLine
from coding.models import CodingLine
from tests import factories as f
from tests.coding.conftest import codesets  # noqa: F401 - the shipped code sets, as in the coding tests
from tests.coding.factories import fee_schedule
from tests.e2e.auth import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = ("Derm follow-up, established patient.\n"
        "Exam: gritty scaly papules on the scalp x3 and the left temple x1. Nothing suspicious for SCC.\n"
        "Dx: Actinic keratoses x3, scalp.\n"
        "Proc: LN2 cryotherapy to all 3 lesions, two freeze-thaw cycles. Verbal consent.")


def test_coder_accepts_fixes_completes_and_sees_charges(codesets: Any, live_server: Any, page: Page) -> None:  # noqa: F811
    practice = f.PracticeFactory(name="Browser Dermatology")
    f.MembershipFactory(user=f.UserFactory(username="web_coder"), practice=practice, role="coder")
    patient = f.PatientFactory(practice=practice, last_name="Okafor", date_of_birth=dt.date(1951, 3, 2), sex="M")
    encounter = f.EncounterFactory(patient=patient)
    f.ChartNoteFactory(encounter=encounter, text=NOTE)
    fee_schedule(practice)

    sign_in(page, live_server, "web_coder")
    expect(page.get_by_role("heading", level=1)).to_have_text("Coding queue")
    page.get_by_role("button", name="Next encounter").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Code encounter")

    evidence = page.locator("mark.evidence", has_text="Actinic keratoses")
    expect(evidence).to_have_attribute("title", "L57.0")
    lines = {line.code: line.pk for line in CodingLine.objects.filter(worksheet__encounter=encounter)}
    assert set(lines) == {"L57.0", "17000", "17003"}

    page.locator(f"#line-{lines['L57.0']}").get_by_role("button", name="Accept").click()
    expect(page.locator(f"#line-{lines['L57.0']} .decision")).to_have_text("Accepted")
    page.locator(f"#line-{lines['17000']}").get_by_role("button", name="Accept").click()
    expect(page.locator(f"#line-{lines['17000']} .decision")).to_have_text("Accepted")
    # The coder counts four lesions in the exam, not three: one more unit of the add-on code.
    page.locator(f"#line-{lines['17003']} input[name=units]").fill("3")
    page.locator(f"#line-{lines['17003']}").get_by_role("button", name="Accept").click()
    expect(page.locator(f"#line-{lines['17003']} .decision")).to_have_text("Edited")
    expect(page.locator("#validation")).to_have_text("All checks pass.")

    page.get_by_role("button", name="Complete coding").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Encounter")
    expect(page.get_by_text("coded: 2 charge line(s) priced from the fee schedule")).to_be_visible()
    expect(page.get_by_role("cell", name="$66.00")).to_be_visible()
    expect(page.get_by_role("columnheader", name="$206.00")).to_be_visible()  # the total
    assert list(ChargeLine.objects.filter(encounter=encounter).order_by("line_number")
                .values_list("code", "units")) == [("17000", 1), ("17003", 3)]
