"""`import_835` (files and folders), the ERA inbox folder task, charge sync, and the demo seed step."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum

from billing.demo import seed_practice
from claims.models import Claim
from payments.models import LedgerBalance, LedgerEntry, RemitException, Remittance
from payments.services.inbox import inbox_scan
from payments.services.ledger import ledger_sync_charges
from tests.payments import factories as pf

pytestmark = pytest.mark.django_db


def test_import_835_prints_one_json_line_and_is_idempotent(tmp_path: Path) -> None:
    practice, payer = pf.practice_with_payer()
    claims = [pf.sent_claim(practice=practice, payer=payer) for _ in range(2)]
    good = tmp_path / "good.835"
    good.write_text(pf.era_file([pf.transaction([pf.paid_claim(c) for c in claims], payer=payer)]))
    bad = tmp_path / "bad.835"
    bad.write_text(good.read_text().replace("BPR*I*278.40", "BPR*I*278.41"))
    out = io.StringIO()
    call_command("import_835", str(good), str(bad), "--practice", str(practice.pk), stdout=out)
    last = json.loads(out.getvalue().strip().splitlines()[-1])
    assert last == {"files": 2, "claims": 4, "claims_matched": 2, "lines_posted": 4, "paid": "278.40", "adjusted": "232.00",
                    "patient_responsibility": "69.60", "plb": "0.00", "exceptions": 0, "already_posted": 0}
    assert "rejected, nothing posted" in out.getvalue()
    out = io.StringIO()
    call_command("import_835", str(good), "--practice", str(practice.pk), stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1])["already_posted"] == 2


def test_practice_is_found_by_payee_npi_and_folders_are_scanned(tmp_path: Path, settings: Any) -> None:
    practice, payer = pf.practice_with_payer()
    pf.practice_with_payer()  # a second practice: the payee NPI must decide
    claim = pf.sent_claim(practice=practice, payer=payer)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "era1.835").write_text(pf.era_file([pf.transaction([pf.paid_claim(claim)], payer=payer,
                                                                payee_npi=practice.npi)]))
    (inbox / "notes.md").write_text("not an ERA")
    result = inbox_scan(str(inbox))
    assert (result["claims_matched"], result["unknown_practice"]) == (1, 0)
    assert (inbox / "done" / "era1.835").exists() and not (inbox / "era1.835").exists()
    assert Remittance.objects.get().source == "folder"
    settings.PAYMENTS_ERA_INBOX = ""
    assert inbox_scan() == {"skipped": "PAYMENTS_ERA_INBOX is not set"}


def test_charge_sync_is_idempotent_and_follows_claim_edits_and_voids() -> None:
    """Claims put their charges on the ledger as they are billed, edited and voided; the sync finds nothing left."""
    from claims import services as claim_services

    def charged() -> Decimal:
        return LedgerEntry.objects.filter(kind="charge").aggregate(t=Sum("amount"))["t"] or Decimal(0)

    practice, payer = pf.practice_with_payer()
    claim = pf.sent_claim(practice=practice, payer=payer, status="draft")
    assert charged() == 290
    assert ledger_sync_charges(practice_id=practice.pk).lines == 0
    claim_services.claim_update(claim=claim, data={}, lines={1: {"charge_amount": "175.00"}})
    assert charged() == 315
    assert ledger_sync_charges(practice_id=practice.pk).lines == 0
    claim_services.claim_void(claim=Claim.objects.get(pk=claim.pk))
    assert charged() == 0
    assert ledger_sync_charges(practice_id=practice.pk).lines == 0
    assert sum(LedgerBalance.objects.values_list("balance", flat=True)) == 0
    assert LedgerEntry.objects.filter(kind="charge").count() == 5


def test_demo_seed_step_posts_eras_with_denials_and_exceptions(monkeypatch: pytest.MonkeyPatch) -> None:
    from claims.scrub import data as scrub_data
    from tests.claims.fakes import fake_code_index

    monkeypatch.setattr(scrub_data, "default_code_index", lambda: fake_code_index)
    result = seed_practice(name="Demo Derm", encounters=160, seed=3, today=dt.date(2025, 6, 30))
    money = result.extra["payments"]
    assert money["claims_matched"] > 0 and money["files"] >= 1
    assert LedgerEntry.objects.filter(kind="ins_payment").exists()
    assert money["claims"] == money["claims_matched"] + money["exceptions"]
    assert not Remittance.objects.filter(status="rejected").exists()
    assert RemitException.objects.count() == money["exceptions"]
    assert sum(LedgerBalance.objects.filter(bucket="pat").values_list("balance", flat=True)) > 0
