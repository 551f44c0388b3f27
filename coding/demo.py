"""Demo coding data: worksheets a coder would have left behind.

The newest encounters awaiting coding get the engine's suggestions ready (opening them is instant),
and recent coded encounters get completed worksheets whose decisions compare the engine with the
codes actually billed, so the acceptance report has real figures. Both are capped, so seeding
100,000 encounters stays fast.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from billing.models import Encounter, Practice
from coding.engine import ENGINE_VERSION, suggest
from coding.models import CodingLine, Worksheet
from coding.services import worksheet as ws

PREPARE_AWAITING = 25
SIMULATE_CODED = 100


def seed_step(*, practice: Practice, rng: random.Random, today: dt.date) -> dict[str, Any]:
    started = time.perf_counter()
    coder = get_user_model().objects.filter(username="coder").first()
    awaiting = list(Encounter.objects.filter(practice=practice, status=Encounter.Status.AWAITING_CODING)
                    .select_related("patient").order_by("-date_of_service", "-id")[:PREPARE_AWAITING])
    for encounter in awaiting:
        ws.worksheet_open(encounter=encounter)
    coded = list(Encounter.objects.filter(practice=practice, status__in=[Encounter.Status.CODED, Encounter.Status.BILLED])
                 .select_related("patient").prefetch_related("diagnoses", "charge_lines", "notes")
                 .order_by("-date_of_service", "-id")[:SIMULATE_CODED])
    decided = 0
    with transaction.atomic():
        for encounter in coded:
            decided += _simulate(encounter, coder)
    return {"worksheets_prepared": len(awaiting), "worksheets_completed": len(coded), "decisions": decided,
            "seconds": round(time.perf_counter() - started, 2)}


def _simulate(encounter: Encounter, coder: Any) -> int:
    """What a coder did: kept the suggestions that match the billed codes, edited or rejected the rest, added misses."""
    text = ws.note_text(encounter)
    patient = ws.patient_for(encounter)
    result = suggest(text, age=patient.age, sex=patient.sex, new_patient=patient.new_patient,
                     on=encounter.date_of_service)
    when = timezone.make_aware(dt.datetime.combine(encounter.date_of_service + dt.timedelta(days=1), dt.time(10)))
    sheet = Worksheet.objects.create(practice_id=encounter.practice_id, encounter=encounter,
                                     status=Worksheet.Status.COMPLETED, engine_version=ENGINE_VERSION,
                                     engine_ms=int(result.ms), suggested_at=when, completed_at=when, completed_by=coder)
    billed_dx = [d.code for d in encounter.diagnoses.all()]
    billed_px = {c.code: c for c in encounter.charge_lines.all()}
    rank_code = {d.rank: d.code for d in encounter.diagnoses.all()}
    lines: list[CodingLine] = []
    for kind, suggestions in ((CodingLine.Kind.DIAGNOSIS, result.diagnoses), (CodingLine.Kind.PROCEDURE, result.procedures)):
        for position, s in enumerate(suggestions):
            line = ws.line_from_suggestion(sheet, kind, position, s)
            line.decided_by, line.decided_at = coder, when
            if kind == CodingLine.Kind.DIAGNOSIS:
                line.decision = CodingLine.Decision.ACCEPTED if s.code in billed_dx else CodingLine.Decision.REJECTED
            else:
                billed = billed_px.pop(s.code, None)
                if billed is None:
                    line.decision = CodingLine.Decision.REJECTED
                elif billed.units == s.units and sorted(billed.modifiers) == sorted(s.modifiers):
                    line.decision = CodingLine.Decision.ACCEPTED
                else:
                    line.decision = CodingLine.Decision.EDITED
                    line.units, line.modifiers = billed.units, list(billed.modifiers)
            lines.append(line)
    suggested_dx = {s.code for s in result.diagnoses}
    for code in billed_dx:
        if code not in suggested_dx:
            lines.append(CodingLine(practice_id=sheet.practice_id, worksheet=sheet, kind=CodingLine.Kind.DIAGNOSIS,
                                    system="ICD10CM", position=len(lines), code=code, family=code[:3],
                                    decision=CodingLine.Decision.ADDED, rule="added by the coder", decided_by=coder,
                                    decided_at=when))
    for code, charge in billed_px.items():
        lines.append(CodingLine(practice_id=sheet.practice_id, worksheet=sheet, kind=CodingLine.Kind.PROCEDURE,
                                system="HCPCS" if code[0].isalpha() else "CPT", position=len(lines), code=code,
                                units=charge.units, modifiers=list(charge.modifiers),
                                pointers=[rank_code[p] for p in charge.diagnosis_pointers if p in rank_code],
                                family=ws.code_family("CPT", code, encounter.date_of_service),
                                decision=CodingLine.Decision.ADDED, rule="added by the coder", decided_by=coder,
                                decided_at=when))
    CodingLine.objects.bulk_create(lines)
    return len(lines)
