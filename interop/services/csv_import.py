"""CSV import of patients, coverage and charges: upload, map columns, preview, then commit whole or not at all.

The preview is the real import run inside a transaction that is always rolled back (`batch_apply(dry_run=True)`),
so what it promises is exactly what the commit does, and every row's problems are listed at once. The commit
runs the same batch atomically: one bad row and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from interop.models import CsvImport
from interop.records import Batch, ChargeIn, CoverageIn, EncounterIn, PatientIn, Problem
from interop.services.apply import ApplyResult, batch_apply

MAX_ROWS = 20000
PREVIEW_ROWS = 25


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    required: bool = False
    synonyms: tuple[str, ...] = ()


TARGETS: dict[str, tuple[Target, ...]] = {
    CsvImport.Kind.PATIENTS: (
        Target("mrn", "MRN", True, ("mrn", "medicalrecordnumber", "patientid", "chartnumber", "accountnumber")),
        Target("first_name", "First name", True, ("firstname", "first", "givenname", "fname")),
        Target("middle_name", "Middle name", False, ("middlename", "middle", "mi", "middleinitial")),
        Target("last_name", "Last name", True, ("lastname", "last", "surname", "familyname", "lname")),
        Target("date_of_birth", "Date of birth", True, ("dateofbirth", "dob", "birthdate", "birthday")),
        Target("sex", "Sex", True, ("sex", "gender")),
        Target("address_line1", "Address", True, ("address", "address1", "addressline1", "street", "streetaddress")),
        Target("address_line2", "Address line 2", False, ("address2", "addressline2", "apt", "suite")),
        Target("city", "City", True, ("city", "town")),
        Target("state", "State", True, ("state", "st", "province")),
        Target("zip_code", "ZIP", True, ("zip", "zipcode", "postalcode", "postcode")),
        Target("phone", "Phone", False, ("phone", "phonenumber", "homephone", "mobile", "cell", "telephone")),
        Target("email", "Email", False, ("email", "emailaddress", "mail")),
    ),
    CsvImport.Kind.COVERAGE: (
        Target("mrn", "Patient MRN", True, ("mrn", "patientmrn", "medicalrecordnumber", "patientid", "chartnumber")),
        Target("payer", "Payer (name or payer ID)", True, ("payer", "payername", "insurance", "insurancecompany",
                                                             "carrier", "payerid", "insurer")),
        Target("member_id", "Member ID", True, ("memberid", "subscriberid", "policynumber", "policyid", "insuranceid")),
        Target("priority", "Priority (1/2/3)", False, ("priority", "order", "rank", "coverageorder")),
        Target("group_number", "Group number", False, ("groupnumber", "group", "groupid", "groupno")),
        Target("plan_name", "Plan name", False, ("planname", "plan")),
        Target("relationship", "Relationship to subscriber", False, ("relationship", "relationshiptosubscriber",
                                                                     "patientrelationship")),
        Target("subscriber_first_name", "Subscriber first name", False, ("subscriberfirstname", "insuredfirstname")),
        Target("subscriber_last_name", "Subscriber last name", False, ("subscriberlastname", "insuredlastname")),
        Target("subscriber_date_of_birth", "Subscriber date of birth", False, ("subscriberdob", "subscriberdateofbirth",
                                                                               "insureddob")),
        Target("subscriber_sex", "Subscriber sex", False, ("subscribersex", "subscribergender", "insuredsex")),
        Target("effective_from", "Effective from", True, ("effectivefrom", "effectivedate", "startdate", "eligibilitystart",
                                                          "coveragestart", "effective")),
        Target("effective_to", "Effective to", False, ("effectiveto", "enddate", "terminationdate", "termdate",
                                                       "coverageend", "expirationdate")),
    ),
    CsvImport.Kind.CHARGES: (
        Target("mrn", "Patient MRN", True, ("mrn", "patientmrn", "medicalrecordnumber", "patientid", "chartnumber")),
        Target("date_of_service", "Date of service", True, ("dateofservice", "dos", "servicedate", "visitdate", "date")),
        Target("provider_npi", "Provider NPI", True, ("providernpi", "npi", "renderingnpi", "renderingprovidernpi")),
        Target("location", "Location", False, ("location", "facility", "office", "placeofservice", "site")),
        Target("visit_id", "Visit / encounter number", False, ("visitid", "visitnumber", "encounterid", "encounternumber",
                                                               "encounter", "visit")),
        Target("code", "CPT/HCPCS", True, ("cpt", "cptcode", "hcpcs", "procedurecode", "code", "procedure")),
        Target("modifiers", "Modifiers", False, ("modifiers", "modifier", "mod", "mods")),
        Target("units", "Units", False, ("units", "unit", "quantity", "qty")),
        Target("charge_amount", "Charge", False, ("charge", "chargeamount", "amount", "fee", "price", "billedamount")),
        Target("dx1", "Diagnosis 1 (ICD-10-CM)", True, ("dx1", "diagnosis1", "icd1", "icd101", "diag1", "dx",
                                                        "diagnosis", "icd10", "icd")),
        Target("dx2", "Diagnosis 2", False, ("dx2", "diagnosis2", "icd2", "icd102", "diag2")),
        Target("dx3", "Diagnosis 3", False, ("dx3", "diagnosis3", "icd3", "icd103", "diag3")),
        Target("dx4", "Diagnosis 4", False, ("dx4", "diagnosis4", "icd4", "icd104", "diag4")),
    ),
}


class CsvFileError(Exception):
    """The file itself cannot be used (empty, not text, too large, no header row)."""


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def decode_csv(content: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM), else Windows-1252, which is what Excel writes on Windows."""
    if b"\x00" in content[:4096]:
        if content.startswith((b"\xff\xfe", b"\xfe\xff")):
            return content.decode("utf-16"), "utf-16"
        raise CsvFileError("This is not a text CSV file (it contains binary data); save it as CSV.")
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return content.decode("cp1252", "replace"), "windows-1252"


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in r)]
    if not rows:
        raise CsvFileError("The file is empty.")
    headers = [h.strip() for h in rows[0]]
    if not any(headers):
        raise CsvFileError("The first row must name the columns.")
    if len(rows) - 1 > MAX_ROWS:
        raise CsvFileError(f"The file has {len(rows) - 1} rows; split it into files of at most {MAX_ROWS}.")
    return headers, rows[1:]


