"""Dermatology procedure rules at their boundaries: sizes, lengths, counts, methods and sites."""

from __future__ import annotations

import pytest

from coding.engine.procedures import skin
from coding.engine.sites import find_sites
from tests.coding.engine_helpers import px


def site(text: str):  # type: ignore[no-untyped-def]
    return find_sites(text)[0]


@pytest.mark.parametrize(("cm", "code"), [(0.5, "11400"), (0.6, "11401"), (1.0, "11401"), (1.1, "11402"),
                                          (2.0, "11402"), (2.1, "11403"), (3.0, "11403"), (3.1, "11404"),
                                          (4.0, "11404"), (4.1, "11406")])
def test_benign_excision_bands_on_the_trunk(cm: float, code: str) -> None:
    assert skin.excision_code("benign", "trunk_arms_legs", cm) == code


def test_excision_families_by_kind_and_site_group() -> None:
    assert skin.excision_code("malignant", "face", 1.6) == "11642"
    assert skin.excision_code("malignant", "scalp_neck_hands_feet", 0.5) == "11620"
    assert skin.excision_code("benign", "scalp_neck_hands_feet", 5.0) == "11426"
    assert skin.excision_code("malignant", "trunk_arms_legs", 4.5) == "11606"


@pytest.mark.parametrize(("cm", "code"), [(0.5, "11305"), (0.6, "11306"), (1.0, "11306"), (1.1, "11307"),
                                          (2.0, "11307"), (2.1, "11308")])
def test_shave_removal_bands(cm: float, code: str) -> None:
    assert skin.shave_code("scalp_neck_hands_feet", cm) == code


def test_sites_fall_into_their_cpt_groups() -> None:
    assert site("left frontal scalp").excision_group == "scalp_neck_hands_feet"
    assert site("right forehead").excision_group == "face"
    assert site("R dorsal hand").intermediate_repair_group == "neck_hands_feet"
    assert site("vertex scalp").intermediate_repair_group == "scalp_trunk_limbs"
    assert site("left helix").complex_repair_group == "eyelid_nose_ear_lip"
    assert site("left shoulder").mohs_group == "trunk_arms_legs"
    assert site("right ankle").mohs_group == "trunk_arms_legs" and site("right heel").mohs_group == "head_neck_hands_feet"


@pytest.mark.parametrize(("group_site", "length", "code"), [
    ("upper back", 2.5, "12031"), ("upper back", 2.6, "12032"), ("upper back", 7.5, "12032"), ("upper back", 7.6, "12034"),
    ("neck", 12.5, "12044"), ("neck", 12.6, "12045"),
    ("cheek", 2.5, "12051"), ("cheek", 2.6, "12052"), ("cheek", 5.0, "12052"), ("cheek", 5.1, "12053"),
])
def test_intermediate_repair_bands(group_site: str, length: float, code: str) -> None:
    assert skin.repair_codes("intermediate", site(group_site), length) == [(code, 1)]


def test_complex_repair_adds_each_further_five_centimetres() -> None:
    back = site("mid back")
    assert skin.repair_codes("complex", back, 1.0) == []
    assert skin.repair_codes("complex", back, 2.5) == [("13100", 1)]
    assert skin.repair_codes("complex", back, 7.5) == [("13101", 1)]
    assert skin.repair_codes("complex", back, 13.0) == [("13101", 1), ("13102", 2)]


@pytest.mark.parametrize(("n", "codes"), [
    (1, [("17000", 1)]), (2, [("17000", 1), ("17003", 1)]), (14, [("17000", 1), ("17003", 13)]), (15, [("17004", 1)]),
])
def test_premalignant_destruction_counts(n: int, codes: list[tuple[str, int]]) -> None:
    assert skin.destruction_codes("premalignant", n) == codes


def test_benign_destruction_counts() -> None:
    assert skin.destruction_codes("benign", 14) == [("17110", 1)]
    assert skin.destruction_codes("benign", 15) == [("17111", 1)]


def test_biopsy_methods_share_one_primary_code() -> None:
    assert skin.biopsy_codes(tangential=3, punch=0, incisional=0) == [("11102", 1), ("11103", 2)]
    assert skin.biopsy_codes(tangential=2, punch=1, incisional=0) == [("11104", 1), ("11103", 2)]
    assert skin.biopsy_codes(tangential=1, punch=2, incisional=1) == [("11106", 1), ("11105", 2), ("11103", 1)]


