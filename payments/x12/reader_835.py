"""Read an X12 835 (005010X221A1) into pydantic models; the rest of the app never sees segments.

oxedi (Rust core) indexes the file whatever its delimiters, checks its structure and the three balancing
rules of the guide (service: SVC02 - SVC03 = Σ CAS; claim: CLP03 - CLP04 = Σ CAS; transaction: BPR02 =
Σ CLP04 - Σ PLB), and keeps every byte. We walk its indexed segments once to build the models (its
ready-made tables leave out modifiers, LQ remarks, MOA, SVC06 and the crossover payer, which posting
needs). A file with any structural error or balancing failure comes back with `problems`, and the
services store it and post nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import oxedi
from pydantic import BaseModel, ConfigDict, Field

from claims.x12.segments import without_gc

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


class Cas(BaseModel):
    """One adjustment of a CAS segment: group (CO, PR, OA, PI, CR), reason (CARC), amount, quantity."""

    model_config = ConfigDict(frozen=True)

    group: str
    reason: str
    amount: Decimal
    quantity: Decimal | None = None


class RemitServiceIn(BaseModel):
    """One SVC loop (2110)."""

    qualifier: str = "HC"
    code: str
    modifiers: list[str] = Field(default_factory=list)
    charge: Decimal
    paid: Decimal
    revenue_code: str = ""
    units_paid: Decimal = Decimal("1")
    original_code: str = ""  # SVC06: the code as submitted when the payer changed or bundled it
    original_modifiers: list[str] = Field(default_factory=list)
    original_units: Decimal | None = None
    service_date: dt.date | None = None
    service_date_end: dt.date | None = None
    line_control_number: str = ""
    allowed: Decimal | None = None
    adjustments: list[Cas] = Field(default_factory=list)
    remarks: list[str] = Field(default_factory=list)

    def cas_total(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)


class RemitClaimIn(BaseModel):
    """One CLP loop (2100)."""

    pcn: str
    status_code: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal = ZERO
    filing_indicator: str = ""
    payer_claim_number: str = ""
    facility_code: str = ""
    frequency: str = ""
    patient_last_name: str = ""
    patient_first_name: str = ""
    patient_member_id: str = ""
    crossover_payer_name: str = ""  # NM1*TT: the payer the claim was forwarded to
    crossover_payer_id: str = ""
    statement_from: dt.date | None = None
    statement_to: dt.date | None = None
    received_date: dt.date | None = None
    adjustments: list[Cas] = Field(default_factory=list)
    remarks: list[str] = Field(default_factory=list)  # MOA / MIA remark codes
    services: list[RemitServiceIn] = Field(default_factory=list)

    def cas_total(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)


class ProviderAdjustmentIn(BaseModel):
    """One adjustment of a PLB segment."""

    model_config = ConfigDict(frozen=True)

    provider_id: str
    fiscal_date: dt.date | None = None
    reason: str
    reference: str = ""
    amount: Decimal


class RemitTransactionIn(BaseModel):
    """One ST…SE: a payment (BPR/TRN) from one payer, its claims and provider-level adjustments."""

    control_number: str
    handling_code: str = ""
    total_paid: Decimal
    credit_debit: str = "C"
    payment_method: str = ""
    payment_date: dt.date | None = None
    trace_number: str = ""
    payer_identifier: str = ""
    production_date: dt.date | None = None
    payer_name: str = ""
    payer_id: str = ""  # N1*PR … REF*2U / N104
    payee_name: str = ""
    payee_npi: str = ""
    payee_tax_id: str = ""
    claims: list[RemitClaimIn] = Field(default_factory=list)
    provider_adjustments: list[ProviderAdjustmentIn] = Field(default_factory=list)

    def identity(self) -> str:
        """The same payment in any file: payer, trace, amount, date, and its claims' numbers and amounts."""
        h = hashlib.sha256()
        h.update(f"{self.payer_identifier}|{self.payer_id}|{self.trace_number}|{self.total_paid}|{self.payment_date}".encode())
        for c in self.claims:
            h.update(f"|{c.pcn}:{c.status_code}:{c.charge}:{c.paid}:{c.payer_claim_number}".encode())
        for p in self.provider_adjustments:
            h.update(f"|{p.reason}:{p.reference}:{p.amount}".encode())
        return h.hexdigest()


