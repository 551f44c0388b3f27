"""FHIR R4 out: a claim and its adjudication as ExplanationOfBenefit, patients and coverage (so our own export
re-imports as "unchanged"), and patients' balances as Invoice resources.

Every resource is built as a dict and validated through its fhir.resources (R4B) class before it leaves, so
an export that would not be valid FHIR fails here, in our tests, rather than in the receiving system.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.utils import timezone

from interop.fhir.reader import NPI_SYSTEM
from interop.selectors import LineAdjudication
from rcm.validators import CPT_RE

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "urn:oid:2.16.840.1.113883.6.285"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
CARIN_ADJUDICATION = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication"
CARC = "https://x12.org/codes/claim-adjustment-reason-codes"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
MRN_TYPE = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}
SEX = {"F": "female", "M": "male", "U": "unknown"}
RELATIONSHIP = {"18": "self", "01": "spouse", "19": "child", "G8": "other"}


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through fhir.resources: raises if the resource is not valid FHIR R4."""
    from fhir.resources.R4B import get_fhir_model_class

    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return json.loads(model.model_dump_json(exclude_none=True))


def money(value: Decimal) -> dict[str, Any]:
    return {"value": value.quantize(Decimal("0.01")), "currency": "USD"}


def _concept(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _mrn_system(practice_id: int) -> str:
    return f"urn:rcm:practice:{practice_id}:mrn"


def patient_resource(patient: Any) -> dict[str, Any]:
    address = {"line": [x for x in (patient.address_line1, patient.address_line2) if x], "city": patient.city,
               "state": patient.state, "postalCode": patient.zip_code}
    telecom = []
    if patient.phone:
        telecom.append({"system": "phone", "value": patient.phone})
    if patient.email:
        telecom.append({"system": "email", "value": patient.email})
    resource: dict[str, Any] = {
        "resourceType": "Patient", "id": str(patient.pk),
        "meta": {"lastUpdated": patient.updated_at.isoformat()},
        "identifier": [{"type": MRN_TYPE, "system": _mrn_system(patient.practice_id), "value": patient.mrn}],
        "name": [{"use": "official", "family": patient.last_name,
                  "given": [x for x in (patient.first_name, patient.middle_name) if x]}],
        "gender": SEX.get(patient.sex, "unknown"), "birthDate": patient.date_of_birth.isoformat(), "address": [address],
    }
    if telecom:
        resource["telecom"] = telecom
    return validated(resource)


def payer_resource(payer: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Organization", "id": f"payer-{payer.pk}", "name": payer.name,
                                "type": [_concept("http://terminology.hl7.org/CodeSystem/organization-type", "pay")]}
    if payer.payer_id:
        resource["identifier"] = [{"system": "urn:rcm:payer-id", "value": payer.payer_id}]
    return validated(resource)


def practice_resource(practice: Any) -> dict[str, Any]:
    return validated({"resourceType": "Organization", "id": f"practice-{practice.pk}", "name": practice.name,
                      "identifier": [{"system": NPI_SYSTEM, "value": practice.npi},
                                     {"system": "urn:oid:2.16.840.1.113883.4.4", "value": practice.tax_id}]})


def coverage_resource(coverage: Any) -> dict[str, Any]:
    period: dict[str, str] = {"start": coverage.effective_from.isoformat()}
    if coverage.effective_to:
        period["end"] = coverage.effective_to.isoformat()
    classes = []
    if coverage.group_number:
        classes.append({"type": _concept("http://terminology.hl7.org/CodeSystem/coverage-class", "group"),
                        "value": coverage.group_number})
    if coverage.plan_name:
        classes.append({"type": _concept("http://terminology.hl7.org/CodeSystem/coverage-class", "plan"),
                        "value": coverage.plan_name, "name": coverage.plan_name})
    resource: dict[str, Any] = {
        "resourceType": "Coverage", "id": str(coverage.pk), "meta": {"lastUpdated": coverage.updated_at.isoformat()},
        "status": "active", "subscriberId": coverage.member_id,
        "beneficiary": {"reference": f"Patient/{coverage.patient_id}"},
        "relationship": _concept("http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                                 RELATIONSHIP.get(coverage.relationship, "other")),
        "period": period, "payor": [{"reference": f"Organization/payer-{coverage.payer_id}",
                                     "display": coverage.payer.name}],
        "order": coverage.priority,
    }
    if classes:
        resource["class"] = classes
    return validated(resource)


def _procedure_concept(code: str) -> dict[str, Any]:
    return _concept(CPT if CPT_RE.match(code) else HCPCS, code)


def _adjudications(adj: LineAdjudication | None, charge: Decimal) -> list[dict[str, Any]]:
    out = [{"category": _concept(ADJUDICATION, "submitted"), "amount": money(charge)}]
    if adj is None:
        return out
    for (group, carc), amount in sorted(adj.adjustments.items()):
        if amount:
            entry: dict[str, Any] = {"category": _concept(CARIN_ADJUDICATION, "noncovered" if group == "CO" else "discount",
                                                          f"{group} adjustment"), "amount": money(amount)}
            if carc:
                entry["reason"] = _concept(CARC, carc)
            out.append(entry)
    for carc, amount in sorted(adj.patient_responsibility.items()):
        if amount:
            code = {"1": ("deductible", ADJUDICATION), "2": ("coinsurance", CARIN_ADJUDICATION),
                    "3": ("copay", ADJUDICATION)}.get(carc, ("memberliability", CARIN_ADJUDICATION))
            entry = {"category": _concept(code[1], code[0]), "amount": money(amount)}
            if carc:
                entry["reason"] = _concept(CARC, carc)
            out.append(entry)
    out.append({"category": _concept(ADJUDICATION, "benefit"), "amount": money(adj.paid)})
    return out


def eob_resource(claim: Any, lines: list[Any], adjudication: dict[int, LineAdjudication]) -> dict[str, Any]:
    """A claim as sent and as adjudicated (what the payer paid, adjusted and left to the patient, per line)."""
    adjudicated = any(adjudication.get(line.pk) for line in lines)
    items = []
    for line in lines:
        item: dict[str, Any] = {
            "sequence": line.line_number, "productOrService": _procedure_concept(line.code),
            "servicedDate": line.date_of_service.isoformat(), "quantity": {"value": line.units},
            "net": money(line.charge_amount), "locationCodeableConcept": _concept(POS, line.place_of_service),
            "adjudication": _adjudications(adjudication.get(line.pk), line.charge_amount),
        }
        if line.diagnosis_pointers:
            item["diagnosisSequence"] = list(line.diagnosis_pointers)
        if line.modifiers:
            item["modifier"] = [_concept("urn:rcm:procedure-modifier", m) for m in line.modifiers]
        items.append(item)
    paid = sum((a.paid for a in adjudication.values()), Decimal("0.00"))
    days = [a.last_paid_on for a in adjudication.values() if a.last_paid_on]
    identifiers = [{"system": "urn:rcm:patient-control-number", "value": claim.pcn}]
    if claim.payer_claim_number:
        identifiers.append({"system": "urn:rcm:payer-claim-number", "value": claim.payer_claim_number})
    ends = [line.date_of_service for line in lines] or [claim.date_of_service]
    resource: dict[str, Any] = {
        "resourceType": "ExplanationOfBenefit", "id": f"claim-{claim.pk}", "identifier": identifiers,
        "status": "cancelled" if claim.status == "void" else "active",
        "type": _concept(CLAIM_TYPE, "professional"), "use": "claim",
        "patient": {"reference": f"Patient/{claim.patient_id}"},
        "billablePeriod": {"start": claim.date_of_service.isoformat(), "end": max(ends).isoformat()},
        "created": timezone.localtime(claim.created_at).isoformat(),
        "insurer": {"reference": f"Organization/payer-{claim.payer_id}", "display": claim.payer.name},
        "provider": {"reference": f"Organization/practice-{claim.practice_id}"},
        "outcome": "complete" if adjudicated else "queued", "disposition": claim.get_status_display(),
        "insurance": [{"focal": True, "coverage": {"reference": f"Coverage/{claim.coverage_id}"}}],
        "diagnosis": [{"sequence": i, "diagnosisCodeableConcept": _concept(ICD10CM, code)}
                      for i, code in enumerate(claim.diagnosis_codes, start=1)],
        "item": items,
        "total": [{"category": _concept(ADJUDICATION, "submitted"), "amount": money(claim.total_charge)},
                  {"category": _concept(ADJUDICATION, "benefit"), "amount": money(paid)}],
    }
    if adjudicated:
        resource["payment"] = {"amount": money(paid)}
        if days:
            resource["payment"]["date"] = max(days).isoformat()
    return validated(resource)


def bundle(resources: list[dict[str, Any]], *, kind: str = "collection") -> dict[str, Any]:
    entries = [{"fullUrl": f"urn:rcm:{r['resourceType']}/{r['id']}", "resource": r} for r in resources]
    return validated({"resourceType": "Bundle", "type": kind, "timestamp": timezone.now().isoformat(),
                      **({"total": len(entries)} if kind == "searchset" else {}), "entry": entries})


def balance_invoice(*, patient_id: int, practice_id: int, balance: Decimal, aging: dict[str, Decimal],
                    as_of: dt.date) -> dict[str, Any]:
    """A patient's balance as an Invoice: totalNet is what the patient owes; one line item per aging bucket."""
    labels = {"current": "0-30 days", "31_60": "31-60 days", "61_90": "61-90 days", "over_90": "over 90 days"}
    items = [{"sequence": i, "chargeItemCodeableConcept": {"text": f"Patient balance aged {labels[key]}"},
              "priceComponent": [{"type": "base", "amount": money(amount)}]}
             for i, (key, amount) in enumerate(((k, v) for k, v in aging.items() if v), start=1)]
    resource: dict[str, Any] = {
        "resourceType": "Invoice", "id": f"balance-{patient_id}-{as_of:%Y%m%d}", "status": "issued",
        "subject": {"reference": f"Patient/{patient_id}"}, "date": as_of.isoformat(),
        "issuer": {"reference": f"Organization/practice-{practice_id}"},
        "totalNet": money(balance), "totalGross": money(balance),
    }
    if items:
        resource["lineItem"] = items
    return validated(resource)
