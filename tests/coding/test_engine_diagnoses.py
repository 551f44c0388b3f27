"""Stage 2: from affirmed, current conditions to the most specific ICD-10-CM code the note supports."""

from __future__ import annotations

import pytest
import simple_icd_10_cm as icd

from coding.engine import lexicon
from tests.coding.engine_helpers import dx, run


def test_every_code_the_lexicon_can_produce_is_billable_in_the_shipped_code_set() -> None:
    codes = {c.code for c in lexicon.CONCEPTS if c.code} | {c.history_code for c in lexicon.CONCEPTS if c.history_code}
    codes |= {c.family_code for c in lexicon.CONCEPTS if c.family_code}
    for table in lexicon.SITE_FAMILIES.values():
        for entry in table.values():
            codes |= set(entry.values()) if isinstance(entry, dict) else {entry}
    for table in lexicon.LATERAL_FAMILIES.values():
        codes |= set(table.values())
    not_billable = sorted(c for c in codes if not (icd.is_valid_item(c) and icd.is_leaf(c)))
    assert not_billable == []


def test_skin_cancers_are_coded_by_site_and_side() -> None:
    assert dx("Assessment: BCC of the left nasal ala.") == ["C44.311"]
    assert dx("Assessment: basal cell carcinoma, right temple.") == ["C44.319"]
    assert dx("Assessment: SCC of the vertex scalp.") == ["C44.42"]
    assert dx("Assessment: squamous cell carcinoma of the right forearm.") == ["C44.622"]
    assert dx("Assessment: melanoma in situ of the left shin.") == ["D03.72"]
    assert dx("Assessment: Bowen disease of the mid back.") == ["D04.5"]


def test_a_missing_side_gives_the_unspecified_code_and_says_what_to_document() -> None:
    result = run("Assessment: benign melanocytic nevus of the upper arm.")
    assert [d.code for d in result.diagnoses] == ["D22.60"]
    assert "side" in result.diagnoses[0].missing
    assert [d.code for d in run("Assessment: asthma, stable.").diagnoses] == ["J45.909"]


def test_pathology_names_the_lesion_and_its_label_finds_the_site() -> None:
    note = ("Exam: A) 5 mm pink papule on the right upper back. B) 8 mm brown macule on the left cheek.\n"
            "Procedure: shave biopsy of A and B.\n"
            "Path:\nA: Superficial basal cell carcinoma.\nB: Junctional nevus.")
    assert dx(note) == ["C44.519", "D22.39"]


def test_a_pending_biopsy_is_a_neoplasm_of_unspecified_behavior_until_pathology_says_more() -> None:
    pending = "Assessment:\n1. Lesion of the left calf, r/o melanoma - punch bx today, path pending."
    assert dx(pending) == ["D49.2"]
    final = pending + "\nPath final: dermatofibroma."
    assert dx(final) == ["D23.72"]


def test_qualifiers_pick_the_code() -> None:
    assert dx("Dx: irritated seborrheic keratoses x3, back.") == ["L82.0"]
    assert dx("Dx: seborrheic keratoses, back; not inflamed.") == ["L82.1"]
    assert dx("Dx: plantar wart, left heel.") == ["B07.0"]
    assert dx("A: Moderate persistent asthma with an acute exacerbation.") == ["J45.41"]
    assert dx("A: COPD exacerbation after a cold.") == ["J44.1"]
    assert dx("A: GERD with esophagitis on EGD.") == ["K21.00"]
    assert dx("A: Low back pain with left sciatica.") == ["M54.42"]


def test_diabetes_links_what_icd_presumes_linked() -> None:
    assert dx("A/P: Type 2 diabetes, uncontrolled, on glipizide.") == ["E11.65", "Z79.84"]
    linked = dx("A/P:\n1. T2DM on metformin.\n2. CKD stage 3b.\n3. Hypertension, controlled.")
    assert sorted(linked) == ["E11.22", "I12.9", "N18.32", "Z79.84"]
    assert dx("A/P: Type 2 diabetes without complications. Diet controlled; discuss metformin if A1c rises.") == ["E11.9"]
    assert dx("A/P: DM2 with no neuropathy or retinopathy.") == ["E11.9"]


def test_weight_diagnoses_bring_the_bmi_for_adults_only() -> None:
    assert dx("Vitals: BMI 41.2.\nA: Obesity.", age=45) == ["E66.9", "Z68.41"]
    assert dx("Vitals: BMI 41.2.\nA: Obesity.", age=16) == ["E66.9"]
    assert dx("Vitals: BMI 27.0.\nA: Hypertension.", age=45) == ["I10"]


def test_only_the_assessment_is_coded_when_there_is_one() -> None:
    note = ("HPI: History of gout. Takes amlodipine for hypertension. Had shingles last year.\n"
            "Assessment: Allergic contact dermatitis of the hands.")
    assert dx(note) == ["L23.9"]


def test_history_and_family_codes_come_only_from_the_assessment() -> None:
    note = ("HPI: Mother had breast cancer.\nAssessment:\n1. Actinic keratosis.\n"
            "2. Personal history of melanoma, no recurrence.\n3. Family history of colon cancer (father).")
    assert dx(note) == ["L57.0", "Z85.820", "Z80.0"]


