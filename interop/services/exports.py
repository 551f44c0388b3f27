"""What the interop app exports: the message log, patients' balances (CSV/XLSX/FHIR) and claims as EOBs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from billing.models import Patient
from interop.fhir import writer
from interop.selectors import claim_adjudication
from rcm.exports import Column

MESSAGE_COLUMNS = (
    Column("received", lambda m: m.received_at, "date"),
    Column("format", lambda m: m.get_format_display()),
    Column("channel", lambda m: m.get_channel_display()),
    Column("type", lambda m: m.message_type),
    Column("sender", lambda m: m.sender),
    Column("control_id", lambda m: m.control_id),
    Column("status", lambda m: m.get_status_display()),
    Column("ack", lambda m: m.ack_code),
    Column("error", lambda m: m.error),
)

BALANCE_COLUMNS = (
    Column("mrn", lambda r: r["patient"].mrn),
    Column("patient", lambda r: f"{r['patient'].last_name}, {r['patient'].first_name}"),
    Column("date_of_birth", lambda r: r["patient"].date_of_birth, "date"),
    Column("balance", lambda r: r["balance"], "money"),
    Column("current", lambda r: r["aging"]["current"], "money"),
    Column("days_31_60", lambda r: r["aging"]["31_60"], "money"),
    Column("days_61_90", lambda r: r["aging"]["61_90"], "money"),
    Column("over_90", lambda r: r["aging"]["over_90"], "money"),
    Column("oldest_charge", lambda r: r["oldest"], "date"),
)


def balances_rows(*, practice_id: int, as_of: dt.date) -> list[dict[str, Any]]:
    """Patients who owe the practice, largest balance first, with FIFO aging (from the payments ledger)."""
    from payments.selectors import patient_balances

    balances = patient_balances(practice_id=practice_id, as_of=as_of)
    patients = Patient.objects.in_bulk([b.patient_id for b in balances])
    return [{"patient": patients[b.patient_id], "balance": b.balance, "aging": b.aging, "oldest": b.oldest}
            for b in balances if b.patient_id in patients]


def balances_bundle(*, practice_id: int, as_of: dt.date) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    for row in balances_rows(practice_id=practice_id, as_of=as_of):
        resources.append(writer.patient_resource(row["patient"]))
        resources.append(writer.balance_invoice(patient_id=row["patient"].pk, practice_id=practice_id,
                                                balance=row["balance"], aging=row["aging"], as_of=as_of))
    return writer.bundle(resources, kind="searchset")


def claim_eob(claim: Any) -> dict[str, Any]:
    lines = list(claim.lines.order_by("line_number"))
    return writer.eob_resource(claim, lines, claim_adjudication(claim=claim))


def claims_eob_bundle(claims: list[Any], *, include: bool = True) -> dict[str, Any]:
    """EOBs, and (include=True) the patients, coverages and organizations they reference."""
    resources: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()

    def once(kind: str, pk: int, build: Any) -> None:
        if (kind, pk) not in seen:
            seen.add((kind, pk))
            resources.append(build())

    for claim in claims:
        resources.append(claim_eob(claim))
        if include:
            once("patient", claim.patient_id, lambda c=claim: writer.patient_resource(c.patient))
            once("coverage", claim.coverage_id, lambda c=claim: writer.coverage_resource(c.coverage))
            once("payer", claim.payer_id, lambda c=claim: writer.payer_resource(c.payer))
            once("practice", claim.practice_id, lambda c=claim: writer.practice_resource(c.practice))
    return writer.bundle(resources, kind="searchset")
