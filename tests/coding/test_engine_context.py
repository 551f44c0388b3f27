"""Stage 1: sections and assertion context (medspaCy ConText and Sectionizer with our rules)."""

from __future__ import annotations

from coding.engine.dictionary import Dictionary
from coding.engine.nlp import pipeline


def analyze(text: str):  # type: ignore[no-untyped-def]
    return pipeline().analyze(text, Dictionary())


def assertions(text: str) -> dict[str, str]:
    return {m.text.lower(): m.assertion for m in analyze(text).mentions}


def sections(text: str) -> list[str]:
    return [s.category for s in analyze(text).sections]


def test_headings_become_sections_only_at_the_start_of_a_line() -> None:
    note = ("Dictated follow-up.\nHPI: itchy scalp.\nPMH: gout.\nExam: scale on the scalp.\n"
            "A/P: Seborrheic dermatitis. Start ketoconazole.\nPath (final): not applicable.\nF/u: 3 months.")
    assert sections(note) == ["preamble", "subjective", "pmh", "exam", "assessment", "pathology", "plan"]
    assert "assessment" not in sections("Seen today. The A: grade was fine.")


def test_lettered_lines_are_not_headings() -> None:
    note = "Exam:\nA) 4 mm papule on the left cheek.\nB) 6 mm macule on the back.\nImpression: nevi."
    assert sections(note) == ["exam", "assessment"]
    path = "PATH ADDENDUM:\nA: Basal cell carcinoma.\nB: Compound nevus.\nPlan: excise A."
    assert sections(path) == ["pathology", "plan"]


def test_negation_reaches_every_item_of_a_list_but_not_the_next_sentence() -> None:
    found = assertions("She denies fever, cough or rash. Psoriasis is worse on the elbows.")
    assert found == {"fever": "negated", "cough": "negated", "rash": "negated", "psoriasis": "affirmed"}


def test_phrasings_that_rule_a_diagnosis_out() -> None:
    assert assertions("Cellulitis ruled out.")["cellulitis"] == "negated"
    assert assertions("Gout not suspected; joint is cool.")["gout"] == "negated"
    assert assertions("Impetigo is unlikely given no crust.")["impetigo"] == "negated"
    assert assertions("Never smoker.")["smoker"] == "negated"
    assert assertions("Nothing to suggest melanoma.")["melanoma"] == "negated"


def test_a_differential_makes_only_its_members_uncertain() -> None:
    found = assertions("Rash, tinea corporis vs nummular eczema.")
    assert found == {"rash": "affirmed", "tinea corporis": "possible", "nummular eczema": "possible"}
    assert assertions("Papule on nose, r/o BCC.")["bcc"] == "possible"


def test_history_and_family() -> None:
    found = assertions("Personal history of SCC. Mother with psoriasis. Asthma as a child, resolved.")
    assert found["scc"] == "historical"
    assert found["psoriasis"] == "family"
    assert found["asthma"] in ("historical", "negated")


def test_misspellings_are_repaired_before_matching() -> None:
    found = {m.concept for m in analyze("Dx: verucca vulgaris of the thumb; acute sinusitus.").mentions}
    assert {"wart_common", "acute_sinusitis"} <= found


def test_abbreviations_need_capitals_when_they_are_also_words() -> None:
    assert "melanoma" not in {m.concept for m in analyze("A 7 mm papule.").mentions}
    assert "melanoma" in {m.concept for m in analyze("Concern for MM.").mentions}


def test_a_cue_written_right_after_the_term_qualifies_it() -> None:
    assert assertions("Squamous cell carcinoma history, treated 2019.")["squamous cell carcinoma"] == "historical"
    assert assertions("A: tobacco use hx.")["tobacco use"] == "historical"
    assert assertions("A: Dyspepsia; GERD possible.")["gerd"] == "possible"
    assert assertions("A: Viral URI most likely.")["viral uri"] == "possible"
    assert assertions("Colon cancer screening is due.")["colon cancer"] == "hypothetical"


def test_a_cue_after_the_term_reaches_only_the_word_before_it() -> None:
    assert assertions("Current smoker, 40 pack-year history.")["current smoker"] == "affirmed"
    assert assertions("Hypertension, possible white-coat component.")["hypertension"] == "affirmed"
    assert assertions("History of psoriasis, stable.")["psoriasis"] == "historical"


def test_a_queried_or_favored_diagnosis_is_uncertain() -> None:
    assert assertions("Impression: ?SCC of the left ear.")["scc"] == "possible"
    assert assertions("Impression: SCC? vs irritated SK.")["scc"] == "possible"
    assert assertions("A: Eruption, favor pityriasis rosea.")["pityriasis rosea"] == "possible"
    assert assertions("A: Eruption, favor pityriasis rosea.")["eruption"] == "affirmed"


def test_treatment_until_something_resolves_does_not_negate_the_problem() -> None:
    assert assertions("Gout flare of the right knee; prednisone until resolved.")["gout flare"] == "affirmed"
    assert assertions("Tinea pedis, better but not yet resolved.")["tinea pedis"] == "affirmed"
    assert assertions("Impetigo resolved.")["impetigo"] == "negated"


def test_a_heading_alone_on_its_line_needs_no_colon() -> None:
    note = "Follow-up\nMeds: metformin, lisinopril.\nA/P\n- HTN: at goal.\nPlan\nRTC 6 months."
    assert sections(note) == ["preamble", "pmh", "assessment", "plan"]
    assert sections("S: itch.\nA&P: eczema, flaring.") == ["subjective", "assessment"]
    assert sections("Exam: papules. We will plan\nto treat them.") == ["exam"]


def test_w_slash_o_negates_like_without() -> None:
    assert assertions("A: Viral URI w/o fever.")["fever"] == "negated"


def test_a_condition_named_as_a_teaching_topic_is_not_a_finding() -> None:
    assert assertions("Hyperglycemia education done.")["hyperglycemia"] == "hypothetical"
