"""Reads: claim snapshots for the scrubber and the writer, and the billers' queue."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from billing.models import Coverage, Encounter, Payer
from claims.adjudication import PriorAdjudication
from claims.models import INACTIVE, Claim, ClaimLine, ClaimStatus, ClaimStatusEvent, X12Batch
from claims.snapshot import Address, Adjustment, ClaimSnap, LineAdjudication, LineSnap, OtherPayer
from rcm.db.arrays import id_in

_CLAIM_FIELDS = (
    "id", "status", "pcn", "frequency", "original_payer_claim_number", "responsibility", "date_of_service",
    "payer_id", "payer__name", "payer__payer_id", "payer__kind", "payer__timely_filing_days",
    "practice__name", "billing_npi", "billing_tax_id", "billing_taxonomy", "practice__address_line1",
    "practice__address_line2", "practice__city", "practice__state", "practice__zip_code", "practice__phone",
    "rendering_provider_id", "rendering_provider__first_name", "rendering_provider__last_name", "rendering_npi",
    "rendering_taxonomy", "facility__name", "facility__npi", "facility__address_line1", "facility__address_line2",
    "facility__city", "facility__state", "facility__zip_code", "place_of_service",
    "patient_id", "patient__first_name", "patient__middle_name", "patient__last_name", "patient__date_of_birth",
    "patient__sex", "patient__address_line1", "patient__address_line2", "patient__city", "patient__state",
    "patient__zip_code", "member_id", "group_number", "relationship", "subscriber_first_name", "subscriber_last_name",
    "subscriber_date_of_birth", "subscriber_sex", "diagnosis_codes", "prior_authorization", "referring_provider_npi",
    "referring_provider_name", "onset_date", "prior_adjudication", "prior_claim_id",
)
# The primary claim of a secondary one, read in its own query for the few claims that have one: as joins of
# the main query they cost a scan of the whole claims table for every batch.
_PRIOR_FIELDS = (
    "responsibility", "payer__name", "payer__payer_id", "payer__kind", "member_id", "relationship", "group_number",
    "subscriber_first_name", "subscriber_last_name", "patient__first_name", "patient__last_name",
)
_LINE_FIELDS = ("claim_id", "id", "line_number", "line_control_number", "code", "modifiers", "units",
                "diagnosis_pointers", "charge_amount", "date_of_service", "place_of_service")


_ADDRESS_PARTS = ("address_line1", "address_line2", "city", "state", "zip_code")


def _address_reader(prefix: str) -> Any:
    """A function from a claim row (tuple) to its Address; one Address object per distinct address, shared
    by the claims (the practice's and a facility's address repeat on every claim of a batch)."""
    at = [_CLAIM_FIELDS.index(f"{prefix}{part}") for part in _ADDRESS_PARTS]
    seen: dict[tuple[Any, ...], Address] = {}

    def read(values: tuple[Any, ...]) -> Address:
        key = tuple(values[i] for i in at)
        found = seen.get(key)
        if found is None:
            found = seen[key] = Address(*(v or "" for v in key))
        return found

    return read


def _other_payer(raw: Any, row: dict[str, Any] | None) -> OtherPayer | None:
    """Loops 2320-2430 from the stored adjudication and the primary claim's row (`prior_claim__*` keys)."""
    if not raw or row is None or row["prior_claim__payer__name"] is None:
        return None
    adj = PriorAdjudication.model_validate(raw)
    self_ = row["prior_claim__relationship"] == "18"
    return OtherPayer(
        responsibility=row["prior_claim__responsibility"], payer_name=row["prior_claim__payer__name"],
        payer_id=row["prior_claim__payer__payer_id"] or "",
        filing_indicator=Payer.FILING_INDICATOR.get(row["prior_claim__payer__kind"], "CI"),
        member_id=row["prior_claim__member_id"], relationship=row["prior_claim__relationship"],
        group_number=row["prior_claim__group_number"],
        subscriber_first_name=row["prior_claim__patient__first_name"] if self_ else row["prior_claim__subscriber_first_name"],
        subscriber_last_name=row["prior_claim__patient__last_name"] if self_ else row["prior_claim__subscriber_last_name"],
        paid=adj.paid, adjudication_date=adj.adjudication_date,
        claim_adjustments=tuple(Adjustment(a.group, a.reason, a.amount) for a in adj.claim_adjustments),
        lines=tuple(LineAdjudication(ln.line_control_number, ln.code, ln.paid, ln.units, tuple(ln.modifiers),
                                     tuple(Adjustment(a.group, a.reason, a.amount) for a in ln.adjustments),
                                     ln.adjudication_date) for ln in adj.lines),
    )


