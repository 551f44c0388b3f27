"""Stage 4: validation of a final code set against the code set in effect on the date of service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coding.codesets import code_index
from coding.engine import mod25_codes
from coding.engine.types import Patient
from coding.engine.validate import Line, validate

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 5, 4)


def check(dx: list[str], lines: list[Line] | None = None, *, age: int = 50, sex: str = "F") -> set[str]:
    messages = validate(diagnoses=dx, lines=lines or [Line("99213", pointers=dx[:1])], patient=Patient(age, sex, False),
                        on=DAY, index_for=lambda s: code_index(system=s, on=DAY), mod25_codes=mod25_codes())
    return {m.code for m in messages}


def test_a_clean_set_passes(codesets: Any) -> None:
    assert check(["L57.0"], [Line("17000", pointers=["L57.0"]), Line("17003", units=3, pointers=["L57.0"])]) == set()


def test_codes_must_exist_and_be_billable(codesets: Any) -> None:
    assert check(["L57"]) == {"not_billable"}
    assert check(["S06.0X1"]) == {"missing_7th"}
    assert check(["L57.7"]) == {"not_in_code_set"}


def test_sex_and_age_edits(codesets: Any) -> None:
    assert check(["N40.0"], sex="F") == {"sex_conflict"}
    assert check(["N40.0"], sex="M") == set()
    assert check(["O09.00"], age=70) == {"age_conflict"}
    assert check(["E66.9", "Z68.34"], age=15) == {"age_conflict"}


def test_excludes1_pairs_and_manifestations(codesets: Any) -> None:
    assert "excludes1" in check(["I12.9", "I15.0"])
    assert "manifestation_first" in check(["G63", "E11.42"])
    assert "manifestation_first" not in check(["E11.42", "G63"])


def test_procedure_lines_need_pointers_and_their_primary(codesets: Any) -> None:
    assert "no_pointer" in check(["L57.0"], [Line("17000")])
    assert "bad_pointer" in check(["L57.0"], [Line("17000", pointers=["L82.1"])])
    assert "addon_without_primary" in check(["L57.0"], [Line("17003", units=2, pointers=["L57.0"])])
    assert "destruction_overlap" in check(["L57.0"], [Line("17004", pointers=["L57.0"]), Line("17000", pointers=["L57.0"])])


def test_modifier_25_warnings(codesets: Any) -> None:
    assert "missing_25" in check(["L57.0", "L71.9"], [Line("99213", pointers=["L71.9"]), Line("17000", pointers=["L57.0"])])
    assert "needless_25" in check(["I10"], [Line("99213", modifiers=["25"], pointers=["I10"])])
    assert "unknown_procedure" in check(["I10"], [Line("99999", pointers=["I10"])])