class Remit(BaseModel):
    """A whole 835 interchange."""

    interchange_control: str = ""
    sender_id: str = ""
    receiver_id: str = ""
    transactions: list[RemitTransactionIn] = Field(default_factory=list)


class ReadResult(BaseModel):
    remit: Remit | None = None
    problems: list[str] = Field(default_factory=list)  # blocking: nothing may be posted
    warnings: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.remit is not None and not self.problems


class _Bad(ValueError):
    pass


_M = TypeVar("_M", bound=BaseModel)
_SCALAR_DEFAULTS: dict[type, dict[str, Any]] = {}


def _build(cls: type[_M], **values: Any) -> _M:
    """`model_construct` for our own plain models, without its per-field loop (~70,000 models in a large file).

    Only for values this module has already typed; list fields must be passed (their defaults are factories)."""
    defaults = _SCALAR_DEFAULTS.get(cls)
    if defaults is None:
        defaults = _SCALAR_DEFAULTS[cls] = {name: f.default for name, f in cls.model_fields.items()
                                            if not f.is_required() and f.default_factory is None}
    m = cls.__new__(cls)
    object.__setattr__(m, "__dict__", {**defaults, **values})
    object.__setattr__(m, "__pydantic_fields_set__", set(values))
    object.__setattr__(m, "__pydantic_extra__", None)
    object.__setattr__(m, "__pydantic_private__", None)
    return m


def _s(value: bytes | list[bytes] | None) -> str:
    if value.__class__ is bytes:
        return value.decode("latin-1").strip()  # type: ignore[union-attr]
    if value is None:
        return ""
    return ":".join(v.decode("latin-1") for v in value)  # type: ignore[union-attr]


def _where(at: tuple[int, bytes]) -> str:
    """'segment N (ID)' for a message; built only when there is one (half a million segments in 10 MB)."""
    return f"segment {at[0] + 1} ({at[1].decode('latin-1')})"


def _e(elements: list, i: int) -> str:
    """Element i (1-based) as stripped text, '' when absent: `_s(_el(...))` in one call (the hot path)."""
    if len(elements) < i:
        return ""
    value = elements[i - 1]
    if value.__class__ is bytes:
        return value.decode("latin-1").strip()
    if value is None:
        return ""
    return ":".join(v.decode("latin-1") for v in value)


def _money(value: bytes | list[bytes] | None, where: tuple[int, bytes]) -> Decimal:
    text = _s(value)
    if not text:
        return ZERO
    try:
        return Decimal(text).quantize(CENT)
    except InvalidOperation as exc:
        raise _Bad(f"{_where(where)}: {text!r} is not an amount") from exc


def _num(value: bytes | list[bytes] | None) -> Decimal | None:
    text = _s(value)
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _date(value: bytes | list[bytes] | None) -> dt.date | None:
    text = _s(value)
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def _el(elements: list, i: int) -> bytes | list[bytes] | None:
    """Element i (1-based, as in the guide), or None when absent."""
    return elements[i - 1] if len(elements) >= i else None


