"""Exports: the shared CSV/XLSX helper (formula injection, numeric amounts), EOBs and patients' balances."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from interop.fhir.reader import load_json, read_bundle
from interop.services.exports import balances_rows, claim_eob, claims_eob_bundle
from payments.services.era import era_import
from payments.services.ledger import ledger_sync_charges
from rcm.exports import Column, export_response, safe_text
from tests.payments import factories as pf

ROWS = [{"name": "=HYPERLINK(\"http://evil\")", "note": "+1 555", "who": "@admin", "tab": "\tx", "amount": Decimal("-12.50"),
         "day": dt.date(2026, 1, 5)},
        {"name": "Ordinary", "note": "-rf", "who": "ok", "tab": "fine", "amount": Decimal("1234.00"), "day": None}]
COLUMNS = [Column("name", lambda r: r["name"]), Column("note", lambda r: r["note"]), Column("who", lambda r: r["who"]),
           Column("tab", lambda r: r["tab"]), Column("amount", lambda r: r["amount"], "money"),
           Column("day", lambda r: r["day"], "date")]


def test_text_that_a_spreadsheet_would_run_is_neutralised() -> None:
    assert [safe_text(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "\tX", "\rX", "plain", "a=b")] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tX", "'\rX", "plain", "a=b"]


def test_csv_export_quotes_formulas_and_keeps_amounts_as_numbers() -> None:
    response = export_response(rows=ROWS, columns=COLUMNS, filename="t", fmt="csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Disposition"] == 'attachment; filename="t.csv"'
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0] == "name,note,who,tab,amount,day"
    assert lines[1] == "\"'=HYPERLINK(\"\"http://evil\"\")\",'+1 555,'@admin,'\tx,-12.50,2026-01-05"
    assert lines[2] == "Ordinary,'-rf,ok,fine,1234.00,"


def test_xlsx_export_writes_numbers_as_numbers_and_formulas_as_text() -> None:
    response = export_response(rows=ROWS, columns=COLUMNS, filename="t", fmt="xlsx", title="Test")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in ws[1]] == ["name", "note", "who", "tab", "amount", "day"]
    assert ws["A2"].value == "'=HYPERLINK(\"http://evil\")" and ws["A2"].data_type == "s"
    assert ws["E2"].value == -12.5 and ws["E2"].data_type == "n" and ws["E2"].number_format == "#,##0.00"
    assert ws["F2"].value == dt.datetime(2026, 1, 5)
    assert ws["E3"].value == 1234


@pytest.fixture
def paid(db: Any) -> Any:
    """A claim for 99213-25 ($150) and 17000 ($140) paid by the ERA: allowed 90/84, coinsurance 18/16.80."""
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer, status="accepted")
    ledger_sync_charges(practice_id=practice.pk)
    remit = pf.paid_claim(claim, allowed=["90.00", "84.00"], coinsurance=["18.00", "16.80"])
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([remit], payer=payer)]))
    claim.refresh_from_db()
    return claim


def _amounts(adjudication: list[dict[str, Any]]) -> dict[str, Decimal]:
    out = {}
    for a in adjudication:
        key = a["category"]["coding"][0]["code"]
        if "reason" in a:
            key += "/" + a["reason"]["coding"][0]["code"]
        out[key] = Decimal(str(a["amount"]["value"])).quantize(Decimal("0.01"))
    return out


def test_eob_carries_what_was_paid_adjusted_and_left_to_the_patient_per_line(paid: Any) -> None:
    eob = claim_eob(paid)
    assert (eob["resourceType"], eob["status"], eob["use"], eob["outcome"]) == ("ExplanationOfBenefit", "active", "claim",
                                                                                 "complete")
    assert eob["identifier"][0]["value"] == paid.pcn
    assert [i["productOrService"]["coding"][0]["code"] for i in eob["item"]] == ["99213", "17000"]
    assert _amounts(eob["item"][0]["adjudication"]) == {
        "submitted": Decimal("150.00"), "noncovered/45": Decimal("60.00"), "coinsurance/2": Decimal("18.00"),
        "benefit": Decimal("72.00")}
    assert _amounts(eob["item"][1]["adjudication"]) == {
        "submitted": Decimal("140.00"), "noncovered/45": Decimal("56.00"), "coinsurance/2": Decimal("16.80"),
        "benefit": Decimal("67.20")}
    assert _amounts(eob["total"]) == {"submitted": Decimal("290.00"), "benefit": Decimal("139.20")}
    assert Decimal(str(eob["payment"]["amount"]["value"])) == Decimal("139.2")


def test_eob_bundle_reimports_as_unchanged_patient_and_coverage(paid: Any) -> None:
    """Round trip: our export read back by our own FHIR reader matches what we hold."""
    payload = claims_eob_bundle([paid])
    read = read_bundle(load_json(json.dumps(payload).encode()))
    assert [e.resource_type for e in read.entries] == ["ExplanationOfBenefit", "Patient", "Coverage", "Organization",
                                                       "Organization"]
    assert [(p.ref, p.message) for p in read.batch.problems] == [
        (f"ExplanationOfBenefit/claim-{paid.pk}", "ExplanationOfBenefit is not imported; ignored.")]
    patient = read.batch.patients[0]
    assert (patient.mrn, patient.last_name, patient.date_of_birth) == (paid.patient.mrn, paid.patient.last_name,
                                                                       paid.patient.date_of_birth)
    from interop.services.apply import batch_apply

    result = batch_apply(practice_id=paid.practice_id, batch=read.batch, dry_run=True)
    assert {(o.kind, o.action) for o in result.outcomes} == {("input", "warning"), ("patient", "unchanged"),
                                                             ("coverage", "unchanged")}


def test_an_unpaid_claim_is_an_eob_with_only_what_was_submitted(db: Any) -> None:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer)
    eob = claim_eob(claim)
    assert eob["outcome"] == "queued" and "payment" not in eob
    assert [a["category"]["coding"][0]["code"] for a in eob["item"][0]["adjudication"]] == ["submitted"]


def test_patient_balances_come_from_the_ledger(paid: Any) -> None:
    rows = balances_rows(practice_id=paid.practice_id, as_of=dt.date.today())
    assert [(r["patient"].pk, r["balance"]) for r in rows] == [(paid.patient_id, Decimal("34.80"))]
    assert rows[0]["aging"] == {"current": 0, "31_60": 0, "61_90": 0, "over_90": Decimal("34.80")}  # ERA dated 2025