def guess_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """Our field -> the file's column, from the header names (exact names first, then the usual synonyms)."""
    by_norm = {_norm(h): h for h in headers if h}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for target in TARGETS[kind]:
        for candidate in (_norm(target.name), *target.synonyms):
            header = by_norm.get(candidate)
            if header and header not in used:
                mapping[target.name] = header
                used.add(header)
                break
    return mapping


def csv_import_create(*, practice_id: int, kind: str, filename: str, content: bytes, user: Any = None) -> CsvImport:
    if kind not in TARGETS:
        raise ValidationError({"kind": "Choose patients, coverage or charges."})
    text, _encoding = decode_csv(content)
    headers, rows = read_rows(text)
    return CsvImport.objects.create(practice_id=practice_id, kind=kind, filename=filename[:200], content=text,
                                    headers=headers, mapping=guess_mapping(kind, headers), row_count=len(rows),
                                    created_by=user if getattr(user, "is_authenticated", False) else None)


# --- cell parsing ----------------------------------------------------------------------------------
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y%m%d", "%m-%d-%Y", "%d-%b-%Y")


def parse_date(value: str) -> dt.date:
    value = value.strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD or MM/DD/YYYY)")


SEXES = {"f": "F", "female": "F", "w": "F", "m": "M", "male": "M", "u": "U", "unknown": "U", "o": "U", "other": "U",
         "x": "U"}
RELATIONSHIPS = {"self": "18", "18": "18", "spouse": "01", "01": "01", "1": "01", "child": "19", "19": "19",
                 "other": "G8", "g8": "G8", "dependent": "19"}
PRIORITIES = {"1": 1, "primary": 1, "p": 1, "2": 2, "secondary": 2, "s": 2, "3": 3, "tertiary": 3, "t": 3}


class _Rows:
    """Turns mapped rows into records, collecting each cell's problem against its row number."""

    def __init__(self, imp: CsvImport) -> None:
        self.imp = imp
        self.headers, self.rows = read_rows(imp.content)
        self.index = {h: i for i, h in enumerate(self.headers)}
        self.problems: list[Problem] = []

    def cell(self, row: list[str], name: str) -> str:
        column = self.imp.mapping.get(name)
        i = self.index.get(column) if column else None
        return row[i].strip() if i is not None and i < len(row) else ""

    def bad(self, number: int, name: str, message: str) -> None:
        self.problems.append(Problem(ref=f"row {number}", message=f"{name}: {message}", rows=[number]))

    def date(self, number: int, row: list[str], name: str) -> dt.date | None:
        raw = self.cell(row, name)
        if not raw:
            return None
        try:
            return parse_date(raw)
        except ValueError as exc:
            self.bad(number, name, str(exc))
            return None

    def choice(self, number: int, row: list[str], name: str, table: dict[str, Any], default: Any = "") -> Any:
        raw = self.cell(row, name)
        if not raw:
            return default
        value = table.get(raw.lower())
        if value is None:
            self.bad(number, name, f"{raw!r} is not one of {', '.join(sorted({k for k in table if len(k) > 2}))}")
            return default
        return value

    def required(self, number: int, row: list[str], kind: str) -> bool:
        ok = True
        for target in TARGETS[kind]:
            if target.required and not self.cell(row, target.name):
                self.bad(number, target.name, "required, but empty")
                ok = False
        return ok


