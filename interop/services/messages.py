"""Receiving messages: store the raw text first, process once per control ID, answer with an acknowledgement.

HL7 v2 (MLLP, files, uploads) and FHIR Bundles (API, files, uploads) share the same life:

1. decode and read just enough to route it (the practice: given explicitly by the importing user, or the
   MLLP sender mapping on MSH-4) and to key it (MSH-10; for FHIR the content's SHA-256);
2. store it raw in its own short transaction (`InboundMessage`, unique per practice, format, sender and
   control ID), so nothing acknowledged is ever lost;
3. process it under a row lock on that message: a message already processed is answered with the stored
   acknowledgement and not applied again; the same control ID with different content is refused (AR);
4. answer: AA, AE (content could not be applied; nothing written) or AR (not for us / not readable).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

import pghistory
from django.db import IntegrityError, transaction
from django.utils import timezone

from interop.hl7 import reader as hl7
from interop.hl7.ack import ack_message
from interop.models import AckCode, Format, Hl7Sender, InboundMessage, UnroutedMessage
from interop.services.apply import ApplyResult, batch_apply

logger = logging.getLogger(__name__)
DONE = (InboundMessage.Status.PROCESSED, InboundMessage.Status.PARTIAL, InboundMessage.Status.REJECTED)


@dataclass
class Received:
    message: InboundMessage | None
    ack_code: str
    ack: str
    duplicate: bool = False


def _summary(result: ApplyResult) -> str:
    if result.errors:
        first = result.errors[0]
        more = f" (+{len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
        return f"{first.ref}: {first.message}{more}"
    done = [o for o in result.outcomes if o.action in ("created", "updated", "coded")]
    stale = [o for o in result.outcomes if o.action == "stale"]
    if stale and not done:
        return "Older than data already applied; nothing changed."
    return f"{len(done)} change(s) applied." if done else "Already up to date."


def _unrouted(*, channel: str, peer: str, raw: str, reason: str, header: hl7.Header | None, code: str) -> Received:
    ack = ack_message(code=AckCode.AR, header=header, text=reason, error_code=code)
    UnroutedMessage.objects.create(channel=channel, peer=peer[:80], sender=(header.sending_facility if header else "")[:60],
                                   control_id=(header.control_id if header else "")[:80], raw=raw, reason=reason[:300],
                                   ack=ack)
    return Received(None, AckCode.AR, ack)


def sender_for(facility: str) -> Hl7Sender | None:
    return Hl7Sender.objects.filter(sending_facility=facility, is_active=True).first() if facility else None


def hl7_receive(*, raw: bytes, channel: str, practice_id: int | None = None, user: Any = None,
                peer: str = "") -> Received:
    """Take one HL7 v2 message (bytes as received) and return the acknowledgement to send."""
    try:
        text = hl7.decode(raw)
    except hl7.Hl7Reject as exc:
        return _unrouted(channel=channel, peer=peer, raw=raw.decode("utf-8", "backslashreplace"), reason=str(exc),
                         header=None, code=exc.code)
    return hl7_text_receive(text=text, channel=channel, practice_id=practice_id, user=user, peer=peer)


def hl7_text_receive(*, text: str, channel: str, practice_id: int | None = None, user: Any = None,
                     peer: str = "") -> Received:
    """Take one decoded HL7 v2 message; see `hl7_receive`."""
    text = hl7.normalize(text)
    try:
        header = hl7.read_header(text)
    except hl7.Hl7Reject as exc:
        return _unrouted(channel=channel, peer=peer, raw=text, reason=str(exc), header=None, code=exc.code)
    if practice_id is None:
        sender = sender_for(header.sending_facility)
        if sender is None:
            return _unrouted(channel=channel, peer=peer, raw=text, header=header, code="204",
                             reason=f"Unknown sending facility {header.sending_facility!r} (MSH-4); "
                                    "an administrator maps it to a practice under Interfaces.")
        practice_id = sender.practice_id
    message, conflict = message_store(practice_id=practice_id, fmt=Format.HL7V2, channel=channel, text=text,
                                      sender=header.sending_facility, control_id=header.control_id,
                                      message_type=header.message_type, message_time=header.message_time, user=user)
    if conflict:
        return _unrouted(channel=channel, peer=peer, raw=text, header=header, code="205",
                         reason=f"Message control ID {header.control_id} was already used for a different message.")
    return message_process(message_id=message.pk, user=user)


def message_store(*, practice_id: int, fmt: str, channel: str, text: str, sender: str, control_id: str,
                  message_type: str = "", message_time: Any = None, reference: str = "",
                  user: Any = None) -> tuple[InboundMessage, bool]:
    """Insert the raw message (committed on its own); return (message, conflict). A row already there for the
    key is returned as is; conflict is True when its content differs."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    key = {"practice_id": practice_id, "format": fmt, "sender": sender[:60], "control_id": control_id[:80]}
    existing = InboundMessage.objects.filter(**key).first()
    if existing is None:
        try:
            with transaction.atomic():
                existing = InboundMessage.objects.create(
                    **key, channel=channel, message_type=message_type[:40], message_time=message_time,
                    reference=reference[:200], raw=text, sha256=digest,
                    created_by=user if getattr(user, "is_authenticated", False) else None)
                return existing, False
        except IntegrityError:
            existing = InboundMessage.objects.get(**key)
    return existing, existing.sha256 != digest


