"""The 835 reader and writer: round trips in any delimiters, several transactions and PLBs, and refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from payments.x12 import simulate as sim
from payments.x12.reader_835 import Cas, ProviderAdjustmentIn, RemitClaimIn, read_835
from payments.x12.writer_835 import Delimiters, Envelope835, write_835

DOS = dt.date(2025, 3, 3)
L1 = sim.SimLine("C000000001-1", "99213", D("150.00"), DOS, ("25",))
L2 = sim.SimLine("C000000001-2", "17000", D("140.00"), DOS)


def _claim(pcn: str = "C000000001") -> RemitClaimIn:
    return sim.remit_claim(pcn, [sim.paid_line(L1, allowed=D("90.00"), coinsurance=D("18.00"), deductible=D("10.00")),
                                 sim.denied_line(L2, reason="97", remarks=("M15",))], patient=("DOE", "JANE", "W1"))


@pytest.mark.parametrize("delims", [Delimiters(), Delimiters("|", "^", "\n", "~"), Delimiters("*", ">", "~", "^", True),
                                    Delimiters("\x1d", "\x1f", "\x1e", "\x1c")], ids=["star", "pipe-newline", "crlf-ish", "ctrl"])
def test_round_trip_in_any_delimiters(delims: Delimiters) -> None:
    t1 = sim.remit_transaction([_claim(), sim.reversal_of(_claim("C000000002"))], trace="EFT1", control_number="0001",
                               plb=[ProviderAdjustmentIn(provider_id="1234567893", fiscal_date=dt.date(2025, 12, 31),
                                                         reason="L6", reference="INT", amount=D("-1.50"))])
    t2 = sim.remit_transaction([_claim("C000000003")], trace="CHK77", payer_name="CIGNA", payer_id="62308",
                               control_number="0002", method="CHK")
    text = write_835([t1, t2], Envelope835(control_number=42, delimiters=delims))
    result = read_835(text)
    assert result.problems == [] and result.ok
    assert result.remit is not None
    assert result.remit.interchange_control == "000000042"
    assert [t.model_dump() for t in result.remit.transactions] == [t1.model_dump(), t2.model_dump()]
    svc = result.remit.transactions[0].claims[0].services[0]
    assert (svc.code, svc.modifiers, svc.line_control_number, svc.allowed) == ("99213", ["25"], "C000000001-1", D("90.00"))
    assert [(a.group, a.reason, a.amount) for a in svc.adjustments] == [
        ("CO", "45", D("60.00")), ("PR", "1", D("10.00")), ("PR", "2", D("18.00"))]
    assert result.remit.transactions[0].claims[0].services[1].remarks == ["M15"]
    assert result.remit.transactions[1].payment_method == "CHK"


def test_two_plb_segments_and_more_than_six_adjustments_are_all_read() -> None:
    plb = [ProviderAdjustmentIn(provider_id="1234567893", fiscal_date=dt.date(2025, 12, 31), reason=r, reference=f"R{i}",
                                amount=D(a)) for i, (r, a) in enumerate([("L6", "-1.00"), ("WO", "5.00"), ("FB", "2.00"),
                                                                         ("72", "3.00"), ("CS", "1.00"), ("J1", "0.50"),
                                                                         ("WO", "4.00")])]
    t = sim.remit_transaction([_claim()], trace="EFT9", plb=plb)
    text = write_835([t])
    assert text.count("PLB*") == 2
    result = read_835(text)
    assert result.ok, result.problems
    got = result.remit.transactions[0].provider_adjustments  # type: ignore[union-attr]
    assert [(p.reason, p.reference, p.amount) for p in got] == [(p.reason, p.reference, p.amount) for p in plb]
    assert result.remit.transactions[0].total_paid == _claim().paid - D("14.50")  # type: ignore[union-attr]


def test_svc06_bundled_code_dates_and_crossover_are_read() -> None:
    svc = sim.paid_line(L1, allowed=D("80.00")).model_copy(update={"code": "99212", "original_code": "99213",
                                                                    "original_modifiers": ["25"], "modifiers": []})
    claim = sim.remit_claim("C9", [svc], crossover=("MEDIGAP PLAN F", "MGAP1"))
    claim = claim.model_copy(update={"remarks": ["MA18"], "received_date": dt.date(2025, 3, 10)})
    result = read_835(write_835([sim.remit_transaction([claim], trace="X")]))
    got = result.remit.transactions[0].claims[0]  # type: ignore[union-attr]
    assert (got.crossover_payer_name, got.remarks, got.received_date) == ("MEDIGAP PLAN F", ["MA18"], dt.date(2025, 3, 10))
    assert (got.services[0].code, got.services[0].original_code, got.services[0].original_modifiers) == ("99212", "99213", ["25"])


def test_unbalanced_files_are_refused_with_the_reason() -> None:
    text = write_835([sim.remit_transaction([_claim()], trace="EFT1")])
    assert "BPR*I*62.00*" in text
    bad_total = text.replace("BPR*I*62.00*", "BPR*I*63.00*")
    result = read_835(bad_total)
    assert not result.ok
    assert any("transaction_balance" in p and "63.00" in p for p in result.problems)
    bad_line = text.replace("CAS*CO*45*60", "CAS*CO*45*61")
    result = read_835(bad_line)
    assert not result.ok
    assert any("service_balance" in p for p in result.problems)


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"hello world", "Not a readable X12 file"),
    (b"ISA*00*xx~", "Not a readable X12 file"),
])
def test_malformed_input_is_refused(content: bytes, words: str) -> None:
    result = read_835(content)
    assert not result.ok
    assert any(words in p for p in result.problems)


def test_structural_error_is_refused() -> None:
    text = write_835([sim.remit_transaction([_claim()], trace="EFT1")])
    assert "CLP*C000000001*1*290.00*62.00" in text
    missing_clp_amount = text.replace("CLP*C000000001*1*290.00*62.00", "CLP*C000000001*1**62.00")
    result = read_835(missing_clp_amount)
    assert not result.ok
    assert result.problems


def test_not_an_835_is_refused() -> None:
    text = write_835([sim.remit_transaction([_claim()], trace="EFT1")]).replace("ST*835*", "ST*837*")
    assert not read_835(text).ok


def test_a_large_file_reads_whole() -> None:
    """Speed is measured in bench/x12_parse.py; here every line of a 2,000-claim file comes back."""
    claims = [sim.remit_claim(f"C{i:09d}", [sim.paid_line(sim.SimLine(f"C{i:09d}-{k}", "99213", D("150.00"), DOS),
                                                          allowed=D("90.00"), coinsurance=D("18.00")) for k in range(3)])
              for i in range(2000)]
    text = write_835([sim.remit_transaction(claims, trace="BIG")])
    result = read_835(text)
    assert result.ok
    assert result.remit is not None
    assert [t.model_dump() for t in result.remit.transactions] == [t.model_dump() for t in
                                                                    [sim.remit_transaction(claims, trace="BIG")]]


def test_units_and_quantities_are_written_without_exponents() -> None:
    line = sim.SimLine("C1-1", "17003", D("220.00"), DOS, units=10)
    svc = sim.paid_line(line, allowed=D("120.00"))
    claim = sim.remit_claim("C1", [svc.model_copy(update={"adjustments": [
        *svc.adjustments[:1], Cas(group="CO", reason="151", amount=D("0"), quantity=D("20"))]})])
    text = write_835([sim.remit_transaction([claim], trace="U")])
    assert "SVC*HC:17003*220.00*120.00**10~" in text and "1E+1" not in text
    result = read_835(text)
    assert result.ok, result.problems
    assert result.remit.transactions[0].claims[0].services[0].units_paid == D("10")  # type: ignore[union-attr]
