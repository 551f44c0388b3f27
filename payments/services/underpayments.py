"""Underpayment queue actions: appeal, accept or write off a variance against the contract.

The variance itself is found while posting (`era._Poster._underpayment`): allowed (payment + patient
responsibility, or AMT*B6) below the payer's contracted amount by more than the tolerance
(`PAYMENTS_UNDERPAYMENT_TOLERANCE`, default $1.00). The payer's contractual adjustment (CO-45) is already
on the ledger, so accepting or writing off changes no balance: it records the decision; an appeal keeps
the item open until the payer answers (its corrected 835 posts as usual).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from payments.models import Underpayment

ACTIONS = {"appeal": Underpayment.Status.APPEAL, "accept": Underpayment.Status.ACCEPTED,
           "write_off": Underpayment.Status.WRITTEN_OFF}


def underpayment_act(*, underpayment: Underpayment, action: str, note: str = "", user: Any = None) -> Underpayment:
    if action not in ACTIONS:
        raise ValidationError({"action": "Choose appeal, accept or write_off."})
    with transaction.atomic():
        item = Underpayment.objects.select_for_update().get(pk=underpayment.pk)
        if item.status in (Underpayment.Status.ACCEPTED, Underpayment.Status.WRITTEN_OFF):
            raise ValidationError(f"This underpayment is already {item.get_status_display().lower()}.")
        if item.status == ACTIONS[action]:
            raise ValidationError(f"This underpayment is already marked {item.get_status_display().lower()}.")
        item.status = ACTIONS[action]
        item.note = note.strip()[:300]
        item.resolved_by = user if getattr(user, "is_authenticated", False) else None
        item.resolved_at = timezone.now()
        item.save()
    return item
