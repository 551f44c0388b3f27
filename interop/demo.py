"""Demo interface traffic: a mapped HL7 sender and a day of messages from the EHR, processed the real way.

A new patient registers (ADT^A04), the physician's note arrives (MDM^T02: the visit lands in the coding
queue), another visit arrives already coded (DFT^P03: ready for claims) and its pathology report follows
(ORU^R01), one message names a payer the practice does not have (AE, shown in the inbox), and a FHIR
Bundle brings a visit with its note.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from typing import Any

from billing.models import Location, Patient, Payer, Practice, Provider
from interop.models import AckCode, Channel, Hl7Sender
from interop.services.fhir import fhir_bundle_receive
from interop.services.messages import hl7_text_receive


def _ymd(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _seg(name: str, fields: dict[int, str]) -> str:
    """A segment from {position: value}, so positions are explicit rather than counted pipes."""
    return "|".join([name, *(fields.get(i, "") for i in range(1, max(fields) + 1))])


def seed_step(*, practice: Practice, rng: random.Random, today: dt.date) -> dict[str, Any]:
    provider = Provider.objects.filter(practice=practice, is_active=True).order_by("pk").first()
    location = Location.objects.filter(practice=practice, is_active=True).order_by("pk").first()
    payer = Payer.objects.filter(practice=practice).exclude(payer_id="").exclude(kind=Payer.Kind.SELF_PAY).order_by("pk").first()
    if provider is None or location is None or payer is None:
        return {"messages": 0}
    facility = "".join(ch for ch in practice.name.upper() if ch.isalnum())[:16] + "-EHR"
    Hl7Sender.objects.get_or_create(sending_facility=facility, defaults={
        "practice": practice, "sending_application": "EPIC", "default_location": location})
    base = 900000 + practice.pk * 1000 + rng.randint(0, 899)
    mrn_new, mrn_coded = f"EHR{base}", f"EHR{base + 1}"
    day = today - dt.timedelta(days=3)
    d, when = _ymd(day), _ymd(today) + "0815"
    npi = provider.npi
    msh = f"MSH|^~\\&|EPIC|{facility}|RCM|RCMBILLING|{{t}}||{{kind}}|{{cid}}|P|2.5.1"
    pv1 = f"PV1|1|O|{location.name}||||{npi}^{provider.last_name}^{provider.first_name}^^^^^^^^^^NPI||||||||||||{{visit}}"

    phone = f"^PRN^PH^^^717^5550{rng.randint(100, 999)}"

    def pid(mrn: str, last: str, first: str, dob: str, sex: str) -> str:
        return _seg("PID", {1: "1", 3: f"{mrn}^^^{facility}^MR", 5: f"{last}^{first}", 7: dob, 8: sex,
                            11: "221 Market St^^Harrisburg^PA^17101", 13: phone})

    in1 = _seg("IN1", {1: "1", 2: f"PLAN^{payer.name}", 3: payer.payer_id, 4: payer.name,
                       12: _ymd(today.replace(month=1, day=1)), 17: "SEL", 22: "1", 36: f"W{base}"})
    messages = [
        "\r".join([msh.format(t=when, kind="ADT^A04^ADT_A01", cid=f"D{base}-1"), f"EVN|A04|{when}",
                   pid(mrn_new, "Alvarez", "Rosa", "19640722", "F"), pv1.format(visit=f"V{base}-1"), in1]),
        "\r".join([msh.format(t=when, kind="MDM^T02^MDM_T02", cid=f"D{base}-2"), f"EVN|T02|{when}",
                   pid(mrn_new, "Alvarez", "Rosa", "19640722", "F"), pv1.format(visit=f"V{base}-1"),
                   f"TXA|1|PN|TX|{d}1015|{npi}^{provider.last_name}^{provider.first_name}^^^^^^^^^^NPI||{d}1100||"
                   f"{npi}^{provider.last_name}^{provider.first_name}|||DOC{base}-1||||AU",
                   "OBX|1|TX|11506-3^Progress note^LN||New patient with a changing mole on the left upper back.||||||F",
                   "OBX|2|TX|11506-3^Progress note^LN||Exam: 7 mm irregularly pigmented macule. Shave biopsy performed, "
                   "specimen to pathology.||||||F",
                   "OBX|3|TX|11506-3^Progress note^LN||Assessment: atypical nevus, rule out melanoma.||||||F"]),
        "\r".join([msh.format(t=when, kind="DFT^P03^DFT_P03", cid=f"D{base}-3"), f"EVN|P03|{when}",
                   pid(mrn_coded, "Brennan", "Thomas", "19510304", "M"), pv1.format(visit=f"V{base}-2") + "|" * 25 + d,
                   f"FT1|1|T{base}-1||{d}|{d}|CG|17000^Destruction premalignant lesion^CPT4|||1|||||||||"
                   f"L57.0^Actinic keratosis^I10|{npi}^{provider.last_name}^^^^^^^^^^^NPI|||||17000^^CPT4",
                   f"FT1|2|T{base}-2||{d}|{d}|CG|17003^Destruction premalignant lesions 2-14^CPT4|||3|||||||||"
                   f"L57.0^Actinic keratosis^I10|{npi}^{provider.last_name}^^^^^^^^^^^NPI|||||17003^^CPT4",
                   "DG1|1|I10|L57.0^Actinic keratosis^I10||||F||||||||1"]),
        "\r".join([msh.format(t=when, kind="ORU^R01^ORU_R01", cid=f"D{base}-4"),
                   pid(mrn_new, "Alvarez", "Rosa", "19640722", "F"), pv1.format(visit=f"V{base}-1"),
                   f"OBR|1|ORD{base}|SP{base}|88305^Surgical pathology^CPT4|||{d}1030|||||||||"
                   f"{npi}^{provider.last_name}^^^^^^^^^^^NPI||||||{when}|||F|||||||&Okoro&Adaeze",
                   "OBX|1|TX|22637-3^Final diagnosis^LN||Skin, left upper back, shave: dysplastic compound nevus with "
                   "moderate atypia; margins involved.||||||F",
                   "OBX|2|TX|22637-3^Final diagnosis^LN||Comment: re-excision recommended.||||||F"]),
        "\r".join([msh.format(t=when, kind="ADT^A08^ADT_A01", cid=f"D{base}-5"), f"EVN|A08|{when}",
                   pid(mrn_new, "Alvarez", "Rosa", "19640722", "F"), pv1.format(visit=f"V{base}-1"),
                   _seg("IN1", {1: "1", 2: "GOLD^Sunrise Gold", 3: "99999", 4: "Sunrise Health Plan", 17: "SEL",
                                22: "2", 36: "SUN123"})]),
    ]
    acks = [hl7_text_receive(text=m, channel=Channel.DEMO).ack_code for m in messages]
    patient = Patient.objects.filter(practice=practice).order_by("pk").first()
    fhir = {"resourceType": "Bundle", "type": "batch", "id": f"demo-{base}", "entry": [
        {"fullUrl": "urn:uuid:p", "resource": {
            "resourceType": "Patient", "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": patient.mrn}]
            , "name": [{"family": patient.last_name, "given": [patient.first_name]}]} if patient else {}},
        {"fullUrl": "urn:uuid:e", "resource": {
            "resourceType": "Encounter", "status": "finished", "identifier": [{"system": "urn:demo:visit", "value": f"F{base}"}],
            "class": {"code": "AMB"}, "subject": {"reference": "urn:uuid:p"},
            "period": {"start": day.isoformat()},
            "participant": [{"individual": {"identifier": {"system": "http://hl7.org/fhir/sid/us-npi", "value": npi}}}],
            "location": [{"location": {"display": location.name}}]}},
        {"fullUrl": "urn:uuid:d", "resource": {
            "resourceType": "DocumentReference", "status": "current",
            "masterIdentifier": {"system": "urn:demo:doc", "value": f"F{base}-note"},
            "type": {"coding": [{"system": "http://loinc.org", "code": "11506-3"}]},
            "context": {"encounter": [{"reference": "urn:uuid:e"}]},
            "content": [{"attachment": {"contentType": "text/plain", "data": base64.b64encode(
                b"Follow-up for seborrheic keratoses on the trunk; irritated lesion on the belt line treated with "
                b"cryotherapy.").decode()}}]}},
    ]}
    result = fhir_bundle_receive(practice_id=practice.pk, content=json.dumps(fhir).encode(), channel=Channel.DEMO)
    return {"sender": facility, "messages": len(messages) + 1,
            "accepted": acks.count(AckCode.AA) + (1 if result.http_status == 200 else 0),
            "errors": len(acks) - acks.count(AckCode.AA)}
