"""HL7 v2 in: bytes -> text (MSH-18 character set), the MSH header, and hl7apy's parse -> our records.

hl7apy does the structural parsing (segments, fields, repetitions, per-version definitions, tolerant
validation); this module reads the fields a billing system needs from ADT^A01/A04/A08/A28/A31 (patient
and insurance, IN1/IN2), DFT^P03/P11 (FT1 charges with diagnoses, DG1), MDM^T02/T04/T06/T08/T10 (documents
in TXA + OBX) and ORU^R01 (pathology results in OBR + OBX) into `interop.records`. Positions follow
HL7 v2.5.1; the fields used have kept their positions since v2.3.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
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


class Hl7Reject(Exception):
    """The message cannot be taken at all (AR): unreadable, unsupported, or not for us."""

    def __init__(self, message: str, code: str = "207") -> None:
        super().__init__(message)
        self.code = code  # HL7 table 0357 error code for ERR-3


# HL7 table 0211 (MSH-18) -> Python codec.
CHARSETS = {
    "": "utf-8", "ASCII": "ascii", "ISO IR6": "ascii", "UNICODE UTF-8": "utf-8", "UNICODE": "utf-8",
    "ISO IR192": "utf-8", "8859/1": "latin-1", "ISO IR100": "latin-1", "8859/2": "iso8859-2", "8859/3": "iso8859-3",
    "8859/4": "iso8859-4", "8859/5": "iso8859-5", "8859/6": "iso8859-6", "8859/7": "iso8859-7", "8859/8": "iso8859-8",
    "8859/9": "iso8859-9", "8859/15": "iso8859-15", "WINDOWS-1252": "cp1252",
}

SUPPORTED: dict[str, frozenset[str]] = {
    "ADT": frozenset({"A01", "A04", "A08", "A28", "A31"}),
    "DFT": frozenset({"P03", "P11"}),
    "MDM": frozenset({"T02", "T04", "T06", "T08", "T10"}),
    "ORU": frozenset({"R01"}),
}

ICD10_SYSTEMS = {"", "I10", "I10C", "ICD10", "ICD10CM", "ICD-10-CM", "ICD10-CM"}
ICD9_SYSTEMS = {"I9", "I9C", "ICD9", "ICD9CM"}
NOTE_KINDS = {"PN": "progress", "HP": "progress", "CN": "progress", "DS": "other", "OP": "procedure", "PR": "procedure",
              "PROC": "procedure", "SP": "pathology", "PATH": "pathology", "AP": "pathology"}
RELATIONSHIPS = {"SEL": "18", "SELF": "18", "18": "18", "01": "01", "SPO": "01", "SPOUSE": "01", "CHD": "19", "CHILD": "19",
                 "19": "19", "G8": "G8"}


@dataclass
class Header:
    field_sep: str
    component_sep: str
    repetition_sep: str
    escape_char: str
    subcomponent_sep: str
    sending_application: str
    sending_facility: str
    receiving_application: str
    receiving_facility: str
    message_time: dt.datetime | None
    message_code: str
    trigger: str
    structure: str
    control_id: str
    processing_id: str
    version: str
    charset: str
    fields: list[str] = field(default_factory=list)

    @property
    def message_type(self) -> str:
        return f"{self.message_code}^{self.trigger}" if self.trigger else self.message_code


# --- bytes, text and the header ------------------------------------------------------------------------
def decode(raw: bytes) -> str:
    """Decode with the character set MSH-18 declares (UTF-8 when it declares none); refuse what does not decode."""
    start = raw.find(b"MSH")
    if start < 0:
        raise Hl7Reject("Not an HL7 v2 message: no MSH segment.", "100")
    first = re.split(rb"[\r\n]", raw[start:], maxsplit=1)[0]
    if len(first) < 8:
        raise Hl7Reject("The MSH segment is truncated.", "100")
    sep = first[3:4]
    parts = first.split(sep)
    declared = parts[17].decode("ascii", "replace").split(chr(first[4]))[0].strip().upper() if len(parts) > 17 else ""
    codec = CHARSETS.get(declared)
    if codec is None:
        raise Hl7Reject(f"Character set {declared!r} in MSH-18 is not supported.", "203")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        hint = "" if declared else " (no MSH-18 given, so UTF-8 was expected; declare e.g. 8859/1)"
        raise Hl7Reject(f"The message is not valid {declared or 'UTF-8'} at byte {exc.start}{hint}.", "102") from exc


def normalize(text: str) -> str:
    """Segments end with CR; files and some senders use LF or CRLF. Blank lines are dropped."""
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    return "\r".join(s for s in text.split("\r") if s.strip())


def split_file(text: str) -> list[str]:
    """The messages in a file (batch envelopes FHS/BHS/BTS/FTS are dropped)."""
    out: list[list[str]] = []
    for segment in normalize(text).split("\r"):
        name = segment[:3]
        if name in ("FHS", "BHS", "BTS", "FTS"):
            continue
        if name == "MSH":
            out.append([segment])
        elif out:
            out[-1].append(segment)
    return ["\r".join(m) for m in out]


def parse_ts(value: str) -> dt.datetime | None:
    """HL7 DTM (YYYY[MM[DD[HH[MM[SS[.S]]]]]][+/-ZZZZ]) -> aware datetime; local time when no offset is given."""
    value = (value or "").strip()
    m = re.match(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?$", value)
    if not m:
        return None
    y, mo, d, h, mi, s, off = m.groups()
    try:
        naive = dt.datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0), int(s or 0))
    except ValueError:
        return None
    if off:
        sign = 1 if off[0] == "+" else -1
        tz: dt.tzinfo = dt.timezone(sign * dt.timedelta(hours=int(off[1:3]), minutes=int(off[3:5])))
    else:
        tz = ZoneInfo(settings.TIME_ZONE)
    return naive.replace(tzinfo=tz)


def parse_date(value: str) -> dt.date | None:
    value = (value or "").strip()
    if len(value) < 8 or not value[:8].isdigit():
        return None
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8]))
    except ValueError:
        return None


def read_header(text: str) -> Header:
    text = normalize(text)
    if not text.startswith("MSH") or len(text) < 8:
        raise Hl7Reject("Not an HL7 v2 message: it must start with MSH.", "100")
    msh = text.split("\r", 1)[0]
    sep = msh[3]
    enc = msh[4:8]
    if len(enc) < 4 or sep in enc:
        raise Hl7Reject("MSH-2 encoding characters are missing or malformed.", "100")
    comp, rep, esc, sub = enc[0], enc[1], enc[2], enc[3]
    parts = msh.split(sep)
    fields = ["MSH", sep, *parts[1:]]  # fields[n] is MSH-n

    def get(n: int, c: int = 1) -> str:
        value = fields[n] if n < len(fields) else ""
        pieces = value.split(rep)[0].split(comp)
        return pieces[c - 1].strip() if c - 1 < len(pieces) else ""

    header = Header(sep, comp, rep, esc, sub, get(3), get(4), get(5), get(6), parse_ts(get(7)), get(9, 1).upper(),
                    get(9, 2).upper(), get(9, 3).upper(), get(10), get(11), get(12), get(18).upper(), fields)
    if not header.control_id:
        raise Hl7Reject("MSH-10 (message control ID) is empty.", "101")
    if not header.message_code:
        raise Hl7Reject("MSH-9 (message type) is empty.", "101")
    return header


def check_supported(header: Header) -> None:
    triggers = SUPPORTED.get(header.message_code)
    if triggers is None or header.trigger not in triggers:
        known = ", ".join(f"{k}^{'/'.join(sorted(v))}" for k, v in SUPPORTED.items())
        hint = " Patient merges (A40) are done by hand." if header.trigger == "A40" else ""
        raise Hl7Reject(f"Message type {header.message_type} is not supported.{hint} We take {known}.", "200")
    if header.processing_id[:1] not in ("", "P", "T", "D"):
        raise Hl7Reject(f"Processing ID {header.processing_id!r} (MSH-11) is not P, T or D.", "202")


# --- field access on hl7apy's tree ---------------------------------------------------------------------
class Seg:
    """One segment hl7apy parsed, read by position from its text (split once: reading hl7apy's tree attribute by
    attribute costs more than the parse itself) with HL7's escaping rules."""

    def __init__(self, name: str, text: str, header: Header) -> None:
        self.name = name
        self.h = header
        parts = text.split(header.field_sep)
        # fields[n] is field n; MSH-1 is the separator itself, so MSH is shifted by one.
        self.fields = ["MSH", header.field_sep, *parts[1:]] if self.name == "MSH" else parts

    def reps(self, n: int) -> list[str]:
        """The raw ER7 text of every non-empty repetition of field n."""
        value = self.fields[n] if n < len(self.fields) else ""
        return [r for r in value.split(self.h.repetition_sep) if r != ""] if value else []

    def raw(self, n: int) -> str:
        reps = self.reps(n)
        return reps[0] if reps else ""

    def comp(self, n: int, c: int = 1, s: int = 1, rep: str | None = None) -> str:
        value = self.raw(n) if rep is None else rep
        return component(value, self.h, c, s)


