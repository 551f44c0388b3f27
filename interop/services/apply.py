"""One engine writes every inbound batch (HL7 v2, FHIR, CSV) through `billing.services`.

Why one engine: matching rules (MRN, visit number, identifiers), staleness (an older message never
overwrites newer data), code checks against the code sets on the date of service, and the coded /
awaiting-coding decision must be the same whatever the format. Every record is applied in its own
savepoint so all problems are reported at once; `atomic=True` then rolls the whole batch back if any
record failed (an HL7 message, a FHIR transaction, a CSV file), `dry_run=True` always does (CSV preview).

Concurrency: the keys a batch touches are locked with transaction-scoped advisory locks, taken in one
sorted order, so two listener threads importing the same patient or visit cannot both create it, and
cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from billing import services as billing
from billing.models import ChargeLine, Coverage, Diagnosis, Encounter, Location, Patient, Payer, Provider
from interop.models import ExternalRef, InboundMessage, RefKind
from interop.records import Batch, ChargeIn, CoverageIn, DiagnosisIn, EncounterIn, NoteIn, PatientIn
from rcm.validators import CPT_RE, is_procedure_code, normalize_icd10

PATIENT_FIELDS = ("first_name", "middle_name", "last_name", "date_of_birth", "sex", "address_line1", "address_line2",
                  "city", "state", "zip_code", "phone", "email")
PATIENT_REQUIRED = ("first_name", "last_name", "date_of_birth", "sex", "address_line1", "city", "state", "zip_code")
COVERAGE_FIELDS = ("priority", "member_id", "group_number", "plan_name", "relationship", "subscriber_first_name",
                   "subscriber_last_name", "subscriber_date_of_birth", "subscriber_sex", "effective_from", "effective_to")


class RecordError(Exception):
    """A record cannot be applied; the message says why in words a biller can act on."""


@dataclass
class Outcome:
    ref: str
    kind: str
    action: str  # created | updated | unchanged | stale | error | warning
    object_id: int | None = None
    message: str = ""
    rows: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ref": self.ref, "kind": self.kind, "action": self.action}
        if self.object_id is not None:
            out["object_id"] = self.object_id
        if self.message:
            out["message"] = self.message
        if self.rows:
            out["rows"] = self.rows
        return out


@dataclass
class ApplyResult:
    outcomes: list[Outcome] = field(default_factory=list)
    patient_ids: set[int] = field(default_factory=set)
    encounter_ids: set[int] = field(default_factory=set)
    rolled_back: bool = False

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.action == "error"]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.action == "warning"]

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for (kind, action), n in Counter((o.kind, o.action) for o in self.outcomes).items():
            out[kind][action] = n
        return dict(out)


def validation_text(exc: ValidationError) -> str:
    """A model/service ValidationError as one readable line ("zip_code: 5 or 9 digits; ...")."""
    if hasattr(exc, "error_dict"):
        parts = []
        for name, errors in exc.message_dict.items():
            label = "" if name == "__all__" else f"{name}: "
            parts.append(label + " ".join(errors))
        return "; ".join(parts)
    return " ".join(exc.messages)


def _procedure_system(code: str) -> str:
    return "CPT" if CPT_RE.match(code) else "HCPCS"


class _Engine:
    def __init__(self, *, practice_id: int, message: InboundMessage | None, default_location_id: int | None,
                 user: Any, today: dt.date) -> None:
        self.practice_id = practice_id
        self.message = message
        self.default_location_id = default_location_id
        self.user = user
        self.today = today
        self.result = ApplyResult()
        self.patients: dict[str, Patient] = {}
        self.encounters: dict[str, Encounter] = {}
        self.failed: dict[str, set[str]] = defaultdict(set)
        self.touched_encounters: dict[int, str] = {}  # encounter id -> ref of the record that touched it
        self.coded_candidates: set[int] = set()

    # --- bookkeeping --------------------------------------------------------------------------------
    def outcome(self, rec: Any, kind: str, action: str, object_id: int | None = None, message: str = "") -> None:
        self.result.outcomes.append(Outcome(rec.ref, kind, action, object_id, message, list(rec.rows)))

    def ref_get(self, kind: str, key: str) -> ExternalRef | None:
        return ExternalRef.objects.filter(practice_id=self.practice_id, kind=kind, key=key).first()

    def ref_put(self, ref: ExternalRef | None, kind: str, key: str, object_id: int, source_time: dt.datetime | None,
                content_hash: str = "") -> None:
        if ref is None:
            ExternalRef.objects.create(practice_id=self.practice_id, kind=kind, key=key, object_id=object_id,
                                       source_time=source_time, content_hash=content_hash, message=self.message)
            return
        ref.object_id = object_id
        if source_time and (ref.source_time is None or source_time > ref.source_time):
            ref.source_time = source_time
        if content_hash:
            ref.content_hash = content_hash
        ref.message = self.message
        ref.save(update_fields=["object_id", "source_time", "content_hash", "message", "updated_at"])

    @staticmethod
    def is_stale(ref: ExternalRef | None, source_time: dt.datetime | None) -> bool:
        return bool(ref and ref.source_time and source_time and source_time < ref.source_time)

    def run(self, kind: str, rec: Any, key: str, fn: Any) -> None:
        """Apply one record in a savepoint; a failure is an error outcome and marks its key failed."""
        try:
            with transaction.atomic():
                fn(rec)
        except RecordError as exc:
            self.failed[kind].add(key)
            self.outcome(rec, kind, "error", message=str(exc))
        except ValidationError as exc:
            self.failed[kind].add(key)
            self.outcome(rec, kind, "error", message=validation_text(exc))

    # --- code sets ----------------------------------------------------------------------------------
    def check_code(self, rec: Any, kind: str, system: str, code: str, on: dt.date) -> None:
        from coding.codesets import code_lookup, version_for

        label = {"ICD10CM": "ICD-10-CM", "CPT": "CPT", "HCPCS": "HCPCS"}[system]
        info = code_lookup(system=system, code=code, on=on)
        if info is None:
            if version_for(system=system, on=on) is None:
                self.outcome(rec, kind, "warning", message=f"No {label} code set is loaded for {on:%Y-%m-%d}; "
                                                           f"{code} could not be checked.")
                return
            raise RecordError(f"Unknown {label} code {code} on {on:%Y-%m-%d}.")
        if not info.billable:
            raise RecordError(f"{label} {code} is not billable on {on:%Y-%m-%d} (a category; send the full code).")

    # --- lookups ------------------------------------------------------------------------------------
    def patient_for(self, mrn: str) -> Patient:
        if mrn in self.failed[RefKind.PATIENT]:
            raise RecordError(f"Patient MRN {mrn} was not imported (see its error).")
        patient = self.patients.get(mrn) or Patient.objects.filter(practice_id=self.practice_id, mrn=mrn).first()
        if patient is None:
            raise RecordError(f"No patient with MRN {mrn} in this practice or in this message.")
        self.patients[mrn] = patient
        self.result.patient_ids.add(patient.pk)
        return patient

    def encounter_for(self, key: str) -> Encounter:
        if key in self.failed[RefKind.ENCOUNTER]:
            raise RecordError(f"Encounter {key} was not imported (see its error).")
        encounter = self.encounters.get(key)
        if encounter is None:
            ref = self.ref_get(RefKind.ENCOUNTER, key)
            encounter = Encounter.objects.filter(pk=ref.object_id, practice_id=self.practice_id).first() if ref else None
        if encounter is None:
            raise RecordError(f"No encounter {key} in this practice or in this message.")
        self.encounters[key] = encounter
        self.result.encounter_ids.add(encounter.pk)
        self.result.patient_ids.add(encounter.patient_id)
        return encounter

    def provider_for(self, npi: str, rec: Any) -> Provider:
        qs = Provider.objects.filter(practice_id=self.practice_id)
        if npi:
            provider = qs.filter(npi=npi).first()
            if provider is None:
                raise RecordError(f"No provider with NPI {npi} in this practice; add the provider first.")
            return provider
        active = list(qs.filter(is_active=True)[:2])
        if len(active) == 1:
            self.outcome(rec, "encounter", "warning", message=f"No provider NPI sent; used the practice's only provider "
                                                              f"({active[0].npi}).")
            return active[0]
        raise RecordError("No provider NPI sent (HL7 PV1-7 / FT1-20, FHIR Encounter.participant).")

    def location_for(self, rec: EncounterIn) -> Location:
        qs = Location.objects.filter(practice_id=self.practice_id)
        if rec.location_npi:
            found = qs.filter(npi=rec.location_npi).first()
            if found:
                return found
        if rec.location_name:
            found = qs.filter(name__iexact=rec.location_name).first()
            if found:
                return found
        if self.default_location_id:
            return qs.get(pk=self.default_location_id)
        active = list(qs.filter(is_active=True)[:2])
        if len(active) == 1:
            return active[0]
        named = rec.location_name or rec.location_npi
        raise RecordError(f"Location {named!r} is not one of this practice's locations." if named
                          else "No service location sent and the practice has several.")

    def payer_for(self, rec: CoverageIn) -> Payer:
        qs = Payer.objects.filter(practice_id=self.practice_id)
        found = None
        if rec.payer_identifier:
            found = qs.filter(payer_id__iexact=rec.payer_identifier).first()
        if found is None and rec.payer_name:
            found = qs.filter(name__iexact=rec.payer_name).first()
        if found is None:
            ident = rec.payer_identifier if rec.payer_identifier != rec.payer_name[:20] else ""
            shown = " / ".join(x for x in (rec.payer_name, ident and f"ID {ident}") if x)
            raise RecordError(f"Payer {shown or '(none sent)'} is not set up in this practice; add it to the payers first.")
        return found

    # --- patients -----------------------------------------------------------------------------------
    def apply_patient(self, rec: PatientIn) -> None:
        key = f"mrn:{rec.mrn}"
        ref = self.ref_get(RefKind.PATIENT, key)
        patient = Patient.objects.select_for_update().filter(practice_id=self.practice_id, mrn=rec.mrn).first()
        if patient is None:
            data = {f: getattr(rec, f) for f in PATIENT_FIELDS if getattr(rec, f) not in ("", None)}
            missing = [f for f in PATIENT_REQUIRED if f not in data]
            problems = [f"Patient {rec.mrn} is new and lacks {', '.join(missing)}."] if missing else []
            try:  # every field's problem at once, not just the first
                Patient(practice_id=self.practice_id, mrn=rec.mrn, **data).full_clean(
                    exclude=missing, validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                problems.append(validation_text(exc))
            if problems:
                raise RecordError(" ".join(problems))
            patient = billing.patient_create(practice_id=self.practice_id, mrn=rec.mrn, **data)
            self.ref_put(ref, RefKind.PATIENT, key, patient.pk, rec.source_time)
            self.outcome(rec, "patient", "created", patient.pk)
        elif self.is_stale(ref, rec.source_time):
            self.outcome(rec, "patient", "stale", patient.pk, "Older than the data already applied; not applied.")
        else:
            present = rec.fields_present
            data = {f: getattr(rec, f) for f in PATIENT_FIELDS
                    if (f in present if present is not None else getattr(rec, f) not in ("", None))}
            changed = {k: v for k, v in data.items() if getattr(patient, k) != v}
            if changed:
                billing.patient_update(patient=patient, data=changed)
                self.outcome(rec, "patient", "updated", patient.pk, "Changed: " + ", ".join(sorted(changed)))
            else:
                self.outcome(rec, "patient", "unchanged", patient.pk)
            self.ref_put(ref, RefKind.PATIENT, key, patient.pk, rec.source_time)
        self.patients[rec.mrn] = patient
        self.result.patient_ids.add(patient.pk)

    # --- coverage -----------------------------------------------------------------------------------
    def apply_coverage(self, rec: CoverageIn) -> None:
        patient = self.patient_for(rec.patient_mrn)
        payer = self.payer_for(rec)
        if not rec.member_id:
            raise RecordError("No member ID (HL7 IN1-36, FHIR Coverage.subscriberId).")
        ref = self.ref_get(RefKind.COVERAGE, rec.key)
        coverage = None
        if ref:
            coverage = Coverage.objects.filter(pk=ref.object_id, patient=patient).first()
        if coverage is None:
            coverage = Coverage.objects.filter(patient=patient, payer=payer, member_id=rec.member_id).order_by("-id").first()
        data: dict[str, Any] = {f: getattr(rec, f) for f in COVERAGE_FIELDS}
        data["payer"] = payer
        if coverage is None:
            if data["effective_from"] is None:
                data["effective_from"] = (rec.source_time.date() if rec.source_time else self.today)
                self.outcome(rec, "coverage", "warning",
                             message=f"No effective date sent; coverage starts {data['effective_from']:%Y-%m-%d}.")
            coverage = billing.coverage_create(practice_id=self.practice_id, patient=patient, **data)
            self.outcome(rec, "coverage", "created", coverage.pk)
        elif self.is_stale(ref, rec.source_time):
            self.outcome(rec, "coverage", "stale", coverage.pk, "Older than the data already applied; not applied.")
            return
        else:
            if data["effective_from"] is None:
                data.pop("effective_from")
            changed = {k: v for k, v in data.items() if getattr(coverage, k) != v}
            if changed:
                billing.coverage_update(coverage=coverage, data=changed)
                self.outcome(rec, "coverage", "updated", coverage.pk, "Changed: " + ", ".join(sorted(changed)))
            else:
                self.outcome(rec, "coverage", "unchanged", coverage.pk)
        self.ref_put(ref, RefKind.COVERAGE, rec.key, coverage.pk, rec.source_time)

    # --- encounters ---------------------------------------------------------------------------------
    def apply_encounter(self, rec: EncounterIn) -> None:
        patient = self.patient_for(rec.patient_mrn)
        ref = self.ref_get(RefKind.ENCOUNTER, rec.key)
        encounter = (Encounter.objects.select_for_update().filter(pk=ref.object_id, practice_id=self.practice_id).first()
                     if ref else None)
        if encounter is not None and encounter.patient_id != patient.pk:
            raise RecordError(f"Encounter {rec.key} belongs to another patient (MRN {encounter.patient.mrn}); "
                              "a visit cannot move between patients.")
        if encounter is not None and self.is_stale(ref, rec.source_time):
            self.outcome(rec, "encounter", "stale", encounter.pk, "Older than the data already applied; not applied.")
        elif encounter is None:
            if rec.date_of_service is None:
                raise RecordError("No date of service (HL7 PV1-44 / FT1-4 / TXA-4, FHIR Encounter.period.start).")
            provider = self.provider_for(rec.provider_npi, rec)
            location = self.location_for(rec)
            encounter = billing.encounter_create(
                practice_id=self.practice_id, patient=patient, provider=provider, location=location,
                date_of_service=rec.date_of_service, specialty=provider.specialty,
                prior_authorization=rec.prior_authorization, referring_provider_npi=rec.referring_provider_npi,
                referring_provider_name=rec.referring_provider_name[:60])
            self.outcome(rec, "encounter", "created", encounter.pk)
        else:
            data: dict[str, Any] = {}
            if rec.provider_npi:
                data["provider"] = self.provider_for(rec.provider_npi, rec)
            if rec.location_name or rec.location_npi:
                data["location"] = self.location_for(rec)
            if rec.date_of_service:
                data["date_of_service"] = rec.date_of_service
            for name in ("prior_authorization", "referring_provider_npi", "referring_provider_name"):
                if getattr(rec, name):
                    data[name] = getattr(rec, name)
            if rec.void and encounter.status != Encounter.Status.VOID:
                data["status"] = Encounter.Status.VOID
            changed = {k: v for k, v in data.items() if getattr(encounter, k) != v}
            if changed:
                billing.encounter_update(encounter=encounter, data=changed)
                self.outcome(rec, "encounter", "updated", encounter.pk, "Changed: " + ", ".join(sorted(changed)))
            else:
                self.outcome(rec, "encounter", "unchanged", encounter.pk)
        self.ref_put(ref, RefKind.ENCOUNTER, rec.key, encounter.pk, rec.source_time)
        self.encounters[rec.key] = encounter
        self.result.encounter_ids.add(encounter.pk)
        self.touched_encounters[encounter.pk] = rec.ref

    # --- diagnoses ----------------------------------------------------------------------------------
    def apply_diagnosis(self, rec: DiagnosisIn) -> None:
        encounter = self.encounter_for(rec.encounter_key)
        self.add_diagnosis(rec, encounter, rec.code, rec.rank)

    def add_diagnosis(self, rec: Any, encounter: Encounter, raw_code: str, rank: int | None) -> Diagnosis:
        code = normalize_icd10(raw_code)
        existing = Diagnosis.objects.filter(encounter=encounter, code=code).first()
        if existing:
            if isinstance(rec, DiagnosisIn):
                self.outcome(rec, "diagnosis", "unchanged", existing.pk)
            return existing
        self.check_code(rec, "diagnosis", "ICD10CM", code, encounter.date_of_service)
        if rank is not None and Diagnosis.objects.filter(encounter=encounter, rank=rank).exists():
            rank = None
        diagnosis = billing.diagnosis_add(encounter=encounter, code=code, rank=rank)
        self.outcome(rec, "diagnosis", "created", diagnosis.pk, f"{code} at position {diagnosis.rank}")
        self.coded_candidates.add(encounter.pk)
        self.touched_encounters.setdefault(encounter.pk, rec.ref)
        return diagnosis

    # --- charges ------------------------------------------------------------------------------------
    def apply_charge(self, rec: ChargeIn) -> None:
        encounter = self.encounter_for(rec.encounter_key)
        code = rec.code.strip().upper()
        on = rec.date_of_service or encounter.date_of_service
        problems: list[str] = []  # every code problem of the line at once
        checks = [] if is_procedure_code(code) else [None]
        if checks:
            problems.append(f"{code} is not a CPT or HCPCS code.")
        else:
            checks.append((_procedure_system(code), code))
        checks += [("ICD10CM", normalize_icd10(dx)) for dx in rec.diagnosis_codes
                   if not Diagnosis.objects.filter(encounter=encounter, code=normalize_icd10(dx)).exists()]
        for check in checks:
            if check is None:
                continue
            try:
                self.check_code(rec, "charge", check[0], check[1], on)
            except RecordError as exc:
                problems.append(str(exc))
        if problems:
            raise RecordError(" ".join(problems))
        pointers: list[int] = []
        for dx in rec.diagnosis_codes:
            diagnosis = self.add_diagnosis(rec, encounter, dx, None)
            if diagnosis.rank not in pointers and len(pointers) < 4:
                pointers.append(diagnosis.rank)
        if not pointers:
            ranks = list(Diagnosis.objects.filter(encounter=encounter).values_list("rank", flat=True)[:2])
            if len(ranks) == 1:
                pointers = ranks
        modifiers = [m.strip().upper() for m in rec.modifiers if m.strip()]
        ref = self.ref_get(RefKind.CHARGE, rec.key)
        line = ChargeLine.objects.filter(pk=ref.object_id, encounter=encounter).first() if ref else None
        if line is not None and self.is_stale(ref, rec.source_time):
            self.outcome(rec, "charge", "stale", line.pk, "Older than the data already applied; not applied.")
            return
        if line is None:
            line = billing.charge_line_add(encounter=encounter, code=code, units=rec.units, modifiers=modifiers,
                                           diagnosis_pointers=pointers, charge_amount=rec.charge_amount)
            self.outcome(rec, "charge", "created", line.pk, f"line {line.line_number}: {line.code} ${line.charge_amount}")
        else:
            data: dict[str, Any] = {"code": code, "modifiers": modifiers, "units": rec.units}
            if rec.charge_amount is not None:
                data["charge_amount"] = rec.charge_amount
            if pointers:
                data["diagnosis_pointers"] = pointers
            changed = {k: v for k, v in data.items() if getattr(line, k) != v}
            if changed:
                billing.charge_line_update(line=line, data=changed)
                self.outcome(rec, "charge", "updated", line.pk, "Changed: " + ", ".join(sorted(changed)))
            else:
                self.outcome(rec, "charge", "unchanged", line.pk)
        self.ref_put(ref, RefKind.CHARGE, rec.key, line.pk, rec.source_time)
        self.coded_candidates.add(encounter.pk)
        self.touched_encounters.setdefault(encounter.pk, rec.ref)

    # --- notes --------------------------------------------------------------------------------------
    def apply_note(self, rec: NoteIn) -> None:
        encounter = self.encounter_for(rec.encounter_key)
        if not rec.text.strip():
            raise RecordError("The document has no text.")
        digest = hashlib.sha256(rec.text.encode()).hexdigest()
        ref = self.ref_get(RefKind.NOTE, rec.key)
        if ref and self.is_stale(ref, rec.source_time):
            self.outcome(rec, "note", "stale", ref.object_id, "A newer version of this document is already here.")
            return
        if ref and ref.content_hash == digest:
            self.outcome(rec, "note", "unchanged", ref.object_id)
            self.ref_put(ref, RefKind.NOTE, rec.key, ref.object_id, rec.source_time)
            return
        author = rec.author[:80]
        if ref:  # a new version: chart documents are amended, never overwritten, so both stay on the encounter
            author = (author or "")[:68] + " (amended)"
        note = billing.note_add(encounter=encounter, text=rec.text, kind=rec.kind, author=author.strip())
        self.outcome(rec, "note", "updated" if ref else "created", note.pk,
                     "New version added; the earlier one is kept." if ref else f"{note.get_kind_display()}")
        self.ref_put(ref, RefKind.NOTE, rec.key, note.pk, rec.source_time, digest)
        self.touched_encounters.setdefault(encounter.pk, rec.ref)

    # --- the coded / awaiting-coding decision -------------------------------------------------------
    def finish_encounters(self) -> None:
        for encounter_id in sorted(self.coded_candidates):
            encounter = Encounter.objects.get(pk=encounter_id)
            if encounter.status != Encounter.Status.AWAITING_CODING:
                continue
            try:
                with transaction.atomic():
                    billing.encounter_mark_coded(encounter=encounter, user=None)
            except ValidationError as exc:
                self.result.outcomes.append(Outcome(self.touched_encounters.get(encounter_id, f"encounter {encounter_id}"),
                                                    "encounter", "warning", encounter_id,
                                                    "Left in the coding queue: " + validation_text(exc)))
            else:
                self.result.outcomes.append(Outcome(self.touched_encounters.get(encounter_id, f"encounter {encounter_id}"),
                                                    "encounter", "coded", encounter_id, "Arrived with codes: marked coded."))


def _lock_keys(practice_id: int, keys: Iterable[str]) -> None:
    """Transaction-scoped advisory locks on every key, in one global order (no deadlocks between importers)."""
    wanted = sorted({f"interop:{practice_id}:{k}" for k in keys})
    if not wanted:
        return
    with connection.cursor() as cur:
        cur.execute("SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h "
                    "FROM unnest(%s::text[]) AS k ORDER BY 1) AS s", [wanted])


def _keys(batch: Batch) -> list[str]:
    keys = [f"patient:{p.mrn}" for p in batch.patients]
    keys += [f"patient:{c.patient_mrn}" for c in batch.coverages]
    keys += [f"patient:{e.patient_mrn}" for e in batch.encounters]
    keys += [f"coverage:{c.key}" for c in batch.coverages]
    keys += [f"encounter:{e.key}" for e in batch.encounters]
    keys += [f"encounter:{x.encounter_key}" for x in (*batch.diagnoses, *batch.charges, *batch.notes)]
    keys += [f"encounter:{n.encounter.key}" for n in batch.notes if n.encounter]
    keys += [f"patient:{n.encounter.patient_mrn}" for n in batch.notes if n.encounter]
    keys += [f"charge:{c.key}" for c in batch.charges]
    keys += [f"note:{n.key}" for n in batch.notes]
    return keys


def batch_apply(*, practice_id: int, batch: Batch, message: InboundMessage | None = None, atomic: bool = True,
                dry_run: bool = False, default_location_id: int | None = None, user: Any = None,
                today: dt.date | None = None) -> ApplyResult:
    """Write a parsed batch for one practice; see the module docstring for the rules."""
    from django.utils import timezone

    engine = _Engine(practice_id=practice_id, message=message, default_location_id=default_location_id, user=user,
                     today=today or timezone.localdate())
    for problem in batch.problems:
        engine.result.outcomes.append(Outcome(problem.ref, "input", problem.severity, None, problem.message,
                                              list(problem.rows)))
    with transaction.atomic():
        _lock_keys(practice_id, _keys(batch))
        for p in batch.patients:
            engine.run(RefKind.PATIENT, p, p.mrn, engine.apply_patient)
        for c in batch.coverages:
            engine.run(RefKind.COVERAGE, c, c.key, engine.apply_coverage)
        known = {e.key for e in batch.encounters}
        encounters = list(batch.encounters)
        for note in batch.notes:
            if note.encounter and note.encounter.key not in known and not engine.ref_get(RefKind.ENCOUNTER, note.encounter.key):
                known.add(note.encounter.key)
                encounters.append(note.encounter)
        for e in encounters:
            engine.run(RefKind.ENCOUNTER, e, e.key, engine.apply_encounter)
        for d in sorted(batch.diagnoses, key=lambda d: (d.encounter_key, d.rank is None, d.rank or 0)):
            engine.run("diagnosis", d, f"{d.encounter_key}:{d.code}", engine.apply_diagnosis)
        for ch in batch.charges:
            engine.run(RefKind.CHARGE, ch, ch.key, engine.apply_charge)
        for n in batch.notes:
            engine.run(RefKind.NOTE, n, n.key, engine.apply_note)
        if not engine.result.errors or not atomic:
            engine.finish_encounters()
        if dry_run or (atomic and engine.result.errors):
            engine.result.rolled_back = True
            transaction.set_rollback(True)
    return engine.result
