"""Denial categories from CARC/RARC codes (835 denials) and claim status codes (277CA rejections).

The contract the dashboards use: `CATEGORIES`, `denial_category(group=, carc=, rarcs=)` and
`rejection_category(status_code=, category_code=)`. Both are pure functions (no database) over the tables
below, which are data: the CARC/RARC/status-code reference tables (`claims.denials.models.ReferenceCode`)
are seeded from them, and importing the official lists never changes a code's category.

Denial rows in `claims.denials.models.DenialCase` store the category they were given when they were
opened (column `category`), so a report may read that column instead of calling these functions.

How a category is chosen:
1. A remark code (RARC) that names the problem more precisely wins when the CARC is a generic one
   (16 "lacks information", 125 "submission error", A1 "denied", 96 "non-covered", 252 "documentation").
2. Otherwise the CARC decides; a CARC we have no row for is "other".
3. Group OA/CO with CARC 18 is a duplicate whatever the remark.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

CATEGORIES = ("eligibility", "authorization", "coding_bundling", "medical_necessity", "timely_filing",
              "duplicate", "missing_information", "other")

LABELS = MappingProxyType({
    "eligibility": "Eligibility / coverage",
    "authorization": "Authorization / referral",
    "coding_bundling": "Coding / bundling",
    "medical_necessity": "Medical necessity / non-covered",
    "timely_filing": "Timely filing",
    "duplicate": "Duplicate",
    "missing_information": "Missing or invalid information",
    "other": "Other",
})

# What a biller should do first, per category (shown on the denial queue and in the API).
NEXT_ACTION = MappingProxyType({
    "eligibility": "Verify eligibility (270/271) and coordination of benefits; bill the right payer or the patient.",
    "authorization": "Find the authorization or referral number; correct and resubmit, or appeal with it.",
    "coding_bundling": "Review codes and modifiers (NCCI, 25/59/XS); send a replacement claim if a code was wrong.",
    "medical_necessity": "Check the diagnosis and the payer's coverage policy (LCD); appeal with the notes, or bill "
                         "the patient if an ABN is on file.",
    "timely_filing": "Find proof of timely filing (an earlier acceptance report); appeal with it, else write off.",
    "duplicate": "Check whether the original claim was paid; if so close this one, else ask the payer to reprocess.",
    "missing_information": "Add the missing or corrected information and send a replacement claim.",
    "other": "Read the payer's reason and remarks; call the payer if unclear.",
})

E, A, C, M, T, D, I, O = CATEGORIES  # noqa: E741 - short names for the tables below

# CARC -> category. Codes not listed are "other" (e.g. 45 contractual, 1/2/3 patient share are not denials).
CARC_CATEGORY: MappingProxyType[str, str] = MappingProxyType({
    # eligibility and coverage
    "22": E, "24": E, "26": E, "27": E, "31": E, "32": E, "33": E, "34": E, "35": E, "109": E, "140": E,
    "177": E, "200": E, "B7": E,
    # authorization, precertification and referral
    "15": A, "38": A, "39": A, "62": A, "197": A, "198": A, "243": A, "288": A,
    # coding, modifiers and bundling
    "4": C, "5": C, "6": C, "7": C, "8": C, "9": C, "10": C, "11": C, "59": C, "97": C, "146": C, "181": C,
    "182": C, "189": C, "199": C, "231": C, "234": C, "236": C, "B15": C,
    # medical necessity, non-covered, frequency and level of service
    "49": M, "50": M, "51": M, "55": M, "56": M, "58": M, "96": M, "119": M, "150": M, "151": M, "152": M,
    "167": M, "204": M, "B5": M,
    # timely filing
    "29": T,
    # duplicates
    "18": D, "B13": D,
    # missing or invalid information
    "16": I, "17": I, "125": I, "206": I, "207": I, "208": I, "226": I, "227": I, "252": I, "A1": I,
})

# CARCs that only say "denied" or "information missing": a remark code decides when it is more precise.
GENERIC_CARCS = frozenset({"16", "125", "A1", "96", "252"})

RARC_CATEGORY: MappingProxyType[str, str] = MappingProxyType({
    # eligibility / coordination of benefits
    "N30": E, "MA04": E, "N52": E, "MA92": E, "N479": E, "MA61": E,
    # authorization
    "N54": A, "M62": A, "N286": A, "N38": A,
    # coding and bundling
    "M15": C, "M80": C, "N20": C, "M51": C, "M20": C, "N56": C, "M77": C, "N657": C, "MA66": C,
    # medical necessity / coverage policy
    "N115": M, "M25": M, "N386": M, "N180": M, "N130": M,
    # duplicates
    "M86": D, "N111": D,
    # missing or invalid information
    "M76": I, "MA130": I, "N290": I, "M119": I, "MA27": I, "N382": I, "MA120": I, "N265": I,
})

# 277CA / 277 claim status codes (STC01-2) -> category; the category code (STC01-1) helps when the status
# code alone is too broad (21 "missing or invalid information" under A6/A7 names a field elsewhere).
STATUS_CATEGORY: MappingProxyType[str, str] = MappingProxyType({
    # the member or the coverage
    "26": E, "27": E, "29": E, "30": E, "31": E, "32": E, "33": E, "34": E, "56": E, "85": E, "88": E,
    "90": E, "91": E, "97": E, "109": E, "116": E, "156": E, "158": E, "163": E, "164": E,
    # authorization / referral
    "84": A, "93": A, "94": A, "252": A,
    # codes
    "12": C, "15": C, "86": C, "254": C, "255": C, "453": C, "454": C,
    # timely filing
    "187": T,
    # duplicates
    "54": D, "78": D,
    # missing or invalid information (providers, submitter, the claim's data)
    "21": I, "24": I, "25": I, "121": I, "145": I, "562": I,
})

# 277 category codes whose claims were not accepted (rejections and "returned").
REJECTION_CATEGORY_CODES = frozenset({"A3", "A4", "A6", "A7", "A8", "E0", "E1", "E2", "D0"})


def _code(value: str) -> str:
    return (value or "").strip().upper()


def denial_category(*, group: str, carc: str, rarcs: Sequence[str] = ()) -> str:
    """The category of one 835 denial (CAS group + CARC, with the line's or claim's RARCs)."""
    carc = _code(carc)
    group = _code(group)
    if carc == "18" or carc == "B13":
        return "duplicate"
    from_carc = CARC_CATEGORY.get(carc)
    if from_carc is None or carc in GENERIC_CARCS:
        for rarc in rarcs:
            hit = RARC_CATEGORY.get(_code(rarc))
            if hit is not None:
                return hit
    if from_carc is not None:
        return from_carc
    if group == "PR" and carc in ("1", "2", "3"):
        return "other"  # deductible / coinsurance / copay: the patient owes it, nothing to work with the payer
    return "other"


def rejection_category(*, status_code: str, category_code: str = "") -> str:
    """The category of one 277CA rejection (STC01-2 status code, STC01-1 category code)."""
    status = _code(status_code)
    hit = STATUS_CATEGORY.get(status)
    if hit is not None:
        return hit
    category = _code(category_code)
    if category in ("A6", "A7", "A8", "A3"):
        return "missing_information"
    if category == "A4":
        return "eligibility"  # "not found": the payer cannot find the member or the claim
    return "other"


def next_action(category: str) -> str:
    return NEXT_ACTION.get(category, NEXT_ACTION["other"])


__all__ = ["CARC_CATEGORY", "CATEGORIES", "LABELS", "NEXT_ACTION", "RARC_CATEGORY", "STATUS_CATEGORY",
           "denial_category", "next_action", "rejection_category"]
