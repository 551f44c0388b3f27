"""Our short descriptions of CARC, RARC, claim status and status category codes, and the reference tables.

The words are ours (plain, short, for a biller's screen); `reference_codes_load` writes them into
`ReferenceCode` with each code's denial category, and `reference_codes_import` reads the official lists
(X12's published CARC/RARC/claim status code lists saved as CSV or tab-separated text: code, description,
optional start and stop dates) to add the official wording and dates and any codes we have no words for
— never changing our description or the category. `describe()` answers from the table when it is loaded
and from these built-in words otherwise.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from claims.denials.categories import CARC_CATEGORY, RARC_CATEGORY, STATUS_CATEGORY

CARC = {
    "1": "Deductible", "2": "Coinsurance", "3": "Copay", "4": "Modifier missing or inconsistent with the code",
    "5": "Code inconsistent with the place of service", "6": "Code inconsistent with the patient's age",
    "7": "Code inconsistent with the patient's sex", "8": "Code inconsistent with the provider type or specialty",
    "9": "Diagnosis inconsistent with the patient's age", "10": "Diagnosis inconsistent with the patient's sex",
    "11": "Diagnosis inconsistent with the procedure", "15": "Authorization number missing or invalid",
    "16": "Claim lacks information or has billing errors", "17": "Requested information not provided",
    "18": "Exact duplicate claim or service", "22": "Another payer may cover this (coordination of benefits)",
    "23": "Prior payer's adjudication applied", "24": "Covered under a capitation or managed care plan",
    "26": "Service before coverage started", "27": "Service after coverage ended",
    "29": "Timely filing limit expired", "31": "Patient not identified as the payer's insured",
    "32": "Our records show the patient is not an eligible dependent", "33": "No dependent coverage",
    "34": "No newborn coverage", "35": "Lifetime benefit maximum reached",
    "38": "Services not provided or authorized by designated providers", "39": "Authorization denied",
    "45": "Charge exceeds the fee schedule (contractual)", "49": "Routine or preventive service not covered",
    "50": "Not medically necessary", "51": "Pre-existing condition not covered",
    "55": "Experimental or investigational", "56": "Not proven effective",
    "58": "Treatment in an inappropriate place of service", "59": "Multiple or concurrent procedure rules",
    "62": "No precertification", "96": "Non-covered charge", "97": "Bundled: included in another service's payment",
    "109": "Not covered by this payer: send to the correct payer", "119": "Benefit maximum for the period reached",
    "125": "Submission or billing error", "140": "Member ID and name do not match",
    "146": "Diagnosis invalid for the date of service", "150": "Information does not support this level of service",
    "151": "Information does not support this many services", "152": "Information does not support this length of service",
    "167": "Diagnosis not covered", "177": "Patient has not met eligibility requirements",
    "181": "Procedure code invalid on the date of service", "182": "Modifier invalid on the date of service",
    "189": "Unspecified code billed when a more specific one exists", "197": "Precertification or authorization absent",
    "198": "Precertification or authorization exceeded", "199": "Revenue code and procedure code do not match",
    "200": "Expenses during a lapse in coverage", "204": "Not covered under the patient's current plan",
    "206": "NPI missing", "207": "NPI invalid", "208": "NPI does not match the payer's records",
    "226": "Information from the provider not provided", "227": "Information from the patient not provided",
    "231": "Mutually exclusive procedures", "234": "Procedure not paid separately",
    "236": "Procedure or modifier combination not compatible with another procedure (NCCI)",
    "243": "Not authorized by the network or primary care provider", "252": "Additional documentation needed",
    "253": "Sequestration reduction", "288": "Referral absent", "A1": "Claim or service denied",
    "B5": "Coverage or program guidelines not met", "B7": "Provider not certified for this service on this date",
    "B13": "Previously paid", "B15": "Needs a qualifying service or procedure",
}
RARC = {
    "M15": "Separately billed services were bundled", "M20": "HCPCS code missing or invalid",
    "M25": "Documentation does not support this level of service", "M51": "Procedure code missing or invalid",
    "M62": "Treatment authorization code missing or invalid", "M76": "Diagnosis missing or invalid",
    "M77": "Place of service missing or invalid", "M80": "Not covered with another procedure the same day",
    "M86": "Already paid for the same or a similar procedure", "M119": "NDC missing or invalid",
    "MA04": "Secondary payment needs the primary payer's information", "MA27": "Entitlement number or name missing",
    "MA61": "Social security number or HICN missing or invalid", "MA66": "Principal procedure code missing or invalid",
    "MA92": "Primary payer information missing", "MA120": "CLIA number missing or invalid",
    "MA130": "Incomplete or invalid information: correct and resubmit as a new claim",
    "N4": "Prior insurance carrier's EOB missing", "N20": "Not payable with another service on the same day",
    "N30": "Patient not eligible for this service", "N38": "Missing or incomplete certification",
    "N52": "Patient not eligible on the date of service", "N54": "Claim inconsistent with the authorized services",
    "N56": "Procedure code not correct for the services or date", "N111": "No appeal right: duplicate",
    "N115": "Decided under a local coverage determination (LCD)", "N130": "Consult the plan's benefit documents",
    "N180": "Item or service does not meet the criteria for the category", "N265": "Ordering provider ID missing",
    "N286": "Referring provider identifier missing or invalid", "N290": "Rendering provider identifier missing or invalid",
    "N382": "Patient identifier missing or invalid", "N386": "Decided under a national coverage determination (NCD)",
    "N479": "Primary payer's EOB missing", "N657": "Billed with the wrong modifier",
}
STATUS = {
    "0": "Cannot give more status electronically", "1": "See the remittance advice", "3": "Adjudicated; awaiting payment cycle",
    "12": "Procedure codes were combined", "15": "Procedure codes were modified", "16": "Forwarded to another entity",
    "19": "Received", "20": "Accepted for processing", "21": "Missing or invalid information",
    "24": "Not approved as an electronic submitter", "25": "Entity not approved", "26": "Entity not found",
    "27": "Policy canceled", "29": "Subscriber and policy number mismatched", "30": "Subscriber and member ID mismatched",
    "31": "Subscriber and policyholder name mismatched", "32": "Subscriber and policy number not found",
    "33": "Subscriber and member ID not found", "35": "Claim not found", "54": "Duplicate of a processed claim or line",
    "56": "Awaiting eligibility determination", "65": "Claim or line paid", "78": "Duplicate claim awaiting processing",
    "84": "Service not authorized", "85": "Entity not primary", "86": "Diagnosis and patient sex mismatch",
    "88": "Entity not eligible for benefits on these dates", "90": "Not eligible for medical benefits on these dates",
    "91": "Not eligible on these dates of service", "93": "Not the selected primary care provider",
    "94": "Not referred by the primary care provider", "97": "Patient eligibility not found",
    "109": "Entity not eligible", "116": "Claim sent to the wrong payer", "121": "More service lines than the payer allows",
    "145": "Entity's signature", "156": "Patient's relationship to the subscriber", "158": "Date of birth",
    "163": "Policy or group number", "164": "Contract or member number", "187": "Date(s) of service",
    "252": "Authorization or certification", "254": "Principal diagnosis code", "255": "Diagnosis code",
    "453": "Procedure code modifier(s)", "454": "Procedure code", "562": "National Provider Identifier (NPI)",
}
STATUS_CATEGORY_WORDS = {
    "A0": "Forwarded to another entity", "A1": "Received", "A2": "Accepted into adjudication",
    "A3": "Returned as unprocessable", "A4": "Not found", "A5": "Split", "A6": "Rejected: missing information",
    "A7": "Rejected: invalid information", "A8": "Rejected: relational field in error",
    "D0": "Data search unsuccessful", "E0": "Response not possible: error in the request",
    "E1": "Response not possible: system unavailable", "E2": "Response not possible: information holder unavailable",
    "F0": "Finalized", "F1": "Finalized: paid", "F2": "Finalized: denied", "F3": "Finalized: revised",
    "F4": "Finalized: adjudication complete, no payment forthcoming", "P0": "Pending: adjudication not finished",
    "P1": "Pending: in process", "P2": "Pending: payer review", "P3": "Pending: provider requested information",
    "P4": "Pending: patient requested information", "P5": "Pending: payer administrative",
    "R0": "Request for more information", "R1": "Request for more information: entity",
}
ENTITIES = {"82": "rendering provider", "85": "billing provider", "77": "service facility", "DN": "referring provider",
            "IL": "subscriber", "QC": "patient", "PR": "payer", "41": "submitter", "40": "receiver",
            "1P": "provider"}
BUILT_IN = {"carc": CARC, "rarc": RARC, "status": STATUS, "category": STATUS_CATEGORY_WORDS}
CATEGORY_OF = {"carc": CARC_CATEGORY, "rarc": RARC_CATEGORY, "status": STATUS_CATEGORY}


def describe(kind: str, code: str, table: dict[tuple[str, str], str] | None = None) -> str:
    code = (code or "").strip().upper()
    if table is not None and (kind, code) in table:
        return table[(kind, code)]
    return BUILT_IN.get(kind, {}).get(code, "")


def descriptions() -> dict[tuple[str, str], str]:
    """The loaded table as {(kind, code): description} (empty when not loaded: callers fall back)."""
    from claims.denials.models import ReferenceCode

    return {(k, c): d for k, c, d in ReferenceCode.objects.values_list("kind", "code", "description")}


def status_words(category: str, status: str, entity: str = "", text: str = "",
                 table: dict[tuple[str, str], str] | None = None) -> str:
    """'Rejected: invalid information — National Provider Identifier (NPI) of the rendering provider'."""
    head = describe("category", category, table) or category
    body = describe("status", status, table) if status else ""
    who = ENTITIES.get(entity, "")
    words = head + (f" — {body}" if body else (f" — status {status}" if status else ""))
    if who and entity != "PR":
        words += f" ({who})"
    if text:
        words += f". Payer: {text}"
    return words


def reference_codes_load() -> int:
    """Write our descriptions and categories into the table (idempotent: updates our words, keeps imports)."""
    from claims.denials.models import ReferenceCode

    existing = {(k, c): pk for pk, k, c in ReferenceCode.objects.values_list("pk", "kind", "code")}
    new, changed = [], []
    for kind, words in BUILT_IN.items():
        cats = CATEGORY_OF.get(kind, {})
        for code, text in words.items():
            row = ReferenceCode(kind=kind, code=code, description=text, category=cats.get(code, ""))
            if (kind, code) in existing:
                row.pk = existing[(kind, code)]
                changed.append(row)
            else:
                new.append(row)
    ReferenceCode.objects.bulk_create(new)
    ReferenceCode.objects.bulk_update(changed, ["description", "category"])
    return len(new)


def _date(text: str) -> dt.date | None:
    text = (text or "").strip()
    for fmt in ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def reference_codes_import(*, kind: str, rows: Iterable[list[str]]) -> dict[str, int]:
    """Official list rows (code, description[, start[, stop]]): official wording and dates; new codes get the
    official wording as their description until we write our own. Never touches our words or categories."""
    from claims.denials.models import ReferenceCode

    if kind not in BUILT_IN:
        raise ValueError(f"kind must be one of {sorted(BUILT_IN)}")
    cats = CATEGORY_OF.get(kind, {})
    created = updated = 0
    for row in rows:
        if len(row) < 2 or not row[0].strip() or row[0].strip().lower() in ("code", "carc", "rarc"):
            continue
        code, official = row[0].strip().upper(), row[1].strip()
        start = _date(row[2]) if len(row) > 2 else None
        stop = _date(row[3]) if len(row) > 3 else None
        obj, was_created = ReferenceCode.objects.get_or_create(
            kind=kind, code=code, defaults={"description": official[:200], "official_description": official,
                                            "category": cats.get(code, ""), "start_date": start, "stop_date": stop})
        if was_created:
            created += 1
        else:
            obj.official_description, obj.start_date, obj.stop_date = official, start, stop
            obj.save(update_fields=["official_description", "start_date", "stop_date", "updated_at"])
            updated += 1
    return {"created": created, "updated": updated}


def rows_from_file(content: str) -> list[list[str]]:
    """CSV or tab-separated text."""
    dialect: Any = "excel-tab" if "\t" in content.splitlines()[0] else "excel"
    return list(csv.reader(io.StringIO(content), dialect))
