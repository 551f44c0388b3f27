"""The coder's worksheet: suggestions, decisions, completion through billing.services, acceptance rates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from billing.models import ChargeLine, Diagnosis, Encounter
from coding import selectors
from coding.models import CodingLine, EncounterClaim, Worksheet
from coding.services import worksheet as ws
from tests import factories as f
from tests.coding.factories import fee_schedule

pytestmark = pytest.mark.django_db


def lines(worksheet: Worksheet) -> list[tuple[str, str, int, str]]:
    return [(x.kind, x.code, x.units, x.decision) for x in worksheet.lines.order_by("kind", "position", "id")]


def test_opening_suggests_once_with_evidence(world: Any, codesets: Any) -> None:
    sheet = ws.worksheet_open(encounter=world.encounter, user=world.coder)
    assert lines(sheet) == [("dx", "L57.0", 1, "pending"), ("px", "17000", 1, "pending"), ("px", "17003", 2, "pending")]
    ak = sheet.lines.get(code="L57.0")
    assert ak.label == "Actinic keratosis" and ak.family == "L57"
    assert ak.evidence[0]["text"] == "Actinic keratoses" and ak.evidence[0]["assertion"] == "affirmed"
    assert sheet.lines.get(code="17003").pointers == ["L57.0"]
    assert ws.worksheet_open(encounter=world.encounter, user=world.coder).lines.count() == 3


def test_accept_and_complete_writes_priced_charges(world: Any, codesets: Any) -> None:
    fee_schedule(world.practice)
    sheet = ws.worksheet_open(encounter=world.encounter, user=world.coder)
    assert ws.coding_line_accept_all(worksheet=sheet, user=world.coder) == 3
    encounter = ws.worksheet_complete(worksheet=sheet, user=world.coder)
    assert encounter.status == Encounter.Status.CODED and encounter.coded_by == world.coder
    assert list(Diagnosis.objects.filter(encounter=encounter).values_list("rank", "code")) == [(1, "L57.0")]
    charges = list(ChargeLine.objects.filter(encounter=encounter).order_by("line_number")
                   .values_list("line_number", "code", "units", "diagnosis_pointers", "charge_amount"))
    assert charges == [(1, "17000", 1, [1], Decimal("140.00")), (2, "17003", 2, [1], Decimal("44.00"))]
    sheet.refresh_from_db()
    assert sheet.status == Worksheet.Status.COMPLETED and sheet.completed_by == world.coder


def test_pending_suggestions_block_completion_and_nothing_is_written(world: Any, codesets: Any) -> None:
    fee_schedule(world.practice)
    sheet = ws.worksheet_open(encounter=world.encounter, user=world.coder)
    with pytest.raises(ValidationError, match="still pending"):
        ws.worksheet_complete(worksheet=sheet, user=world.coder)
    assert not Diagnosis.objects.filter(encounter=world.encounter).exists()
    world.encounter.refresh_from_db()
    assert world.encounter.status == Encounter.Status.AWAITING_CODING


def test_edit_reject_and_add_are_recorded(world: Any, codesets: Any) -> None:
    fee_schedule(world.practice)
    sheet = ws.worksheet_open(encounter=world.encounter, user=world.coder)
    first, addon = sheet.lines.get(code="17000"), sheet.lines.get(code="17003")
    ws.coding_line_decide(line=sheet.lines.get(code="L57.0"), user=world.coder, decision="accepted")
    ws.coding_line_decide(line=addon, user=world.coder, decision="rejected")
    edited = ws.coding_line_decide(line=first, user=world.coder, decision="accepted", code="17004", units=1)
    assert (edited.decision, edited.code, edited.suggested_code) == ("edited", "17004", "17000")
    added = ws.coding_line_add(worksheet=sheet, user=world.coder, kind="dx", code="l821")
    assert (added.decision, added.code, added.label) == ("added", "L82.1", "Other seborrheic keratosis")
    encounter = ws.worksheet_complete(worksheet=sheet, user=world.coder)
    assert list(encounter.diagnoses.values_list("code", flat=True)) == ["L57.0", "L82.1"]
    assert list(encounter.charge_lines.values_list("code", "charge_amount")) == [("17004", Decimal("420.00"))]
    assert CodingLine.objects.get(pk=addon.pk).decision == "rejected"


def test_unknown_codes_are_refused(world: Any, codesets: Any) -> None:
    sheet = ws.worksheet_open(encounter=world.encounter, user=world.coder)
    with pytest.raises(ValidationError, match="not in the ICD-10-CM code set"):
        ws.coding_line_add(worksheet=sheet, user=world.coder, kind="dx", code="L57.7")
    with pytest.raises(ValidationError, match="not a CPT or HCPCS code"):
        ws.coding_line_add(worksheet=sheet, user=world.coder, kind="px", code="ABC")
    with pytest.raises(ValidationError, match="not a diagnosis on this worksheet"):
        ws.coding_line_add(worksheet=sheet, user=world.coder, kind="px", code="11102", pointers=["L82.1"])
    assert sheet.lines.count() == 3


def test_a_code_without_a_fee_leaves_the_encounter_untouched(world: Any, codesets: Any) -> None:
    fee_schedule(world.practice, {"17000": "140.00"})
    sheet = ws.worksheet_open(encounter=world.encounter, user=world.coder)
    ws.coding_line_accept_all(worksheet=sheet, user=world.coder)
    with pytest.raises(ValidationError, match="No fee for 17003"):
        ws.worksheet_complete(worksheet=sheet, user=world.coder)
    assert not Diagnosis.objects.filter(encounter=world.encounter).exists()
    assert not ChargeLine.objects.filter(encounter=world.encounter).exists()
    sheet.refresh_from_db()
    assert sheet.status == Worksheet.Status.OPEN


def test_acceptance_rates_by_family_and_coder(world: Any, codesets: Any) -> None:
    fee_schedule(world.practice)
    sheet = ws.worksheet_open(encounter=world.encounter, user=world.coder)
    ws.coding_line_decide(line=sheet.lines.get(code="L57.0"), user=world.coder, decision="accepted")
    ws.coding_line_decide(line=sheet.lines.get(code="17000"), user=world.coder, decision="accepted")
    ws.coding_line_decide(line=sheet.lines.get(code="17003"), user=world.coder, decision="accepted", units=3)
    ws.worksheet_complete(worksheet=sheet, user=world.coder)
    by_family = {r.key: (r.suggested, r.accepted, r.edited, r.rejected, r.added)
                 for r in selectors.acceptance_rates(practice_id=world.practice.pk)}
    assert by_family == {"L57": (1, 1, 0, 0, 0), "Destruction, premalignant": (2, 1, 1, 0, 0)}
    by_coder = selectors.acceptance_rates(practice_id=world.practice.pk, group="coder")
    assert [(r.key, r.suggested, r.accepted, round(r.acceptance or 0, 4)) for r in by_coder] == [("a_coder", 3, 2, 0.6667)]
    assert selectors.acceptance_rates(practice_id=world.other_practice.pk) == []


def test_next_encounter_hands_out_the_oldest_free_one_and_keeps_it_for_its_coder(world: Any) -> None:
    older = f.EncounterFactory(patient=world.patient, date_of_service=world.encounter.date_of_service.replace(day=1))
    other = f.UserFactory(username="a_coder2")
    f.MembershipFactory(user=other, practice=world.practice, role="coder")
    assert ws.encounter_claim_next(practice_id=world.practice.pk, user=world.coder) == older
    assert ws.encounter_claim_next(practice_id=world.practice.pk, user=other) == world.encounter
    assert ws.encounter_claim_next(practice_id=world.practice.pk, user=world.coder) == older  # still theirs
    assert ws.encounter_claim_next(practice_id=world.practice.pk, user=f.UserFactory(username="third")) is None
    assert ws.encounter_claim_release(encounter=older, user=world.coder) == 1
    assert ws.encounter_claim_next(practice_id=world.practice.pk, user=other) == world.encounter
    assert EncounterClaim.objects.filter(practice=world.other_practice).count() == 0
