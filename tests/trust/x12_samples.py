"""Real-shaped X12 files for every reader, written by our own writers (the fuzzers mutate these)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal as D
from functools import cache
from typing import Any

from claims.x12.writer_271 import MemberAnswer, write_271
from claims.x12.writer_277 import ClaimOut, ReportOut, StatusOut, write_277, write_277ca
from claims.x12.writer_837p import Delimiters
from claims.x12.writer_999 import (
    ElementProblem,
    GroupVerdict,
    SegmentProblem,
    TransactionVerdict,
    write_999,
    write_ta1,
)
from payments.x12 import simulate as sim
from payments.x12.writer_835 import Envelope835, write_835

CREATED = dt.datetime(2025, 4, 1, 9, 30)
DOS = dt.date(2025, 3, 3)


def _common(control: int = 7) -> dict[str, Any]:
    return {"sender_id": "CLEARHOUSE", "receiver_id": "PRACTICE", "control_number": control, "created": CREATED}


def sample_835() -> str:
    lines = [sim.SimLine("C000000001-1", "99213", D("150.00"), DOS, ("25",), 1),
             sim.SimLine("C000000001-2", "17000", D("140.00"), DOS, (), 1)]
    services = [sim.paid_line(lines[0], allowed=D("90.00"), coinsurance=D("18.00")), sim.denied_line(lines[1])]
    claim = sim.remit_claim("C000000001", services, payer_claim_number="ICN1")
    txn = sim.remit_transaction([claim], trace="EFT000001")
    return write_835([txn], Envelope835(control_number=11))


def sample_999() -> str:
    bad = TransactionVerdict("0002", "R", ("5",), (SegmentProblem("NM1", 23, "2010BA", "8",
                                                                  (ElementProblem("9", "67", "7", "X"),)),))
    return write_999([GroupVerdict("101", [TransactionVerdict("0001", "A"), bad])], **_common())


def sample_ta1() -> str:
    return write_ta1(answered_control="000000101", ack_code="R", note_code="025", **_common())


def _claims() -> list[ClaimOut]:
    ok = StatusOut("A1", "19", "PR", action_code="WQ")
    rejected = StatusOut("A7", "562", "85", action_code="U", text="NPI NOT FOUND")
    return [ClaimOut("C000000001", D("290.00"), DOS, DOS, "DOE", "JANE", "W123", ok, clearinghouse_trace="TRC1"),
            ClaimOut("C000000002", D("80.00"), DOS, DOS, "ROE", "RICH", "W124", rejected,
                     line_statuses=(("C000000002-1", "99213", D("80.00"), rejected),))]


def _report() -> ReportOut:
    return ReportOut(payer_name="AETNA", payer_id="60054", receiver_name="PRACTICE", receiver_id="PRACTICE",
                     billing_name="RIVERBEND DERM", billing_npi="1234567893", claims=_claims())


def sample_277ca() -> str:
    return write_277ca(_report(), **_common())


def sample_277() -> str:
    final = StatusOut("F1", "65", "", paid=D("72.00"), finalized=DOS, check_number="CHK1")
    claims = [ClaimOut("TRACE1", D("290.00"), DOS, DOS, "DOE", "JANE", "W123", final, payer_claim_number="ICN1",
                       patient_account="C000000001")]
    return write_277(ReportOut(payer_name="AETNA", payer_id="60054", receiver_name="PRACTICE", receiver_id="PRACTICE",
                               billing_name="RIVERBEND DERM", billing_npi="1234567893", claims=claims), **_common())


def sample_271() -> str:
    active = MemberAnswer("T1", "W123", "DOE", "JANE", dt.date(1980, 1, 2), "F", True, plan_name="GOLD PPO",
                          group_number="G1", plan_begin=dt.date(2025, 1, 1), copay=D("25"), coinsurance=D("0.2"),
                          deductible=D("1500"), deductible_remaining=D("700"), out_of_pocket=D("5000"),
                          out_of_pocket_remaining=D("4000"))
    missing = MemberAnswer("T2", "W999", "ROE", "RICH", None, "M", None, reject_code="75")
    return write_271([active, missing], payer_name="AETNA", payer_id="60054", provider_name="RIVERBEND DERM",
                     provider_npi="1234567893", **_common())


def with_delimiters(text: str, element: str, component: str, segment: str) -> str:
    """The same file in other delimiters (the writers' defaults are * : ~)."""
    d = Delimiters()
    table = {d.element: element, d.component: component, d.segment: segment}
    return "".join(table.get(ch, ch) for ch in text)


SAMPLES: dict[str, Callable[[], str]] = {
    name: cache(fn) for name, fn in {"835": sample_835, "999": sample_999, "ta1": sample_ta1, "277ca": sample_277ca,
                                     "277": sample_277, "271": sample_271}.items()}