def test_mohs_stages_and_blocks() -> None:
    assert skin.mohs_codes("head_neck_hands_feet", 1, 0) == [("17311", 1)]
    assert skin.mohs_codes("trunk_arms_legs", 3, 2) == [("17313", 1), ("17314", 2), ("17315", 2)]


def test_a_punch_and_two_shave_biopsies_from_a_note() -> None:
    note = ("Procedure:\nA) left cheek: 3 mm punch biopsy, one suture.\nB) right forearm: shave biopsy.\n"
            "C) mid back: shave biopsy.\nAll to dermatopathology.\nImpression: neoplasms of uncertain behavior.")
    assert px(note) == [("11104", 1, ()), ("11103", 2, ())]


def test_a_biopsy_done_weeks_ago_or_planned_later_is_not_billed() -> None:
    past = px("Dx: BCC of the nose, confirmed on shave biopsy 2 weeks ago. Referred for Mohs.")
    assert [code for code, _, _ in past] == ["99213"]  # the visit, not a biopsy
    assert px("A: Atypical nevus of the back. Will biopsy if it changes.") == [("99212", 1, ())]


def test_excision_adds_twice_the_margin_and_a_layered_repair() -> None:
    note = ("Pre-op diagnosis: epidermoid cyst, upper back.\nThe lesion measured 1.8 cm. Elliptical excision with 3 mm "
            "margins. Closed in layers with buried 4-0 Monocryl and running 5-0 nylon; repair length 4.0 cm.")
    assert px(note) == [("11403", 1, ()), ("12032", 1, ())]


def test_malignant_excision_uses_the_malignant_family_and_includes_a_simple_closure() -> None:
    note = ("Dx: SCC in situ of the right hand.\nLesion 0.7 cm. Excised with 0.4 cm margins; closed primarily with "
            "simple interrupted sutures, single layer.")
    assert px(note) == [("11622", 1, ())]


def test_destruction_of_separate_lines_adds_up_unless_a_total_is_given() -> None:
    note = "A/P:\n# Common warts, fingers: 6 lesions treated with LN2.\n# Plantar warts: 10 lesions treated with LN2."
    assert px(note) == [("17111", 1, ())]
    assert px(note + "\nProcedure: destruction of benign lesions (9 total) by LN2.") == [("17110", 1, ())]


def test_a_biopsy_beside_a_destruction_of_other_lesions_is_distinct() -> None:
    note = ("A/P:\n1. Actinic keratoses x4, forearms - LN2 cryotherapy to all 4.\n"
            "2. Neoplasm of the left shin, r/o SCC - shave biopsy today, path pending.")
    assert px(note) == [("11102", 1, ("59",)), ("17000", 1, ()), ("17003", 3, ())]


def test_intralesional_injection_counts_lesions() -> None:
    assert px("Dx: keloids x7, chest.\nProc: intralesional triamcinolone into all 7 keloids.") == [("11900", 1, ())]
    assert px("Dx: alopecia areata, 8 patches.\nProc: ILK into all 8 patches.") == [("11901", 1, ())]


def test_mohs_on_the_face_with_a_layered_repair() -> None:
    note = ("Diagnosis: BCC, left nasal sidewall.\nMohs micrographic surgery.\nStage 1: 3 blocks, positive.\n"
            "Stage 2: 2 blocks, clear.\nRepair: layered closure, length 2.0 cm.")
    assert px(note) == [("17311", 1, ()), ("17312", 1, ()), ("12051", 1, ())]


def test_a_biopsy_listing_its_lesions_counts_each_one() -> None:
    labelled = ("Exam: (1) left temple 5 mm pink papule; (2) right flank 7 mm brown papule.\n"
                "Procedure: tangential biopsy of (1) and (2).\nImpression: neoplasms, r/o BCC and melanoma.")
    assert px(labelled) == [("11102", 1, ()), ("11103", 1, ())]
    assert px("A: Two lesions, r/o SCC.\nProcedure: 4 mm punch biopsies of both lesions.") == [
        ("11104", 1, ()), ("11105", 1, ())]
    assert px("A: Neoplasms x3.\nProcedure: shave biopsy of lesions A-C.") == [("11102", 1, ()), ("11103", 2, ())]


