"""Read 999 implementation acknowledgements (005010X231A1): which of our 837 transactions were accepted.

pyx12 validates the file against the 999 guide first (`validate=True`); a file that fails is reported
with pyx12's words and read no further. Each AK2 answers one ST of our functional group (AK1 names the
group by GS06); IK3/IK4 point at the failing segment and element with the guide's error codes, which we
turn into words so a biller can see what to fix.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from claims.x12.segments import PAD, Interchange, X12SyntaxError, parse_interchange
from rcm.fast_models import build
from rcm.gc_pause import without_gc

SEGMENT_ERRORS = {
    "1": "unrecognized segment",
    "2": "unexpected segment",
    "3": "required segment missing",
    "4": "loop occurs over maximum times",
    "5": "segment exceeds maximum use",
    "6": "segment not in defined transaction set",
    "7": "segment not in proper sequence",
    "8": "segment has data element errors",
    "I4": "segment not used in this implementation is present",
    "I6": "implementation-dependent segment missing",
    "I7": "implementation loop occurs under minimum times",
    "I8": "implementation segment below minimum use",
    "I9": "implementation-dependent 'not used' segment present",
}
ELEMENT_ERRORS = {
    "1": "required data element missing",
    "2": "conditional required data element missing",
    "3": "too many data elements",
    "4": "data element too short",
    "5": "data element too long",
    "6": "invalid character in data element",
    "7": "invalid code value",
    "8": "invalid date",
    "9": "invalid time",
    "10": "exclusion condition violated",
    "12": "too many repetitions",
    "13": "too many components",
    "I6": "code value not used in this implementation",
    "I9": "implementation-dependent data element missing",
    "I10": "implementation 'not used' data element present",
    "I11": "implementation too few repetitions",
    "I12": "implementation pattern match failure",
    "I13": "implementation-dependent 'not used' data element present",
}
TRANSACTION_ERRORS = {
    "1": "transaction set not supported",
    "2": "transaction set trailer missing",
    "3": "transaction set control number in header and trailer do not match",
    "4": "number of included segments does not match actual count",
    "5": "one or more segments in error",
    "6": "missing or invalid transaction set identifier",
    "7": "missing or invalid transaction set control number",
    "23": "transaction set control number not unique within the functional group",
    "I5": "implementation one or more segments in error",
    "I6": "implementation convention not supported",
}
VERDICTS = {"A": "accepted", "E": "accepted with errors", "M": "rejected (message authentication)",
            "R": "rejected", "W": "rejected (assurance failed)", "X": "rejected (content could not be analyzed)",
            "P": "partially accepted"}


class ElementError(BaseModel):
    position: str  # IK401: element position (n or n:component)
    reference: str = ""  # IK402: data element reference number
    code: str  # IK403
    bad_value: str = ""  # IK404

    @property
    def message(self) -> str:
        return f"element {self.position}: {ELEMENT_ERRORS.get(self.code, 'error ' + self.code)}" + (
            f" ({self.bad_value!r})" if self.bad_value else "")


class SegmentError(BaseModel):
    segment_id: str  # IK301
    position: int  # IK302: position in the transaction set (ST = 1)
    loop: str = ""  # IK303
    code: str = ""  # IK304
    context: list[str] = Field(default_factory=list)  # CTX segments, as written
    elements: list[ElementError] = Field(default_factory=list)

    @property
    def pointer(self) -> str:
        """Where the error is: 'NM1 at segment 23 of the transaction (loop 2010BA), element 9'."""
        where = f"{self.segment_id} at segment {self.position} of the transaction"
        if self.loop:
            where += f" (loop {self.loop})"
        if self.elements:
            where += ", element " + ", ".join(e.position for e in self.elements)
        return where

    @property
    def message(self) -> str:
        words = SEGMENT_ERRORS.get(self.code, f"error {self.code}") if self.code else "error"
        details = "; ".join(e.message for e in self.elements)
        return f"{self.pointer}: {words}" + (f" — {details}" if details else "")


class TransactionAck(BaseModel):
    transaction_type: str  # AK201 (837)
    control_number: str  # AK202: our ST02
    status: str  # IK501: A, E, M, R, W, X
    error_codes: list[str] = Field(default_factory=list)  # IK502..
    segment_errors: list[SegmentError] = Field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")

    @property
    def message(self) -> str:
        verdict = VERDICTS.get(self.status, self.status)
        reasons = [TRANSACTION_ERRORS.get(c, c) for c in self.error_codes]
        return f"transaction {self.control_number} {verdict}" + (f": {'; '.join(reasons)}" if reasons else "")


class GroupAck(BaseModel):
    functional_id: str  # AK101 (HC)
    group_control: str  # AK102: our GS06
    version: str = ""
    status: str  # AK901: A, E, P, R
    included: int = 0
    received: int = 0
    accepted_count: int = 0
    transactions: list[TransactionAck] = Field(default_factory=list)


class Ack999(BaseModel):
    sender_id: str
    control_number: str  # the 999's own ISA13
    groups: list[GroupAck]
    warnings: list[str] = Field(default_factory=list)


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def read_999_segments(ix: Interchange) -> Ack999:
    """One pass over the rows (`row[n]` is element n; `+ PAD` spares a bounds check per element).

    Models are built with `build` (values are text and ints typed here) and their later fields written to
    `__dict__`: pydantic's `__init__` and `__setattr__` cost more than the walk itself in a large file."""
    groups: list[GroupAck] = []
    group: GroupAck | None = None
    txn: TransactionAck | None = None
    seg_err: SegmentError | None = None
    sep = ix.component
    for position, row in enumerate(ix.rows, start=1):
        sid = row[0]
        if sid == "IK4":
            if seg_err is None:
                raise X12SyntaxError(f"segment {position}: IK4 without an IK3")
            e = row + PAD
            seg_err.elements.append(build(ElementError, position=e[1].replace(sep, ":"), reference=e[2],
                                          code=e[3], bad_value=e[4]))
        elif sid == "IK3":
            if txn is None:
                raise X12SyntaxError(f"segment {position}: IK3 outside an AK2 loop")
            e = row + PAD
            seg_err = build(SegmentError, segment_id=e[1], position=_int(e[2]), loop=e[3], code=e[4], context=[],
                            elements=[])
            txn.segment_errors.append(seg_err)
        elif sid == "AK2":
            if group is None:
                raise X12SyntaxError(f"segment {position}: AK2 before AK1")
            e = row + PAD
            txn = build(TransactionAck, transaction_type=e[1], control_number=e[2].strip(), status="",
                        error_codes=[], segment_errors=[])
            group.transactions.append(txn)
            seg_err = None
        elif sid == "IK5":
            if txn is None:
                raise X12SyntaxError(f"segment {position}: IK5 outside an AK2 loop")
            d = txn.__dict__
            d["status"] = row[1] if len(row) > 1 else ""
            d["error_codes"] = [e for e in row[2:] if e]
            txn, seg_err = None, None
        elif sid == "CTX":
            if seg_err is not None:
                seg_err.context.append(ix.element.join(row[1:]))
        elif sid == "AK1":
            e = row + PAD
            group = build(GroupAck, functional_id=e[1], group_control=e[2].strip(), version=e[3], status="",
                          transactions=[])
            groups.append(group)
        elif sid == "AK9":
            if group is None:
                raise X12SyntaxError(f"segment {position}: AK9 before AK1")
            e = row + PAD
            d = group.__dict__
            d["status"] = e[1]
            d["included"], d["received"], d["accepted_count"] = _int(e[2]), _int(e[3]), _int(e[4])
    if not groups:
        raise X12SyntaxError("no AK1 functional group response in this 999")
    for g in groups:
        if g.status not in VERDICTS:
            raise X12SyntaxError(f"group {g.group_control}: AK901 must be A, E, P or R, not {g.status!r}")
        for t in g.transactions:
            if t.status not in VERDICTS:
                raise X12SyntaxError(f"transaction {t.control_number}: IK501 missing or not valid ({t.status!r})")
    return Ack999(sender_id=ix.sender_id, control_number=ix.control_number, groups=groups)


@without_gc
def read_999(raw: bytes | str, *, validate: bool = True) -> Ack999:
    """The 999 as models. `validate`: run pyx12 on it first and refuse it (X12SyntaxError) if it fails."""
    ix = parse_interchange(raw)
    if ix.transaction_type != "999":
        raise X12SyntaxError(f"not a 999: the transaction set is {ix.transaction_type or 'missing'}")
    if validate:
        from claims.x12.validate import validate_x12

        text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
        verdict = validate_x12(text)
        if not verdict:
            raise X12SyntaxError("the 999 does not follow its implementation guide (pyx12): "
                                 + "; ".join(verdict.errors[:5] or ["not valid"]))
    return read_999_segments(ix)
