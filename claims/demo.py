"""Demo claims: generate claims for the seeded coded encounters and give them a believable history.

Older claims were scrubbed a few days after the visit, sent in 837P files and acknowledged (accepted, a
few rejected); the last three weeks' claims wait in the queue as drafts, a few with the data-entry
slips billers fix every day. Set RCM_SEED_CLAIMS=0 to seed encounters without claims (the benchmark does).
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import defaultdict
from typing import Any

from billing.models import Payer, Practice
from claims import services
from claims.models import Claim, ClaimLine, ClaimStatus, NcciPtpEdit, PayerRule
from claims.ncci.files import load_sample

RECENT_DAYS = 21


def seed_step(*, practice: Practice, rng: random.Random, today: dt.date) -> dict[str, Any]:
    if os.environ.get("RCM_SEED_CLAIMS", "1") == "0":
        return {"skipped": True}
    if not NcciPtpEdit.objects.exists():
        load_sample()
    payers = {p.name: p for p in Payer.objects.filter(practice=practice)}
    rules = [("State Medicaid", PayerRule.Kind.REQUIRES_PRIOR_AUTH, "17311,17312,17313,17314,17315", "error",
              "State Medicaid requires a prior-authorization number for Mohs surgery."),
             ("Humana Medicare Advantage", PayerRule.Kind.REQUIRES_REFERRING, "", "warning", ""),
             ("UnitedHealthcare", PayerRule.Kind.MODIFIER_NOT_ACCEPTED, "XU", "error", "")]
    for name, kind, value, severity, message in rules:
        if name in payers:
            PayerRule.objects.get_or_create(practice=practice, payer=payers[name], kind=kind, value=value,
                                            defaults={"severity": severity, "message": message})
    generated = services.claims_generate_pending(practice_id=practice.pk)
    cutoff = today - dt.timedelta(days=RECENT_DAYS)
    old = defaultdict(list)
    recent: list[int] = []
    for pk, dos in Claim.objects.filter(practice=practice, status=ClaimStatus.DRAFT).values_list("pk", "date_of_service"):
        (old[dos].append(pk) if dos < cutoff else recent.append(pk))
    # The past: scrubbed three days after the visit, then sent.
    for dos, ids in sorted(old.items()):
        services.claims_scrub(claim_ids=ids, today=dos + dt.timedelta(days=3))
    clean = list(Claim.objects.filter(practice=practice, status=ClaimStatus.CLEAN, date_of_service__lt=cutoff)
                 .values_list("pk", flat=True))
    exported = services.claims_export_837(claim_ids=clean, practice_id=practice.pk, strict=False)
    submitted: list[int] = []
    for batch in exported.batches:
        submitted += services.claims_mark_submitted(batch=batch, reason=f"{batch.filename} uploaded to the clearinghouse")
    rng.shuffle(submitted)
    n_rejected = len(submitted) // 25
    rejected, accepted = submitted[:n_rejected], submitted[n_rejected:]
    services.claims_transition_bulk(claim_ids=accepted, to_status=ClaimStatus.ACCEPTED, source="clearinghouse:277CA",
                                    reason="accepted by the payer")
    services.claims_transition_bulk(claim_ids=rejected, to_status=ClaimStatus.REJECTED, source="clearinghouse:277CA",
                                    reason="A7:562 entity's NPI not found — check the rendering provider enrollment")
    # The present: a few recent claims with the slips billers fix (a lost modifier 25, a typo'd member ID).
    rng.shuffle(recent)
    slips = recent[: max(2, len(recent) // 25)]
    for i, pk in enumerate(slips):
        if i % 2 == 0:
            line = ClaimLine.objects.filter(claim_id=pk, modifiers__contains=["25"]).first()
            if line is not None:
                line.modifiers = [m for m in line.modifiers if m != "25"]
                line.save(update_fields=["modifiers"])
                continue
        Claim.objects.filter(pk=pk).update(member_id="")
    return {"claims": generated.claims, "self_pay": generated.self_pay, "sent": len(submitted),
            "accepted": len(accepted), "rejected": len(rejected), "files": len(exported.batches),
            "awaiting_scrub": len(recent)}