def _composite(value: bytes | list[bytes] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [v.decode("latin-1").strip() for v in value]
    return [value.decode("latin-1").strip()]


def _cas(elements: list, where: tuple[int, bytes]) -> list[Cas]:
    """CAS01 group, then up to six (reason, amount, quantity) triples (the hot path: ~30,000 in a large file)."""
    group = _s(elements[0]) if elements else ""
    out = []
    n = len(elements)
    for i in range(1, min(n, 19), 3):
        reason = elements[i]
        if not reason or reason.__class__ is not bytes:
            continue
        amount = elements[i + 1] if i + 1 < n else None
        quantity = elements[i + 2] if i + 2 < n else None
        out.append(_build(Cas, group=group, reason=reason.decode("latin-1"), amount=_money(amount, where),
                          quantity=_num(quantity) if quantity else None))
    return out


def _blocking(diag: oxedi.Diagnostic) -> bool:
    return diag.kind == "BalanceMismatch" or diag.level <= 2


@without_gc
def read_835(data: bytes | str) -> ReadResult:
    """Parse, check and model an 835. Never raises for bad input: problems say what is wrong and where."""
    raw = data.encode("latin-1") if isinstance(data, str) else data
    if not raw.strip():
        return ReadResult(problems=["The file is empty."])
    try:
        parsed = oxedi.parse(raw.lstrip())
    except (oxedi.ParseError, ValueError) as exc:
        return ReadResult(problems=[f"Not a readable X12 file: {exc}"])
    problems: list[str] = []
    warnings: list[str] = []
    for diag in parsed.diagnostics:
        text = f"segment {diag.segment + 1 if diag.segment is not None else 'end'}: {diag.rule}"
        (problems if _blocking(diag) else warnings).append(text)
    try:
        remit = _walk(parsed.document)
    except _Bad as exc:
        return ReadResult(problems=[*problems, str(exc)], warnings=warnings)
    if not remit.transactions:
        problems.append("The file holds no 835 transaction (ST*835).")
    return ReadResult(remit=remit, problems=problems, warnings=warnings)


def _walk(doc: oxedi.Document) -> Remit:
    """One pass over the segments; the branches are ordered by how often each segment occurs.

    Claim and service fields are written to the models' `__dict__` (pydantic's `__setattr__` costs a
    Python call per field, ~300,000 of them in 10 MB); the values are already typed here."""
    remit = Remit()
    txn: RemitTransactionIn | None = None
    claim: RemitClaimIn | None = None
    svc: RemitServiceIn | None = None
    claim_d: dict[str, Any] = {}
    svc_d: dict[str, Any] = {}
    party = ""  # the N1 loop we are in: PR (payer) or PE (payee)
    for index in range(len(doc)):
        seg = doc[index]
        sid = seg.id
        el = seg.elements
        where = (index, sid)
        if txn is None and sid != b"ST":
            if sid == b"ISA":
                remit.interchange_control = _e(el, 13)
                remit.sender_id = _e(el, 6)
                remit.receiver_id = _e(el, 8)
            continue
        if sid == b"CAS":
            if claim is not None:
                (svc.adjustments if svc is not None else claim.adjustments).extend(_cas(el, where))
        elif sid == b"SVC":
            if claim is not None:
                proc = _composite(_el(el, 1))
                orig = _composite(_el(el, 6))
                svc = _build(RemitServiceIn,
                    qualifier=proc[0] if proc else "", code=proc[1] if len(proc) > 1 else "",
                    modifiers=[m for m in proc[2:6] if m], charge=_money(_el(el, 2), where),
                    paid=_money(_el(el, 3), where), revenue_code=_e(el, 4), units_paid=_num(_el(el, 5)) or Decimal("1"),
                    original_code=orig[1] if len(orig) > 1 else "", original_modifiers=[m for m in orig[2:6] if m],
                    original_units=_num(_el(el, 7)), adjustments=[], remarks=[])
                svc_d = svc.__dict__
                claim.services.append(svc)
        elif sid == b"DTM":
            qual = _e(el, 1)
            if claim is None:
                if qual == "405":
                    txn.production_date = _date(_el(el, 2))
            elif svc is not None:
                if qual in ("472", "150"):
                    svc_d["service_date"] = _date(_el(el, 2))
                elif qual == "151":
                    svc_d["service_date_end"] = _date(_el(el, 2))
            elif qual == "232":
                claim_d["statement_from"] = _date(_el(el, 2))
            elif qual == "233":
                claim_d["statement_to"] = _date(_el(el, 2))
            elif qual == "050":
                claim_d["received_date"] = _date(_el(el, 2))
        elif sid == b"REF":
            if claim is None:
                if party == "PR" and _e(el, 1) == "2U" and not txn.payer_id:
                    txn.payer_id = _e(el, 2)
                elif party == "PE" and _e(el, 1) == "TJ":
                    txn.payee_tax_id = _e(el, 2)
            elif svc is not None and _e(el, 1) == "6R":
                svc_d["line_control_number"] = _e(el, 2)
        elif sid == b"AMT":
            if svc is not None and _e(el, 1) == "B6":
                svc_d["allowed"] = _money(_el(el, 2), where)
        elif sid == b"LQ":
            if svc is not None:
                svc.remarks.append(_e(el, 2))
        elif sid == b"CLP":
            svc = None
            claim = _build(RemitClaimIn,
                pcn=_e(el, 1), status_code=_e(el, 2), charge=_money(_el(el, 3), where),
                paid=_money(_el(el, 4), where), patient_responsibility=_money(_el(el, 5), where),
                filing_indicator=_e(el, 6), payer_claim_number=_e(el, 7), facility_code=_e(el, 8),
                frequency=_e(el, 9), adjustments=[], remarks=[], services=[])
            claim_d = claim.__dict__
            txn.claims.append(claim)
        elif sid == b"NM1":
            if claim is not None and svc is None:
                role = _e(el, 1)
                if role == "QC":
                    claim_d["patient_last_name"] = _e(el, 3)
                    claim_d["patient_first_name"] = _e(el, 4)
                    claim_d["patient_member_id"] = _e(el, 9)
                elif role == "TT":
                    claim_d["crossover_payer_name"] = _e(el, 3)
                    claim_d["crossover_payer_id"] = _e(el, 9)
        elif sid == b"LX":
            claim = svc = None
        elif sid == b"MOA" or sid == b"MIA":
            if claim is not None:
                positions = range(3, 8) if sid == b"MOA" else (5, 20, 21, 22, 23)
                claim.remarks += [code for code in (_e(el, i) for i in positions) if code]
        elif sid == b"ST":
            if _e(el, 1) != "835":
                raise _Bad(f"{_where(where)}: transaction set {_e(el, 1)!r} is not an 835")
            txn = _build(RemitTransactionIn, control_number=_e(el, 2), total_paid=ZERO, claims=[],
                         provider_adjustments=[])
            remit.transactions.append(txn)
            claim = svc = None
            party = ""
        elif sid == b"BPR":
            txn.handling_code = _e(el, 1)
            txn.total_paid = _money(_el(el, 2), where)
            txn.credit_debit = _e(el, 3)
            txn.payment_method = _e(el, 4)
            txn.payment_date = _date(_el(el, 16))
        elif sid == b"TRN":
            txn.trace_number = _e(el, 2)
            txn.payer_identifier = _e(el, 3)
        elif sid == b"N1":
            if claim is None:
                party = _e(el, 1)
                if party == "PR":
                    txn.payer_name = _e(el, 2)
                    txn.payer_id = _e(el, 4)
                elif party == "PE":
                    txn.payee_name = _e(el, 2)
                    if _e(el, 3) == "XX":
                        txn.payee_npi = _e(el, 4)
                    elif _e(el, 3) == "FI":
                        txn.payee_tax_id = _e(el, 4)
        elif sid == b"PLB":
            claim = svc = None
            provider_id, fiscal = _e(el, 1), _date(_el(el, 2))
            for i in range(3, 15, 2):
                ident = _composite(_el(el, i))
                if not ident or not ident[0]:
                    continue
                txn.provider_adjustments.append(ProviderAdjustmentIn(
                    provider_id=provider_id, fiscal_date=fiscal, reason=ident[0],
                    reference=ident[1] if len(ident) > 1 else "", amount=_money(_el(el, i + 1), where)))
        elif sid == b"SE":
            claim = svc = None
        elif sid == b"ISA":  # a later interchange in the same file
            remit.interchange_control = _e(el, 13)
            remit.sender_id = _e(el, 6)
            remit.receiver_id = _e(el, 8)
    return remit


def totals(remit: Remit) -> dict[str, Decimal | int]:
    """Figures of a whole file (for summaries and tests)."""
    claims: Iterable[RemitClaimIn] = [c for t in remit.transactions for c in t.claims]
    claims = list(claims)
    return {"transactions": len(remit.transactions), "claims": len(claims),
            "lines": sum(len(c.services) for c in claims),
            "paid": sum((c.paid for c in claims), ZERO),
            "plb": sum((p.amount for t in remit.transactions for p in t.provider_adjustments), ZERO)}