def message_process(*, message_id: int, user: Any = None) -> Received:
    """Apply a stored HL7 message once; a second call answers with the stored acknowledgement."""
    with transaction.atomic():
        message = InboundMessage.objects.select_for_update().get(pk=message_id)
        if message.status in DONE:  # an AE (status error) is applied again: the sender's retry after a fix
            return Received(message, message.ack_code, message.ack, duplicate=True)
        message.attempts += 1
        header = None
        try:
            header = hl7.read_header(message.raw)
            parsed = hl7.parse(message.raw, header=header)
        except hl7.Hl7Reject as exc:
            _finish(message, status=InboundMessage.Status.REJECTED, code=AckCode.AR, header=header, text=str(exc),
                    error_code=exc.code)
            return Received(message, message.ack_code, message.ack)
        # The sender's mapping (its default location) applies however the message came in.
        sender = Hl7Sender.objects.filter(practice_id=message.practice_id, sending_facility=message.sender).first()
        with pghistory.context(interop_message=message.pk, channel=message.channel,
                               user=getattr(user, "pk", None) or (message.created_by_id)):
            result = batch_apply(practice_id=message.practice_id, batch=parsed.batch, message=message, atomic=True,
                                 default_location_id=sender.default_location_id if sender else None, user=user)
        message.outcomes = [o.as_dict() for o in result.outcomes]
        message.counts = result.counts()
        message.patient_ids = sorted(result.patient_ids)
        if result.errors:
            _finish(message, status=InboundMessage.Status.ERROR, code=AckCode.AE, header=header,
                    text=_summary(result), error_code="207")
        else:
            _finish(message, status=InboundMessage.Status.PROCESSED, code=AckCode.AA, header=header,
                    text=_summary(result))
        return Received(message, message.ack_code, message.ack)


def _finish(message: InboundMessage, *, status: str, code: str, header: hl7.Header | None, text: str,
            error_code: str = "") -> None:
    message.status = status
    message.ack_code = code
    message.error = "" if code == AckCode.AA else text
    message.ack = ack_message(code=code, header=header, text=text, error_code=error_code)
    message.processed_at = timezone.now()
    message.save(update_fields=["status", "ack_code", "error", "ack", "processed_at", "attempts", "outcomes", "counts",
                                "patient_ids"])


def hl7_file_store(*, practice_id: int, content: bytes, channel: str, user: Any = None) -> tuple[list[int], list[str]]:
    """Store every message of an HL7 file for a practice (processing happens in a job); return (ids, problems)."""
    try:
        text = hl7.decode(content)
    except hl7.Hl7Reject as exc:
        return [], [str(exc)]
    ids: list[int] = []
    problems: list[str] = []
    for i, piece in enumerate(hl7.split_file(text), start=1):
        try:
            header = hl7.read_header(piece)
        except hl7.Hl7Reject as exc:
            problems.append(f"Message {i}: {exc}")
            continue
        message, conflict = message_store(practice_id=practice_id, fmt=Format.HL7V2, channel=channel, text=piece,
                                          sender=header.sending_facility, control_id=header.control_id,
                                          message_type=header.message_type, message_time=header.message_time, user=user)
        if conflict:
            problems.append(f"Message {i} ({header.control_id}): control ID already used for a different message.")
            continue
        ids.append(message.pk)
    if not ids and not problems:
        problems.append("No HL7 message (MSH segment) in the file.")
    return ids, problems