def mapping_errors(kind: str, mapping: dict[str, str], headers: list[str]) -> list[str]:
    errors = []
    for target in TARGETS[kind]:
        column = mapping.get(target.name, "")
        if target.required and not column:
            errors.append(f"Choose the column for {target.label}.")
        elif column and column not in headers:
            errors.append(f"{target.label}: the file has no column {column!r}.")
    used = [c for c in mapping.values() if c]
    for column in {c for c in used if used.count(c) > 1}:
        errors.append(f"Column {column!r} is mapped to more than one field.")
    return errors


def build_batch(imp: CsvImport) -> Batch:
    rows = _Rows(imp)
    batch = Batch()
    kind = imp.kind
    seen: dict[str, int] = {}
    groups: dict[str, EncounterIn] = {}
    occurrences: dict[str, int] = defaultdict(int)
    for number, row in enumerate(rows.rows, start=2):  # row 1 is the header
        if not rows.required(number, row, kind):
            continue
        mrn = rows.cell(row, "mrn")[:30]
        if kind == CsvImport.Kind.PATIENTS:
            if mrn in seen:
                rows.bad(number, "mrn", f"{mrn} is also on row {seen[mrn]}")
                continue
            seen[mrn] = number
            batch.patients.append(PatientIn(
                ref=f"row {number}", rows=[number], mrn=mrn, first_name=rows.cell(row, "first_name")[:35],
                middle_name=rows.cell(row, "middle_name")[:25], last_name=rows.cell(row, "last_name")[:60],
                date_of_birth=rows.date(number, row, "date_of_birth"), sex=rows.choice(number, row, "sex", SEXES),
                address_line1=rows.cell(row, "address_line1")[:55], address_line2=rows.cell(row, "address_line2")[:55],
                city=rows.cell(row, "city")[:30], state=rows.cell(row, "state").upper()[:2],
                zip_code=re.sub(r"\D", "", rows.cell(row, "zip_code"))[:9],
                phone=re.sub(r"\D", "", rows.cell(row, "phone"))[-10:], email=rows.cell(row, "email")[:254]))
        elif kind == CsvImport.Kind.COVERAGE:
            payer = rows.cell(row, "payer")
            member = rows.cell(row, "member_id")[:30]
            key = f"csv:{mrn}:{payer.upper()}:{member}"
            if key in seen:
                rows.bad(number, "member_id", f"the same coverage is also on row {seen[key]}")
                continue
            seen[key] = number
            batch.coverages.append(CoverageIn(
                ref=f"row {number}", rows=[number], key=key, patient_mrn=mrn, payer_identifier=payer[:20],
                payer_name=payer[:60], member_id=member, priority=rows.choice(number, row, "priority", PRIORITIES, 1),
                group_number=rows.cell(row, "group_number")[:30], plan_name=rows.cell(row, "plan_name")[:60],
                relationship=rows.choice(number, row, "relationship", RELATIONSHIPS, "18"),
                subscriber_first_name=rows.cell(row, "subscriber_first_name")[:35],
                subscriber_last_name=rows.cell(row, "subscriber_last_name")[:60],
                subscriber_date_of_birth=rows.date(number, row, "subscriber_date_of_birth"),
                subscriber_sex=rows.choice(number, row, "subscriber_sex", SEXES),
                effective_from=rows.date(number, row, "effective_from"),
                effective_to=rows.date(number, row, "effective_to")))
        else:
            dos = rows.date(number, row, "date_of_service")
            npi = rows.cell(row, "provider_npi")
            visit = rows.cell(row, "visit_id")
            enc_key = f"csv:{visit}" if visit else f"csv:{mrn}:{dos}:{npi}"
            encounter = groups.get(enc_key)
            if encounter is None:
                encounter = EncounterIn(ref=f"row {number}", rows=[], key=enc_key, patient_mrn=mrn, provider_npi=npi,
                                        location_name=rows.cell(row, "location")[:60], date_of_service=dos)
                groups[enc_key] = encounter
                batch.encounters.append(encounter)
            encounter.rows.append(number)
            units_raw = rows.cell(row, "units") or "1"
            if not units_raw.isdigit() or int(units_raw) < 1:
                rows.bad(number, "units", f"{units_raw!r} is not a whole number of units")
                continue
            amount: Decimal | None = None
            raw_amount = rows.cell(row, "charge_amount")
            if raw_amount:
                from rcm.money import to_money

                try:
                    amount = to_money(raw_amount)
                except ValueError:
                    rows.bad(number, "charge_amount", f"{raw_amount!r} is not an amount")
                    continue
            code = rows.cell(row, "code").upper()
            modifiers = [m for m in re.split(r"[\s,;:/-]+", rows.cell(row, "modifiers").upper()) if m]
            occurrence = f"{enc_key}:{code}:{'-'.join(modifiers)}"
            occurrences[occurrence] += 1
            batch.charges.append(ChargeIn(
                ref=f"row {number}", rows=[number], key=f"{occurrence}:{occurrences[occurrence]}", encounter_key=enc_key,
                code=code, modifiers=modifiers, units=int(units_raw), charge_amount=amount,
                diagnosis_codes=[c for c in (rows.cell(row, f"dx{i}") for i in range(1, 5)) if c]))
    batch.problems = rows.problems
    return batch


