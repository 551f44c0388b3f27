"""Realistic HL7 v2 messages and FHIR Bundles written for these tests (no real patients)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from rcm.validators import npi_with_check_digit

NPI = npi_with_check_digit("188776655")  # Dr. Elena Marsh, dermatology
OTHER_NPI = npi_with_check_digit("199887766")
FACILITY = "DERMCLINIC"


def ymd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def msh(control_id: str, kind: str, *, when: str = "20260105093000", facility: str = FACILITY,
        charset: str = "", version: str = "2.5.1") -> str:
    return (f"MSH|^~\\&|EPIC|{facility}|RCM|RCMBILLING|{when}||{kind}|{control_id}|P|{version}"
            + (f"|||AL|NE||{charset}" if charset else ""))


def pid(mrn: str = "MRN10001", *, last: str = "Okafor", first: str = "Grace", phone: str = "^PRN^PH^^^717^5550142",
        address: str = "48 Linden St^Apt 2^Harrisburg^PA^17102-1234") -> str:
    return (f"PID|1||{mrn}^^^DERMCLINIC^MR~123-45-6789^^^SSA^SS||{last}^{first}^A||19580314|F|||{address}||"
            f"{phone}~^NET^Internet^grace.okafor@example.org")


def adt(control_id: str = "ADT0001", *, trigger: str = "A04", when: str = "20260105093000", mrn: str = "MRN10001",
        in1: list[str] | None = None, **pid_kw: Any) -> str:
    in1 = in1 if in1 is not None else [
        "IN1|1|PPO^Aetna Choice PPO|60054|Aetna|PO Box 981106^^El Paso^TX^79998|||GRP-4471||||20250101||||Okafor^Grace|SEL|"
        "19580314|48 Linden St^^Harrisburg^PA^17102|||1||||||||||||||W123456789|||||||F",
    ]
    segments = [msh(control_id, f"ADT^{trigger}^ADT_A01", when=when), f"EVN|{trigger}|{when}", pid(mrn, **pid_kw),
                f"PV1|1|O|MAIN^^^DERMCLINIC||||{NPI}^Marsh^Elena^^^Dr^MD^^^^^^NPI", *in1]
    return "\r".join(segments) + "\r"


def dft(control_id: str = "DFT0001", *, dos: dt.date, visit: str = "V9001", when: str = "20260105170000",
        mrn: str = "MRN10001", ft1: list[str] | None = None, dg1: list[str] | None = None, npi: str = NPI) -> str:
    d = ymd(dos)
    ft1 = ft1 if ft1 is not None else [
        f"FT1|1|T-{visit}-1||{d}|{d}|CG|99213^Office visit est level 3^CPT4|||1|120.00||||||||"
        f"L57.0^Actinic keratosis^I10|{npi}^Marsh^Elena^^^^^^^^^^NPI|||||99213^^CPT4|25",
        f"FT1|2|T-{visit}-2||{d}|{d}|CG|17000^Destruction premalignant lesion first^CPT4|||1|140.00||||||||"
        f"L57.0^Actinic keratosis^I10|{npi}^Marsh^Elena^^^^^^^^^^NPI|||||17000^^CPT4",
        f"FT1|3|T-{visit}-3||{d}|{d}|CG|17003^Destruction premalignant lesions 2-14^CPT4|||2|50.00||||||||"
        f"L57.0^Actinic keratosis^I10|{npi}^Marsh^Elena^^^^^^^^^^NPI|||||17003^^CPT4",
    ]
    dg1 = dg1 if dg1 is not None else ["DG1|1|I10|L57.0^Actinic keratosis^I10||||F||||||||1",
                                       "DG1|2|I10|L82.1^Other seborrheic keratosis^I10||||F||||||||2"]
    segments = [msh(control_id, "DFT^P03^DFT_P03", when=when), f"EVN|P03|{when}", pid(mrn),
                f"PV1|1|O|MAIN^^^DERMCLINIC||||{npi}^Marsh^Elena^^^Dr^MD^^^^^^NPI||||||||||||{visit}|||||||||||||||||||||||||{d}0900",
                *ft1, *dg1]
    return "\r".join(segments) + "\r"


NOTE_LINES = [
    "Chief complaint: rough spots on scalp and forearms.",
    "Exam: 3 erythematous scaly papules on the scalp consistent with actinic keratoses.",
    "Procedure: cryotherapy with liquid nitrogen to 3 AKs, two freeze-thaw cycles.",
    "Assessment: actinic keratoses (L57.0). Plan: sun protection, follow up in 6 months.",
]


def mdm(control_id: str = "MDM0001", *, dos: dt.date, visit: str = "V9001", doc: str = "DOC-77001",
        trigger: str = "T02", when: str = "20260105120000", lines: list[str] | None = None, mrn: str = "MRN10001") -> str:
    d = ymd(dos)
    obx = [f"OBX|{i}|TX|11506-3^Progress note^LN||{line}||||||F" for i, line in enumerate(lines or NOTE_LINES, start=1)]
    segments = [msh(control_id, f"MDM^{trigger}^MDM_T02", when=when), f"EVN|{trigger}|{when}", pid(mrn),
                f"PV1|1|O|MAIN^^^DERMCLINIC||||{NPI}^Marsh^Elena^^^Dr^MD^^^^^^NPI||||||||||||{visit}",
                f"TXA|1|PN|TX|{d}1015|{NPI}^Marsh^Elena^^^^^^^^^^NPI||{d}1100||{NPI}^Marsh^Elena|||{doc}|||||AU",
                *obx]
    return "\r".join(segments) + "\r"


def oru(control_id: str = "ORU0001", *, dos: dt.date, visit: str = "V9001", accession: str = "SP26-00417",
        status: str = "F", reported: str = "20260108143000", text: list[str] | None = None, mrn: str = "MRN10001") -> str:
    d = ymd(dos)
    text = text or ["SPECIMEN: Skin, left forearm, shave biopsy.",
                    "DIAGNOSIS: Basal cell carcinoma, nodular type, extending to the deep margin.",
                    "Electronically signed by Priya Natarajan, MD."]
    obx = [f"OBX|{i}|TX|22637-3^Pathology report final diagnosis^LN||{line}||||||{status}" for i, line in enumerate(text, 1)]
    segments = [msh(control_id, "ORU^R01^ORU_R01", when=reported), pid(mrn),
                f"PV1|1|O|MAIN^^^DERMCLINIC||||{NPI}^Marsh^Elena^^^Dr^MD^^^^^^NPI||||||||||||{visit}",
                f"ORC|RE|ORD-5521|{accession}",
                f"OBR|1|ORD-5521|{accession}|88305^Surgical pathology level IV^CPT4|||{d}1030|||||||||"
                f"{NPI}^Marsh^Elena^^^^^^^^^^NPI||||||{reported}|||{status}|||||||&Natarajan&Priya",
                *obx]
    return "\r".join(segments) + "\r"


# --- FHIR ------------------------------------------------------------------------------------------
def note_b64(text: str, charset: str = "utf-8") -> str:
    return base64.b64encode(text.encode(charset)).decode("ascii")


def bundle(*, dos: dt.date, kind: str = "batch", mrn: str = "MRN20001", coded: bool = False, visit: str = "ENC-3001",
           updated: str = "2026-01-06T10:00:00Z", family: str = "Nguyen", note: str | None = None,
           extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    start = f"{dos.isoformat()}T09:30:00-05:00"
    meta = {"lastUpdated": updated}
    entries: list[dict[str, Any]] = [
        {"fullUrl": "urn:uuid:pat-1", "resource": {
            "resourceType": "Patient", "id": "pat-1", "meta": meta,
            "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                            "system": "urn:oid:1.2.840.114350.1.13.99", "value": mrn}],
            "name": [{"use": "official", "family": family, "given": ["Minh", "Anh"]}],
            "telecom": [{"system": "phone", "value": "(717) 555-0199"}, {"system": "email", "value": "minh@example.org"}],
            "gender": "male", "birthDate": "1971-09-02",
            "address": [{"line": ["17 Front St"], "city": "Harrisburg", "state": "PA", "postalCode": "17101"}]}},
        {"fullUrl": "urn:uuid:org-aetna", "resource": {
            "resourceType": "Organization", "id": "org-aetna", "name": "Aetna",
            "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.221.5", "value": "60054"}]}},
        {"fullUrl": "urn:uuid:prac-1", "resource": {
            "resourceType": "Practitioner", "id": "prac-1",
            "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": NPI}],
            "name": [{"family": "Marsh", "given": ["Elena"]}]}},
        {"fullUrl": "urn:uuid:cov-1", "resource": {
            "resourceType": "Coverage", "id": "cov-1", "meta": meta, "status": "active",
            "identifier": [{"system": "urn:ehr:coverage", "value": f"COV-{mrn}"}],
            "subscriberId": "W987654321", "beneficiary": {"reference": "urn:uuid:pat-1"},
            "relationship": {"coding": [{"code": "self"}]}, "period": {"start": "2025-01-01"},
            "payor": [{"reference": "urn:uuid:org-aetna"}], "order": 1,
            "class": [{"type": {"coding": [{"code": "group"}]}, "value": "GRP-100"},
                      {"type": {"coding": [{"code": "plan"}]}, "value": "PPO", "name": "Aetna Choice PPO"}]}},
        {"fullUrl": "urn:uuid:enc-1", "resource": {
            "resourceType": "Encounter", "id": "enc-1", "meta": meta, "status": "finished",
            "identifier": [{"system": "urn:ehr:visit", "value": visit}],
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": {"reference": "urn:uuid:pat-1"}, "period": {"start": start, "end": start},
            "participant": [{"type": [{"coding": [{"code": "ATND"}]}], "individual": {"reference": "urn:uuid:prac-1"}}],
            "location": [{"location": {"display": "Main Office"}}],
            **({"diagnosis": [{"condition": {"reference": "urn:uuid:cond-1"}, "rank": 1},
                              {"condition": {"reference": "urn:uuid:cond-2"}, "rank": 2}]} if coded else {})}},
        {"fullUrl": "urn:uuid:doc-1", "resource": {
            "resourceType": "DocumentReference", "id": "doc-1", "meta": meta, "status": "current",
            "masterIdentifier": {"system": "urn:ehr:doc", "value": f"NOTE-{visit}"},
            "type": {"coding": [{"system": "http://loinc.org", "code": "11506-3"}]},
            "author": [{"reference": "urn:uuid:prac-1"}],
            "context": {"encounter": [{"reference": "urn:uuid:enc-1"}]},
            "content": [{"attachment": {"contentType": "text/plain; charset=utf-8",
                                        "data": note_b64(note or "\n".join(NOTE_LINES))}}]}},
    ]
    if coded:
        entries += [
            {"fullUrl": "urn:uuid:cond-1", "resource": {
                "resourceType": "Condition", "id": "cond-1", "subject": {"reference": "urn:uuid:pat-1"},
                "encounter": {"reference": "urn:uuid:enc-1"},
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "L57.0"}]}}},
            {"fullUrl": "urn:uuid:cond-2", "resource": {
                "resourceType": "Condition", "id": "cond-2", "subject": {"reference": "urn:uuid:pat-1"},
                "encounter": {"reference": "urn:uuid:enc-1"},
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "L82.1"}]}}},
            {"fullUrl": "urn:uuid:proc-1", "resource": {
                "resourceType": "Procedure", "id": "proc-1", "status": "completed",
                "identifier": [{"system": "urn:ehr:proc", "value": f"PROC-{visit}-1"}],
                "subject": {"reference": "urn:uuid:pat-1"}, "encounter": {"reference": "urn:uuid:enc-1"},
                "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "17000"}]},
                "reasonReference": [{"reference": "urn:uuid:cond-1"}]}},
            {"fullUrl": "urn:uuid:chg-1", "resource": {
                "resourceType": "ChargeItem", "id": "chg-1", "status": "billable",
                "identifier": [{"system": "urn:ehr:charge", "value": f"CHG-{visit}-1"}],
                "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "99213"}]},
                "subject": {"reference": "urn:uuid:pat-1"}, "context": {"reference": "urn:uuid:enc-1"},
                "quantity": {"value": 1}, "priceOverride": {"value": 120.00, "currency": "USD"},
                "extension": [{"url": "urn:rcm:fhir:procedure-modifier", "valueCode": "25"}],
                "reason": [{"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "L82.1"}]}]}},
        ]
    entries += extra or []
    return {"resourceType": "Bundle", "type": kind, "id": f"bundle-{visit}", "timestamp": updated, "entry": entries}
