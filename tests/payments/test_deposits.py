"""Deposits: CSV (with a column mapping) and BAI2 imports, matching to ERAs and batches, reconciliation, close."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from payments.models import BankDeposit, PeriodClose
from payments.services import deposits, era_import, manual
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db
PAID_ON = dt.date(2025, 4, 1)
START, END = dt.date(2025, 4, 1), dt.date(2025, 4, 30)


@pytest.fixture
def era() -> tuple:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer)
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer,
                                                                            trace="EFT777", payment_date=PAID_ON)]))
    return practice, payer, claim


CSV = ("Posted Date,Credit,Ref,Memo\n"
       "04/03/2025,139.20,EFT777,ACH CREDIT AETNA HCCLAIMPMT\n"
       "04/03/2025,-25.00,,SERVICE FEE\n"
       "04/04/2025,50.00,1001,DEPOSIT\n")
MAPPING = deposits.CsvMapping(date="Posted Date", amount="Credit", reference="Ref", description="Memo", date_format="%m/%d/%Y")


def test_csv_import_matches_by_trace_and_check_and_reconciles(era: tuple) -> None:
    practice, _payer, claim = era
    batch = manual.batch_create(practice_id=practice.pk, kind="patient", name="desk", expected_total="50.00",
                                deposit_date=dt.date(2025, 4, 4))
    manual.payment_add(batch=batch, method="check", amount="50.00", received_on=dt.date(2025, 4, 4), reference="1001",
                       patient=claim.patient)
    manual.batch_commit(batch=batch)
    result = deposits.deposits_import(practice_id=practice.pk, content=CSV, filename="bank.csv", kind="csv", mapping=MAPPING)
    assert result == {"deposits": 2, "duplicates": 0, "matched": 2, "already_imported": 0}
    assert sorted(BankDeposit.objects.values_list("match_method", "amount")) == [("check", D("50.00")),
                                                                              ("trace", D("139.20"))]
    rec = deposits.reconciliation(practice_id=practice.pk, start=START, end=END)
    assert rec.reconciles and len(rec.matched) == 2
    closed = deposits.period_close(practice_id=practice.pk, start=START, end=END)
    assert closed.summary["matched"] == 2
    again = deposits.deposits_import(practice_id=practice.pk, content=CSV, filename="bank.csv", kind="csv", mapping=MAPPING)
    assert again["already_imported"] == 1
    with pytest.raises(ValidationError, match="closed period"):
        deposits.deposits_import(practice_id=practice.pk, content=CSV.replace("04/04", "04/05"), filename="b2.csv",
                                 kind="csv", mapping=MAPPING)


def test_unreconciled_period_cannot_close(era: tuple) -> None:
    practice, *_ = era
    rec = deposits.reconciliation(practice_id=practice.pk, start=START, end=END)
    assert [t.trace_number for t in rec.unmatched_eras] == ["EFT777"]
    with pytest.raises(ValidationError, match="1 ERA payment"):
        deposits.period_close(practice_id=practice.pk, start=START, end=END)
    short = CSV.replace("139.20", "130.00")
    deposits.deposits_import(practice_id=practice.pk, content=short, filename="s.csv", kind="csv", mapping=MAPPING)
    rec = deposits.reconciliation(practice_id=practice.pk, start=START, end=END)
    assert [m["difference"] for m in rec.differences] == [D("-9.20")]
    assert [d.reference for d in rec.unmatched_deposits] == ["1001"]
    with pytest.raises(ValidationError, match="1 amount difference"):
        deposits.period_close(practice_id=practice.pk, start=START, end=END)
    assert PeriodClose.objects.count() == 0


def test_bai2_credits_are_imported_and_matched(era: tuple) -> None:
    practice, *_ = era
    bai2 = "\n".join([
        "01,BANK,PRACTICE,250403,0600,1,,,2/",
        "02,PRACTICE,BANK,1,250403,,USD,2/",
        "03,000123456,USD,010,500000,,/",
        "16,165,13920,Z,BR1,EFT777,ACH CREDIT AETNA TRN*1*EFT777*1231234560/",
        "16,475,2500,Z,BR2,,CHECK PAID/",
        "49,516420,4/",
        "98,516420,1,6/",
        "99,516420,1,8/"])
    result = deposits.deposits_import(practice_id=practice.pk, content=bai2, filename="bank.bai", kind="bai2")
    assert (result["deposits"], result["matched"]) == (1, 1)
    deposit = BankDeposit.objects.get()
    assert (deposit.amount, deposit.reference, deposit.deposited_on, deposit.match_method) == (
        D("139.20"), "EFT777", dt.date(2025, 4, 3), "trace")
    with pytest.raises(ValidationError, match="BAI2"):
        deposits.deposits_import(practice_id=practice.pk, content="01,garbage", filename="bad.bai", kind="bai2")


def test_csv_with_a_wrong_mapping_names_the_columns(era: tuple) -> None:
    practice, *_ = era
    with pytest.raises(ValidationError, match="no column 'Date'"):
        deposits.deposits_import(practice_id=practice.pk, content=CSV, filename="x.csv", kind="csv")
    assert BankDeposit.objects.count() == 0
