"""Every scrub rule, pure: a claim that fails it (with the exact finding) and one that passes.

The claims are snapshots and the code sets a small fake index in the shape of `coding.codesets`, so
these run without a database; `test_scrub_service.py` runs the same rules over stored claims.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest

from claims.scrub import RULES, RuleData, scrub_claim
from claims.scrub.base import EligibilityAnswer, MueLimit, PayerRuleData, PtpEdit
from tests.claims.factories import DOS, TODAY, line, snap
from tests.claims.fakes import fake_code_index


def data(**kw: object) -> RuleData:
    return RuleData(today=kw.pop("today", TODAY), code_index=kw.pop("code_index", fake_code_index), **kw)  # type: ignore[arg-type]


def rules_hit(claim: object, rule_data: RuleData | None = None) -> dict[str, list]:
    out: dict[str, list] = {}
    for f in scrub_claim(claim, rule_data or data()):  # type: ignore[arg-type]
        out.setdefault(f.rule, []).append(f)
    return out


def test_the_baseline_claim_is_clean() -> None:
    assert scrub_claim(snap(), data()) == []


PTP = {("11102", "17000"): (PtpEdit("11102", "17000", dt.date(2019, 1, 1), None, "1"),),
       ("17004", "17000"): (PtpEdit("17004", "17000", dt.date(2016, 1, 1), None, "0"),),
       ("17110", "11300"): (PtpEdit("17110", "11300", dt.date(2016, 1, 1), dt.date(2019, 12, 31), "1"),)}
MUE = {"17000": MueLimit("17000", 1, True), "96372": MueLimit("96372", 4, False), "11103": MueLimit("11103", 6, True)}

# rule: (failing claim, passing claim, rule data or None, substring of the failing message)
CASES: dict[str, tuple[Callable[[], object], Callable[[], object], Callable[[], RuleData] | None, str]] = {
    "REQ_PAYER_ID": (lambda: snap(payer_id=" "), lambda: snap(), None, "has no clearinghouse payer ID"),
    "REQ_MEMBER_ID": (lambda: snap(member_id=""), lambda: snap(), None, "member ID is missing"),
    "REQ_RELATIONSHIP": (lambda: snap(relationship=""), lambda: snap(relationship="01", subscriber_first_name="A",
                                                                       subscriber_last_name="B",
                                                                       subscriber_date_of_birth=dt.date(1960, 1, 1)),
                         None, "relationship to the subscriber is missing"),
    "REQ_SUBSCRIBER": (lambda: snap(relationship="19", subscriber_first_name="Ann"),
                       lambda: snap(relationship="19", subscriber_first_name="Ann", subscriber_last_name="Doe",
                                    subscriber_date_of_birth=dt.date(1970, 1, 1)),
                       None, "subscriber's last name, date of birth is missing"),
    "REQ_BILLING_NPI": (lambda: snap(billing_npi="1234567890"), lambda: snap(), None, "fails the NPI check digit"),
    "REQ_BILLING_TAX_ID": (lambda: snap(billing_tax_id="23-123456"), lambda: snap(), None, "tax ID is missing or not 9"),
    "REQ_BILLING_TAXONOMY": (lambda: snap(billing_taxonomy="193200000"), lambda: snap(), None, "taxonomy code"),
    "REQ_RENDERING_NPI": (lambda: snap(rendering_npi=""), lambda: snap(), None, "rendering provider's NPI (blank)"),
    "REQ_POS": (lambda: snap(place_of_service="1"), lambda: snap(), None, "place of service is missing"),
    "REQ_DATES": (lambda: snap(line(dos=dt.date(2025, 4, 1))), lambda: snap(), None, "is in the future"),
    "REQ_LINES": (lambda: snap(lines=()), lambda: snap(), None, "has no service lines"),
    "REQ_DIAGNOSIS": (lambda: snap(line(pointers=()), dx=()), lambda: snap(), None, "has no diagnosis code"),
    "REQ_POINTER": (lambda: snap(line(pointers=(1, 2))), lambda: snap(line(pointers=(1, 2)), dx=("L57.0", "I10")),
                    None, "points at diagnosis 2, which is not on the claim (it has 1)"),
    "ICD_INVALID": (lambda: snap(dx=("E11.A",), date_of_service=dt.date(2024, 9, 30),
                                 lines=(line(dos=dt.date(2024, 9, 30)),)),
                    lambda: snap(dx=("E11.A",), date_of_service=dt.date(2024, 10, 1), lines=(line(dos=dt.date(2024, 10, 1)),)),
                    None, "does not exist in the ICD-10-CM edition in effect on 09/30/2024"),
    "ICD_NOT_BILLABLE": (lambda: snap(dx=("L57",)), lambda: snap(dx=("L57.0",)), None, "is a header code"),
    "ICD_MANIFESTATION_FIRST": (lambda: snap(line(pointers=(1, 2)), dx=("G63", "E11.9")),
                                lambda: snap(line(pointers=(1, 2)), dx=("E11.9", "G63")), None,
                                "manifestation code and cannot be the first-listed"),
    "ICD_EXCLUDES1": (lambda: snap(line(pointers=(1, 2)), dx=("E11.9", "E10.9")),
                      lambda: snap(line(pointers=(1, 2)), dx=("E11.9", "I10")), None, "has an Excludes1 note for E10.9"),
    "PROC_INVALID": (lambda: snap(line(code="11100")), lambda: snap(line(code="11102", charge="160.00")), None,
                     "11100 was deleted before"),
    "MODIFIER_INVALID": (lambda: snap(line(code="11102", mods=("ZZ",))), lambda: snap(line(code="11102", mods=("59",))),
                         None, "modifier 'ZZ' is not a valid modifier"),
    "UNITS_POSITIVE": (lambda: snap(line(units=0)), lambda: snap(line(units=1)), None, "has 0 units"),
    "AGE_CONFLICT": (lambda: snap(dx=("P07.30",)), lambda: snap(dx=("P07.30",), patient_date_of_birth=dt.date(2025, 2, 1)),
                     None, "The patient is 64 on the date of service; diagnosis 1 (P07.30) is for ages 0 to 0"),
    "SEX_CONFLICT": (lambda: snap(dx=("N40.0",)), lambda: snap(dx=("N40.0",), patient_sex="M"), None,
                     "Diagnosis 1 (N40.0) applies to male patients; the patient is female"),
    "CODESETS_MISSING": (lambda: snap(), lambda: snap(), lambda: RuleData(today=TODAY, code_index=None), "not loaded"),
    "NCCI_PTP": (lambda: snap(line(1, "11102", charge="160"), line(2, "17000")),
                 lambda: snap(line(1, "11102", charge="160"), line(2, "17000", mods=("XS",))),
                 lambda: data(ptp=PTP), "Line 2 (17000) is bundled into line 1 (11102) unless a modifier"),
    "MUE_UNITS": (lambda: snap(line(units=2)), lambda: snap(line(units=1)), lambda: data(mue=MUE),
                  "2 units of 17000 on 03/03/2025; at most 1 per day"),
    "EM_NEEDS_25": (lambda: snap(line(1, "99213", charge="150"), line(2, "17000")),
                    lambda: snap(line(1, "99213", mods=("25",), charge="150"), line(2, "17000")), None,
                    "Line 1 (99213) is an E/M visit on the same day as the minor procedure 17000"),
    "BILATERAL": (lambda: snap(line(code="20610", mods=("50",), units=2)), lambda: snap(line(code="20610", mods=("50",))),
                  None, "has modifier 50 and 2 units"),
    "ADDON_WITHOUT_PRIMARY": (lambda: snap(line(code="17003", units=3)),
                              lambda: snap(line(1, "17000"), line(2, "17003", units=3)), None,
                              "add-on code 17003 needs one of 17000"),
    "ADDON_MODIFIER_51": (lambda: snap(line(1, "17000"), line(2, "17003", mods=("51",))),
                          lambda: snap(line(1, "17000"), line(2, "17003")), None, "add-on code 17003 carries modifier 51"),
    "DUPLICATE_LINE": (lambda: snap(line(1, "11102"), line(2, "11102")),
                       lambda: snap(line(1, "11102"), line(2, "11102", mods=("59",))), None,
                       "Lines 1 and 2 both bill 11102 the same day"),
    "TIMELY_FILING": (lambda: snap(), lambda: snap(timely_filing_days=365), lambda: data(today=DOS + dt.timedelta(days=91)),
                      "The payer's 90-day filing limit passed on 06/01/2025 (1 day ago)"),
    "DUPLICATE_CLAIM": (lambda: snap(), lambda: snap(payer_pk=2), lambda: data(billed={(3, DOS, "17000", 7, 1): frozenset({1, 99})}),
                        "already billed to this payer for this patient and provider on claim #99"),
    "CORRECTION_REFERENCE": (lambda: snap(frequency="7"), lambda: snap(frequency="7", original_payer_claim_number="ICN1"),
                             None, "A replacement claim must carry the payer's original claim number"),
    "PAYER_PRIOR_AUTH": (lambda: snap(), lambda: snap(prior_authorization="PA-1"),
                         lambda: data(payer_rules={1: (PayerRuleData("requires_prior_auth", "", "error"),)}),
                         "Aetna requires a prior-authorization number"),
    "PAYER_REFERRING": (lambda: snap(), lambda: snap(referring_npi="1234567893", referring_name="Smith, Jo"),
                        lambda: data(payer_rules={1: (PayerRuleData("requires_referring", "", "error"),)}),
                        "Aetna requires the referring provider's NPI and name"),
    "PAYER_MODIFIER": (lambda: snap(line(code="11102", mods=("XS",))), lambda: snap(line(code="11102", mods=("59",))),
                       lambda: data(payer_rules={1: (PayerRuleData("modifier_not_accepted", "XS", "error"),)}),
                       "Aetna does not accept modifier XS (line 1, 11102)"),
    "PAYER_NOT_COVERED": (lambda: snap(line(code="17110")), lambda: snap(),
                          lambda: data(payer_rules={1: (PayerRuleData("code_not_covered", "17110,17111", "error"),)}),
                          "Aetna does not cover 17110 (line 1)"),
    "ELIGIBILITY_INACTIVE": (lambda: snap(), lambda: snap(id=2),
                             lambda: data(eligibility={1: EligibilityAnswer(False, "", DOS, ("Coverage terminated",)),
                                                       2: EligibilityAnswer(True, "Gold PPO", DOS)}),
                             "Aetna said on 03/03/2025 that this coverage was inactive on 03/03/2025 "
                             "(Coverage terminated)"),
}


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fails_the_bad_claim_and_passes_the_good_one(code: str) -> None:
    bad, good, make_data, message = CASES[code]
    rule_data = make_data() if make_data else None
    failing = rules_hit(bad(), rule_data).get(code)
    assert failing, f"{code} did not fire"
    assert any(message in f.message for f in failing), [f.message for f in failing]
    rule = RULES[code]
    assert all(f.hint and f.field for f in failing)
    if code != "CODESETS_MISSING":
        assert code not in rules_hit(good(), rule_data), rules_hit(good(), rule_data)[code]
    else:
        assert code not in rules_hit(good(), data())
    assert rule.title and rule.severity in ("error", "warning")


def test_findings_point_at_the_field_and_line() -> None:
    claim = snap(line(1, "11102", pointers=(1, 3), charge="160"), dx=("L57.0", "I10"))
    [finding] = rules_hit(claim)["REQ_POINTER"]
    assert (finding.field, finding.line, finding.severity) == ("lines.1.diagnosis_pointers", 1, "error")
    assert finding.hint == "Point each line at 1 to 4 of the claim's diagnoses (1 = first listed)."


def test_ptp_indicator_0_is_never_bypassed_and_deleted_edits_do_not_apply() -> None:
    never = snap(line(1, "17004", charge="420"), line(2, "17000", mods=("59",)))
    [f] = rules_hit(never, data(ptp=PTP))["NCCI_PTP"]
    assert "never paid with it" in f.message and f.field == "lines.2.code"
    deleted = snap(line(1, "17110", charge="190"), line(2, "11300", charge="110"))  # edit ended 2019-12-31
    assert "NCCI_PTP" not in rules_hit(deleted, data(ptp=PTP))
    before = replace(deleted, date_of_service=dt.date(2019, 6, 3),
                     lines=tuple(replace(ln, date_of_service=dt.date(2019, 6, 3)) for ln in deleted.lines))
    assert "NCCI_PTP" in rules_hit(before, data(ptp=PTP, code_index=None))


def test_mue_line_edit_counts_units_per_line_not_per_day() -> None:
    per_line = snap(line(1, "96372", units=3, charge="30"), line(2, "96372", units=3, charge="30", mods=("59",)))
    assert "MUE_UNITS" not in rules_hit(per_line, data(mue=MUE, code_index=None))
    assert "MUE_UNITS" in rules_hit(snap(line(1, "96372", units=5, charge="50")), data(mue=MUE, code_index=None))


def test_timely_filing_warns_two_weeks_before_the_deadline() -> None:
    [f] = rules_hit(snap(), data(today=DOS + dt.timedelta(days=80)))["TIMELY_FILING"]
    assert f.severity == "warning" and f.message == "Only 10 days left to file: the payer's limit is 06/01/2025."


def test_payer_rule_limited_to_codes_and_warning_severity() -> None:
    rule_data = data(payer_rules={1: (PayerRuleData("requires_prior_auth", "17311,17313", "warning", "Mohs needs auth"),)})
    assert "PAYER_PRIOR_AUTH" not in rules_hit(snap(), rule_data)
    [f] = rules_hit(snap(line(code="17311", charge="1150")), rule_data)["PAYER_PRIOR_AUTH"]
    assert (f.severity, f.message) == ("warning", "Mohs needs auth")


def test_scrub_is_pure_and_ordered_errors_first() -> None:
    claim = snap(line(1, "11102", charge="160"), line(2, "11102", charge="160"), member_id="")
    first = scrub_claim(claim, data())
    assert first == scrub_claim(claim, data())
    assert [f.severity for f in first] == sorted((f.severity for f in first), key=lambda s: s != "error")
    assert claim.total_charge == Decimal("320.00")