def unescape(value: str, h: Header) -> str:
    e = h.escape_char
    if e not in value:
        return value
    table = {"F": h.field_sep, "S": h.component_sep, "T": h.subcomponent_sep, "R": h.repetition_sep, "E": e,
             ".br": "\n"}

    def repl(m: re.Match[str]) -> str:
        token = m.group(1)
        if token in table:
            return table[token]
        if token.startswith("X") and re.fullmatch(r"X[0-9A-Fa-f]+", token):
            try:
                return bytes.fromhex(token[1:]).decode("utf-8", "replace")
            except ValueError:
                return ""
        return ""

    return re.sub(re.escape(e) + r"(\.br|[FSTRE]|X[0-9A-Fa-f]+|[^" + re.escape(e) + r"]*)" + re.escape(e), repl, value)


def component(value: str, h: Header, c: int = 1, s: int = 1) -> str:
    if value == '""':
        return ""
    pieces = value.split(h.component_sep)
    piece = pieces[c - 1] if c - 1 < len(pieces) else ""
    subs = piece.split(h.subcomponent_sep)
    return unescape(subs[s - 1] if s - 1 < len(subs) else "", h).strip()


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _npi_of(seg: Seg, n: int) -> tuple[str, str]:
    """(NPI, 'Last, First') from an XCN field: the repetition whose identifier type (XCN-13) is NPI, else a
    10-digit XCN-1."""
    chosen = ""
    name = ""
    for rep in seg.reps(n):
        ident = component(rep, seg.h, 1)
        kind = component(rep, seg.h, 13).upper()
        if not name:
            last, first = component(rep, seg.h, 2), component(rep, seg.h, 3)
            name = ", ".join(x for x in (last, first) if x)
        if kind == "NPI" or (not chosen and len(_digits(ident)) == 10 and _digits(ident) == ident):
            chosen = ident
            if kind == "NPI":
                break
    return chosen, name


