"""Office E/M: the higher of total time and MDM; beside a procedure only a separate, significant visit."""

from __future__ import annotations

import pytest

from coding.engine.procedures.em import LEVELS, Mdm, level_by_mdm, level_by_time
from tests.coding.engine_helpers import px


@pytest.mark.parametrize(("minutes", "new", "code"), [
    (14, True, None), (15, True, "99202"), (29, True, "99202"), (30, True, "99203"), (44, True, "99203"),
    (45, True, "99204"), (59, True, "99204"), (60, True, "99205"), (90, True, "99205"),
    (9, False, None), (10, False, "99212"), (19, False, "99212"), (20, False, "99213"), (29, False, "99213"),
    (30, False, "99214"), (39, False, "99214"), (40, False, "99215"),
])
def test_time_thresholds(minutes: int, new: bool, code: str | None) -> None:
    assert level_by_time(minutes, new) == code


@pytest.mark.parametrize(("elements", "level"), [
    (("moderate", "straightforward", "moderate"), "moderate"),
    (("moderate", "low", "high"), "moderate"),
    (("low", "straightforward", "moderate"), "low"),
    (("high", "high", "straightforward"), "high"),
    (("straightforward", "straightforward", "low"), "straightforward"),
])
def test_two_of_three_elements_decide(elements: tuple[str, str, str], level: str) -> None:
    assert Mdm(*elements, why=[]).level == level
    assert level_by_mdm(level, new=False) == ("99212", "99213", "99214", "99215")[LEVELS.index(level)]


def test_a_worsening_chronic_illness_with_a_prescription_is_moderate() -> None:
    note = "S: eczema worse for a month.\nA: Atopic dermatitis, flaring.\nP: Start dupilumab; tacrolimus ointment BID."
    assert px(note) == [("99214", 1, ())]
    assert px(note, new=True) == [("99204", 1, ())]


def test_a_stable_chronic_illness_with_a_refill_is_low() -> None:
    assert px("A: Hypothyroidism, stable. Continue levothyroxine; refill sent.") == [("99213", 1, ())]


def test_a_self_limited_problem_with_otc_care_is_straightforward() -> None:
    assert px("A: Common cold. Rest, fluids, acetaminophen prn.") == [("99212", 1, ())]


def test_time_wins_when_it_is_higher() -> None:
    note = "A: Hypothyroidism, stable. Continue levothyroxine.\nTotal time spent on the date of service: 41 minutes."
    assert px(note) == [("99215", 1, ())]
    assert px(note.replace("41 minutes", "12 minutes")) == [("99213", 1, ())]


def test_an_unexplained_symptom_with_a_differential_is_moderate() -> None:
    note = "A: Rash of the trunk, pityriasis rosea vs drug eruption. Start triamcinolone cream (Rx)."
    assert px(note) == [("99214", 1, ())]


def test_prolonged_time_beyond_the_top_level() -> None:
    note = "A: Psoriasis vulgaris, worsening. Start methotrexate.\nTotal time on the date of the encounter: 78 minutes."
    assert px(note, new=True) == [("99205", 1, ()), ("99417", 1, ())]
    assert px(note.replace("78", "74"), new=True) == [("99205", 1, ())]


def test_a_procedure_visit_bills_no_visit_without_another_problem() -> None:
    note = "Dx: Actinic keratoses x3, scalp.\nProc: LN2 cryotherapy to all 3 lesions. Consent obtained."
    assert px(note) == [("17000", 1, ()), ("17003", 2, ())]


def test_a_separately_managed_problem_beside_a_procedure_takes_modifier_25() -> None:
    note = ("A/P:\n1. Actinic keratoses x2 - LN2 cryotherapy to both lesions.\n"
            "2. Rosacea, worsening - start doxycycline 40 mg daily.")
    assert px(note) == [("99214", 1, ("25",)), ("17000", 1, ()), ("17003", 1, ())]


def test_a_reassured_benign_finding_is_not_a_separate_visit() -> None:
    note = ("Dx: 1) AK of the left ear. 2) Cherry angiomas of the trunk - benign, reassured.\n"
            "Proc: LN2 cryo x1 lesion, left ear.")
    assert px(note) == [("17000", 1, ())]


def test_no_modifier_25_beside_tests_that_have_no_global_period() -> None:
    note = ("A: Urinary tract infection. Start nitrofurantoin.\n"
            "UA dipstick (in office, non-automated, no microscopy): nitrite positive.")
    assert px(note) == [("99213", 1, ()), ("81002", 1, ())]


