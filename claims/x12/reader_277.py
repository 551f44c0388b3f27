"""Read claim acknowledgements (277CA, 005010X214) and claim status responses (277, 005010X212).

Both become the same models: one `ClaimStatusIn` per claim (TRN02 = our patient control number) with its
STC statuses (category, status and entity codes, action code, amounts, the payer's free text), the
payer's claim number (REF*1K), the clearinghouse trace (REF*D9) and line-level statuses (REF*FJ = our
line control number).

- 277CA: pyx12 validates the file against the X214 guide (`validate=True`); x12sdk has no 277CA model,
  so we walk the segments ourselves.
- 277: x12sdk reads it into its pydantic models (its X212 model keeps every STC element, the REFs and the
  service lines, which is all we need); we map those models onto ours. pyx12 ships no 005010X212 map.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, Field

from claims.x12.segments import PAD, Interchange, X12SyntaxError, ccyymmdd, parse_interchange
from rcm.fast_models import build
from rcm.gc_pause import without_gc

ACCEPTED_CATEGORIES = frozenset({"A1", "A2", "A5"})
REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8"})
FINAL_CATEGORIES = frozenset({"F0", "F1", "F2", "F3", "F3F", "F3N", "F4"})
PENDING_CATEGORIES = frozenset({"P0", "P1", "P2", "P3", "P4", "P5"})
# What an entity identifier in STC01-3 names, and where that is in our 837P (loop, segment, claim field).
ENTITY_POINTERS: dict[str, tuple[str, str, str]] = {
    "85": ("2010AA", "NM1*85", "billing_npi"),
    "82": ("2310B", "NM1*82", "rendering_npi"),
    "77": ("2310C", "NM1*77", "facility"),
    "DN": ("2310A", "NM1*DN", "referring_provider_npi"),
    "IL": ("2010BA", "NM1*IL", "member_id"),
    "QC": ("2010CA", "NM1*QC", "relationship"),
    "PR": ("2010BB", "NM1*PR", "payer"),
    "41": ("1000A", "NM1*41", ""),
    "40": ("1000B", "NM1*40", ""),
}
# Claim status codes that name one data element of the claim: loop, segment, claim field.
STATUS_POINTERS: dict[str, tuple[str, str, str]] = {
    "562": ("", "NM109", ""),  # an NPI: the entity says whose
    "164": ("2010BA", "NM109", "member_id"),
    "163": ("2000B", "SBR03", "group_number"),
    "156": ("2000C", "PAT01", "relationship"),
    "158": ("2010BA", "DMG02", "subscriber_date_of_birth"),
    "187": ("2400", "DTP*472", "date_of_service"),
    "254": ("2300", "HI01", "diagnosis_codes"),
    "255": ("2300", "HI", "diagnosis_codes"),
    "453": ("2400", "SV101-3", "modifiers"),
    "454": ("2400", "SV101-2", "code"),
    "252": ("2300", "REF*G1", "prior_authorization"),
    "145": ("2300", "CLM06", ""),
}


class Status(BaseModel):
    category: str  # STC01-1 (A1, A2, A7, F1, P1 …)
    status: str = ""  # STC01-2 claim status code
    entity: str = ""  # STC01-3 entity identifier
    effective_date: dt.date | None = None
    action_code: str = ""  # STC03: WQ accepted, U rejected (277CA)
    charge: Decimal | None = None
    paid: Decimal | None = None
    finalized_date: dt.date | None = None
    check_number: str = ""
    text: str = ""  # STC12 free-form message
    more: list[tuple[str, str, str]] = Field(default_factory=list)  # STC10 / STC11 composites

    @property
    def accepted(self) -> bool:
        return self.category in ACCEPTED_CATEGORIES or self.action_code == "WQ"

    @property
    def rejected(self) -> bool:
        return self.category in REJECTED_CATEGORIES or self.action_code == "U"

    def pointer(self) -> tuple[str, str, str]:
        """(loop, segment, claim field) of our 837P this status points at, as far as the codes say."""
        entity = ENTITY_POINTERS.get(self.entity)
        by_status = STATUS_POINTERS.get(self.status)
        if by_status and by_status[0]:
            return by_status
        if entity:
            segment = entity[1] + (f" {by_status[1]}" if by_status else "")
            return entity[0], segment, entity[2]
        return by_status or ("", "", "")


class LineStatusIn(BaseModel):
    line_control_number: str = ""
    code: str = ""
    modifiers: list[str] = Field(default_factory=list)
    charge: Decimal | None = None
    service_date: dt.date | None = None
    statuses: list[Status] = Field(default_factory=list)


class ClaimStatusIn(BaseModel):
    pcn: str  # TRN02
    payer_claim_number: str = ""  # REF*1K
    clearinghouse_trace: str = ""  # REF*D9
    patient_last_name: str = ""
    patient_first_name: str = ""
    member_id: str = ""
    provider_npi: str = ""
    service_from: dt.date | None = None
    service_to: dt.date | None = None
    statuses: list[Status] = Field(default_factory=list)
    lines: list[LineStatusIn] = Field(default_factory=list)

    @property
    def primary(self) -> Status:
        return self.statuses[0]


class StatusReport(BaseModel):
    kind: str  # 277ca | 277
    sender_id: str
    control_number: str
    payer_name: str = ""
    payer_id: str = ""
    receipt_date: dt.date | None = None
    claims: list[ClaimStatusIn] = Field(default_factory=list)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return ccyymmdd(str(value or "").strip())


def _money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None  # NaN / Infinity are no amount


def _composite(text: str, sep: str) -> tuple[str, str, str]:
    parts = [*(text or "").split(sep), "", "", ""]
    return parts[0].strip(), parts[1].strip(), parts[2].strip()


def _status_fields(*, s1: str, effective: dt.date | None, action: Any, charge: Any, paid: Any,
                   finalized: dt.date | None, check: Any, s2: str, s3: str, text: Any, sep: str) -> dict[str, Any]:
    """The fields of one STC, whoever read the segment (our walk, or x12sdk's model)."""
    cat, code, entity = _composite(s1, sep)
    if not cat:
        raise X12SyntaxError("an STC segment has no status category code (STC01-1)")
    return {"category": cat, "status": code, "entity": entity, "effective_date": effective, "action_code": action,
            "charge": _money(charge), "paid": _money(paid), "finalized_date": finalized, "check_number": check,
            "text": text, "more": [_composite(v, sep) for v in (s2, s3) if v]}


def _stc(e: list[str], sep: str) -> Status:
    """An STC segment from its padded row (`e[n]` is STC0n): every value is text or a date typed here, so
    the model is built without validating again (90,000 of them in a 10 MB 277CA)."""
    return build(Status, **_status_fields(
        s1=e[1], effective=ccyymmdd(e[2].strip()), action=e[3], charge=e[4], paid=e[5],
        finalized=ccyymmdd(e[6].strip()), check=e[9], s2=e[10], s3=e[11], text=e[12], sep=sep))


# --- 277CA (X214): our own walk over the segments ------------------------------------------------------
def read_277ca_segments(ix: Interchange) -> StatusReport:
    """One pass over the rows (`e = row + PAD`: e[n] is element n without a bounds check)."""
    sep = ix.component
    report = StatusReport(kind="277ca", sender_id=ix.sender_id, control_number=ix.control_number)
    level = ""
    claim: ClaimStatusIn | None = None
    line: LineStatusIn | None = None
    patient: tuple[str, str, str] = ("", "", "")
    provider_npi = ""
    for row in ix.rows:
        sid = row[0]
        if sid == "STC":
            if claim is not None:
                (line.statuses if line is not None else claim.statuses).append(_stc(row + PAD, sep))
        elif sid == "HL":
            level = row[3] if len(row) > 3 else ""
            claim, line = None, None
        elif sid == "NM1":
            e = row + PAD
            entity = e[1]
            if entity == "PR" and level == "20":
                report.payer_name, report.payer_id = e[3], e[9]
            elif entity == "85":
                provider_npi = e[9]
            elif entity == "QC":
                patient = (e[3], e[4], e[9])
        elif sid == "TRN":
            if level == "PT":
                e = row + PAD
                claim = build(ClaimStatusIn, pcn=e[2].strip(), patient_last_name=patient[0],
                              patient_first_name=patient[1], member_id=patient[2], provider_npi=provider_npi,
                              statuses=[], lines=[])
                report.claims.append(claim)
                line = None
        elif sid == "REF":
            if claim is not None:
                e = row + PAD
                qual, value = e[1], e[2].strip()
                if qual == "FJ" and line is not None:
                    line.__dict__["line_control_number"] = value
                elif qual == "1K":
                    claim.__dict__["payer_claim_number"] = value
                elif qual == "D9":
                    claim.__dict__["clearinghouse_trace"] = value
        elif sid == "DTP":
            e = row + PAD
            if level == "20" and e[1] == "050":
                report.receipt_date = _date(e[3])
            elif claim is not None and e[1] == "472":
                start, _, end = e[3].partition("-")
                if line is not None:
                    line.__dict__["service_date"] = _date(start)
                else:
                    claim.__dict__["service_from"], claim.__dict__["service_to"] = _date(start), _date(end or start)
        elif sid == "SVC" and claim is not None:
            e = row + PAD
            proc = e[1].split(sep)
            line = build(LineStatusIn, code=proc[1] if len(proc) > 1 else "",
                         modifiers=[m for m in proc[2:6] if m], charge=_money(e[2]), statuses=[])
            claim.lines.append(line)
    for c in report.claims:
        if not c.statuses:
            raise X12SyntaxError(f"claim {c.pcn}: no STC status in the 277CA")
        if not c.pcn:
            raise X12SyntaxError("a claim in the 277CA has no trace number (TRN02)")
    return report


@without_gc
def read_277ca(raw: bytes | str, *, validate: bool = True) -> StatusReport:
    ix = parse_interchange(raw)
    if ix.transaction_type != "277" or "X214" not in ix.version:
        raise X12SyntaxError(f"not a 277CA (005010X214): ST {ix.transaction_type or 'missing'}, GS08 {ix.version or 'missing'}")
    if validate:
        from claims.x12.validate import validate_x12

        verdict = validate_x12(raw.decode("latin-1") if isinstance(raw, bytes) else raw)
        if not verdict:
            raise X12SyntaxError("the 277CA does not follow its implementation guide (pyx12): "
                                 + "; ".join(verdict.errors[:5] or ["not valid"]))
    return read_277ca_segments(ix)


# --- 277 (X212): x12sdk's models ---------------------------------------------------------------------
def _walk(node: Any, found: list[dict[str, Any]], person: dict[str, str], provider: dict[str, str]) -> None:
    if isinstance(node, dict):
        nm1 = (node.get("loop_2100d") or node.get("loop_2100e") or {}).get("nm1_segment") if any(
            k in node for k in ("loop_2100d", "loop_2100e")) else None
        if nm1:
            person = {"last": nm1.get("name_last_or_organization_name") or "", "first": nm1.get("name_first") or "",
                      "id": nm1.get("identification_code") or person.get("id", "")}
        nm1c = (node.get("loop_2100c") or {}).get("nm1_segment") if "loop_2100c" in node else None
        if nm1c:
            provider = {"npi": nm1c.get("identification_code") or ""}
        for key in ("loop_2200d", "loop_2200e"):
            for claim in node.get(key) or []:
                found.append({"claim": claim, "person": dict(person), "provider": dict(provider)})
        for key, value in node.items():
            if key not in ("loop_2200d", "loop_2200e"):
                _walk(value, found, person, provider)
    elif isinstance(node, list):
        for item in node:
            _walk(item, found, person, provider)


def _sdk_status(stc: dict[str, Any], sep: str) -> Status:
    """An STC from x12sdk's model; its values are validated into ours."""
    return Status(**_status_fields(
        s1=stc.get("health_care_claim_status_1") or "", effective=_date(stc.get("status_effective_date")),
        action=stc.get("action_code") or "", charge=stc.get("total_claim_charge_amount"),
        paid=stc.get("claim_payment_amount"), finalized=_date(stc.get("adjudication_finalized_date")),
        check=stc.get("remittance_trace_number") or "", s2=stc.get("health_care_claim_status_2") or "",
        s3=stc.get("health_care_claim_status_3") or "", text=stc.get("free_form_message_text") or "", sep=sep))


@without_gc
def read_277(raw: bytes | str) -> StatusReport:
    """A 277 claim status response (X212) read with x12sdk; raises `X12SyntaxError` when it cannot be read."""
    ix = parse_interchange(raw)
    if ix.transaction_type != "277" or "X212" not in ix.version:
        raise X12SyntaxError(f"not a 277 status response (005010X212): ST {ix.transaction_type or 'missing'}, "
                             f"GS08 {ix.version or 'missing'}")
    from x12sdk.io import X12ModelReader

    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    sep = ix.component
    report = StatusReport(kind="277", sender_id=ix.sender_id, control_number=ix.control_number)
    try:
        with X12ModelReader(text) as reader:
            models = list(reader.models())
    except Exception as exc:  # x12sdk raises pydantic ValidationError, ValueError, KeyError… on bad input
        raise X12SyntaxError(f"the 277 does not follow its implementation guide (x12sdk): {str(exc)[:400]}") from exc
    for model in models:
        data = model.model_dump(exclude_none=True)
        for source in data.get("loop_2000a", []):
            payer = (source.get("loop_2100a") or {}).get("nm1_segment") or {}
            report.payer_name = payer.get("name_last_or_organization_name", report.payer_name)
            report.payer_id = payer.get("identification_code", report.payer_id)
        found: list[dict[str, Any]] = []
        _walk(data, found, {}, {})
        for item in found:
            c = item["claim"]
            claim = ClaimStatusIn(pcn=str((c.get("trn_segment") or {}).get("reference_identification_1") or "").strip(),
                                  patient_last_name=item["person"].get("last", ""),
                                  patient_first_name=item["person"].get("first", ""),
                                  member_id=item["person"].get("id", ""), provider_npi=item["provider"].get("npi", ""),
                                  statuses=[_sdk_status(s, sep) for s in c.get("stc_segment") or []])
            for ref in c.get("ref_segment") or []:
                qual, value = ref.get("reference_identification_qualifier"), str(ref.get("reference_identification", ""))
                if qual == "1K":
                    claim.payer_claim_number = value
                elif qual == "D9":
                    claim.clearinghouse_trace = value
            dtp = c.get("dtp_segment") or {}
            period = str(dtp.get("date_time_period") or "")
            if period:
                start, _, end = period.partition("-")
                claim.service_from, claim.service_to = _date(start), _date(end or start)
            for ln in c.get("loop_2220d") or c.get("loop_2220e") or []:
                svc = ln.get("svc_segment") or {}
                proc = str(svc.get("composite_medical_procedure_identifier") or "").split(sep)
                claim.lines.append(LineStatusIn(
                    line_control_number=str((ln.get("ref_segment") or {}).get("reference_identification") or ""),
                    code=proc[1] if len(proc) > 1 else "", modifiers=[m for m in proc[2:6] if m],
                    charge=_money(svc.get("line_item_charge_amount")),
                    statuses=[_sdk_status(s, sep) for s in ln.get("stc_segment") or []]))
            if not claim.pcn or not claim.statuses:
                raise X12SyntaxError("a claim in the 277 has no trace number (TRN02) or no status (STC)")
            report.claims.append(claim)
    if not report.claims:
        raise X12SyntaxError("the 277 holds no claim status")
    return report


def read_status(raw: bytes | str, *, validate: bool = True) -> StatusReport:
    """A 277CA or a 277, whichever the file is."""
    ix = parse_interchange(raw)
    if "X214" in ix.version:
        return read_277ca(raw, validate=validate)
    return read_277(raw)