def _preview(imp: CsvImport, result: ApplyResult, batch: Batch) -> dict[str, Any]:
    per_row: dict[int, list[dict[str, str]]] = defaultdict(list)
    for o in result.outcomes:
        for number in o.rows:
            per_row[number].append({"kind": o.kind, "action": o.action, "message": o.message})
    headers, rows = read_rows(imp.content)
    index = {h: i for i, h in enumerate(headers)}
    sample = []
    for number, row in enumerate(rows[:PREVIEW_ROWS], start=2):
        values = {t.name: (row[index[imp.mapping[t.name]]] if imp.mapping.get(t.name) in index
                           and index[imp.mapping[t.name]] < len(row) else "") for t in TARGETS[imp.kind]}
        sample.append({"row": number, "values": values, "outcomes": per_row.get(number, [])})
    counts = result.counts()
    return {"counts": counts, "sample": sample, "rows": len(rows),
            "records": {"patients": len(batch.patients), "coverages": len(batch.coverages),
                        "encounters": len(batch.encounters), "charges": len(batch.charges)}}


def _errors(result: ApplyResult) -> list[dict[str, Any]]:
    return [{"ref": o.ref, "rows": o.rows, "kind": o.kind, "message": o.message} for o in result.errors]


def csv_import_preview(*, imp: CsvImport, mapping: dict[str, str] | None = None, user: Any = None) -> CsvImport:
    """Save the mapping and dry-run the import: the preview and every row error, nothing written."""
    if imp.status == CsvImport.Status.COMMITTED:
        raise ValidationError("This file has already been imported.")
    if mapping is not None:
        imp.mapping = {k: v for k, v in mapping.items() if v}
    problems = mapping_errors(imp.kind, imp.mapping, imp.headers)
    if problems:
        imp.status = CsvImport.Status.INVALID
        imp.errors = [{"ref": "mapping", "rows": [], "kind": "mapping", "message": p} for p in problems]
        imp.preview = {}
        imp.save(update_fields=["mapping", "status", "errors", "preview"])
        return imp
    batch = build_batch(imp)
    result = batch_apply(practice_id=imp.practice_id, batch=batch, dry_run=True, atomic=True, user=user)
    imp.preview = _preview(imp, result, batch)
    imp.errors = _errors(result)
    imp.status = CsvImport.Status.INVALID if imp.errors else CsvImport.Status.VALID
    imp.save(update_fields=["mapping", "status", "errors", "preview"])
    return imp


def csv_import_commit(*, imp: CsvImport, user: Any = None) -> CsvImport:
    """Import the whole file, or nothing: any row error rolls everything back and is reported."""
    import pghistory

    with transaction.atomic():
        imp = CsvImport.objects.select_for_update().get(pk=imp.pk)
        if imp.status == CsvImport.Status.COMMITTED:
            raise ValidationError("This file has already been imported.")
        problems = mapping_errors(imp.kind, imp.mapping, imp.headers)
        if problems:
            raise ValidationError(problems)
        batch = build_batch(imp)
        with pghistory.context(csv_import=imp.pk, user=getattr(user, "pk", None)):
            result = batch_apply(practice_id=imp.practice_id, batch=batch, atomic=True, user=user)
        imp.errors = _errors(result)
        imp.preview = _preview(imp, result, batch)
        if result.errors:
            imp.status = CsvImport.Status.INVALID
        else:
            imp.status = CsvImport.Status.COMMITTED
            imp.committed_at = timezone.now()
        imp.save(update_fields=["status", "errors", "preview", "committed_at"])
    return imp
