"""The code rules against the real code sets (`coding.codesets` after `load_codesets`), not the fake index.

One test, because loading the code sets takes a few seconds and the load is rolled back with the test.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from claims.scrub import scrub_claim
from claims.scrub.base import RuleData
from claims.scrub.data import default_code_index
from tests.claims.factories import line, snap

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_cached_code_sets() -> object:
    from coding.codesets import codesets_cache_clear

    codesets_cache_clear()
    yield
    codesets_cache_clear()  # the load is rolled back with the test; so must the process cache be


def test_code_rules_with_the_shipped_code_sets() -> None:
    call_command("load_codesets", stdout=io.StringIO())
    day = dt.date.today() - dt.timedelta(days=20)
    data = RuleData(today=dt.date.today(), code_index=default_code_index())

    def rules(**changes: object) -> set[str]:
        lines = changes.pop("lines", (line(dos=day),))
        return {f.rule for f in scrub_claim(snap(*lines, date_of_service=day, **changes), data)}  # type: ignore[arg-type]

    assert rules() == set()  # L57.0 with 17000: valid on the date of service
    assert rules(dx=("L57",)) == {"ICD_NOT_BILLABLE"}
    assert rules(dx=("S61.411",)) == {"ICD_NOT_BILLABLE"}
    assert rules(dx=("Q99.99",)) == {"ICD_INVALID"}
    assert rules(dx=("N40.0",)) == {"SEX_CONFLICT"}  # the baseline patient is female
    assert rules(dx=("P07.30",)) == {"AGE_CONFLICT"}
    assert rules(lines=(line(code="17000", dos=day, mods=("ZZ",)),)) == {"MODIFIER_INVALID"}
    em_with_ln2 = (line(1, "99213", dos=day, charge="150"), line(2, "17000", dos=day))
    assert rules(lines=em_with_ln2) == {"EM_NEEDS_25"}  # 17000's 10-day global period comes from the code set
    old = dt.date(2020, 6, 1)  # no ICD-10-CM edition loaded for that date: codes cannot be checked
    found = {f.rule for f in scrub_claim(snap(line(dos=old), date_of_service=old), RuleData(today=old, code_index=default_code_index()))}
    assert found == {"CODESETS_MISSING"}
