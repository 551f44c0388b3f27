"""Primary-care office procedures: vaccines, in-office tests, ECG, venipuncture, injections."""

from __future__ import annotations

from tests.coding.engine_helpers import dx, px


def test_vaccines_given_bring_their_administration_and_z23() -> None:
    note = ("A/P: Hypertension, stable; continue lisinopril, refill sent.\n"
            "Immunizations: Tdap 0.5 mL IM right deltoid and Shingrix IM left deltoid given today; VIS provided.")
    assert px(note) == [("99213", 1, ("25",)), ("90715", 1, ()), ("90750", 1, ()), ("90471", 1, ()), ("90472", 1, ())]
    assert dx(note) == ["I10", "Z23"]


def test_a_vaccine_only_discussed_or_given_elsewhere_is_not_billed() -> None:
    assert px("A: Hypertension, stable. Flu vaccine offered; declined.") == [("99212", 1, ())]
    assert "90686" not in [c for c, _, _ in px("A: Hypertension, stable. Flu shot already given at the pharmacy.")]


def test_urine_dipstick_variants() -> None:
    base = "A: Dysuria.\n"
    assert ("81002", 1, ()) in px(base + "UA dipstick, manual read, no microscopy: LE trace.")
    assert ("81003", 1, ()) in px(base + "UA dipstick (automated analyzer, no microscopy): negative.")
    assert ("81000", 1, ()) in px(base + "UA dipstick read manually with microscopy: 3-5 WBC/hpf.")
    assert all(c not in ("81002", "81003") for c, _, _ in px(base + "Urinalysis sent to the lab."))


def test_an_ecg_done_here_is_billed_but_one_ordered_or_reviewed_is_not() -> None:
    assert ("93000", 1, ()) in px("A: Palpitations.\nECG performed in office: sinus rhythm, normal intervals.")
    assert all(c != "93000" for c, _, _ in px("A: Palpitations. ECG ordered; will review."))
    assert all(c != "93000" for c, _, _ in px("A: Palpitations. Reviewed prior ECG from 2024, normal."))


def test_blood_drawn_in_the_office_is_a_venipuncture() -> None:
    assert ("36415", 1, ()) in px("A: Hyperlipidemia. Lipid panel ordered; blood drawn in office.")
    assert all(c != "36415" for c, _, _ in px("A: Hyperlipidemia. Lipid panel ordered at the outside lab."))


def test_a_joint_injection_carries_its_side() -> None:
    note = "A: Osteoarthritis of the right knee.\nProcedure: right knee joint injection with triamcinolone 40 mg."
    assert ("20610", 1, ("RT",)) in px(note)


def test_simple_office_procedures() -> None:
    assert ("94640", 1, ()) in px("A: Asthma with exacerbation; start prednisone.\nAlbuterol nebulizer treatment given in office.")
    assert ("86580", 1, ()) in px("A: Need for TB screening for work.\nPPD placed on the left forearm.")
    assert ("10040", 1, ()) in px("A: Comedonal acne. Comedone extraction performed on the forehead.")


def test_preventive_visits_by_age_and_medicare_wellness() -> None:
    assert px("Assessment: Annual physical, no abnormal findings.", age=45) == [("99396", 1, ())]
    assert px("Assessment: Annual physical, no abnormal findings.", age=45, new=True) == [("99386", 1, ())]
    assert px("Assessment: Well child visit.", age=8) == [("99393", 1, ())]
    assert px("Assessment: Subsequent annual wellness visit.", age=72) == [("G0439", 1, ())]
    assert dx("Assessment: Annual physical. Hypertension, stable; continue lisinopril.", age=45) == ["Z00.01", "I10"]


def test_one_flu_product_per_visit_the_named_one_wins() -> None:
    note = ("A/P:\n1. Hypertension, stable; continue amlodipine, refill sent.\n"
            "2. Need for influenza vaccine - high-dose flu vaccine given IM left deltoid, VIS reviewed.")
    assert px(note, age=70) == [("99213", 1, ("25",)), ("90662", 1, ()), ("90471", 1, ())]


def test_a_note_about_the_previous_dose_does_not_cancel_todays_vaccine() -> None:
    note = "A: Need for tetanus booster.\nP: Td given IM left deltoid today (last tetanus 2012)."
    assert px(note) == [("90714", 1, ()), ("90471", 1, ())]


def test_a_joint_injection_takes_its_side_from_the_procedure_and_ultrasound_only_when_used() -> None:
    note = ("Knee injection visit\nA: Primary osteoarthritis, left knee.\n"
            "Procedure: left knee intra-articular injection, no ultrasound guidance, sterile prep.")
    assert px(note) == [("20610", 1, ("LT",))]
    assert px(note.replace("no ultrasound guidance", "under ultrasound guidance")) == [("20611", 1, ("LT",))]


def test_a_procedure_offered_and_declined_is_not_billed() -> None:
    codes = [c for c, _, _ in px("A: Right shoulder pain. Subacromial injection offered and declined. Naproxen 500 BID.")]
    assert "20610" not in codes


def test_in_office_tests_written_in_other_words() -> None:
    assert ("81003", 1, ()) in px("A: Acute cystitis.\nIn-office UA (automated dipstick, no microscopy): nitrite +.")
    assert ("87220", 1, ()) in px("A: Tinea cruris.\nKOH: positive for hyphae (done in office today).")
    assert all(c != "87220" for c, _, _ in px("A: Annular rash; tinea unlikely given the negative KOH last month."))
    both = px("A: T2DM.\nFingerstick glucose in office 190. POC A1c today 8.2 (prior 7.1).")
    assert ("82962", 1, ()) in both and ("83036", 1, ()) in both


def test_quit_smoking_counseling_phrased_without_the_word_tobacco_next_to_it() -> None:
    note = "A/P: Nicotine dependence, cigarettes. Counseling on cessation, about 6 minutes; nicotine patch started."
    assert ("99406", 1, ()) in px(note)