def test_biopsies_introduced_once_then_listed_by_label_with_their_method() -> None:
    note = ("Three lesions biopsied today after consent:\nA) right ear, scaly papule - shave.\n"
            "B) left arm, pink plaque - punch, 1 suture.\nC) back, pigmented macule - shave.\nDx: neoplasms, path pending.")
    assert px(note) == [("11104", 1, ()), ("11103", 2, ())]


def test_a_punch_written_without_the_word_biopsy() -> None:
    assert px("A: Lesion of the left shin, r/o melanoma.\nPunched with a 4 mm punch; 1 suture.") == [("11104", 1, ())]


@pytest.mark.parametrize("closure", [
    "Layered closure, 4.2 cm in length.",
    "Closed in two layers (total length 4.2 cm).",
    "Intermediate (layered) closure; wound measured 4.2 cm after closure.",
    "Repaired in layers, length 42 mm.",
])
def test_repair_length_however_it_is_phrased(closure: str) -> None:
    note = f"Dx: BCC of the left upper back.\nExcision of the 1.2 cm lesion with 4 mm margins. {closure}"
    assert px(note) == [("11602", 1, ()), ("12032", 1, ())]


def test_a_complex_closure_length_after_the_technique() -> None:
    note = ("Dx: BCC, right cheek.\nMohs. Stage I: 2 blocks, positive. Stage II: 1 block, clear.\n"
            "Complex closure with extensive undermining, 3.1 cm.")
    assert px(note) == [("17311", 1, ()), ("17312", 1, ()), ("13132", 1, ())]


def test_mohs_blocks_beyond_five_are_counted_on_their_own_stage_line() -> None:
    note = ("Dx: BCC of the right upper arm.\nMohs surgery.\nStage 1: 7 blocks; positive at 3 o'clock.\n"
            "Stage 2: 1 block; clear.\nHealing by second intention.")
    assert px(note) == [("17313", 1, ()), ("17314", 1, ()), ("17315", 2, ())]


def test_an_excision_without_a_lesion_word_takes_the_size_from_its_own_line() -> None:
    assert px("Dx: EIC of the mid back.\nExcision: EIC mid back 1.6 cm with 2 mm margins, simple closure.") == [
        ("11402", 1, ())]  # 1.6 + 2 x 0.2 = 2.0 cm


def test_an_excision_only_planned_is_not_billed() -> None:
    assert all(code[0] != "11402" for code in px("A: Lipoma of the back, benign. Excision if it grows."))
    assert px("A: Inflamed epidermoid cyst of the back.\nI&D with packing; loculations broken up. "
              "Excision when quiet.") == [("10061", 1, ())]


def test_destruction_counts_written_as_n_or_total() -> None:
    assert px("Dx: AK (n=4), scalp - LN2.") == [("17000", 1, ()), ("17003", 3, ())]
    assert px("Impression: actinic keratoses, 11 total, treated with LN2.") == [("17000", 1, ()), ("17003", 10, ())]


def test_each_destruction_line_treats_the_diagnosis_named_on_it() -> None:
    note = "Dx/Plan:\n1. AKs (n=3), nose - LN2.\n2. Irritated SKs (n=2), back - LN2 as well."
    assert px(note) == [("17000", 1, ()), ("17003", 2, ()), ("17110", 1, ())]


def test_skin_tags_counted_from_the_line_that_removes_them() -> None:
    note = "Wants her neck tags off.\nA: Acrochordons x22, neck and axillae - snip excision of all 22 today."
    assert px(note) == [("11200", 1, ()), ("11201", 1, ())]


def test_a_count_less_title_line_does_not_add_to_the_counted_lesions() -> None:
    note = "Biopsy + cryo visit\nDx:\n1) AKs x6, scalp - LN2 to all 6.\n2) Erosion of the L temple, r/o SCC - shave bx."
    assert px(note) == [("11102", 1, ("59",)), ("17000", 1, ()), ("17003", 5, ())]


def test_a_count_written_after_the_lesion_name() -> None:
    assert px("A/P:\n1. Actinic keratoses, 8 - liquid nitrogen today.") == [("17000", 1, ()), ("17003", 7, ())]
    assert px("A/P:\n1. Actinic keratoses (4), 3 mm each - liquid nitrogen today.") == [("17000", 1, ()), ("17003", 3, ())]
