"""What each number on the dashboard means: shown on the page (beside the number), in the PDF and in the README.

The wording follows HFMA's MAP Keys (the revenue-cycle measures hospitals and practices benchmark with) and
MGMA's practice-management definitions; where our data forces a choice, the definition says which.
Every figure is about the services the page's filters select: dates of service in the range, and the
chosen provider (rendering), location (facility) and payer.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from payments.services.era import NOT_DENIAL_REASONS

# Adjustments that are the contract, not a loss: CARC 45 (charge exceeds the fee schedule), 253 (sequestration)
# and 23 (a prior payer's adjudication, on secondary claims) — the reasons payments never records as denials.
CONTRACTUAL_CARCS: tuple[str, ...] = tuple(NOT_DENIAL_REASONS)

AGING_BUCKETS: tuple[tuple[str, str, int, int | None], ...] = (
    ("0_30", "0-30", 0, 30), ("31_60", "31-60", 31, 60), ("61_90", "61-90", 61, 90),
    ("91_120", "91-120", 91, 120), ("over_120", "Over 120", 121, None),
)
UNSENT = "unsent"  # aging from first submission: balances of services never submitted

# Work-queue targets: days a claim may wait in a status before it is overdue (override with REPORTS_QUEUE_TARGETS).
QUEUE_TARGETS: MappingProxyType[str, int] = MappingProxyType({
    "draft": 3, "scrubbed_errors": 3, "clean": 2, "queued": 2, "rejected": 5,
    "submitted": 21, "accepted": 21, "denied": 10, "partially_paid": 30,
})
QUEUE_WHY: MappingProxyType[str, str] = MappingProxyType({
    "draft": "generated but not scrubbed",
    "scrubbed_errors": "scrubber errors not fixed",
    "clean": "clean but not queued for submission",
    "queued": "queued but not sent",
    "rejected": "rejected and not corrected",
    "submitted": "submitted with no answer",
    "accepted": "accepted by the payer, no remittance",
    "denied": "denial not worked",
    "partially_paid": "part denied or unpaid, not worked",
})


@dataclass(frozen=True)
class Kpi:
    key: str
    name: str
    formula: str
    definition: str
    source: str


KPIS: tuple[Kpi, ...] = (
    Kpi("ar_total", "Accounts receivable",
        "insurance balances + patient balances",
        "Open balances on the ledger (charges - payments - adjustments) for the selected services, as of the "
        "snapshot time. Credit balances are netted in.", "HFMA MAP Keys: total A/R"),
    Kpi("ar_over_90", "A/R over 90 days",
        "A/R older than 90 days ÷ A/R",
        "Share of A/R aged more than 90 days, from the date of service or (switch) from the first submission of a "
        "claim carrying the service; never-submitted balances are then shown apart as “not submitted”.",
        "HFMA MAP Keys: aged A/R as a percentage of billed A/R (> 90 days)"),
    Kpi("days_in_ar", "Days in A/R",
        "A/R ÷ (gross charges ÷ days in the range)",
        "How many days of charges are outstanding: the A/R of the selected services divided by their average "
        "daily gross charges over the date range.",
        "MGMA: days in A/R (gross charges method; HFMA's net days uses net revenue)"),
    Kpi("clean_claim_rate", "Clean-claim rate",
        "clean claims ÷ claims submitted and answered",
        "A claim is clean when its first answer was an acceptance and it was sent untouched: it never failed the "
        "scrubber and neither it nor its lines were edited before it was first submitted (change history). "
        "Counted over claims whose first answer (acceptance or rejection) has arrived.",
        "HFMA MAP Keys: clean claim rate (claims passing edits with no manual intervention)"),
    Kpi("first_pass_rate", "First-pass resolution rate",
        "claims paid at the first adjudication ÷ claims adjudicated",
        "Original claims whose first adjudication paid every line (status paid, no denial), never rejected "
        "before, over claims adjudicated at least once (paid, partially paid or denied).",
        "MGMA / HFMA: first-pass resolution (claims paid on first submission)"),
    Kpi("initial_denial_rate", "Initial denial rate",
        "claims with a denied line on the first remittance ÷ claims adjudicated (and $ denied ÷ $ adjudicated)",
        "By count: adjudicated claims with at least one line denied on their first remittance. By dollars: the "
        "denied amounts of those lines over the charges of the adjudicated claims.",
        "HFMA MAP Keys: initial denial rate"),
    Kpi("final_denial_rate", "Final denial rate",
        "claims with denied dollars still written off ÷ claims adjudicated (and $ written off ÷ $ adjudicated)",
        "Denials that stayed lost: non-contractual payer adjustments (not CARC 45/253/23) on denied lines, net of "
        "reversals, as of the snapshot. An overturned denial (reversed and paid) drops out; a denial moved to "
        "the patient is not a write-off.",
        "HFMA MAP Keys: final denials (write-offs) as a percentage of charges"),
    Kpi("net_collection_rate", "Net collection rate",
        "payments ÷ (charges - contractual adjustments)",
        "Insurance and patient payments net of refunds and reversals, over gross charges less contractual "
        "adjustments (CARC 45 fee-schedule, 253 sequestration, 23 prior-payer), for the selected services.",
        "MGMA adjusted (net) collection rate; HFMA MAP Keys: net collection"),
    Kpi("gross_collection_rate", "Gross collection rate",
        "payments ÷ gross charges",
        "All payments (insurance and patient, net of refunds) over gross charges of the selected services.",
        "MGMA: gross collection rate"),
    Kpi("days_to_payment", "Average days to payment",
        "Σ (first insurance payment date - date of service) ÷ claims paid",
        "Mean days from the date of service to the posting date of the first insurance payment, over claims "
        "with an insurance payment.", "MGMA: days to payment (from date of service)"),
    Kpi("charge_lag", "Charge lag",
        "Σ (claim created - date of service) ÷ original claims",
        "Mean days from the date of service to the creation of the original primary claim (service to claim).",
        "HFMA MAP Keys: days from service to bill (charge lag)"),
    Kpi("coder_throughput", "Coder throughput",
        "worksheets completed ÷ coding days, per coder",
        "Encounters coded in the workbench (completed worksheets) per coder, and per day on which the coder "
        "completed at least one.", "MGMA: coding productivity"),
    Kpi("suggestion_acceptance", "Suggestion acceptance",
        "suggestions accepted as suggested ÷ suggestions made",
        "Of the coding engine's suggestions on completed worksheets, the share the coder kept unchanged (edited, "
        "rejected and hand-added codes are shown beside).", "Coding quality (our measure)"),
    Kpi("denial_category_rate", "Denial rate by category / CARC",
        "claims with a denial in the category ÷ claims adjudicated (and $ ÷ $ adjudicated)",
        "Every denied line reason (CAS group + CARC + RARCs) is put in one category by "
        "claims.denials.categories; a claim counts once per category or CARC.",
        "HFMA denial reason categories; X12 CARC/RARC"),
)
KPI_BY_KEY: MappingProxyType[str, Kpi] = MappingProxyType({k.key: k for k in KPIS})