def _person(seg: Seg, n: int) -> str:
    rep = seg.raw(n)
    first, last = component(rep, seg.h, 3), component(rep, seg.h, 2)
    return " ".join(x for x in (first, last) if x) or component(rep, seg.h, 1)


# --- message -> records --------------------------------------------------------------------------------
@dataclass
class Parsed:
    header: Header
    batch: Batch
    source_time: dt.datetime | None


def parse(text: str, *, header: Header | None = None) -> Parsed:
    """Parse a decoded message into records (raises Hl7Reject for what cannot be taken at all)."""
    from hl7apy.consts import VALIDATION_LEVEL
    from hl7apy.exceptions import HL7apyException
    from hl7apy.parser import parse_message

    text = normalize(text)
    header = header or read_header(text)
    check_supported(header)
    try:
        message = parse_message(text, find_groups=False, validation_level=VALIDATION_LEVEL.TOLERANT)
    except HL7apyException as exc:
        raise Hl7Reject(f"The message could not be parsed: {exc}", "100") from exc
    except (ValueError, KeyError, IndexError) as exc:
        raise Hl7Reject(f"The message could not be parsed: {exc}", "100") from exc
    texts = text.split("\r")
    names = [s.name for s in message.children]
    if names != [t[:3] for t in texts]:  # hl7apy keeps every segment, in order, when groups are not resolved
        raise Hl7Reject("The message's segments could not be read in order.", "100")
    segments = [Seg(name, seg_text, header) for name, seg_text in zip(names, texts, strict=True)]
    evn = next((s for s in segments if s.name == "EVN"), None)
    source_time = (parse_ts(evn.comp(2)) if evn else None) or header.message_time
    reader = _Reader(header, segments, source_time)
    try:
        reader.read()
    except PydanticError as exc:
        first = exc.errors()[0]
        reader.batch.problems.append(Problem(ref=header.message_type, message=f"{'.'.join(map(str, first['loc']))}: {first['msg']}"))
    return Parsed(header, reader.batch, source_time)


