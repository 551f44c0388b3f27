"""Read TA1 interchange acknowledgements: did the clearinghouse accept our interchange envelope at all?

A TA1 answers one ISA/IEA by its control number (TA101). A (accepted), E (accepted with errors) or R
(rejected: nothing inside was processed). TA105 says why, in a code we turn into words.
"""

from __future__ import annotations

from pydantic import BaseModel

from claims.x12.segments import Interchange, X12SyntaxError, parse_interchange

NOTE_CODES = {
    "000": "no error",
    "001": "the interchange control numbers in ISA13 and IEA02 do not match",
    "002": "the control standard (ISA11) is not supported",
    "003": "this version of the controls (ISA12) is not supported",
    "004": "the segment terminator is not valid",
    "005": "the sender ID qualifier (ISA05) is not valid",
    "006": "the sender ID (ISA06) is not valid",
    "007": "the receiver ID qualifier (ISA07) is not valid",
    "008": "the receiver ID (ISA08) is not valid",
    "009": "the receiver ID (ISA08) is unknown to the clearinghouse",
    "010": "the authorization qualifier (ISA01) is not valid",
    "011": "the authorization information (ISA02) is not valid",
    "012": "the security qualifier (ISA03) is not valid",
    "013": "the security information (ISA04) is not valid",
    "014": "the interchange date (ISA09) is not valid",
    "015": "the interchange time (ISA10) is not valid",
    "016": "the standards identifier (ISA11) is not valid",
    "017": "the version (ISA12) is not valid",
    "018": "the interchange control number (ISA13) is not valid",
    "019": "the acknowledgment-requested flag (ISA14) is not valid",
    "020": "the test indicator (ISA15) is not valid",
    "021": "the number of included groups (IEA01) is wrong",
    "022": "the control structure is not valid",
    "023": "the file ended early (transmission cut short)",
    "024": "the interchange content is not valid (for example a bad GS segment)",
    "025": "duplicate interchange control number: this interchange was already received",
    "026": "the data element separator is not valid",
    "027": "the component element separator is not valid",
}


class Ta1(BaseModel):
    """One TA1 segment."""

    control_number: str  # TA101: the ISA13 it answers
    date: str = ""
    time: str = ""
    ack_code: str  # A, E or R
    note_code: str = ""

    @property
    def accepted(self) -> bool:
        return self.ack_code in ("A", "E")

    @property
    def message(self) -> str:
        words = NOTE_CODES.get(self.note_code, f"note code {self.note_code}")
        verdict = {"A": "accepted", "E": "accepted with errors", "R": "rejected"}.get(self.ack_code, self.ack_code)
        return f"Interchange {self.control_number} {verdict}" + ("" if self.note_code in ("", "000") else f": {words}")


class Ta1File(BaseModel):
    sender_id: str
    control_number: str
    acknowledgements: list[Ta1]


def read_ta1_segments(ix: Interchange) -> list[Ta1]:
    out = []
    for seg in ix.segments:
        if seg.id == "TA1":
            if seg.get(4) not in ("A", "E", "R"):
                raise X12SyntaxError(f"TA1 segment {seg.position}: TA104 must be A, E or R, not {seg.get(4)!r}")
            out.append(Ta1(control_number=seg.get(1).strip(), date=seg.get(2), time=seg.get(3), ack_code=seg.get(4),
                           note_code=seg.get(5)))
    return out


def read_ta1(raw: bytes | str) -> Ta1File:
    """Every TA1 in the interchange; raises `X12SyntaxError` when the file is unreadable or has none."""
    ix = parse_interchange(raw)
    acks = read_ta1_segments(ix)
    if not acks:
        raise X12SyntaxError("no TA1 segment in this interchange")
    return Ta1File(sender_id=ix.sender_id, control_number=ix.control_number, acknowledgements=acks)
