"""Unit tests for the demo-note generator: determinism, code validity, coding-rule boundaries, variety, speed."""

from __future__ import annotations

import random
import re
import time
from collections import Counter

import pytest

from billing import demo_notes
from billing.demo_notes import common
from billing.demo_notes.common import (
    ALL_SKIN_SITES,
    EYELID_SITES,
    ak_destruction,
    benign_destruction,
    biopsy_codes,
    em_code,
    excised_diameter_cm,
    excision_code,
    intralesional_code,
    mdm_level,
    mohs_codes,
    repair_code,
    time_level,
)

EM_CODES = {f"992{n}{lvl}" for n in (0, 1) for lvl in range(1, 6)}
NON_GLOBAL = {"81002", "81003", "93000", "87880", "36415", "90715", "90686"}
ALLOWED = ({f"9920{n}" for n in range(2, 6)} | {f"9921{n}" for n in range(1, 6)}
           | {str(c) for c in (*range(11102, 11108), *range(11300, 11314), *range(11400, 11447),
                               *range(11600, 11647), *range(12031, 12058), *range(17311, 17316))}
           | {"17000", "17003", "17004", "17110", "17111", "11900", "11901", "90471", "90472", "90715", "90686",
              "81002", "81003", "93000", "36415", "87880"})
SITE_BY_TEXT = {s.text: s for s in ALL_SKIN_SITES + EYELID_SITES}


