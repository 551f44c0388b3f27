"""The columns of each drill-down list: one definition for the HTML table and the CSV/XLSX export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from rcm.exports import Column


@dataclass(frozen=True)
class ListColumn:
    header: str
    value: Callable[[Any], Any]
    kind: str = "text"  # text | money | number | date
    href: Callable[[Any], str | None] | None = None

    def export(self) -> Column:
        return Column(self.header, self.value, self.kind)


def _name(patient: Any) -> str:
    return f"{patient.last_name}, {patient.first_name}" if patient is not None else ""


def _encounter(encounter_id: int | None) -> str | None:
    return reverse("billing:encounter_detail", args=[encounter_id]) if encounter_id else None


def _payer(obj: Any) -> str:
    return obj.payer.name if obj.payer_id else "No payer"


AR = (
    ListColumn("Service date", lambda r: r.dos, "date"),
    ListColumn("Patient", lambda r: _name(r.patient), href=lambda r: _encounter(r.encounter_id)),
    ListColumn("MRN", lambda r: r.patient.mrn),
    ListColumn("Claim", lambda r: r.claim.pcn if r.claim_id else ""),
    ListColumn("Code", lambda r: r.line.code),
    ListColumn("Owed by", lambda r: "Patient" if r.bucket == "pat" else "Insurance"),
    ListColumn("Payer", _payer),
    ListColumn("Provider", lambda r: str(r.provider)),
    ListColumn("First submitted", lambda r: r.submitted_on, "date"),
    ListColumn("Balance", lambda r: r.balance, "money"),
)

CLAIMS = (
    ListColumn("Claim", lambda r: r.pcn, href=lambda r: _encounter(r.claim.encounter_id) if r.claim_id else None),
    ListColumn("Service date", lambda r: r.dos, "date"),
    ListColumn("Patient", lambda r: _name(r.patient)),
    ListColumn("MRN", lambda r: r.patient.mrn),
    ListColumn("Payer", _payer),
    ListColumn("Provider", lambda r: str(r.provider)),
    ListColumn("Status", lambda r: r.status.replace("_", " ")),
    ListColumn("In status since", lambda r: r.status_since, "date"),
    ListColumn("Submitted", lambda r: r.submitted_on, "date"),
    ListColumn("First answer", lambda r: r.first_answer),
    ListColumn("First adjudication", lambda r: r.first_adjudication.replace("_", " ")),
    ListColumn("Clean", lambda r: r.clean),
    ListColumn("First pass", lambda r: r.first_pass),
    ListColumn("Charges", lambda r: r.total_charge, "money"),
    ListColumn("Balance", lambda r: r.balance, "money"),
    ListColumn("Denied (first remit)", lambda r: r.denied_initial_amount, "money"),
    ListColumn("Denied, written off", lambda r: r.denied_final_amount, "money"),
    ListColumn("Days to payment", lambda r: r.days_to_payment, "number"),
    ListColumn("Charge lag (days)", lambda r: r.charge_lag, "number"),
)

DENIALS = (
    ListColumn("Remitted", lambda r: r.denied_on, "date"),
    ListColumn("Claim", lambda r: r.pcn),
    ListColumn("Service date", lambda r: r.dos, "date"),
    ListColumn("Patient", lambda r: _name(r.patient)),
    ListColumn("Payer", _payer),
    ListColumn("Code", lambda r: r.line.code),
    ListColumn("Group", lambda r: r.group),
    ListColumn("CARC", lambda r: r.carc),
    ListColumn("RARCs", lambda r: " ".join(r.rarcs)),
    ListColumn("Category", lambda r: r.category),
    ListColumn("First remittance", lambda r: r.initial),
    ListColumn("Amount", lambda r: r.amount, "money"),
)

MONEY = (
    ListColumn("Posted", lambda r: r.posted_on, "date"),
    ListColumn("Service date", lambda r: r.encounter.date_of_service, "date",
               href=lambda r: _encounter(r.encounter_id)),
    ListColumn("Patient", lambda r: _name(r.patient)),
    ListColumn("Claim", lambda r: r.claim.pcn if r.claim_id else ""),
    ListColumn("Code", lambda r: r.line.code),
    ListColumn("Kind", lambda r: r.get_kind_display()),
    ListColumn("Bucket", lambda r: "Patient" if r.bucket == "pat" else "Insurance"),
    ListColumn("Payer", lambda r: r.payer.name if r.payer_id else ""),
    ListColumn("CAS", lambda r: f"{r.cas_group}-{r.carc}" if r.carc else r.cas_group),
    ListColumn("Amount", lambda r: r.shown, "money"),
)

CODING = (
    ListColumn("Completed", lambda r: r.completed_at, "date"),
    ListColumn("Coder", lambda r: r.completed_by.username if r.completed_by_id else ""),
    ListColumn("Service date", lambda r: r.encounter.date_of_service, "date",
               href=lambda r: _encounter(r.encounter_id)),
    ListColumn("Patient", lambda r: _name(r.encounter.patient)),
    ListColumn("Provider", lambda r: str(r.encounter.provider)),
    ListColumn("Suggestions", lambda r: r.n_suggested, "number"),
    ListColumn("Accepted as suggested", lambda r: r.n_accepted, "number"),
)

COLUMNS: dict[str, tuple[ListColumn, ...]] = {"ar": AR, "claims": CLAIMS, "denials": DENIALS, "money": MONEY,
                                              "coding": CODING}
TITLES = {"ar": "Open balances (A/R)", "claims": "Claims", "denials": "Denials", "money": "Ledger entries",
          "coding": "Coded encounters"}
# What each list records in the PHI access log: object type, the object id and the patient id of a row.
AUDIT: dict[str, tuple[str, Callable[[Any], int], Callable[[Any], int]]] = {
    "ar": ("charge_line", lambda r: r.line_id, lambda r: r.patient_id),
    "claims": ("claim", lambda r: r.claim_id, lambda r: r.patient_id),
    "denials": ("claim", lambda r: r.claim_id, lambda r: r.patient_id),
    "money": ("ledger_entry", lambda r: r.pk, lambda r: r.patient_id),
    "coding": ("encounter", lambda r: r.encounter_id, lambda r: r.encounter.patient_id),
}