def test_a_plan_that_lists_problems_is_read_when_there_is_no_assessment() -> None:
    note = "CC: rash and hives last year.\nExam: scaly plaques.\nPlan:\n- Nummular dermatitis: triamcinolone."
    assert dx(note) == ["L30.0"]


def test_restatements_and_integral_symptoms_are_not_extra_codes() -> None:
    assert dx("Assessment: Common cold (viral URI).") == ["J00"]
    assert dx("Assessment: Atopic dermatitis with pruritus.") == ["L20.9"]
    assert dx("Path: SCC, keratoacanthoma type, of the left forearm.") == ["C44.629"]


def test_vaccines_do_not_become_diagnoses_of_the_disease() -> None:
    assert dx("A/P: Need for flu vaccine. Flu vaccine given IM, left deltoid.") == ["Z23"]


def test_osteoarthritis_and_abscesses_by_site() -> None:
    assert dx("A: Primary osteoarthritis, left knee, worsening.") == ["M17.12"]
    assert dx("A: Osteoarthritis of both hips.") == ["M16.0"]
    assert dx("A: Osteoarthritis, multiple joints.") == ["M19.90"]
    assert dx("A: Abscess of the mid back.") == ["L02.212"]
    assert dx("A: Cellulitis of the right lower leg.") == ["L03.115"]


# --- lesions biopsied today: neoplasm of unspecified behavior ------------------------------------
def test_a_lesion_biopsied_in_the_procedure_section_is_d49_until_pathology_returns() -> None:
    note = ("Assessment: Irregular pigmented lesion of the left forearm; rule out melanoma.\n"
            "Procedure: 5 mm punch biopsy of the left forearm lesion, one suture.\nPlan: results in a week.")
    assert dx(note) == ["D49.2"]
    assert dx("Impression: ?BCC, right nasal sidewall.\nProcedure: shave biopsy after consent.") == ["D49.2"]
    assert dx("A/P: Pink papule of the upper back, r/o SCC - tangential biopsy done.") == ["D49.2"]
    assert dx("A: Lesion of the left shin, r/o melanoma.\nPunched with a 4 mm punch, closed with 1 suture.") == ["D49.2"]


def test_a_lesion_not_biopsied_today_is_not_d49() -> None:
    other_problem = ("A/P:\n1. Rash of the scalp, r/o lichen planus - 4 mm punch bx of the vertex scalp.\n"
                     "2. Benign-appearing lesion of the chest - reassurance, no tx.")
    assert dx(other_problem) == ["R21"]
    assert dx("A: Lesion of the left cheek, r/o BCC. Will biopsy at the next visit if it persists.") == []
    assert dx("A: Lesion of the right calf, r/o melanoma.\nProcedure: shave biopsy of the left temple papule.") == []
    assert dx("A: Atypical nevus of the back, r/o melanoma.\nProcedure: shave biopsy of the back lesion.") == ["D22.5"]


# --- problems the visit did not address ----------------------------------------------------------
def test_problems_left_for_another_visit_are_not_coded() -> None:
    assert dx("A/P:\n1. Hypertension, controlled; continue amlodipine.\n"
              "2. Left hip pain - she would like to discuss it at her next visit.") == ["I10"]
    assert dx("Dx: AKs x3, forehead - cryo. Also asks about moles on the back; deferred to a full skin exam.") == ["L57.0"]
    assert dx("A/P:\n1. Asthma, mild intermittent, stable.\n2. Eczema not addressed today.") == ["J45.20"]


def test_when_nothing_else_was_addressed_findings_nobody_managed_are_not_coded() -> None:
    visit = ("Derm visit\nInflamed seborrheic keratoses x2 on the neck, rubbing on the collar. "
             "Many other SKs on the back, asymptomatic.\nProcedure: LN2 to the 2 inflamed SKs.")
    assert dx(visit) == ["L82.0", "L82.1"]
    assert dx(visit + "\nNo other concerns were addressed.") == ["L82.0"]
    assert dx(visit + "\nVisit was for the destruction only.") == ["L82.0"]


# --- history written after the term ------------------------------------------------------------
def test_history_written_after_the_term_gives_the_history_code_never_the_current_one() -> None:
    assert dx("A/P:\n1. COPD, stable.\n2. Tobacco use history.") == ["J44.9", "Z87.891"]
    assert dx("Assessment: BCC history, no recurrence at the left ear.") == ["Z85.828"]


def test_a_former_smoker_mentioned_only_in_the_hpi_gets_no_history_code() -> None:
    assert dx("HPI: former smoker, quit 2010. Cough for 9 days.\nA: Acute bronchitis.") == ["J20.9"]
    assert dx("HPI: cough for 9 days.\nA: Acute bronchitis. Former smoker.") == ["J20.9", "Z87.891"]