class _Reader:
    def __init__(self, header: Header, segments: list[Seg], source_time: dt.datetime | None) -> None:
        self.h = header
        self.segments = segments
        self.t = source_time
        self.batch = Batch()
        self.mrn = ""

    def problem(self, ref: str, message: str, severity: str = "error") -> None:
        self.batch.problems.append(Problem(ref=ref, message=message, severity=severity))

    def first(self, name: str) -> Seg | None:
        return next((s for s in self.segments if s.name == name), None)

    def all(self, name: str) -> list[Seg]:
        return [s for s in self.segments if s.name == name]

    def read(self) -> None:
        pid = self.first("PID")
        if pid is None:
            self.problem(self.h.message_type, "The PID segment is missing.")
            return
        patient = self.patient(pid)
        if patient is None:
            return
        self.batch.patients.append(patient)
        code = self.h.message_code
        if code == "ADT":
            self.insurance()
        elif code == "DFT":
            self.charges()
        elif code == "MDM":
            self.document()
        elif code == "ORU":
            self.results()

    # PID ------------------------------------------------------------------------------------------
    def patient(self, pid: Seg) -> PatientIn | None:
        ids = pid.reps(3)
        # The MR-typed identifier; else an untyped or patient-internal one. Never a social security, licence or
        # passport number (SS, DL, PPN), which senders often repeat in PID-3.
        chosen = next((r for r in ids if component(r, self.h, 5).upper() == "MR"), "") or next(
            (r for r in ids if component(r, self.h, 5).upper() in ("", "MRN", "PI", "PT")), "")
        mrn = component(chosen, self.h, 1) or pid.comp(2) or pid.comp(4)
        if not mrn:
            self.problem("PID-3", "No medical record number (PID-3 with identifier type MR).")
            return None
        self.mrn = mrn[:30]
        present: set[str] = set()
        values: dict[str, Any] = {}

        def put(name: str, n: int, value: Any) -> None:
            if value not in ("", None):
                values[name] = value
                present.add(name)
            elif pid.raw(n) == '""':
                values[name] = ""
                present.add(name)

        put("last_name", 5, pid.comp(5, 1, 1)[:60])
        put("first_name", 5, pid.comp(5, 2)[:35])
        put("middle_name", 5, pid.comp(5, 3)[:25])
        dob_raw = pid.comp(7)
        dob = parse_date(dob_raw)
        if dob_raw and dob is None:
            self.problem("PID-7", f"Date of birth {dob_raw!r} is not a date (YYYYMMDD).")
        put("date_of_birth", 7, dob)
        sex = pid.comp(8).upper()[:1]
        put("sex", 8, {"F": "F", "M": "M"}.get(sex, "U" if sex else ""))
        put("address_line1", 11, pid.comp(11, 1, 1)[:55])
        put("address_line2", 11, pid.comp(11, 2)[:55])
        put("city", 11, pid.comp(11, 3)[:30])
        put("state", 11, pid.comp(11, 4).upper()[:2])
        put("zip_code", 11, _digits(pid.comp(11, 5))[:9])
        phone, email = "", ""
        for rep in pid.reps(13):
            if component(rep, self.h, 3).upper() in ("INTERNET", "X.400") or "@" in component(rep, self.h, 4):
                email = email or component(rep, self.h, 4)
            else:
                digits = _digits(component(rep, self.h, 6) + component(rep, self.h, 7)) or _digits(component(rep, self.h, 1))
                phone = phone or digits[-10:]
        put("phone", 13, phone)
        put("email", 13, email[:254])
        return PatientIn(ref="PID", mrn=self.mrn, source_time=self.t, fields_present=present, **values)

    # PV1 ------------------------------------------------------------------------------------------
    def encounter(self, dos: dt.date | None, provider: str = "") -> EncounterIn:
        pv1 = self.first("PV1")
        visit = pv1.comp(19) if pv1 else ""
        npi, location, referring, referring_name = provider, "", "", ""
        admit = None
        if pv1:
            npi = npi or _npi_of(pv1, 7)[0]
            location = pv1.comp(3, 1) or pv1.comp(3, 4)
            referring, referring_name = _npi_of(pv1, 8)
            admit = parse_date(pv1.comp(44))
        dos = admit or dos
        key = f"visit:{visit}" if visit else f"visit:{self.mrn}:{dos or ''}:{npi}"
        if not visit:
            self.problem("PV1-19", "No visit number (PV1-19); the visit is matched on patient, date and provider.",
                         "warning")
        return EncounterIn(ref="PV1", key=key, patient_mrn=self.mrn, provider_npi=npi, location_name=location[:60],
                           date_of_service=dos, referring_provider_npi=referring if len(referring) == 10 else "",
                           referring_provider_name=referring_name if len(referring) == 10 else "",
                           source_time=self.t)

    # ADT: IN1 / IN2 -------------------------------------------------------------------------------
    def insurance(self) -> None:
        current: CoverageIn | None = None
        order = 0
        for seg in self.segments:
            if seg.name == "IN1":
                order += 1
                current = self.coverage(seg, order)
                if current:
                    self.batch.coverages.append(current)
            elif seg.name == "IN2" and current is not None:
                if not current.member_id:
                    current.member_id = (seg.comp(8) or seg.comp(6) or seg.comp(1))[:30]
                    current.key = self._coverage_key(current)
                if current.relationship == "18" and seg.comp(72):
                    current.relationship = RELATIONSHIPS.get(seg.comp(72).upper(), "G8")

    def coverage(self, seg: Seg, order: int) -> CoverageIn | None:
        ref = f"IN1[{order}]"
        priority_raw = seg.comp(22)
        priority = int(priority_raw) if priority_raw.isdigit() and 1 <= int(priority_raw) <= 3 else min(order, 3)
        rel_raw = seg.comp(17).upper()
        relationship = RELATIONSHIPS.get(rel_raw, "G8") if rel_raw else "18"
        start, end = seg.comp(12), seg.comp(13)
        rec = CoverageIn(
            ref=ref, key="", patient_mrn=self.mrn, payer_identifier=seg.comp(3)[:20], payer_name=seg.comp(4)[:60],
            priority=priority, member_id=(seg.comp(36) or seg.comp(49))[:30], group_number=seg.comp(8)[:30],
            plan_name=(seg.comp(2, 2) or seg.comp(9) or seg.comp(15))[:60], relationship=relationship,
            effective_from=parse_date(start), effective_to=parse_date(end), source_time=self.t)
        if start and rec.effective_from is None:
            self.problem(f"{ref}-12", f"Plan effective date {start!r} is not a date.")
        if end and rec.effective_to is None:
            self.problem(f"{ref}-13", f"Plan expiration date {end!r} is not a date.")
        if relationship != "18":
            rec.subscriber_last_name = seg.comp(16, 1, 1)[:60]
            rec.subscriber_first_name = seg.comp(16, 2)[:35]
            rec.subscriber_date_of_birth = parse_date(seg.comp(18))
            sex = seg.comp(43).upper()[:1]
            rec.subscriber_sex = sex if sex in ("F", "M", "U") else ""
        rec.key = self._coverage_key(rec)
        return rec

    def _coverage_key(self, rec: CoverageIn) -> str:
        return f"in1:{self.mrn}:{(rec.payer_identifier or rec.payer_name).upper()}:{rec.member_id}"

    # DFT: FT1 / DG1 -------------------------------------------------------------------------------
    def charges(self) -> None:
        ft1s = self.all("FT1")
        if not ft1s:
            self.problem("DFT", "No FT1 segment: a DFT^P03 must carry at least one charge.")
            return
        dates = [d for d in (parse_date(s.comp(4)) for s in ft1s) if d]
        provider = next((n for n in (_npi_of(s, 20)[0] for s in ft1s) if n), "")
        enc = self.encounter(min(dates) if dates else None, provider)
        self.batch.encounters.append(enc)
        for i, dg1 in enumerate(self.all("DG1"), start=1):
            code, system = dg1.comp(3, 1), dg1.comp(3, 3).upper()
            if not self._icd_ok(f"DG1[{i}]-3", code, system):
                continue
            rank_raw = dg1.comp(15)
            self.batch.diagnoses.append(DiagnosisIn(ref=f"DG1[{i}]", encounter_key=enc.key, code=code,
                                                    rank=int(rank_raw) if rank_raw.isdigit() and 1 <= int(rank_raw) <= 12
                                                    else None, source_time=self.t))
        for i, ft1 in enumerate(ft1s, start=1):
            ref = f"FT1[{i}]"
            kind = ft1.comp(6).upper()
            if kind and kind != "CG":
                self.problem(ref, f"Transaction type {kind} is not a charge (CG); payments and adjustments come "
                                  "from 835 remittances. Skipped.", "warning")
                continue
            code = (ft1.comp(25) or ft1.comp(7)).upper()
            if not code:
                self.problem(f"{ref}-7", "No procedure code (FT1-25 or FT1-7).")
                continue
            qty_raw = ft1.comp(10)
            try:
                units = int(Decimal(qty_raw)) if qty_raw else 1
            except InvalidOperation:
                self.problem(f"{ref}-10", f"Quantity {qty_raw!r} is not a number.")
                continue
            amount = None
            for n, per_unit in ((11, False), (12, True)):
                raw = ft1.comp(n, 1, 1)
                if raw:
                    try:
                        value = Decimal(raw)
                    except InvalidOperation:
                        self.problem(f"{ref}-{n}", f"Amount {raw!r} is not a number.")
                        break
                    amount = (value * units if per_unit else value).quantize(Decimal("0.01"))
                    break
            dx_codes = []
            for rep in ft1.reps(19):
                dx, system = component(rep, self.h, 1), component(rep, self.h, 3).upper()
                if self._icd_ok(f"{ref}-19", dx, system):
                    dx_codes.append(dx)
            txn = ft1.comp(2)
            self.batch.charges.append(ChargeIn(
                ref=ref, key=f"ft1:{txn}" if txn else f"ft1:{self.h.sending_facility}:{self.h.control_id}:{i}",
                encounter_key=enc.key, code=code, modifiers=[component(r, self.h, 1).upper() for r in ft1.reps(26)],
                units=units, charge_amount=amount, diagnosis_codes=dx_codes, date_of_service=parse_date(ft1.comp(4)),
                source_time=self.t))

    def _icd_ok(self, ref: str, code: str, system: str) -> bool:
        if not code:
            return False
        if system in ICD9_SYSTEMS:
            self.problem(ref, f"{code} is an ICD-9 code; claims need ICD-10-CM.")
            return False
        if system not in ICD10_SYSTEMS:
            self.problem(ref, f"{code} is coded in {system}, not ICD-10-CM.")
            return False
        return True

    # MDM: TXA + OBX -------------------------------------------------------------------------------
    def _text(self, obxs: list[Seg]) -> str:
        lines: list[str] = []
        for obx in obxs:
            kind = obx.comp(2).upper()
            for rep in obx.reps(5):
                if kind == "ED":
                    lines.append(self._encapsulated(obx, rep))
                elif kind in ("TX", "FT", "ST", "CE", "CWE", "NM", "") or not kind:
                    lines.append(component(rep, self.h, 1) if kind in ("CE", "CWE") else unescape(rep, self.h))
                else:
                    lines.append(unescape(rep, self.h))
        return "\n".join(lines).strip()

    def _encapsulated(self, obx: Seg, rep: str) -> str:
        mime = f"{component(rep, self.h, 2)}/{component(rep, self.h, 3)}".lower()
        encoding = component(rep, self.h, 4).upper()
        data = component(rep, self.h, 5)
        if mime not in ("text/plain", "text/", "/"):
            self.problem("OBX-5", f"Embedded document of type {mime} cannot be read as text; send text/plain.")
            return ""
        if encoding in ("BASE64", "B64"):
            try:
                return base64.b64decode(data, validate=True).decode("utf-8")
            except (binascii.Error, ValueError, UnicodeDecodeError):
                self.problem("OBX-5", "Embedded document is not valid base64-encoded UTF-8 text.")
                return ""
        return data

    def document(self) -> None:
        txa = self.first("TXA")
        if txa is None:
            self.problem("MDM", "The TXA segment is missing.")
            return
        activity = parse_ts(txa.comp(4)) or parse_ts(txa.comp(6))
        npi = _npi_of(txa, 5)[0]
        enc = self.encounter(activity.date() if activity else None, npi)
        number = txa.comp(12)
        parent = txa.comp(13)
        key_number = parent if self.h.trigger == "T10" and parent else number
        text = self._text(self.all("OBX"))
        kind = NOTE_KINDS.get(txa.comp(2).upper(), "other")
        self.batch.notes.append(NoteIn(
            ref="TXA", key=f"doc:{key_number}" if key_number else f"doc:{self.h.control_id}", encounter_key=enc.key,
            kind=kind, author=_person(txa, 9) or _person(txa, 5), text=text, encounter=enc,
            source_time=self.t))

    # ORU: OBR + OBX -------------------------------------------------------------------------------
    def results(self) -> None:
        groups: list[tuple[Seg, list[Seg]]] = []
        for seg in self.segments:
            if seg.name == "OBR":
                groups.append((seg, []))
            elif seg.name == "OBX" and groups:
                groups[-1][1].append(seg)
        if not groups:
            self.problem("ORU", "No OBR segment: nothing to attach.")
            return
        obr0 = groups[0][0]
        observed = parse_ts(obr0.comp(7))
        ordering = _npi_of(obr0, 16)[0]
        enc = self.encounter(observed.date() if observed else None, ordering)
        statuses = {"P": "preliminary", "F": "final", "C": "corrected", "A": "amended", "X": "cancelled"}
        for i, (obr, obxs) in enumerate(groups, start=1):
            status = obr.comp(25).upper()
            if status == "X":
                self.problem(f"OBR[{i}]", "Result cancelled (OBR-25 = X); nothing attached.", "warning")
                continue
            title = obr.comp(4, 2) or obr.comp(4, 1) or "Result"
            body = self._text(obxs)
            text = f"{title} ({statuses.get(status, 'result')})\n{body}" if body else ""
            number = obr.comp(3) or obr.comp(2)
            reported = parse_ts(obr.comp(22)) or self.t
            self.batch.notes.append(NoteIn(
                ref=f"OBR[{i}]", key=f"result:{number}" if number else f"result:{self.h.control_id}:{i}",
                encounter_key=enc.key, kind="pathology", author=" ".join(x for x in (obr.comp(32, 1, 3), obr.comp(32, 1, 2)) if x)
                or _person(obr, 16), text=text,
                encounter=enc, source_time=reported))


def ack_codec(raw: bytes) -> str:
    """The codec to answer in: the one the message declared in MSH-18 (UTF-8 when none or unreadable)."""
    try:
        first = re.split(rb"[\r\n]", raw[raw.find(b"MSH"):], maxsplit=1)[0]
        parts = first.split(first[3:4])
        declared = parts[17].decode("ascii", "replace").split(chr(first[4]))[0].strip().upper() if len(parts) > 17 else ""
    except (IndexError, ValueError):
        return "utf-8"
    return CHARSETS.get(declared, "utf-8")
