"""`load_codesets` loads the shipped code sets once; lookups answer as of the date of service."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from coding.codesets import CodeInfo, code_index, code_lookup, version_for
from coding.models import Code, CodeSetVersion

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 5, 4)


def test_every_shipped_system_has_one_version(codesets: Any) -> None:
    versions = {v.system: v for v in CodeSetVersion.objects.all()}
    assert set(versions) == {"ICD10CM", "CPT", "HCPCS", "MODIFIER"}
    icd = versions["ICD10CM"]
    assert icd.label == "FY2026 (April 2026 release)"
    assert icd.effective_from == dt.date(2025, 10, 1) and icd.effective_to is None
    assert icd.code_count == Code.objects.filter(version=icd).count() == 98147
    assert versions["CPT"].code_count == 244 and versions["HCPCS"].code_count == 21


def test_a_second_load_changes_nothing(codesets: Any) -> None:
    before = list(CodeSetVersion.objects.values_list("id", "checksum", "code_count"))
    out = StringIO()
    call_command("load_codesets", stdout=out)
    figures = json.loads(out.getvalue().strip().splitlines()[-1])
    assert figures["loaded"] == 0 and figures["codes"] == 98462
    assert "unchanged" in out.getvalue()
    assert list(CodeSetVersion.objects.values_list("id", "checksum", "code_count")) == before


def test_icd_codes_carry_the_tabular_notes(codesets: Any) -> None:
    ak = code_lookup(system="ICD10CM", code="l570", on=DAY)
    assert ak == CodeInfo(system="ICD10CM", code="L57.0", label="Actinic keratosis", billable=True)
    assert code_lookup(system="ICD10CM", code="L57", on=DAY).billable is False
    concussion = code_lookup(system="ICD10CM", code="S06.0X1", on=DAY)
    assert concussion.requires_7th and not concussion.billable
    assert code_lookup(system="ICD10CM", code="S06.0X1A", on=DAY).billable
    polyneuropathy = code_lookup(system="ICD10CM", code="G63", on=DAY)
    assert polyneuropathy.manifestation and "E11.42" in polyneuropathy.excludes1
    assert {"I15", "I15.0", "I15.1"} <= set(code_lookup(system="ICD10CM", code="I12.9", on=DAY).excludes1)
    pregnancy = code_lookup(system="ICD10CM", code="O09.00", on=DAY)
    assert (pregnancy.sex, pregnancy.age_min, pregnancy.age_max) == ("F", 9, 64)
    assert code_lookup(system="ICD10CM", code="N40.0", on=DAY).sex == "M"
    assert code_lookup(system="ICD10CM", code="Z68.34", on=DAY).age_min == 20


def test_cpt_labels_are_ours_and_carry_global_days(codesets: Any) -> None:
    biopsy = code_lookup(system="CPT", code="11102", on=DAY)
    assert biopsy.label == "Skin biopsy by tangential (shave-type) sampling, first lesion"
    assert biopsy.global_days == 0
    assert code_lookup(system="CPT", code="17000", on=DAY).global_days == 10
    assert code_lookup(system="CPT", code="14000", on=DAY).global_days == 90
    assert code_lookup(system="CPT", code="17003", on=DAY).global_days is None  # add-on
    assert code_lookup(system="CPT", code="11405", on=DAY) is None  # no such code
    assert code_lookup(system="HCPCS", code="G0008", on=DAY).label == "Admin influenza virus vac"
    assert code_lookup(system="MODIFIER", code="25", on=DAY).billable


def test_dates_before_the_first_version_have_no_code_set(codesets: Any) -> None:
    assert version_for(system="ICD10CM", on=dt.date(2025, 9, 30)) is None
    assert code_lookup(system="ICD10CM", code="L57.0", on=dt.date(2025, 9, 30)) is None
    assert code_lookup(system="ICD10CM", code="L57.0", on=dt.date(2025, 10, 1)) is not None
    assert code_index(system="ICD10CM", on=dt.date(2025, 9, 30)) == {}


def test_the_index_is_built_once_per_version(codesets: Any, django_assert_num_queries: Any) -> None:
    first = code_index(system="CPT", on=DAY)
    with django_assert_num_queries(0):
        again = code_index(system="CPT", on=dt.date(2026, 6, 1))
        assert again is first
        assert code_lookup(system="CPT", code="99213", on=DAY) is first["99213"]
