"""FHIR R4 in: a Bundle (JSON) -> fhir.resources models (R4B package, the R4 technical correction) -> records.

Each entry is validated on its own with its fhir.resources class, so one malformed resource is reported by
name and the rest of a batch still goes in. Resources are matched on their identifiers (MRN for Patient;
identifier, else the server id, for Encounter, Coverage, DocumentReference, Procedure and ChargeItem), so
a re-import updates instead of duplicating; `meta.lastUpdated` is the source time that stops an older
export from overwriting newer data.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from pydantic import ValidationError as PydanticError

from interop.records import (
    Batch,
    ChargeIn,
    CoverageIn,
    DiagnosisIn,
    EncounterIn,
    NoteIn,
    PatientIn,
    Problem,
)

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
ICD10CM_SYSTEMS = {"http://hl7.org/fhir/sid/icd-10-cm", "urn:oid:2.16.840.1.113883.6.90", "http://hl7.org/fhir/sid/icd-10"}
CPT_SYSTEMS = {"http://www.ama-assn.org/go/cpt", "urn:oid:2.16.840.1.113883.6.12"}
HCPCS_SYSTEMS = {"urn:oid:2.16.840.1.113883.6.285", "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
                 "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"}
MODIFIER_EXTENSION = "urn:rcm:fhir:procedure-modifier"  # ChargeItem.extension: valueCode = one CPT/HCPCS modifier
LOINC_KINDS = {"11506-3": "progress", "34117-2": "progress", "11488-4": "progress", "28570-0": "procedure",
               "11504-8": "procedure", "11526-1": "pathology", "60567-5": "pathology", "60568-3": "pathology",
               "11529-5": "pathology"}
RELATIONSHIP = {"self": "18", "spouse": "01", "child": "19", "other": "G8", "common": "01", "injured": "G8"}
SEX = {"female": "F", "male": "M", "other": "U", "unknown": "U"}
HANDLED = {"Patient", "Coverage", "Encounter", "Condition", "Procedure", "ChargeItem", "DocumentReference"}
REFERENCE_ONLY = {"Organization", "Practitioner", "PractitionerRole", "Location", "RelatedPerson"}
KIND_OF = {"Patient": "patient", "Coverage": "coverage", "Encounter": "encounter", "Condition": "diagnosis",
           "Procedure": "charge", "ChargeItem": "charge", "DocumentReference": "note"}


class FhirReject(Exception):
    """The payload is not a FHIR Bundle we can read at all."""


@dataclass
class Entry:
    index: int
    ref: str
    full_url: str
    resource_type: str
    raw: dict[str, Any]
    model: Any = None


@dataclass
class BundleRead:
    bundle_type: str
    identifier: str
    timestamp: dt.datetime | None
    entries: list[Entry]
    batch: Batch
    atomic: bool
    refs: dict[str, int] = field(default_factory=dict)  # record ref -> entry index


def load_json(content: bytes) -> dict[str, Any]:
    """JSON per RFC 8259 (UTF-8; a UTF-8/16 byte-order mark is accepted); anything else is refused clearly."""
    if content.startswith(b"\xef\xbb\xbf"):
        text = content[3:].decode("utf-8", "strict")
    elif content.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = content.decode("utf-16")
    else:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FhirReject(f"The file is not UTF-8 (invalid byte at position {exc.start}); FHIR JSON must be UTF-8.") from exc
    if text.lstrip().startswith("<"):
        raise FhirReject("FHIR XML is not accepted; send the Bundle as JSON.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FhirReject(f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from exc
    if not isinstance(data, dict) or "resourceType" not in data:
        raise FhirReject("Not a FHIR resource: no resourceType.")
    return data


def _local_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _pydantic_text(exc: PydanticError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(x) for x in err.get("loc", ()) if x != "__root__")
        parts.append(f"{where}: {err.get('msg', '')}".strip(": "))
    more = f" (+{len(exc.errors()) - 3} more)" if len(exc.errors()) > 3 else ""
    return "; ".join(parts) + more


def _first_coding(concept: Any, systems: set[str] | None = None) -> tuple[str, str]:
    for coding in (getattr(concept, "coding", None) or []):
        if systems is None or (coding.system or "") in systems:
            return (coding.code or "", coding.system or "")
    return ("", "")


def _ident_key(resource_type: str, identifiers: Any) -> str:
    for ident in identifiers or []:
        if ident.value:
            return f"{resource_type}|{ident.system or ''}|{ident.value}"
    return ""


class _Reader:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.batch = Batch()
        self.entries: list[Entry] = []
        self.by_ref: dict[str, Entry] = {}
        self.patient_mrn: dict[int, str] = {}
        self.encounter_key: dict[int, str] = {}
        self.condition_rank: dict[int, int] = {}
        self.charged_procedures: set[int] = set()

    def problem(self, entry: Entry | None, message: str, severity: str = "error") -> None:
        self.batch.problems.append(Problem(ref=entry.ref if entry else "Bundle", message=message, severity=severity))

    # --- structure ----------------------------------------------------------------------------------
    def load(self) -> tuple[str, str, dt.datetime | None]:
        from fhir.resources.R4B import get_fhir_model_class

        data = self.data
        if data.get("resourceType") != "Bundle":
            data = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": data}]}
        bundle_type = data.get("type") or "collection"
        raw_entries = data.get("entry") or []
        if not isinstance(raw_entries, list):
            raise FhirReject("Bundle.entry must be a list.")
        for i, raw in enumerate(raw_entries):
            resource = (raw or {}).get("resource") if isinstance(raw, dict) else None
            full_url = (raw or {}).get("fullUrl", "") if isinstance(raw, dict) else ""
            if not isinstance(resource, dict) or not resource.get("resourceType"):
                entry = Entry(i, f"entry[{i}]", full_url, "", {})
                self.entries.append(entry)
                self.problem(entry, "Entry has no resource.")
                continue
            rtype = str(resource["resourceType"])
            rid = resource.get("id")
            ref = f"{rtype}/{rid}" if rid else (full_url or f"entry[{i}]")
            entry = Entry(i, ref, full_url, rtype, resource)
            self.entries.append(entry)
            try:
                cls = get_fhir_model_class(rtype)
            except KeyError:
                self.problem(entry, f"{rtype} is not a FHIR R4 resource type.")
                continue
            try:
                entry.model = cls.model_validate(resource)
            except PydanticError as exc:
                self.problem(entry, f"Invalid {rtype}: {_pydantic_text(exc)}")
                continue
            except (ValueError, TypeError) as exc:
                self.problem(entry, f"Invalid {rtype}: {exc}")
                continue
            for key in {full_url, ref, f"{rtype}/{rid}" if rid else ""} - {""}:
                self.by_ref[key] = entry
        ident = ""
        bundle_identifier = data.get("identifier")
        if isinstance(bundle_identifier, dict) and bundle_identifier.get("value"):
            ident = f"{bundle_identifier.get('system', '')}|{bundle_identifier['value']}"
        elif data.get("id"):
            ident = str(data["id"])
        stamp = None
        if data.get("timestamp"):
            try:
                stamp = dt.datetime.fromisoformat(str(data["timestamp"]).replace("Z", "+00:00"))
            except ValueError:
                self.problem(None, f"Bundle.timestamp {data['timestamp']!r} is not a FHIR instant.", "warning")
        return bundle_type, ident, stamp

    def resolve(self, reference: Any, expected: str | None = None) -> Entry | None:
        if reference is None:
            return None
        target = reference.reference or ""
        entry = self.by_ref.get(target)
        if entry is None and "/" in target:
            parts = target.rstrip("/").split("/")
            entry = self.by_ref.get("/".join(parts[-2:]))
        if entry is not None and expected and entry.resource_type != expected:
            return None
        return entry

    @staticmethod
    def stamp(model: Any) -> dt.datetime | None:
        meta = getattr(model, "meta", None)
        return getattr(meta, "lastUpdated", None) if meta else None

    # --- resources ----------------------------------------------------------------------------------
    def read(self) -> None:
        order = ["Patient", "Coverage", "Encounter", "ChargeItem", "Condition", "Procedure", "DocumentReference"]
        for rtype in order:
            for entry in self.entries:
                if entry.model is None or entry.resource_type != rtype:
                    continue
                try:
                    getattr(self, rtype.lower())(entry, entry.model)
                except PydanticError as exc:
                    self.problem(entry, _pydantic_text(exc))
        for entry in self.entries:
            if entry.model is not None and entry.resource_type not in HANDLED | REFERENCE_ONLY:
                self.problem(entry, f"{entry.resource_type} is not imported; ignored.", "warning")

    def mrn_for(self, entry: Entry, reference: Any, what: str) -> str | None:
        target = self.resolve(reference, "Patient")
        if target is not None and id(target.model) in self.patient_mrn:
            return self.patient_mrn[id(target.model)]
        ident = getattr(reference, "identifier", None) if reference is not None else None
        if ident is not None and ident.value:
            return ident.value
        shown = getattr(reference, "reference", None) or "(none)"
        self.problem(entry, f"{what} {shown} is not a Patient in this bundle (and names no MRN identifier).")
        return None

    def patient(self, entry: Entry, p: Any) -> None:
        idents = p.identifier or []
        chosen = next((i for i in idents if _first_coding(i.type)[0] == "MR" and i.value), None)
        chosen = chosen or next((i for i in idents if i.value), None)
        if chosen is None:
            self.problem(entry, "Patient has no identifier to use as the MRN (identifier.type MR).")
            return
        names = p.name or []
        name = next((n for n in names if n.use == "official"), names[0] if names else None)
        given = list(getattr(name, "given", None) or []) if name else []
        address = (p.address or [None])[0]
        lines = list(getattr(address, "line", None) or []) if address else []
        phone = next((t.value for t in (p.telecom or []) if t.system == "phone" and t.value), "")
        email = next((t.value for t in (p.telecom or []) if t.system == "email" and t.value), "")
        digits = "".join(ch for ch in (phone or "") if ch.isdigit())[-10:]
        rec = PatientIn(
            ref=entry.ref, mrn=chosen.value[:30], first_name=(given[0] if given else "")[:35],
            middle_name=(" ".join(given[1:]))[:25], last_name=(getattr(name, "family", "") or "")[:60] if name else "",
            date_of_birth=p.birthDate if isinstance(p.birthDate, dt.date) else None, sex=SEX.get(p.gender or "", ""),
            address_line1=(lines[0] if lines else "")[:55], address_line2=(lines[1] if len(lines) > 1 else "")[:55],
            city=(getattr(address, "city", "") or "")[:30] if address else "",
            state=(getattr(address, "state", "") or "").upper()[:2] if address else "",
            zip_code="".join(ch for ch in ((getattr(address, "postalCode", "") or "") if address else "") if ch.isdigit())[:9],
            phone=digits, email=(email or "")[:254], source_time=self.stamp(p))
        self.patient_mrn[id(p)] = rec.mrn
        self.batch.patients.append(rec)

    def coverage(self, entry: Entry, c: Any) -> None:
        if c.status in ("cancelled", "entered-in-error"):
            self.problem(entry, f"Coverage status is {c.status}; not imported.", "warning")
            return
        mrn = self.mrn_for(entry, c.beneficiary, "Coverage.beneficiary")
        if mrn is None:
            return
        payor = self.resolve((c.payor or [None])[0], "Organization")
        payer_name, payer_identifier = "", ""
        if payor is not None:
            payer_name = payor.model.name or ""
            payer_identifier = next((i.value for i in (payor.model.identifier or []) if i.value), "")
        elif c.payor:
            payer_name = c.payor[0].display or ""
            ident = getattr(c.payor[0], "identifier", None)
            payer_identifier = ident.value if ident is not None and ident.value else ""
        member = c.subscriberId or next((i.value for i in (c.identifier or []) if _first_coding(i.type)[0] == "MB"), "")
        group, plan = "", ""
        for cls in c.class_fhir or []:
            code = _first_coding(cls.type)[0]
            if code == "group":
                group = cls.value or ""
            elif code == "plan":
                plan = cls.name or cls.value or ""
        relationship = RELATIONSHIP.get(_first_coding(c.relationship)[0], "G8") if c.relationship else "18"
        period = c.period
        rec = CoverageIn(ref=entry.ref, key="", patient_mrn=mrn, payer_identifier=payer_identifier[:20],
                         payer_name=payer_name[:60], priority=c.order if c.order in (1, 2, 3) else 1,
                         member_id=(member or "")[:30], group_number=group[:30], plan_name=plan[:60],
                         relationship=relationship, effective_from=_local_date(getattr(period, "start", None)),
                         effective_to=_local_date(getattr(period, "end", None)), source_time=self.stamp(c))
        if relationship != "18":
            sub = self.resolve(c.subscriber)
            if sub is not None and sub.resource_type in ("RelatedPerson", "Patient"):
                name = (sub.model.name or [None])[0]
                rec.subscriber_first_name = ((getattr(name, "given", None) or [""])[0] if name else "")[:35]
                rec.subscriber_last_name = (getattr(name, "family", "") or "")[:60] if name else ""
                rec.subscriber_date_of_birth = sub.model.birthDate if isinstance(sub.model.birthDate, dt.date) else None
                rec.subscriber_sex = SEX.get(sub.model.gender or "", "")
        rec.key = (_ident_key("Coverage", c.identifier) or (f"Coverage/{c.id}" if c.id else "")
                   or f"coverage:{mrn}:{(payer_identifier or payer_name).upper()}:{rec.member_id}")
        self.batch.coverages.append(rec)

    def encounter(self, entry: Entry, e: Any) -> None:
        mrn = self.mrn_for(entry, e.subject, "Encounter.subject")
        if mrn is None:
            return
        npi = ""
        participants = sorted(e.participant or [], key=lambda p: 0 if any(
            _first_coding(t)[0] in ("ATND", "PPRF") for t in (p.type or [])) else 1)
        for part in participants:
            who = self.resolve(part.individual, "Practitioner")
            if who is not None:
                npi = next((i.value for i in (who.model.identifier or []) if i.system == NPI_SYSTEM and i.value), "")
            elif part.individual is not None and getattr(part.individual, "identifier", None) is not None:
                ident = part.individual.identifier
                npi = ident.value if ident.system == NPI_SYSTEM and ident.value else ""
            if npi:
                break
        location_name, location_npi = "", ""
        if e.location:
            loc_ref = e.location[0].location
            loc = self.resolve(loc_ref, "Location")
            if loc is not None:
                location_name = loc.model.name or ""
                location_npi = next((i.value for i in (loc.model.identifier or []) if i.system == NPI_SYSTEM and i.value), "")
            else:
                location_name = loc_ref.display or ""
        start = _local_date(getattr(e.period, "start", None)) if e.period else None
        key = _ident_key("Encounter", e.identifier) or (f"Encounter/{e.id}" if e.id else "")
        if not key:
            key = f"encounter:{mrn}:{start or ''}:{npi}"
            self.problem(entry, "Encounter has neither identifier nor id; matched on patient, date and provider.",
                         "warning")
        for i, diag in enumerate(e.diagnosis or [], start=1):
            cond = self.resolve(diag.condition, "Condition")
            if cond is not None:
                self.condition_rank[id(cond.model)] = diag.rank or i
                self.encounter_key.setdefault(id(cond.model), key)
        self.encounter_key[id(e)] = key
        self.batch.encounters.append(EncounterIn(
            ref=entry.ref, key=key, patient_mrn=mrn, provider_npi=npi, location_name=location_name[:60],
            location_npi=location_npi, date_of_service=start, void=e.status in ("cancelled", "entered-in-error"),
            source_time=self.stamp(e)))

    def key_of_encounter(self, entry: Entry, reference: Any, what: str) -> str | None:
        target = self.resolve(reference, "Encounter")
        if target is not None and id(target.model) in self.encounter_key:
            return self.encounter_key[id(target.model)]
        ident = getattr(reference, "identifier", None) if reference is not None else None
        if ident is not None and ident.value:
            return f"Encounter|{ident.system or ''}|{ident.value}"
        if reference is not None and reference.reference and reference.reference.startswith("Encounter/"):
            return reference.reference
        self.problem(entry, f"{what} does not point at an Encounter in this bundle.")
        return None

    def condition(self, entry: Entry, c: Any) -> None:
        key = self.encounter_key.get(id(c))
        if key is None:
            if c.encounter is None:
                self.problem(entry, "Condition is not linked to an encounter (a problem-list entry); ignored.", "warning")
                return
            key = self.key_of_encounter(entry, c.encounter, "Condition.encounter")
            if key is None:
                return
        code, _system = _first_coding(c.code, ICD10CM_SYSTEMS)
        if not code:
            other = _first_coding(c.code)
            self.problem(entry, f"Condition has no ICD-10-CM coding (found {other[1] or 'none'} {other[0]}).".replace(" )", ")"))
            return
        self.batch.diagnoses.append(DiagnosisIn(ref=entry.ref, encounter_key=key, code=code,
                                                rank=self.condition_rank.get(id(c)), source_time=self.stamp(c)))

    def _procedure_code(self, entry: Entry, concept: Any) -> str | None:
        code, _ = _first_coding(concept, CPT_SYSTEMS | HCPCS_SYSTEMS)
        if not code:
            other = _first_coding(concept)
            self.problem(entry, f"No CPT or HCPCS coding (found {other[1] or 'none'} {other[0]}).".replace(" )", ")"))
            return None
        return code

    def _reason_codes(self, references: Any, concepts: Any) -> list[str]:
        codes: list[str] = []
        for ref in references or []:
            cond = self.resolve(ref, "Condition")
            if cond is not None:
                code = _first_coding(cond.model.code, ICD10CM_SYSTEMS)[0]
                if code:
                    codes.append(code)
        for concept in concepts or []:
            code = _first_coding(concept, ICD10CM_SYSTEMS)[0]
            if code:
                codes.append(code)
        return codes

    def chargeitem(self, entry: Entry, c: Any) -> None:
        if c.status in ("entered-in-error", "not-billable", "aborted"):
            self.problem(entry, f"ChargeItem status is {c.status}; not imported.", "warning")
            return
        for svc in c.service or []:
            proc = self.resolve(svc, "Procedure")
            if proc is not None:
                self.charged_procedures.add(id(proc.model))
        key = self.key_of_encounter(entry, c.context, "ChargeItem.context")
        code = self._procedure_code(entry, c.code)
        if key is None or code is None:
            return
        units = 1
        if c.quantity is not None and c.quantity.value is not None:
            if c.quantity.value != int(c.quantity.value) or c.quantity.value < 1:
                self.problem(entry, f"Quantity {c.quantity.value} is not a whole number of units.")
                return
            units = int(c.quantity.value)
        amount = Decimal(str(c.priceOverride.value)).quantize(Decimal("0.01")) if c.priceOverride and c.priceOverride.value is not None else None
        modifiers = [x.valueCode for x in (c.extension or []) if x.url == MODIFIER_EXTENSION and x.valueCode]
        dos = _local_date(c.occurrenceDateTime) if c.occurrenceDateTime else None
        self.batch.charges.append(ChargeIn(
            ref=entry.ref, key=_ident_key("ChargeItem", c.identifier) or (f"ChargeItem/{c.id}" if c.id else f"ChargeItem:{entry.full_url}"),
            encounter_key=key, code=code, modifiers=modifiers, units=units, charge_amount=amount,
            diagnosis_codes=self._reason_codes(None, c.reason), date_of_service=dos, source_time=self.stamp(c)))

    def procedure(self, entry: Entry, p: Any) -> None:
        if id(p) in self.charged_procedures:
            return  # billed by the ChargeItem that names it as its service
        if p.status in ("entered-in-error", "not-done"):
            self.problem(entry, f"Procedure status is {p.status}; not imported.", "warning")
            return
        key = self.key_of_encounter(entry, p.encounter, "Procedure.encounter")
        code = self._procedure_code(entry, p.code)
        if key is None or code is None:
            return
        self.batch.charges.append(ChargeIn(
            ref=entry.ref, key=_ident_key("Procedure", p.identifier) or (f"Procedure/{p.id}" if p.id else f"Procedure:{entry.full_url}"),
            encounter_key=key, code=code, diagnosis_codes=self._reason_codes(p.reasonReference, p.reasonCode),
            date_of_service=_local_date(p.performedDateTime) if p.performedDateTime else None, source_time=self.stamp(p)))

    def documentreference(self, entry: Entry, d: Any) -> None:
        if d.status in ("superseded", "entered-in-error"):
            self.problem(entry, f"DocumentReference status is {d.status}; not imported.", "warning")
            return
        encounters = getattr(d.context, "encounter", None) if d.context else None
        if not encounters:
            self.problem(entry, "DocumentReference is not linked to an encounter (context.encounter).")
            return
        key = self.key_of_encounter(entry, encounters[0], "DocumentReference.context.encounter")
        if key is None:
            return
        texts = []
        for content in d.content or []:
            att = content.attachment
            ctype = (att.contentType or "text/plain").lower()
            if not ctype.startswith("text/"):
                self.problem(entry, f"Attachment of type {ctype} is not text; send the note as text/plain.")
                return
            if att.data is None:
                self.problem(entry, "Attachment has no inline data (attachments by URL are not fetched).")
                return
            charset = "utf-8"
            for part in ctype.split(";")[1:]:
                name, _, value = part.strip().partition("=")
                if name == "charset" and value:
                    charset = value.strip('"')
            try:
                texts.append(att.data.decode(charset))
            except (LookupError, UnicodeDecodeError):
                self.problem(entry, f"Attachment text is not valid {charset}.")
                return
        code = _first_coding(d.type)[0]
        author = ""
        for a in d.author or []:
            who = self.resolve(a, "Practitioner")
            if who is not None and who.model.name:
                n = who.model.name[0]
                author = " ".join([*(n.given or []), n.family or ""]).strip()
            author = author or (a.display or "")
            if author:
                break
        key_ident = _ident_key("DocumentReference", [d.masterIdentifier] if d.masterIdentifier else d.identifier)
        for rel in d.relatesTo or []:
            if rel.code == "replaces":
                target = self.resolve(rel.target, "DocumentReference")
                if target is not None:
                    model = target.model
                    key_ident = (_ident_key("DocumentReference", [model.masterIdentifier] if model.masterIdentifier
                                            else model.identifier) or f"DocumentReference/{model.id}")
        stamp = self.stamp(d) or (d.date if isinstance(d.date, dt.datetime) else None)
        self.batch.notes.append(NoteIn(
            ref=entry.ref, key=key_ident or (f"DocumentReference/{d.id}" if d.id else f"DocumentReference:{entry.full_url}"),
            encounter_key=key, kind=LOINC_KINDS.get(code, "other" if code else "progress"), author=author[:80],
            text="\n".join(texts).strip(), source_time=stamp))


def read_bundle(data: dict[str, Any]) -> BundleRead:
    reader = _Reader(data)
    bundle_type, ident, stamp = reader.load()
    reader.read()
    refs = {e.ref: e.index for e in reader.entries}
    return BundleRead(bundle_type=bundle_type, identifier=ident, timestamp=stamp, entries=reader.entries,
                      batch=reader.batch, atomic=bundle_type == "transaction", refs=refs)
