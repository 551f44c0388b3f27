"""Denial categories from CARC/RARC codes for every CAS group (CO, PR, OA, PI, CR), and 277CA rejections."""

from __future__ import annotations

import pytest

from claims.denials.categories import (
    CARC_CATEGORY,
    CATEGORIES,
    GENERIC_CARCS,
    LABELS,
    NEXT_ACTION,
    RARC_CATEGORY,
    denial_category,
    next_action,
    rejection_category,
)

GROUPS = ("CO", "PR", "OA", "PI", "CR")


@pytest.mark.parametrize(("group", "carc", "rarcs", "category"), [
    # CO: contractual obligation (the provider's write-off unless worked)
    ("CO", "27", [], "eligibility"),
    ("CO", "197", ["M62"], "authorization"),
    ("CO", "97", ["M15"], "coding_bundling"),
    ("CO", "50", ["N115"], "medical_necessity"),
    ("CO", "29", [], "timely_filing"),
    ("CO", "18", [], "duplicate"),
    ("CO", "16", ["M76"], "missing_information"),
    ("CO", "45", [], "other"),  # contractual reduction: not a denial reason we work
    # PR: patient responsibility
    ("PR", "1", [], "other"),  # deductible
    ("PR", "2", [], "other"),  # coinsurance
    ("PR", "3", [], "other"),  # copay
    ("PR", "96", ["N130"], "medical_necessity"),  # non-covered, billed to the patient
    ("PR", "204", [], "medical_necessity"),
    ("PR", "27", [], "eligibility"),
    # OA: other adjustment
    ("OA", "18", ["N111"], "duplicate"),
    ("OA", "23", [], "other"),  # prior payer's adjudication
    ("OA", "22", ["MA04"], "eligibility"),  # another payer is primary
    ("OA", "B13", [], "duplicate"),
    # PI: payer-initiated reduction
    ("PI", "4", ["N657"], "coding_bundling"),
    ("PI", "15", [], "authorization"),
    ("PI", "252", ["N290"], "missing_information"),
    ("PI", "55", [], "medical_necessity"),
    # CR: correction and reversal
    ("CR", "18", [], "duplicate"),
    ("CR", "125", ["M119"], "missing_information"),
    ("CR", "A1", ["N54"], "authorization"),  # generic "denied": the remark decides
    ("CR", "999", [], "other"),  # a code we have no row for
])
def test_denial_category(group: str, carc: str, rarcs: list[str], category: str) -> None:
    assert denial_category(group=group, carc=carc, rarcs=rarcs) == category


def test_every_carc_row_keeps_its_category_in_every_group() -> None:
    for carc, category in CARC_CATEGORY.items():
        for group in GROUPS:
            assert denial_category(group=group, carc=carc) == category, (group, carc)
            assert denial_category(group=group.lower(), carc=f" {carc.lower()} ") == category


def test_a_precise_remark_wins_only_over_a_generic_carc() -> None:
    for carc in GENERIC_CARCS:
        for rarc, category in RARC_CATEGORY.items():
            assert denial_category(group="CO", carc=carc, rarcs=["XX1", rarc]) == category
    # a specific CARC is not overridden by a remark pointing elsewhere
    assert denial_category(group="CO", carc="29", rarcs=["N115"]) == "timely_filing"
    assert denial_category(group="CO", carc="16", rarcs=[]) == "missing_information"


def test_every_category_has_a_label_and_a_next_action() -> None:
    assert set(LABELS) == set(NEXT_ACTION) == set(CATEGORIES) and len(CATEGORIES) == 8
    for category in CATEGORIES:
        assert next_action(category) == NEXT_ACTION[category] and len(NEXT_ACTION[category]) > 20
    assert next_action("nonsense") == NEXT_ACTION["other"]
    assert set(CARC_CATEGORY.values()) == set(CATEGORIES) - {"other"}


@pytest.mark.parametrize(("status", "category_code", "category"), [
    ("164", "A7", "eligibility"),
    ("562", "A7", "missing_information"),
    ("21", "A3", "missing_information"),
    ("187", "A7", "timely_filing"),
    ("84", "A7", "authorization"),
    ("454", "A7", "coding_bundling"),
    ("9999", "A4", "eligibility"),
    ("9999", "A6", "missing_information"),
    ("9999", "F2", "other"),
])
def test_rejection_category(status: str, category_code: str, category: str) -> None:
    assert rejection_category(status_code=status, category_code=category_code) == category
