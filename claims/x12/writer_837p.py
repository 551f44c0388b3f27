"""Our own X12 837P (005010X222A1) writer: claim snapshots in, one interchange out.

Why our own: the Python packages that build 837s wrote the wrong guide version, an ICD-9 qualifier, or
files pyx12 rejects; pyx12 itself only validates (the tests validate every shape we write with it).

One file = one interchange (ISA/IEA) = one functional group (GS/GE) = one transaction (ST/SE) for one
payer, with one billing provider (the practice). Each claim gets its own subscriber HL (2000B) and,
when the patient is not the subscriber, a patient HL (2000C). Control numbers are given by the caller
(`claims.services` takes them from a PostgreSQL sequence, so they are unique and never reused).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from claims.snapshot import Address, Adjustment, ClaimSnap, OtherPayer

GUIDE = "005010X222A1"


class X12DataError(ValueError):
    """A claim lacks something the 837P must carry; `problems` says what, claim by claim."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Delimiters:
    element: str = "*"
    component: str = ":"
    segment: str = "~"
    repetition: str = "^"

    def __post_init__(self) -> None:
        chars = [self.element, self.component, self.segment, self.repetition]
        if any(len(c) != 1 or c.isalnum() or c == " " for c in chars) or len(set(chars)) != 4:
            raise ValueError("delimiters must be four distinct single non-alphanumeric characters")


@dataclass(frozen=True)
class Envelope:
    control_number: int  # ISA13 = GS06 = ST02 (zero-padded), unique per file
    sender_id: str
    receiver_id: str
    submitter_name: str
    submitter_id: str
    submitter_contact: str
    receiver_name: str
    submitter_phone: str = ""
    submitter_email: str = ""
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    usage: str = "T"  # ISA15: T test, P production
    created: dt.datetime = field(default_factory=dt.datetime.now)
    delimiters: Delimiters = field(default_factory=Delimiters)
    line_break: bool = False  # a newline after each segment terminator, for people reading the file

    def __post_init__(self) -> None:
        if not 1 <= self.control_number <= 999_999_999:
            raise ValueError("interchange control number must be 1..999999999")
        if self.usage not in ("T", "P"):
            raise ValueError("usage must be T or P")


_SPACES = re.compile(r"\s+")


