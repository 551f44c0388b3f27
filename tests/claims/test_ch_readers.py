"""The answer readers on real-shaped files (as the sandbox clearinghouse writes them) and on malformed ones:
each error says what is wrong and where (segment and position), and a TA1 rejection reaches the claims."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from claims.clearinghouse.models import ClaimResponse, SandboxFile
from claims.clearinghouse.sandbox import sandbox_work
from claims.clearinghouse.services import claims_submit, inbound_upload
from claims.models import Claim
from claims.x12.reader_277 import read_277ca
from claims.x12.reader_999 import read_999
from claims.x12.reader_ta1 import read_ta1
from claims.x12.segments import X12SyntaxError, parse_interchange
from claims.x12.writer_999 import write_ta1
from tests.claims import ch_helpers as ch
from tests.claims import factories as cf

NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)


def _answers(practice: object, n: int = 2, **options: object) -> dict[str, str]:
    conn = ch.sandbox(practice, **options)
    claims = ch.queued_claims(practice, n)
    claims_submit(practice_id=practice.pk, send_now=True)  # type: ignore[attr-defined]
    sandbox_work(conn)
    out = {name.split("_")[0]: text for name, text in SandboxFile.objects.filter(direction="out")
           .values_list("name", "content")}
    out["pcns"] = ",".join(c.pcn for c in claims)
    return out


@pytest.mark.django_db
def test_999_and_277ca_as_a_clearinghouse_writes_them() -> None:
    files = _answers(cf.practice())
    ack = read_999(files["999"])
    assert [(g.status, [t.status for t in g.transactions]) for g in ack.groups] == [("A", ["A"])]
    report = read_277ca(files["277CA"])
    assert sorted(c.pcn for c in report.claims) == sorted(files["pcns"].split(","))
    assert all(c.primary.category == "A2" and c.payer_claim_number for c in report.claims)


@pytest.mark.django_db
def test_a_277ca_with_a_broken_stc_is_refused_with_where() -> None:
    files = _answers(cf.practice(), n=1)
    broken = files["277CA"].replace("STC*A2:20", "STC*:20", 1)
    with pytest.raises(X12SyntaxError) as err:
        read_277ca(broken)
    assert "STC" in str(err.value)
    with pytest.raises(X12SyntaxError, match=r"STC segment has no status category code \(STC01-1\)"):
        read_277ca(broken, validate=False)


def test_ta1_reading_and_a_bad_ack_code() -> None:
    text = write_ta1(answered_control="000000123", ack_code="R", note_code="025", sender_id="SANDBOXCH",
                     receiver_id="231234567", control_number=9, created=NOW)
    ta1 = read_ta1(text)
    assert [(a.control_number, a.ack_code, a.note_code) for a in ta1.acknowledgements] == [("000000123", "R", "025")]
    assert "rejected" in ta1.acknowledgements[0].message
    with pytest.raises(X12SyntaxError, match=r"^TA1 segment 2: TA104 must be A, E or R, not 'Q'$"):
        read_ta1(text.replace("*R*025", "*Q*025"))


@pytest.mark.parametrize(("text", "words"), [
    ("", "does not start with an ISA"),
    ("ISA*00*" + "x" * 120, "has 2 elements, not 16"),
    ("ISA*00*          *00*          *ZZ*A              *ZZ*B              *260302*1030*^*00501*000000001*0*T*:~"
     "GS*FA*A*B*20260302*1030*1*X*005010X231A1~ST*999*0001~", "no closing IEA"),
    ("ISA*00*          *00*          *ZZ*A              *ZZ*B              *260302*1030*^*00501*000000001*0*T*:~"
     "IEA*1*000000002~", "IEA02 '000000002' does not match ISA13 '000000001'"),
    ("ISA*00*          *00*          *ZZ*A              *ZZ*B              *260302*1030*^*00501*000000001*0*T*:~"
     "G$*1~IEA*1*000000001~", "segment 2 has no valid segment identifier"),
])
def test_envelope_errors_say_what_and_where(text: str, words: str) -> None:
    with pytest.raises(X12SyntaxError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse_interchange(text)


ISA_999 = ("ISA*00*          *00*          *ZZ*A              *ZZ*B              *260302*1030*^*00501*000000001*0*T*:~"
           "GS*FA*A*B*20260302*1030*1*X*005010X231A1~ST*999*0001~AK1*HC*17*005010X222A1~AK2*837*0001~"
           "IK3*NM1*23*2010BA*8~CTX*CLM01:C1~IK4*9**7*W1~IK5*R*5~AK9*R*1*1*0~SE*9*0001~GE*1*1~IEA*1*000000001~")


@pytest.mark.parametrize("layout", ["plain", "line breaks", "blanks around ids", "crlf terminator"])
def test_segment_layouts_read_the_same(layout: str) -> None:
    text = {"plain": ISA_999, "line breaks": ISA_999.replace("~", "~\r\n"),
            "blanks around ids": ISA_999.replace("~AK2*", "~ AK2*").replace("~IK5*", "~IK5 *"),
            "crlf terminator": ISA_999[:105] + "\n" + ISA_999[106:].replace("~", "\r\n")}[layout]
    ix = parse_interchange(text)
    assert [r[0] for r in ix.rows] == ["ISA", "GS", "ST", "AK1", "AK2", "IK3", "CTX", "IK4", "IK5", "AK9", "SE",
                                       "GE", "IEA"]
    assert (ix.version, ix.transaction_type, ix.segments[4].position, ix.segments[4].get(2)) == (
        "005010X231A1", "999", 5, "0001")
    txn = read_999(text, validate=False).groups[0].transactions[0]
    assert (txn.status, txn.error_codes, txn.segment_errors[0].context) == ("R", ["5"], ["CLM01:C1"])
    assert txn.segment_errors[0].message == ("NM1 at segment 23 of the transaction (loop 2010BA), element 9: "
                                             "segment has data element errors — element 9: invalid code value ('W1')")


def test_a_999_out_of_order_names_the_segment() -> None:
    with pytest.raises(X12SyntaxError, match=r"^segment 8: IK4 without an IK3$"):
        read_999(ISA_999.replace("IK3*NM1*23*2010BA*8~CTX*CLM01:C1~", "X1*1~X2*2~"), validate=False)


@pytest.mark.django_db
def test_a_ta1_rejection_returns_the_files_claims_to_the_work_queue() -> None:
    practice = cf.practice()
    conn = ch.sandbox(practice)
    claims = ch.queued_claims(practice, 2)
    claims_submit(practice_id=practice.pk, send_now=True)
    sub = conn.submissions.get()
    SandboxFile.objects.filter(direction="in").update(fetched_at=timezone.now())  # the sandbox never answers it
    text = write_ta1(answered_control=sub.interchange_control, ack_code="R", note_code="024",
                     sender_id="SANDBOXCH", receiver_id="231234567", control_number=77, created=NOW)
    result = inbound_upload(practice_id=practice.pk, content=text.encode(), filename="TA1.x12")
    assert result.rejected == 2 and result.errors == 0
    assert set(Claim.objects.filter(pk__in=[c.pk for c in claims]).values_list("status", flat=True)) == {"rejected"}
    response = ClaimResponse.objects.filter(source="ta1").first()
    assert response is not None and response.segment.startswith("ISA") and response.payer_text == "TA1*R*024"
