"""The demo seed: realistic, deterministic for a seed and date, and consistent with our own rules."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from billing.demo import CHARGES, seed_practice
from billing.models import ChargeLine, ChartNote, Coverage, Encounter, Membership, Patient, Provider
from rcm.validators import npi_is_valid

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 15)


def _fingerprint(practice: Any) -> list[tuple[Any, ...]]:
    rows = []
    # the billing seed's own encounters (later demo steps, e.g. EHR imports, add others of their own)
    for enc in Encounter.objects.filter(practice=practice, patient__mrn__startswith="M").order_by("id").prefetch_related("notes", "diagnoses", "charge_lines"):
        note = enc.notes.order_by("id").first()
        rows.append((enc.date_of_service, enc.status, enc.patient.mrn, note.text if note else "",
                     tuple(d.code for d in enc.diagnoses.all()),
                     tuple((c.code, c.units, tuple(c.modifiers), tuple(c.diagnosis_pointers)) for c in enc.charge_lines.all())))
    return rows


def test_same_seed_same_data_different_seed_different_data() -> None:
    a = seed_practice(name="A", encounters=80, seed=11, today=TODAY)
    b = seed_practice(name="B", encounters=80, seed=11, today=TODAY)
    c = seed_practice(name="C", encounters=80, seed=12, today=TODAY)
    assert _fingerprint(a.practice) == _fingerprint(b.practice)
    assert _fingerprint(a.practice) != _fingerprint(c.practice)


def test_seed_demo_command_builds_a_usable_practice() -> None:
    out = io.StringIO()
    call_command("seed_demo", encounters=150, seed=3, today=TODAY, skip_codesets=True, stdout=out)
    text = out.getvalue()
    figures = json.loads(text.strip().splitlines()[-1])
    assert figures["encounters"] == 150 + 20
    for username in ("coder", "biller", "manager", "admin"):
        assert username in text
    assert Membership.objects.filter(user__username="admin").count() == 2  # admin works for both demo practices
    practice = Membership.objects.get(user__username="coder").practice
    encounters = Encounter.objects.filter(practice=practice)
    statuses = set(encounters.values_list("status", flat=True))
    assert "awaiting_coding" in statuses and statuses <= {"coded", "awaiting_coding", "billed"}  # later stages bill some
    awaiting = encounters.filter(status="awaiting_coding").count()
    assert 0.03 * 150 <= awaiting <= 0.35 * 150
    assert all(npi_is_valid(p.npi) for p in Provider.objects.filter(practice=practice))
    assert all(enc.date_of_service <= TODAY and enc.date_of_service.weekday() < 5 for enc in encounters)
    # coded encounters carry diagnoses and lines whose pointers resolve and whose charges follow the fee schedule
    for enc in encounters.exclude(status="awaiting_coding").prefetch_related("diagnoses", "charge_lines")[:60]:
        ranks = {d.rank for d in enc.diagnoses.all()}
        assert ranks and enc.charge_lines.exists()
        for line in enc.charge_lines.all():
            assert set(line.diagnosis_pointers) <= ranks
            assert line.charge_amount == Decimal(CHARGES[line.code]) * line.units
    # most patients are insured; Medicare patients are 65+
    patients = Patient.objects.filter(practice=practice, mrn__startswith="M")  # the billing seed's own patients
    insured = Coverage.objects.filter(patient__in=patients, priority=1).values("patient").distinct().count()
    assert insured >= 0.85 * patients.count()
    for cov in Coverage.objects.filter(patient__in=patients, payer__kind="medicare").select_related("patient")[:50]:
        assert cov.patient.age_on(TODAY) >= 65
    # running it again changes nothing
    before = Encounter.objects.count()
    again = io.StringIO()
    call_command("seed_demo", encounters=150, seed=3, today=TODAY, skip_codesets=True, stdout=again)
    assert json.loads(again.getvalue().strip().splitlines()[-1])["already_seeded"] is True
    assert Encounter.objects.count() == before
    assert ChargeLine.objects.filter(practice=practice, units__lt=1).count() == 0


def test_notes_read_like_notes() -> None:
    result = seed_practice(name="Notes", encounters=120, seed=5, today=TODAY)
    texts = [n.text for n in ChartNote.objects.filter(practice=result.practice, kind="progress")]
    assert len(set(texts)) >= 0.95 * len(texts)
    joined = "\n".join(texts).lower()
    for marker in ("y/o", "no ", "denies", "minutes", " cm", "assessment"):
        assert marker in joined, marker
