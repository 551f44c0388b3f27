"""Demo money: ERAs for the older sent claims, posted the real way, and the bank deposits that carry them.

Each payer pays its contracted amount less the patient's share (deductible early in the year, coinsurance,
copays), denies a few lines with structured reasons, underpays a few, and a few remittance claims land in
the exceptions queue (a claim number the practice never sent, a line the payer re-coded). Files hold up to
1,000 claims each and go through `era_import`, so the demo exercises the same bulk path as production.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from billing.models import Payer, Practice
from claims.models import Claim, ClaimLine, ClaimStatus
from payments.models import BankDeposit, RemitTransaction
from payments.services.era import FeeBook, ImportResult, era_import
from payments.services.ledger import ledger_sync_charges
from payments.x12 import simulate as sim
from payments.x12.reader_835 import RemitServiceIn
from payments.x12.writer_835 import Envelope835, write_835

D = Decimal
CENT = D("0.01")
PER_FILE = 1000
DENIALS = [("CO", "50", ["N115"]), ("CO", "97", ["M15"]), ("CO", "16", ["M76"]), ("CO", "29", []), ("PI", "204", ["N130"])]


def seed_step(*, practice: Practice, rng: random.Random, today: dt.date) -> dict[str, Any]:
    started = time.perf_counter()
    charges = ledger_sync_charges(practice_id=practice.pk, self_pay=True, today=today)
    claims = list(Claim.objects.filter(practice=practice, status=ClaimStatus.ACCEPTED,
                                       date_of_service__lte=today - dt.timedelta(days=30))
                  .select_related("patient", "payer").order_by("pk"))
    lines: dict[int, list[ClaimLine]] = defaultdict(list)
    for ln in ClaimLine.objects.filter(claim__in=claims).order_by("claim_id", "line_number"):
        lines[ln.claim_id].append(ln)
    fees = FeeBook(practice.pk, {c.payer_id for c in claims})
    by_payer: dict[int, list[Claim]] = defaultdict(list)
    for c in claims:
        by_payer[c.payer_id].append(c)
    payers = Payer.objects.in_bulk(list(by_payer))
    total = ImportResult()
    control = 1
    for payer_id, group in sorted(by_payer.items()):
        payer = payers[payer_id]
        for i in range(0, len(group), PER_FILE):
            chunk = group[i:i + PER_FILE]
            pay_day = max(c.date_of_service for c in chunk) + dt.timedelta(days=rng.randint(14, 28))
            pay_day = min(pay_day, today - dt.timedelta(days=1))
            remit_claims = [_adjudicate(c, lines[c.pk], payer, fees, rng) for c in chunk]
            txn = sim.remit_transaction(remit_claims, trace=f"{payer.payer_id or 'P'}{pay_day:%y%m%d}{control:04d}",
                                        payer_name=payer.name.upper(), payer_id=payer.payer_id, payment_date=pay_day,
                                        payee_npi=practice.npi, payee_name=practice.name.upper())
            text = write_835([txn], Envelope835(sender_id=payer.payer_id or "PAYER", receiver_id=practice.tax_id,
                                                control_number=control,
                                                created=dt.datetime.combine(pay_day, dt.time(6, 0))))
            control += 1
            total.add(era_import(practice_id=practice.pk, content=text, filename=f"era_{payer.payer_id}_{pay_day}.835",
                                 source="demo"))
    deposits = _deposits(practice, rng)
    return {"charges": charges.as_dict(), **total.as_dict(), "deposits": deposits,
            "seconds": round(time.perf_counter() - started, 2)}


def _adjudicate(claim: Claim, lines: list[ClaimLine], payer: Payer, fees: FeeBook, rng: random.Random) -> Any:
    roll = rng.random()
    services: list[RemitServiceIn] = []
    medicare = payer.kind == Payer.Kind.MEDICARE
    deductible_left = D("240.00") if claim.date_of_service.month <= 3 and rng.random() < 0.5 else D("0.00")
    for n, ln in enumerate(lines):
        line = sim.SimLine(ln.line_control_number, ln.code, ln.charge_amount, ln.date_of_service, tuple(ln.modifiers),
                           ln.units)
        unit = fees.allowed(payer.pk, ln.code, ln.modifiers, ln.date_of_service)
        allowed = (unit * ln.units).quantize(CENT) if unit is not None else (ln.charge_amount * D("0.55")).quantize(CENT)
        if roll < 0.08 and n == len(lines) - 1:
            group, reason, remarks = rng.choice(DENIALS)
            services.append(sim.denied_line(line, group=group, reason=reason, remarks=remarks))
            continue
        if 0.08 <= roll < 0.10:
            allowed = (allowed * D("0.85")).quantize(CENT)  # underpaid against the contract
        deductible = min(deductible_left, allowed)
        deductible_left -= deductible
        rest = allowed - deductible
        copay = D("0.00")
        if not medicare and ln.code.startswith("992") and rng.random() < 0.5:
            copay = min(rest, D(rng.choice(["20.00", "30.00", "40.00"])))
        coins = ((rest - copay) * D("0.20")).quantize(CENT) if medicare or rng.random() < 0.6 else D("0.00")
        svc = sim.paid_line(line, allowed=allowed, deductible=deductible, coinsurance=coins, copay=copay,
                            remarks=["N130"] if deductible else [])
        if 0.10 <= roll < 0.115 and n == 0 and ln.modifiers:
            svc = svc.model_copy(update={"modifiers": [], "line_control_number": ""})  # payer dropped the modifier
        if 0.115 <= roll < 0.125 and n == 0:
            svc = svc.model_copy(update={"code": "99499", "line_control_number": ""})  # re-coded: an exception
        services.append(svc)
    p = claim.patient
    pcn = claim.pcn if roll < 0.995 else claim.pcn.replace("C", "X")  # a claim number we never sent
    return sim.remit_claim(pcn, services, patient=(p.last_name.upper(), p.first_name.upper(), claim.member_id),
                           payer_claim_number=f"{payer.payer_id or 'P'}{claim.pk:010d}")


def _deposits(practice: Practice, rng: random.Random) -> int:
    """Most ERA payments arrive in the bank by EFT with their trace; one arrives short, one not at all."""
    rows = []
    txns = list(RemitTransaction.objects.filter(practice=practice, total_paid__gt=0).order_by("pk"))
    for i, t in enumerate(txns):
        if i == len(txns) - 1 and len(txns) > 3:
            continue
        amount = t.total_paid - (D("25.00") if i == 1 and len(txns) > 3 else D("0.00"))
        day = (t.payment_date or dt.date.today()) + dt.timedelta(days=rng.randint(1, 2))
        rows.append(BankDeposit(practice=practice, deposited_on=day, amount=amount, reference=t.trace_number,
                                description=f"ACH CREDIT {t.payer_name} HCCLAIMPMT TRN*1*{t.trace_number}",
                                identity=hashlib.sha256(f"demo|{t.pk}".encode()).hexdigest(), remit_transaction=t,
                                match_method="trace"))
    BankDeposit.objects.bulk_create(rows)
    return len(rows)