def _visits(seed: int, n: int) -> list[demo_notes.Visit]:
    """A spread of visits across specialties, ages, sexes and new/established, as seed_demo would ask for."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        out.append(demo_notes.generate_visit(
            rng, specialty=("dermatology", "primary_care")[i % 2], age=rng.choice((1, 4, 9, 15, 22, 34, 47, 58, 66, 73, 81, 92)),
            sex="FMU"[i % 3] if i % 7 else rng.choice("FM"), new_patient=rng.random() < 0.35))
    return out


@pytest.fixture(scope="module")
def visits() -> list[demo_notes.Visit]:
    return _visits(11, 3000)


def test_same_seed_same_visits_and_different_seed_differs() -> None:
    assert _visits(5, 200) == _visits(5, 200)
    assert _visits(5, 200) != _visits(6, 200)


def test_codes_valid_and_billable(visits: list[demo_notes.Visit]) -> None:
    import simple_icd_10_cm as cm

    seen = {c for v in visits for c in v.icd10}
    bad = sorted(c for c in seen if not (cm.is_valid_item(c) and cm.is_leaf(c)))
    assert not bad
    assert all("." in c or len(c) == 3 for c in seen)
    assert not any(c[0] in "VWXY" for c in seen)


def test_procedure_code_set_is_within_the_allowed_list() -> None:
    assert demo_notes.PROCEDURE_CODES <= ALLOWED


def test_lines_are_well_formed(visits: list[demo_notes.Visit]) -> None:
    for v in visits:
        assert 1 <= len(v.icd10) <= 12, v.text
        assert len(set(v.icd10)) == len(v.icd10)
        assert v.procedures, v.scenario
        assert v.specialty in ("dermatology", "primary_care")
        assert v.kind in ("progress", "procedure")
        ems = [i for i, p in enumerate(v.procedures) if p.code in EM_CODES]
        assert ems in ([], [0]), v.scenario
        has_global = any(p.code in common._GLOBAL for p in v.procedures)
        for p in v.procedures:
            assert p.code in demo_notes.PROCEDURE_CODES
            assert p.units >= 1
            assert 1 <= len(p.pointers) <= 4 and all(1 <= x <= len(v.icd10) for x in p.pointers)
            assert all(len(m) == 2 for m in p.modifiers)
            if p.code in EM_CODES:
                assert (p.modifiers == ("25",)) == has_global, (v.scenario, v.procedures)
                assert p.code.startswith("9920" if v.new_patient else "9921")
            else:
                assert "25" not in p.modifiers
        if v.kind == "procedure":
            assert not ems


def test_header_has_age_and_demographics_fit() -> None:
    rng = random.Random(3)
    for _ in range(600):
        age, sex = rng.randint(0, 100), rng.choice("FMU")
        spec = rng.choice(("dermatology", "primary_care"))
        new = rng.random() < 0.5
        v = demo_notes.generate_visit(rng, specialty=spec, age=age, sex=sex, new_patient=new)
        assert str(age) in v.text.split("\n", 2)[0] + v.text.split("\n", 2)[1]
        assert v.new_patient is new and v.specialty == spec
        if v.scenario == "molluscum_destruction":
            assert age <= 14
        if v.scenario == "uti":
            assert sex == "F"
        if v.scenario in ("ak_destruction", "mohs", "malignant_excision"):
            assert age >= 30


def test_variety(visits: list[demo_notes.Visit]) -> None:
    texts = [v.text for v in visits[:1000]]
    assert len(set(texts)) / len(texts) >= 0.95
    families = Counter(v.scenario for v in visits)
    assert len(families) >= 25
    assert {v.specialty for v in visits} == {"dermatology", "primary_care"}
    derm = {s.name for s in demo_notes.SCENARIOS if s.specialty == "dermatology"}
    assert len(derm) >= 14 and len(demo_notes.SCENARIOS) - len(derm) >= 10


def test_speed() -> None:
    rng = random.Random(1)
    start = time.perf_counter()
    for i in range(10_000):
        demo_notes.generate_visit(rng, specialty=("dermatology", "primary_care")[i % 2], age=20 + i % 70,
                                  sex="FM"[i % 2], new_patient=i % 3 == 0)
    assert time.perf_counter() - start < 10


def test_uncertain_and_pending_diagnoses_are_not_coded_as_definitive(visits: list[demo_notes.Visit]) -> None:
    for v in visits:
        if v.scenario == "biopsy_pending":
            assert set(v.icd10) - {"D49.2", "R21"} <= set(v.icd10[1:]), v.icd10  # extras only from a side E/M
            assert v.icd10[0] in ("D49.2", "R21")
        if v.scenario == "rash_uncertain":
            assert v.icd10[0] == "R21"
        if v.scenario == "chest_wall_pain":
            assert v.icd10[0] == "R07.89" and set(v.icd10[1:]) <= {"Z23"}  # maybe a flu shot too
            assert [p.code for p in v.procedures][:2] == [v.procedures[0].code, "93000"]


def test_note_numbers_match_codes(visits: list[demo_notes.Visit]) -> None:
    """Recompute AK and excision codes from the text itself."""
    checked = 0
    for v in visits:
        codes = [p.code for p in v.procedures]
        if v.scenario == "ak_destruction":
            m = re.search(r"(?:lesions: (\d+) AK|x (\d+) lesions?)", v.text)
            n = int(m.group(1) or m.group(2))
            assert [(p.code, p.units) for p in v.procedures if p.code.startswith("170")] == ak_destruction(n)
            checked += 1
        if v.scenario in ("benign_excision", "malignant_excision"):
            site = SITE_BY_TEXT[re.search(r"lesion, ([a-z ]+)", v.text, re.I).group(1).lower()]
            size = re.search(r"measured ([\d.]+) (cm|mm)", v.text, re.I)
            mm = float(size.group(1)) * (10 if size.group(2) == "cm" else 1)
            margin = int(re.search(r"(\d)(?:-\d)? mm margins", v.text).group(1))
            diam = excised_diameter_cm(mm / 10, margin / 10)
            assert codes[0] == excision_code(site.exc, diam, v.scenario.startswith("malignant"))
            checked += 1
    assert checked > 50


def test_ak_destruction_split() -> None:
    assert ak_destruction(1) == [("17000", 1)]
    assert ak_destruction(2) == [("17000", 1), ("17003", 1)]
    assert ak_destruction(14) == [("17000", 1), ("17003", 13)]
    assert ak_destruction(15) == [("17004", 1)]
    assert ak_destruction(30) == [("17004", 1)]


def test_benign_destruction_and_intralesional_thresholds() -> None:
    assert benign_destruction(14) == "17110" and benign_destruction(15) == "17111"
    assert intralesional_code(7) == "11900" and intralesional_code(8) == "11901"


@pytest.mark.parametrize(("diam", "suffix"), [(0.5, 0), (0.6, 1), (1.0, 1), (1.1, 2), (2.0, 2), (2.1, 3),
                                              (3.0, 3), (3.1, 4), (4.0, 4), (4.1, 6)])
def test_excision_size_bands(diam: float, suffix: int) -> None:
    assert excision_code("T", diam, False) == str(11400 + suffix)
    assert excision_code("S", diam, False) == str(11420 + suffix)
    assert excision_code("F", diam, False) == str(11440 + suffix)
    assert excision_code("T", diam, True) == str(11600 + suffix)
    assert excision_code("S", diam, True) == str(11620 + suffix)
    assert excision_code("F", diam, True) == str(11640 + suffix)


def test_excised_diameter_and_site_groups() -> None:
    assert excised_diameter_cm(0.8, 0.2) == 1.2
    assert excision_code("T", excised_diameter_cm(0.6, 0.2), False) == "11401"  # 1.0 cm
    assert excision_code("T", excised_diameter_cm(0.7, 0.2), False) == "11402"  # 1.1 cm
    groups = {s.text: (s.exc, s.repair, s.mohs) for s in ALL_SKIN_SITES + EYELID_SITES}
    assert groups["nasal tip"] == ("F", "12051", "H")
    assert groups["vertex scalp"] == ("S", "12031", "H")
    assert groups["anterior neck"] == ("S", "12041", "H")
    assert groups["right dorsal hand"] == ("S", "12041", "H")
    assert groups["upper back"] == ("T", "12031", "T")
    assert groups["left calf"] == ("T", "12031", "T")


def test_repair_bands() -> None:
    assert repair_code("12031", 2.5) == "12031" and repair_code("12031", 2.6) == "12032"
    assert repair_code("12031", 7.5) == "12032" and repair_code("12031", 7.6) == "12034"
    assert repair_code("12041", 12.6) == "12045"
    assert repair_code("12051", 5.0) == "12052" and repair_code("12051", 5.1) == "12053"
    assert repair_code("12051", 30.1) == "12057"


def test_mohs_codes() -> None:
    assert mohs_codes("H", 1) == [("17311", 1)]
    assert mohs_codes("H", 3) == [("17311", 1), ("17312", 2)]
    assert mohs_codes("T", 2) == [("17313", 1), ("17314", 1)]


def test_em_level_takes_higher_of_time_and_mdm() -> None:
    assert time_level(9, False) == 0 and time_level(10, False) == 2 and time_level(19, False) == 2
    assert time_level(20, False) == 3 and time_level(30, False) == 4 and time_level(40, False) == 5
    assert time_level(14, True) == 0 and time_level(15, True) == 2 and time_level(30, True) == 3
    assert time_level(45, True) == 4 and time_level(60, True) == 5
    assert em_code(False, 3, 35) == "99214"   # time wins
    assert em_code(False, 4, 15) == "99214"   # MDM wins
    assert em_code(True, 2, None) == "99202"
    assert em_code(True, 3, 62) == "99205"
    assert mdm_level(4, 2, 4) == 4 and mdm_level(3, 2, 4) == 3 and mdm_level(2, 2, 5) == 2
    assert mdm_level(5, 4, 2) == 4


def test_biopsy_hierarchy() -> None:
    assert biopsy_codes(["tangential"]) == [("11102", [0])]
    assert biopsy_codes(["tangential", "punch"]) == [("11104", [1]), ("11103", [0])]
    assert biopsy_codes(["tangential", "punch", "incisional"]) == [("11106", [2]), ("11105", [1]), ("11103", [0])]
    assert biopsy_codes(["punch", "punch", "tangential", "tangential"]) == [("11104", [0]), ("11105", [1]),
                                                                             ("11103", [2, 3])]


def test_biopsy_visits_follow_hierarchy(visits: list[demo_notes.Visit]) -> None:
    rank = {"11106": 3, "11104": 2, "11102": 1}
    for v in visits:
        bx = [p for p in v.procedures if p.code in ("11102", "11103", "11104", "11105", "11106", "11107")]
        if not bx:
            continue
        primaries = [p for p in bx if p.code in rank]
        assert len(primaries) == 1 and primaries[0].units == 1
        addon_methods = {str(int(p.code) - 1) for p in bx if p.code not in rank}
        assert all(rank[m] <= rank[primaries[0].code] for m in addon_methods)


def test_em_without_25_beside_in_office_tests(visits: list[demo_notes.Visit]) -> None:
    hit = 0
    for v in visits:
        codes = {p.code for p in v.procedures}
        if codes & {"81002", "81003", "93000", "87880"} and not codes & common._GLOBAL:
            assert v.procedures[0].modifiers == ()
            hit += 1
    assert hit > 10


def test_specialty_enum_like_inputs_are_accepted() -> None:
    class Spec(str):
        value = "primary_care"

    v = demo_notes.generate_visit(random.Random(2), specialty=Spec("primary_care"), age=50, sex="F", new_patient=True)
    assert v.specialty == "primary_care" and v.new_patient
    with pytest.raises(ValueError):
        demo_notes.generate_visit(random.Random(2), specialty="cardiology", age=50, sex="F", new_patient=True)
    assert NON_GLOBAL.isdisjoint(common._GLOBAL)
