"""HL7 sender mappings: which practice an MLLP message belongs to, by its sending facility (MSH-4)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from interop.models import Hl7Sender


def _check(sender: Hl7Sender) -> Hl7Sender:
    sender.sending_facility = sender.sending_facility.strip()
    if sender.default_location_id and sender.default_location.practice_id != sender.practice_id:
        raise ValidationError({"default_location": "That location belongs to another practice."})
    sender.full_clean()
    sender.save()
    return sender


@transaction.atomic
def sender_create(*, practice_id: int, **data: Any) -> Hl7Sender:
    return _check(Hl7Sender(practice_id=practice_id, **data))


@transaction.atomic
def sender_update(*, sender: Hl7Sender, data: dict[str, Any]) -> Hl7Sender:
    data.pop("practice", None)
    for key, value in data.items():
        setattr(sender, key, value)
    return _check(sender)