def claim_snapshots(*, claim_ids: Iterable[int]) -> list[ClaimSnap]:
    """Snapshots of the given claims in two queries (claims with their parties, then lines), in id order."""
    ids = sorted(set(claim_ids))
    if not ids:
        return []
    lines: dict[int, list[LineSnap]] = defaultdict(list)
    for ln in ClaimLine.objects.filter(claim_id__in=id_in(ids)).order_by("claim_id", "line_number").values_list(*_LINE_FIELDS):
        lines[ln[0]].append(LineSnap(id=ln[1], line_number=ln[2], line_control_number=ln[3], code=ln[4],
                                     modifiers=tuple(ln[5]), units=ln[6], pointers=tuple(ln[7]), charge=ln[8],
                                     date_of_service=ln[9], place_of_service=ln[10]))
    snaps = []
    practice_addr, facility_addr, patient_addr = (_address_reader(p) for p in ("practice__", "facility__", "patient__"))
    filing = Payer.FILING_INDICATOR
    prior = _CLAIM_FIELDS.index("prior_adjudication")
    rows = list(Claim.objects.filter(pk__in=id_in(ids)).order_by("pk").values_list(*_CLAIM_FIELDS))
    prior_ids = {values[prior + 1] for values in rows if values[prior] and values[prior + 1] is not None}
    priors = {pk: dict(zip((f"prior_claim__{f}" for f in _PRIOR_FIELDS), rest, strict=True)) for pk, *rest in
              Claim.objects.filter(pk__in=prior_ids).values_list("pk", *_PRIOR_FIELDS)} if prior_ids else {}
    for values in rows:
        (id_, status, pcn, frequency, original_payer_claim_number, responsibility, date_of_service, payer_pk,
         payer_name, payer_id, payer_kind, timely_filing_days, billing_name, billing_npi, billing_tax_id,
         billing_taxonomy, _l1, _l2, _city, _state, _zip, billing_phone, rendering_pk, rendering_first_name,
         rendering_last_name, rendering_npi, rendering_taxonomy, facility_name, facility_npi,
         _fl1, _fl2, _fcity, _fstate, _fzip, place_of_service, patient_pk, patient_first_name, patient_middle_name,
         patient_last_name, patient_date_of_birth, patient_sex, _pl1, _pl2, _pcity, _pstate, _pzip, member_id,
         group_number, relationship, subscriber_first_name, subscriber_last_name, subscriber_date_of_birth,
         subscriber_sex, diagnosis_codes, prior_authorization, referring_npi, referring_name,
         onset_date) = values[:prior]
        snaps.append(ClaimSnap(
            id=id_, status=status, pcn=pcn, frequency=frequency, original_payer_claim_number=original_payer_claim_number,
            responsibility=responsibility, date_of_service=date_of_service, lines=tuple(lines.get(id_, ())),
            diagnosis_codes=tuple(diagnosis_codes),
            payer_pk=payer_pk, payer_name=payer_name, payer_id=payer_id or "",
            filing_indicator=filing.get(payer_kind, "CI"), timely_filing_days=timely_filing_days,
            billing_name=billing_name, billing_npi=billing_npi, billing_tax_id=billing_tax_id,
            billing_taxonomy=billing_taxonomy, billing_address=practice_addr(values), billing_phone=billing_phone or "",
            rendering_pk=rendering_pk, rendering_first_name=rendering_first_name,
            rendering_last_name=rendering_last_name, rendering_npi=rendering_npi, rendering_taxonomy=rendering_taxonomy,
            facility_name=facility_name, facility_npi=facility_npi or "", facility_address=facility_addr(values),
            place_of_service=place_of_service,
            patient_pk=patient_pk, patient_first_name=patient_first_name, patient_middle_name=patient_middle_name or "",
            patient_last_name=patient_last_name, patient_date_of_birth=patient_date_of_birth, patient_sex=patient_sex,
            patient_address=patient_addr(values),
            member_id=member_id, group_number=group_number, relationship=relationship,
            subscriber_first_name=subscriber_first_name, subscriber_last_name=subscriber_last_name,
            subscriber_date_of_birth=subscriber_date_of_birth, subscriber_sex=subscriber_sex,
            prior_authorization=prior_authorization, referring_npi=referring_npi, referring_name=referring_name,
            onset_date=onset_date,
            other_payer=_other_payer(values[prior], priors.get(values[prior + 1])) if values[prior] else None,
        ))
    return snaps


