"""Statements: a run (job) makes one PDF per patient who owes, a mailing file, dunning levels and a history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from payments.models import Statement, StatementRun
from payments.selectors import patient_balances
from payments.services import era_import
from payments.services.statements import dunning_level, statement_run_execute, statement_run_start
from rcm import jobs
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db
PAID_ON = dt.date(2025, 4, 1)


@pytest.fixture
def owing() -> tuple:
    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer)
    era_import(practice_id=practice.pk, content=pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer,
                                                                            payment_date=PAID_ON)]))
    return practice, claim


def test_aging_is_by_the_date_the_patient_became_responsible(owing: tuple) -> None:
    practice, claim = owing
    [b] = patient_balances(practice_id=practice.pk, as_of=PAID_ON + dt.timedelta(days=45))
    assert (b.patient_id, b.balance, b.oldest) == (claim.patient_id, D("34.80"), PAID_ON)
    assert b.aging == {"current": D("0.00"), "31_60": D("34.80"), "61_90": D("0.00"), "over_90": D("0.00")}
    assert [dunning_level(PAID_ON, PAID_ON + dt.timedelta(days=d)) for d in (10, 31, 61, 91)] == [0, 30, 60, 90]


def test_statement_run_makes_pdfs_a_batch_file_and_respects_the_cycle(owing: tuple,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    practice, claim = owing
    monkeypatch.setattr(jobs, "_send", lambda job_id: None)
    run = statement_run_start(practice_id=practice.pk, as_of=PAID_ON + dt.timedelta(days=40))
    assert run.job is not None and run.job.kind == "payments.statements"
    done = jobs.job_execute(run.job.pk)
    assert done is not None and done.status == "done", done and done.error
    assert done.result == {"statements": 1, "total_due": "34.80"}
    statement = Statement.objects.get()
    assert (statement.patient_id, statement.amount_due, statement.level) == (claim.patient_id, D("34.80"), 30)
    assert bytes(statement.pdf).startswith(b"%PDF")
    assert [item["due"] for item in statement.lines] == ["18.00", "16.80"]
    assert statement.lines[0]["insurance_paid"] == "72.00" and statement.lines[0]["adjustments"] == "60.00"
    run.refresh_from_db()
    header, row = run.batch_file.strip().splitlines()
    assert header.startswith("statement,account,first_name")
    assert f",{claim.patient.mrn}," in row and ",34.80,30," in row
    assert statement_run_execute(run_id=run.pk) == {"statements": 1, "total_due": "34.80"}  # idempotent
    soon = statement_run_start(practice_id=practice.pk, as_of=PAID_ON + dt.timedelta(days=50))
    assert statement_run_execute(run_id=soon.pk)["statements"] == 0  # sent 10 days ago: wait for the cycle
    later = statement_run_start(practice_id=practice.pk, as_of=PAID_ON + dt.timedelta(days=95))
    statement_run_execute(run_id=later.pk)
    assert list(Statement.objects.order_by("sent_on").values_list("level", flat=True)) == [30, 90]
    assert StatementRun.objects.filter(status="done").count() == 3


def test_pdf_text_has_the_practice_patient_amount_and_how_to_pay(owing: tuple) -> None:
    practice, claim = owing
    run = statement_run_start(practice_id=practice.pk, as_of=PAID_ON + dt.timedelta(days=5))
    statement_run_execute(run_id=run.pk)
    pdf = bytes(Statement.objects.get().pdf)
    import base64
    import zlib

    text = b""
    import re

    for raw in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        body = raw.strip(b"\r\n")
        if body.endswith(b"~>"):
            try:
                text += zlib.decompress(base64.a85decode(body[:-2], adobe=False))
            except (ValueError, zlib.error):
                continue
    for words in (practice.name.encode(), claim.patient.last_name.encode(), b"34.80", b"How to pay", b"Aging"):
        assert words in text, words
