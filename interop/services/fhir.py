"""FHIR Bundles in: store, process once per content, and answer with a batch/transaction-response Bundle.

A `transaction` Bundle is all or nothing (FHIR's rule); `batch`, `collection` and the rest are applied
resource by resource, each failure reported in its response entry with an OperationOutcome.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pghistory
from django.db import transaction
from django.utils import timezone

from interop.fhir.reader import KIND_OF, FhirReject, load_json, read_bundle
from interop.models import AckCode, Format, InboundMessage
from interop.services.apply import Outcome, batch_apply
from interop.services.messages import message_store

STATUS_LINE = {"created": "201 Created", "updated": "200 OK", "unchanged": "200 OK", "stale": "200 OK",
               "coded": "200 OK", "error": "400 Bad Request"}
LOCATION = {"patient": "Patient", "coverage": "Coverage", "encounter": "Encounter", "diagnosis": "Condition",
            "charge": "ChargeItem", "note": "DocumentReference"}


@dataclass
class FhirReceived:
    message: InboundMessage | None
    response: dict[str, Any]
    http_status: int
    duplicate: bool = False


def operation_outcome(issues: list[tuple[str, str, str]]) -> dict[str, Any]:
    """issues: (severity, code, text) -> an OperationOutcome resource."""
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": sev, "code": code, "diagnostics": text} for sev, code, text in issues]}


def fhir_store(*, practice_id: int, content: bytes, channel: str, user: Any = None) -> InboundMessage:
    """Store a Bundle as received (keyed by its content's SHA-256, so posting the same bytes twice is one
    message); raises FhirReject when it is not JSON FHIR at all."""
    data = load_json(content)
    utf16 = content.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = content.decode("utf-16") if utf16 else content.decode("utf-8-sig")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    bundle_type = data.get("type", "") if data.get("resourceType") == "Bundle" else data.get("resourceType", "")
    ident = data.get("identifier") if isinstance(data.get("identifier"), dict) else {}
    reference = (ident or {}).get("value") or str(data.get("id") or "")
    message, _conflict = message_store(practice_id=practice_id, fmt=Format.FHIR, channel=channel, text=text, sender="",
                                       control_id=digest, message_type=f"Bundle/{bundle_type}"[:40],
                                       reference=str(reference), user=user)
    return message


def fhir_bundle_receive(*, practice_id: int, content: bytes, channel: str, user: Any = None) -> FhirReceived:
    """Take a Bundle (bytes of JSON) for a practice; store, process, and return the FHIR response."""
    try:
        message = fhir_store(practice_id=practice_id, content=content, channel=channel, user=user)
    except FhirReject as exc:
        return FhirReceived(None, operation_outcome([("error", "structure", str(exc))]), 400)
    return fhir_message_process(message_id=message.pk, user=user)


def fhir_message_process(*, message_id: int, user: Any = None) -> FhirReceived:
    import json

    with transaction.atomic():
        message = InboundMessage.objects.select_for_update().get(pk=message_id)
        # Done is done; a Bundle that failed (wholly or in part) is applied again, which is how a sender retries
        # after the practice has added the missing provider or payer.
        if message.status in (InboundMessage.Status.PROCESSED, InboundMessage.Status.REJECTED) and message.ack:
            return FhirReceived(message, json.loads(message.ack),
                                400 if message.status == InboundMessage.Status.REJECTED else 200, duplicate=True)
        message.attempts += 1
        try:
            read = read_bundle(json.loads(message.raw))
        except FhirReject as exc:
            response = operation_outcome([("error", "structure", str(exc))])
            _finish(message, InboundMessage.Status.REJECTED, AckCode.AR, str(exc), response)
            return FhirReceived(message, response, 400)
        with pghistory.context(interop_message=message.pk, channel=message.channel,
                               user=getattr(user, "pk", None) or message.created_by_id):
            result = batch_apply(practice_id=message.practice_id, batch=read.batch, message=message, atomic=read.atomic,
                                 user=user)
        message.message_time = read.timestamp
        message.outcomes = [o.as_dict() for o in result.outcomes]
        message.counts = result.counts()
        message.patient_ids = sorted(result.patient_ids)
        errors = result.errors
        if read.atomic and errors:
            response = operation_outcome([("error", "processing", f"{o.ref}: {o.message}") for o in errors]
                                         + [("information", "informational", "Transaction rolled back; nothing was written.")])
            _finish(message, InboundMessage.Status.ERROR, AckCode.AE, _first(errors), response)
            return FhirReceived(message, response, 400)
        response = _response_bundle(read, result.outcomes)
        if errors:
            _finish(message, InboundMessage.Status.PARTIAL, AckCode.AE, _first(errors), response)
        else:
            _finish(message, InboundMessage.Status.PROCESSED, AckCode.AA, "", response)
        return FhirReceived(message, response, 200)


def _first(errors: list[Outcome]) -> str:
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{errors[0].ref}: {errors[0].message}{more}"


def _finish(message: InboundMessage, status: str, code: str, error: str, response: dict[str, Any]) -> None:
    import json

    message.status = status
    message.ack_code = code
    message.error = error
    message.ack = json.dumps(response)
    message.processed_at = timezone.now()
    message.save(update_fields=["status", "ack_code", "error", "ack", "processed_at", "attempts", "outcomes", "counts",
                                "patient_ids", "message_time"])


def _response_bundle(read: Any, outcomes: list[Outcome]) -> dict[str, Any]:
    """One response entry per request entry, in order: status, our location, and any issues."""
    per_entry: dict[int, list[Outcome]] = {}
    for o in outcomes:
        index = read.refs.get(o.ref)
        if index is not None:
            per_entry.setdefault(index, []).append(o)
    entries = []
    for entry in read.entries:
        found = per_entry.get(entry.index, [])
        main = next((o for o in found if o.action == "error"), None) or next(
            (o for o in found if o.action in STATUS_LINE and o.kind == KIND_OF.get(entry.resource_type)), None)
        response: dict[str, Any] = {"status": STATUS_LINE[main.action] if main else "200 OK"}
        if main and main.object_id and main.action != "error":
            response["location"] = f"{LOCATION.get(main.kind, entry.resource_type)}/{main.object_id}"
        issues = [("error" if o.action == "error" else "warning" if o.action in ("warning", "stale") else "information",
                   "processing" if o.action == "error" else "informational", o.message or o.action)
                  for o in found if o.message or o.action in ("error", "stale")]
        if not found and entry.resource_type and entry.resource_type not in KIND_OF:
            issues.append(("information", "informational", "Used for references only."))
        if issues:
            response["outcome"] = operation_outcome(issues)
        entries.append({"response": response})
    bundle_type = "transaction-response" if read.bundle_type == "transaction" else "batch-response"
    return {"resourceType": "Bundle", "type": bundle_type, "entry": entries}