# --- the billers' queue -----------------------------------------------------------------------------
OPEN = "open"  # the queue's default: claims a biller can act on (not waiting on the payer, not finished)
WAITING_OR_DONE = (ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED, ClaimStatus.PAID, ClaimStatus.CLOSED, *INACTIVE)


@dataclass(frozen=True)
class QueueFilters:
    status: str = OPEN
    payer_id: int | None = None
    provider_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    age_min: int | None = None  # days since the date of service
    age_max: int | None = None
    rule: str = ""
    deadline_before: dt.date | None = None
    q: str = ""


def claims_for_queue(*, practice_id: int, filters: QueueFilters | None = None, today: dt.date | None = None) -> QuerySet[Claim]:
    """The queue in its priority order: closest filing deadline first, then the largest balance."""
    return claims_filter(Claim.objects.filter(practice_id=practice_id), filters=filters, today=today)


def claims_filter(qs: QuerySet[Claim], *, filters: QueueFilters | None = None, today: dt.date | None = None) -> QuerySet[Claim]:
    """The queue's filters and order over an already practice-scoped queryset (pages, CSV and API share it)."""
    f = filters or QueueFilters()
    today = today or timezone.localdate()
    if f.status == OPEN:
        qs = qs.exclude(status__in=WAITING_OR_DONE)
    elif f.status and f.status != "all":
        qs = qs.filter(status=f.status)
    if f.payer_id:
        qs = qs.filter(payer_id=f.payer_id)
    if f.provider_id:
        qs = qs.filter(rendering_provider_id=f.provider_id)
    if f.date_from:
        qs = qs.filter(date_of_service__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(date_of_service__lte=f.date_to)
    if f.amount_min is not None:
        qs = qs.filter(balance__gte=f.amount_min)
    if f.amount_max is not None:
        qs = qs.filter(balance__lte=f.amount_max)
    if f.age_min is not None:
        qs = qs.filter(date_of_service__lte=today - dt.timedelta(days=f.age_min))
    if f.age_max is not None:
        qs = qs.filter(date_of_service__gte=today - dt.timedelta(days=f.age_max))
    if f.rule:
        qs = qs.filter(scrub_rules__contains=[f.rule])
    if f.deadline_before:
        qs = qs.filter(filing_deadline__lte=f.deadline_before)
    for term in f.q.replace(",", " ").split():
        qs = qs.filter(Q(patient__last_name__istartswith=term) | Q(patient__first_name__istartswith=term)
                       | Q(patient__mrn__iexact=term) | Q(pcn__iexact=term))
    return qs.select_related("patient", "payer", "rendering_provider").order_by("filing_deadline", "-balance", "id")


def claim_status_counts(*, practice_id: int) -> dict[str, int]:
    return dict(Claim.objects.filter(practice_id=practice_id).values_list("status").annotate(n=Count("id")).order_by())


def claim_detail(*, claim: Claim) -> dict[str, Any]:
    """What the claim page shows, in a fixed number of queries."""
    return {
        "lines": list(claim.lines.all()),
        "events": list(ClaimStatusEvent.objects.filter(claim=claim).select_related("user").order_by("at", "id")),
        "corrections": list(Claim.objects.filter(original_claim=claim).only("id", "pcn", "frequency", "status")),
        "next_claims": list(Claim.objects.filter(prior_claim=claim).only("id", "pcn", "status")),
    }


def encounters_awaiting_claims(*, practice_id: int) -> dict[str, int]:
    """Coded encounters not yet billed: how many will get a claim, and how many are self-pay (no claim)."""
    insured = Coverage.objects.filter(patient_id=OuterRef("patient_id"), priority=1,
                                      effective_from__lte=OuterRef("date_of_service")).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=OuterRef("date_of_service"))).exclude(payer__kind=Payer.Kind.SELF_PAY)
    counts = Encounter.objects.filter(practice_id=practice_id, status=Encounter.Status.CODED).aggregate(
        coded=Count("id"), billable=Count("id", filter=Q(Exists(insured))))
    return {"coded": counts["coded"], "billable": counts["billable"], "self_pay": counts["coded"] - counts["billable"]}


def batches_for(*, practice_id: int) -> QuerySet[X12Batch]:
    return X12Batch.objects.filter(practice_id=practice_id).select_related("payer").defer("content")


def claim_totals(qs: QuerySet[Claim]) -> dict[str, Any]:
    return qs.order_by().aggregate(n=Count("id"), charges=Sum("total_charge"), balance=Sum("balance"))