@pytest.mark.parametrize("statement", [
    "Total encounter time was 32 minutes.",
    "Total visit 32 minutes.",
    "32 minutes were spent on this patient's care today.",
    "Over half of the 32-minute visit was spent counseling.",
    "Visit duration 32 min (total).",
    "Total time: thirty-two minutes.",
])
def test_visit_time_is_read_however_it_is_phrased(statement: str) -> None:
    assert px(f"A: Rosacea, stable. Continue azelaic acid.\n{statement}") == [("99214", 1, ())]


def test_minutes_that_are_not_the_visit_time_are_ignored() -> None:
    note = ("A: Rosacea, stable. Continue azelaic acid.\nTopical anesthetic applied 45 min prior. "
            "Walks 30 min 5x/wk. Counseling on smoking cessation, 8 minutes.")
    assert px(note)[0] == ("99213", 1, ())


def test_a_new_patients_untreated_moderate_chronic_illness_is_not_at_goal() -> None:
    note = ("Impression: Moderate inflammatory acne, never treated.\n"
            "Plan: Start tretinoin 0.025% cream nightly and doxycycline 100 mg daily.")
    assert px(note, new=True) == [("99204", 1, ())]
    assert px(note.replace("Moderate", "Mild"), new=True) == [("99203", 1, ())]
    assert px(note, new=False) == [("99213", 1, ())]  # an established patient's new problem stays low


def test_a_lone_problems_plan_counts_when_judging_its_status() -> None:
    note = "Assessment: Chronic urticaria.\nPlan: Increase cetirizine to 10 mg twice daily; add famotidine 20 mg BID."
    assert px(note) == [("99214", 1, ())]


def test_prescriptions_named_by_brand_class_or_dose_are_prescription_management() -> None:
    assert px("A: Acute cystitis.\nP: Macrobid 100 mg BID x 5 days.") == [("99213", 1, ())]
    assert px("A: Essential hypertension, stable on lisinopril-HCTZ 20/12.5; refilled.") == [("99213", 1, ())]
    assert px("A: CAD and hyperlipidemia, stable. Continue aspirin, statin and beta blocker.") == [("99214", 1, ())]
    assert px("A: Tinea pedis. Clotrimazole 1% cream BID (OTC).") == [("99213", 1, ())]
    assert px("A: Acute bronchitis. Antibiotics not indicated.") == [("99212", 1, ())]


def test_cellulitis_or_shingles_count_as_systemic_only_with_systemic_symptoms() -> None:
    plain = "A: Herpes zoster, right T6 dermatome. Valacyclovir 1 g TID x 7 days."
    assert px(plain) == [("99213", 1, ())]
    assert px("S: Fever and body aches for two days.\n" + plain) == [("99214", 1, ())]
    assert px("S: Denies fever or chills.\n" + plain) == [("99213", 1, ())]


def test_more_frequent_attacks_or_hypoglycemia_mean_the_illness_is_not_at_goal() -> None:
    assert px("A: Migraine without aura, increased frequency. Start topiramate 25 mg daily.") == [("99214", 1, ())]
    assert px("A: Type 1 diabetes with hypoglycemia. Reduce the evening basal rate; glucagon refilled.") == [
        ("99214", 1, ())]


def test_tobacco_dependence_counts_as_a_problem_when_a_drug_treats_it() -> None:
    note = "A/P:\n1. Hypertension, controlled on losartan.\n2. Nicotine dependence, cigarettes - start varenicline."
    assert px(note) == [("99214", 1, ())]
    assert px(note.replace("start varenicline", "advised to quit")) == [("99213", 1, ())]


def test_an_overtreated_chronic_illness_is_a_side_effect_of_treatment() -> None:
    note = "A: Hypothyroidism, overtreated; TSH suppressed.\nP: Reduce levothyroxine to 88 mcg; TSH in 6 weeks."
    assert px(note) == [("99214", 1, ())]


def test_the_plan_is_read_with_the_problem_only_when_it_is_the_notes_only_problem() -> None:
    two = ("Assessment:\n1. Chronic urticaria.\n2. Tinea pedis.\n"
           "Plan: Increase cetirizine to twice daily; econazole cream for the feet.")
    assert px(two) == [("99213", 1, ())]  # which problem is progressing is not said


def test_continuing_the_current_regimen_is_prescription_management() -> None:
    assert px("A: Chronic systolic heart failure, stable. Continue current meds; daily weights.") == [("99213", 1, ())]


def test_management_written_before_the_assessment_of_a_loose_note_counts() -> None:
    note = ("70 yo F here for a flu shot.\nBP 130/76 on amlodipine 5 mg - continue; refill.\n"
            "Fluad 0.5 mL IM given today.\nAssessment: Essential hypertension, controlled. Need for flu vaccine.")
    assert px(note) == [("99213", 1, ("25",)), ("90694", 1, ()), ("90471", 1, ())]
