"""Code search: exact code first, then code prefixes, then words (abbreviations expanded)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coding.codesets import code_search

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 5, 4)


def codes(query: str, **kw: Any) -> list[str]:
    return [h.code for h in code_search(query=query, on=DAY, **kw)]


def test_a_code_finds_itself_first_then_its_children(codesets: Any) -> None:
    assert codes("L57")[:3] == ["L57", "L57.0", "L57.1"]
    assert codes("l570")[0] == "L57.0"
    assert codes("1110")[:2] == ["11102", "11103"]
    assert codes("99214") == ["99214"]


def test_words_match_by_prefix_and_rank_billable_codes_first(codesets: Any) -> None:
    assert codes("actinic kerat")[0] == "L57.0"
    hits = code_search(query="basal cell nose", on=DAY)
    assert hits[0].code == "C44.311" and hits[0].billable
    assert "L91.0" in codes("keloid")  # an inclusion term of hypertrophic scar


def test_abbreviations_coders_type_are_expanded(codesets: Any) -> None:
    assert "I10" in codes("htn", systems=("ICD10CM",))
    assert codes("bcc nose")[0] == "C44.311"


def test_filters_and_an_empty_query(codesets: Any) -> None:
    assert all(h.billable for h in code_search(query="diabetes", on=DAY, billable_only=True))
    assert codes("diabetes", systems=("CPT",)) == []
    assert codes("   ") == []
    assert codes("L57", systems=("ICD10CM",), limit=2) == ["L57", "L57.0"]
    assert code_search(query="L57", on=dt.date(2020, 1, 1)) == []  # no ICD-10-CM version in effect then
