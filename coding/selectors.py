"""Reads for the coding workbench: the queue, worksheets, evidence highlighting, acceptance rates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from billing.models import Encounter
from coding.models import CodingLine, EncounterClaim, Worksheet


def encounters_awaiting_coding(*, practice_id: int) -> QuerySet[Encounter]:
    """The coding queue: oldest date of service first, so nothing ages past timely filing unseen."""
    claims = EncounterClaim.objects.filter(encounter_id=OuterRef("pk"), expires_at__gt=timezone.now())
    return (
        Encounter.objects.filter(practice_id=practice_id, status=Encounter.Status.AWAITING_CODING)
        .select_related("patient", "provider", "location")
        .annotate(claimed_by=Subquery(claims.values("user__username")[:1]))
        .order_by("date_of_service", "id")
    )


def worksheet_lines(*, worksheet: Worksheet) -> tuple[list[CodingLine], list[CodingLine]]:
    lines = list(worksheet.lines.select_related("decided_by").order_by("kind", "position", "id"))
    return ([line for line in lines if line.kind == CodingLine.Kind.DIAGNOSIS],
            [line for line in lines if line.kind == CodingLine.Kind.PROCEDURE])


@dataclass(frozen=True)
class Segment:
    text: str
    codes: tuple[str, ...] = ()
    negated: bool = False

    @property
    def marked(self) -> bool:
        return bool(self.codes)


def note_segments(*, text: str, lines: list[CodingLine]) -> list[Segment]:
    """The note cut into plain and highlighted runs; each highlighted run lists the codes its words support."""
    marks: list[tuple[int, int, str]] = []
    for line in lines:
        if line.decision == CodingLine.Decision.REJECTED:
            continue
        for ev in line.evidence or []:
            start, end = int(ev.get("start", 0)), int(ev.get("end", 0))
            if 0 <= start < end <= len(text):
                marks.append((start, end, line.code))
    if not marks:
        return [Segment(text)]
    cuts = sorted({0, len(text), *(m[0] for m in marks), *(m[1] for m in marks)})
    out = []
    for a, b in pairwise(cuts):
        codes = tuple(sorted({code for s, e, code in marks if s <= a and b <= e}))
        out.append(Segment(text[a:b], codes))
    return out


@dataclass(frozen=True)
class RateRow:
    key: str
    suggested: int
    accepted: int
    edited: int
    rejected: int
    added: int

    @property
    def acceptance(self) -> float | None:
        return self.accepted / self.suggested if self.suggested else None


def acceptance_rates(*, practice_id: int, date_from: dt.date | None = None, date_to: dt.date | None = None,
                     group: str = "family") -> list[RateRow]:
    """How the engine's suggestions fared on completed worksheets, by code family or by coder.

    Acceptance = accepted as suggested / suggested; edited and rejected suggestions and hand-added codes are shown too.
    """
    qs = CodingLine.objects.filter(practice_id=practice_id, worksheet__status=Worksheet.Status.COMPLETED)
    if date_from:
        qs = qs.filter(worksheet__completed_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(worksheet__completed_at__date__lte=date_to)
    field = {"family": "family", "coder": "worksheet__completed_by__username", "system": "system"}[group]
    rows = (qs.values(field).annotate(
        suggested=Count("id", filter=~Q(suggested_code="")),
        accepted=Count("id", filter=Q(decision=CodingLine.Decision.ACCEPTED)),
        edited=Count("id", filter=Q(decision=CodingLine.Decision.EDITED)),
        rejected=Count("id", filter=Q(decision=CodingLine.Decision.REJECTED)),
        added=Count("id", filter=Q(decision=CodingLine.Decision.ADDED)),
    ).order_by(field))
    return [RateRow(r[field] or "—", r["suggested"], r["accepted"], r["edited"], r["rejected"], r["added"]) for r in rows]