def _d8(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"  # strftime's %Y, without its per-call cost


@functools.lru_cache(maxsize=8192)
def _amount(value: Decimal) -> str:
    """X12 R type: no trailing zeros after the point, no point when whole (160.50 -> 160.5).

    Cached: a file repeats the same few hundred charge amounts thousands of times."""
    q = Decimal(value).quantize(Decimal("0.01"))
    text = f"{q:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


_NOT_DIGITS = re.compile(r"\D")


class _Writer:
    def __init__(self, env: Envelope) -> None:
        self.env = env
        self.d = env.delimiters
        self.segments: list[str] = []
        bad = {self.d.element, self.d.component, self.d.segment, self.d.repetition, "\r", "\n", "\t"}
        self._table = str.maketrans(dict.fromkeys(bad, " "))
        # Cleaned text by (value, max_len): names, addresses and IDs repeat across a file's claims.
        self._cleaned: dict[tuple[str, int | None], str] = {}
        # Whole segments already written for an address or a name (the practice, facilities, providers, payer).
        self._addresses: dict[Address, tuple[str, ...]] = {}
        self._names: dict[tuple[str, ...], str] = {}

    def clean(self, value: object, max_len: int | None = None) -> str:
        """ASCII, upper case, no delimiter characters (replaced by spaces), single spaces, at most max_len."""
        if value.__class__ is str:
            key = (value, max_len)
            done = self._cleaned.get(key)
            if done is None:
                done = self._cleaned[key] = self._clean(value, max_len)  # type: ignore[arg-type]
            return done
        return self._clean(str(value), max_len)

    def _clean(self, text: str, max_len: int | None) -> str:
        if not text.isascii():
            text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        text = text.translate(self._table)
        if "  " in text:
            text = _SPACES.sub(" ", text)
        text = text.strip().upper()
        return text[:max_len].rstrip() if max_len else text

    def seg(self, *elements: object) -> None:
        parts = [e if e.__class__ is str else ("" if e is None else str(e)) for e in elements]
        while len(parts) > 1 and not parts[-1]:
            parts.pop()
        self.segments.append(self.d.element.join(parts))  # type: ignore[arg-type]

    def comp(self, *parts: object) -> str:
        items = [p if p.__class__ is str else str(p) for p in parts]
        while items and not items[-1]:
            items.pop()
        return self.d.component.join(items)  # type: ignore[arg-type]

    # --- reusable pieces --------------------------------------------------------------------
    def address(self, addr: Address) -> None:
        done = self._addresses.get(addr)
        if done is None:
            start = len(self.segments)
            if addr.line2:
                self.seg("N3", self.clean(addr.line1, 55), self.clean(addr.line2, 55))
            else:
                self.seg("N3", self.clean(addr.line1, 55))
            self.seg("N4", self.clean(addr.city, 30), self.clean(addr.state, 2), _NOT_DIGITS.sub("", addr.zip_code))
            self._addresses[addr] = tuple(self.segments[start:])
        else:
            self.segments.extend(done)

    def person(self, entity: str, last: str, first: str, middle: str = "", id_qual: str = "", ident: str = "") -> None:
        key = (entity, last, first, middle, id_qual, ident)
        done = self._names.get(key)
        if done is None:
            self.seg("NM1", entity, "1", self.clean(last, 60), self.clean(first, 35), self.clean(middle, 25), "", "",
                     id_qual, self.clean(ident, 80) if ident else "")
            self._names[key] = self.segments[-1]
        else:
            self.segments.append(done)

    def org(self, entity: str, name: str, id_qual: str = "", ident: str = "") -> None:
        key = (entity, name, id_qual, ident)
        done = self._names.get(key)
        if done is None:
            self.seg("NM1", entity, "2", self.clean(name, 60), "", "", "", "", id_qual, self.clean(ident, 80) if ident else "")
            self._names[key] = self.segments[-1]
        else:
            self.segments.append(done)

    def cas(self, adjustments: Iterable[Adjustment]) -> None:
        by_group: dict[str, list[Adjustment]] = {}
        for a in adjustments:
            by_group.setdefault(a.group, []).append(a)
        for group, items in by_group.items():
            for i in range(0, len(items), 6):
                triplets: list[str] = []
                for a in items[i:i + 6]:
                    triplets += [self.clean(a.reason, 5), _amount(a.amount), ""]
                self.seg("CAS", group, *triplets)


def check_claim(claim: ClaimSnap) -> list[str]:
    """What would make this claim's 837P invalid (beyond what the scrubber reports)."""
    who = f"Claim {claim.pcn}"
    problems = []
    if not claim.lines:
        problems.append(f"{who}: no service lines")
    if not claim.diagnosis_codes:
        problems.append(f"{who}: no diagnosis")
    if not claim.payer_id:
        problems.append(f"{who}: the payer has no payer ID")
    if not claim.member_id:
        problems.append(f"{who}: no member ID")
    if len(re.sub(r"\D", "", claim.billing_address.zip_code)) != 9:
        problems.append(f"{who}: the billing provider's ZIP code must have 9 digits (ZIP+4)")
    if not claim.billing_address.line1 or not claim.billing_address.city:
        problems.append(f"{who}: the billing provider's address is incomplete")
    if not claim.facility_address.line1 or not claim.facility_address.city:
        problems.append(f"{who}: the service facility's address is incomplete")
    if not claim.patient_address.line1 or claim.patient_date_of_birth is None:
        problems.append(f"{who}: the patient's address or date of birth is missing")
    if not claim.patient_is_subscriber and not (claim.subscriber_last_name and claim.subscriber_first_name):
        problems.append(f"{who}: the subscriber's name is missing")
    if claim.frequency in ("7", "8") and not claim.original_payer_claim_number:
        problems.append(f"{who}: a corrected claim needs the payer's original claim number")
    if not (len(claim.place_of_service) == 2 and claim.place_of_service.isdigit()):
        problems.append(f"{who}: no place of service")
    for line in claim.lines:
        if not line.pointers or any(not 1 <= p <= len(claim.diagnosis_codes) for p in line.pointers):
            problems.append(f"{who} line {line.line_number}: diagnosis pointer does not point at a diagnosis")
        if line.units < 1:
            problems.append(f"{who} line {line.line_number}: units must be positive")
    if len(claim.diagnosis_codes) > 12:
        problems.append(f"{who}: more than 12 diagnoses")
    return problems


def write_837p(claims: Sequence[ClaimSnap], env: Envelope, *, checked: bool = False) -> str:
    """The whole interchange as text. All claims must share one payer and one billing provider.

    `checked`: the caller already ran `check_claim` on every claim (the exporter does, to report them all).
    """
    if not claims:
        raise X12DataError(["no claims to write"])
    problems = [] if checked else [p for c in claims for p in check_claim(c)]
    if len({c.payer_pk for c in claims}) > 1:
        problems.append("claims for more than one payer cannot share a file")
    if len({c.billing_npi for c in claims}) > 1:
        problems.append("claims for more than one billing provider cannot share a file")
    phone = re.sub(r"\D", "", env.submitter_phone)
    if not phone and not env.submitter_email:
        problems.append("the submitter needs a contact phone or email (practice phone)")
    if problems:
        raise X12DataError(problems)

    w = _Writer(env)
    d = env.delimiters
    ctrl = f"{env.control_number:09d}"
    now = env.created
    first = claims[0]
    w.segments.append(d.element.join([
        "ISA", "00", " " * 10, "00", " " * 10, env.sender_qualifier, w.clean(env.sender_id, 15).ljust(15),
        env.receiver_qualifier, w.clean(env.receiver_id, 15).ljust(15), now.strftime("%y%m%d"), now.strftime("%H%M"),
        d.repetition, "00501", ctrl, "0", env.usage, d.component]))
    w.seg("GS", "HC", w.clean(env.sender_id, 15), w.clean(env.receiver_id, 15), now.strftime("%Y%m%d"),
          now.strftime("%H%M"), str(env.control_number), "X", GUIDE)
    st_index = len(w.segments)
    w.seg("ST", "837", ctrl, GUIDE)
    w.seg("BHT", "0019", "00", ctrl, now.strftime("%Y%m%d"), now.strftime("%H%M"), "CH")
    # 1000A submitter, 1000B receiver
    w.org("41", env.submitter_name, "46", env.submitter_id)
    if phone:
        w.seg("PER", "IC", w.clean(env.submitter_contact, 60), "TE", phone[:10])
    else:
        w.seg("PER", "IC", w.clean(env.submitter_contact, 60), "EM", env.submitter_email.strip())
    w.org("40", env.receiver_name, "46", env.receiver_id)
    # 2000A billing provider
    hl = 1
    w.seg("HL", hl, "", "20", "1")
    billing_hl = hl
    if first.billing_taxonomy:
        w.seg("PRV", "BI", "PXC", first.billing_taxonomy)
    w.org("85", first.billing_name, "XX", first.billing_npi)
    w.address(first.billing_address)
    w.seg("REF", "EI", first.billing_tax_id)

    for claim in claims:
        hl += 1
        subscriber_hl = hl
        has_patient = not claim.patient_is_subscriber
        w.seg("HL", subscriber_hl, billing_hl, "22", "1" if has_patient else "0")
        w.seg("SBR", claim.responsibility, "18" if not has_patient else "", w.clean(claim.group_number, 50), "", "", "",
              "", "", claim.filing_indicator)
        if has_patient:
            w.person("IL", claim.subscriber_last_name, claim.subscriber_first_name, "", "MI", claim.member_id)
        else:
            w.person("IL", claim.patient_last_name, claim.patient_first_name, claim.patient_middle_name, "MI",
                     claim.member_id)
            w.address(claim.patient_address)
            assert claim.patient_date_of_birth is not None
            w.seg("DMG", "D8", _d8(claim.patient_date_of_birth), claim.patient_sex or "U")
        w.org("PR", claim.payer_name, "PI", claim.payer_id)
        if has_patient:
            hl += 1
            w.seg("HL", hl, subscriber_hl, "23", "0")
            w.seg("PAT", claim.relationship)
            w.person("QC", claim.patient_last_name, claim.patient_first_name, claim.patient_middle_name)
            w.address(claim.patient_address)
            assert claim.patient_date_of_birth is not None
            w.seg("DMG", "D8", _d8(claim.patient_date_of_birth), claim.patient_sex or "U")
        _write_claim(w, claim)

    w.seg("SE", str(len(w.segments) - st_index + 1), ctrl)
    w.seg("GE", "1", str(env.control_number))
    w.seg("IEA", "1", ctrl)
    sep = d.segment + ("\n" if env.line_break else "")
    return sep.join(w.segments) + sep


def _write_claim(w: _Writer, claim: ClaimSnap) -> None:
    c = w.comp
    w.seg("CLM", w.clean(claim.pcn, 38), _amount(claim.total_charge), "", "",
          c(claim.place_of_service, "B", claim.frequency), "Y", "A", "Y", "Y")
    if claim.onset_date:
        w.seg("DTP", "431", "D8", _d8(claim.onset_date))
    if claim.prior_authorization:
        w.seg("REF", "G1", w.clean(claim.prior_authorization, 50))
    if claim.frequency in ("7", "8"):
        w.seg("REF", "F8", w.clean(claim.original_payer_claim_number, 50))
    hi = [c("ABK" if i == 0 else "ABF", code.replace(".", "")) for i, code in enumerate(claim.diagnosis_codes[:12])]
    w.seg("HI", *hi)
    # 2310A referring, 2310B rendering, 2310C service facility
    if claim.referring_npi and claim.referring_name:
        last, _, first = claim.referring_name.partition(",")
        w.person("DN", last.strip(), first.strip(), "", "XX", claim.referring_npi)
    w.person("82", claim.rendering_last_name, claim.rendering_first_name, "", "XX", claim.rendering_npi)
    if claim.rendering_taxonomy:
        w.seg("PRV", "PE", "PXC", claim.rendering_taxonomy)
    if claim.facility_npi:
        w.org("77", claim.facility_name, "XX", claim.facility_npi)
    else:
        w.org("77", claim.facility_name)
    w.address(claim.facility_address)
    if claim.other_payer is not None:
        _write_other_payer(w, claim, claim.other_payer)
    adjudicated = {la.line_control_number: la for la in (claim.other_payer.lines if claim.other_payer else ())}
    e = w.d.element
    segments = w.segments
    for n, line in enumerate(claim.lines, start=1):
        segments.append(f"LX{e}{n}")
        proc = c("HC", line.code, *line.modifiers[:4])
        pos = line.place_of_service if line.place_of_service != claim.place_of_service else ""
        w.seg("SV1", proc, _amount(line.charge), "UN", line.units, pos, "", c(*line.pointers[:4]))
        segments.append(f"DTP{e}472{e}D8{e}{_d8(line.date_of_service)}")
        if line.line_control_number:
            w.seg("REF", "6R", w.clean(line.line_control_number, 50))
        la = adjudicated.get(line.line_control_number)
        if la is not None and claim.other_payer is not None:
            w.seg("SVD", w.clean(claim.other_payer.payer_id, 80), _amount(la.paid), c("HC", la.code, *la.modifiers[:4]),
                  "", la.units)
            w.cas(la.adjustments)
            w.seg("DTP", "573", "D8", _d8(la.adjudication_date or claim.other_payer.adjudication_date))


def _write_other_payer(w: _Writer, claim: ClaimSnap, other: OtherPayer) -> None:
    """Loops 2320 (other subscriber), 2330A (other subscriber name), 2330B (other payer)."""
    w.seg("SBR", other.responsibility, other.relationship, w.clean(other.group_number, 50), "", "", "", "", "",
          other.filing_indicator)
    w.cas(other.claim_adjustments)
    w.seg("AMT", "D", _amount(other.paid))
    w.seg("OI", "", "", "Y", "", "", "Y")
    w.person("IL", other.subscriber_last_name, other.subscriber_first_name, "", "MI", other.member_id)
    w.org("PR", other.payer_name, "PI", other.payer_id)
    if not other.lines:
        w.seg("DTP", "573", "D8", _d8(other.adjudication_date))
