"""Write TA1 and 999 (005010X231A1) acknowledgements — what the sandbox clearinghouse answers an 837 with.

The same shapes a real clearinghouse sends: a TA1 when the interchange envelope itself is refused, else a
999 with one AK2 per transaction set, IK3/IK4 naming the failing segment and element, IK5 the verdict.
`reader_999` / `reader_ta1` read them back (the tests check the round trip and pyx12 validates the 999).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from claims.x12.envelope import Builder, interchange
from claims.x12.writer_837p import Delimiters


@dataclass(frozen=True)
class ElementProblem:
    position: str  # "9" or "1:2"
    reference: str  # data element reference number
    code: str  # IK403 error code
    bad_value: str = ""


@dataclass(frozen=True)
class SegmentProblem:
    segment_id: str
    position: int  # within the transaction set (ST = 1)
    loop: str
    code: str  # IK304
    elements: tuple[ElementProblem, ...] = ()


@dataclass(frozen=True)
class TransactionVerdict:
    control_number: str  # the 837's ST02
    status: str  # A, E, R
    codes: tuple[str, ...] = ()  # IK502.. (e.g. "5")
    problems: tuple[SegmentProblem, ...] = ()
    transaction_type: str = "837"
    version: str = "005010X222A1"


@dataclass
class GroupVerdict:
    group_control: str  # the 837's GS06
    transactions: list[TransactionVerdict] = field(default_factory=list)
    functional_id: str = "HC"
    version: str = "005010X222A1"

    @property
    def status(self) -> str:
        accepted = sum(1 for t in self.transactions if t.status in ("A", "E"))
        if accepted == len(self.transactions):
            return "E" if any(t.status == "E" for t in self.transactions) else "A"
        return "P" if accepted else "R"


def write_999(groups: Sequence[GroupVerdict], *, sender_id: str, receiver_id: str, control_number: int,
              created: dt.datetime, usage: str = "T", delimiters: Delimiters | None = None) -> str:
    transactions = []
    for n, g in enumerate(groups, start=1):
        b = Builder(delimiters or Delimiters())
        b.seg("ST", "999", f"{n:04d}", "005010X231A1")
        b.seg("AK1", g.functional_id, g.group_control, g.version)
        for t in g.transactions:
            b.seg("AK2", t.transaction_type, t.control_number, t.version)
            for p in t.problems:
                b.seg("IK3", p.segment_id, p.position, p.loop[:4], p.code)  # IK303 holds at most 4 characters
                for e in p.elements:
                    b.seg("IK4", e.position.replace(":", b.delimiters.component), e.reference, e.code,
                          b.clean(e.bad_value, 99))
            b.seg("IK5", t.status, *(t.codes[:5]))
        accepted = sum(1 for t in g.transactions if t.status in ("A", "E"))
        b.seg("AK9", g.status, len(g.transactions), len(g.transactions), accepted)
        transactions.append(b.segments)
    return interchange(transactions, functional_id="FA", version="005010X231A1", sender_id=sender_id,
                       receiver_id=receiver_id, control_number=control_number, created=created, usage=usage,
                       delimiters=delimiters)


def write_ta1(*, answered_control: str, ack_code: str, note_code: str, sender_id: str, receiver_id: str,
              control_number: int, created: dt.datetime, usage: str = "T", delimiters: Delimiters | None = None) -> str:
    """An interchange holding only a TA1 (no functional group)."""
    d = delimiters or Delimiters()
    ta1 = d.element.join(["TA1", answered_control.rjust(9, "0")[:9], created.strftime("%y%m%d"),
                          created.strftime("%H%M"), ack_code, note_code])
    return interchange([], functional_id="", version="", sender_id=sender_id, receiver_id=receiver_id,
                       control_number=control_number, created=created, usage=usage, delimiters=d,
                       extra_before_groups=[ta1])