# --- combination codes and specificity -----------------------------------------------------------
def test_a_diabetic_complication_is_not_coded_again_beside_the_combination_code() -> None:
    assert dx("A/P: Type 2 diabetes with peripheral neuropathy; gabapentin refilled.") == ["E11.42"]
    assert dx("A/P: T2DM with diabetic polyneuropathy.\n2. Peripheral neuropathy of the hands, B12 pending.") == [
        "E11.42", "G62.9"]


@pytest.mark.parametrize(("assessment", "codes"), [
    ("Acute suppurative otitis media, right ear.", ["H66.001"]),
    ("Acute serous otitis media, bilateral.", ["H65.03"]),
    ("Otitis media, left ear.", ["H66.92"]),
    ("Acute cystitis with hematuria.", ["N30.01"]),
    ("Acute cystitis without hematuria.", ["N30.00"]),
    ("Cystitis.", ["N30.90"]),
    ("Migraine with aura, intractable.", ["G43.119"]),
    ("Migraine without aura, not intractable.", ["G43.009"]),
    ("Chronic migraine.", ["G43.709"]),
    ("Migraine.", ["G43.909"]),
    ("Gout flare of the left first MTP.", ["M10.072"]),
    ("Gout, right knee.", ["M10.061"]),
    ("Gout of the right knee and the left ankle.", ["M10.09"]),
    ("Gout.", ["M10.9"]),
    ("Paroxysmal atrial fibrillation.", ["I48.0"]),
    ("Permanent AF, rate controlled.", ["I48.21"]),
    ("Atrial fibrillation.", ["I48.91"]),
    ("Iron deficiency anemia from chronic GI blood loss.", ["D50.0"]),
    ("Iron deficiency anemia.", ["D50.9"]),
    ("CKD stage 4 with anemia of CKD.", ["N18.4", "D63.1"]),
    ("Menorrhagia.", ["N92.0"]),
    ("Acute paronychia of the right thumb.", ["L03.011"]),
    ("Paronychia, left great toe.", ["L03.032"]),
    ("Primary focal hyperhidrosis of the palms and soles.", ["L74.512", "L74.513"]),
    ("Axillary hyperhidrosis.", ["L74.510"]),
    ("Hyperhidrosis.", ["R61"]),
    ("Long-term (current) use of anticoagulants.", ["Z79.01"]),
    ("Status post coronary stent.", ["Z95.5"]),
    ("Menopausal hot flashes.", ["N95.1"]),
    ("Acne vulgaris with 2 inflamed acne cysts.", ["L70.0"]),
])
def test_qualifiers_written_in_the_assessment_pick_the_specific_code(assessment: str, codes: list[str]) -> None:
    assert dx(f"Assessment: {assessment}") == codes


def test_a_longer_icd_description_wins_over_a_shorter_curated_term_inside_it() -> None:
    from coding.engine.dictionary import Dictionary

    found = Dictionary(generic_terms=[("pernicious anemia", "D51.0")]).match("A: Pernicious anemia, on B12 shots.")
    assert [m.concept for m in found] == ["icd:D51.0"]
    qualified = Dictionary(generic_terms=[("acute cystitis with hematuria", "N30.01")]).match("A: Acute cystitis with hematuria.")
    assert [m.concept for m in qualified] == ["cystitis"]  # a term whose resolver reads qualifiers keeps its place


def test_one_word_icd_terms_count_only_when_built_like_a_diagnosis() -> None:
    from coding.engine.dictionary import generic_terms_from

    rows = [("J21.9", "Acute bronchiolitis, unspecified", "Bronchiolitis (acute)"), ("R52", "Pain, unspecified", "Pain NOS"),
            ("N92.0", "Excessive and frequent menstruation with regular cycle", "Menorrhagia NOS")]
    terms = dict(generic_terms_from(rows))
    assert terms.get("bronchiolitis") == "J21.9" and terms.get("menorrhagia") == "N92.0"
    assert "pain" not in terms


def test_psoriasis_takes_its_type_from_anywhere_in_the_item() -> None:
    assert dx("A: Psoriasis of the scalp and elbows (plaque type), new.") == ["L40.0"]
    assert dx("A: Psoriasis, guttate, after strep.") == ["L40.4"]
    assert dx("A: Psoriasis.") == ["L40.9"]


def test_hypoglycemia_or_hyperglycemia_beside_diabetes_is_the_diabetes_code() -> None:
    assert dx("A/P: Type 1 diabetes with hypoglycemia; reduce basal insulin.") == ["E10.649"]
    assert dx("A/P: T2DM, A1c 9.8, poorly controlled on metformin. Hypoglycemia teaching.") == ["E11.65", "Z79.84"]


def test_croup_is_in_the_dictionary() -> None:
    assert dx("Assessment: Croup, mild, no stridor at rest.") == ["J05.0"]


@pytest.mark.parametrize(("assessment", "code"), [
    ("Chronic heart failure with reduced EF, stable.", "I50.22"),
    ("Acute on chronic diastolic heart failure.", "I50.33"),
    ("HFpEF, compensated.", "I50.32"),
    ("Congestive heart failure.", "I50.9"),
])
def test_heart_failure_by_type_and_acuity(assessment: str, code: str) -> None:
    assert dx(f"A: {assessment}") == [code]
