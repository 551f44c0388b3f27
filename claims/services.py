"""Writes: generate claims, move their status (one guarded place), scrub, edit, correct, export 837P.

Status changes all go through this module — `claim_transition` / `claims_transition_bulk`, and the
scrubber's and exporter's own batched forms of the same thing: a conditional `UPDATE … WHERE status =
<from>` whose row count decides who won, and one `ClaimStatusEvent` per step with who (user), what
(source) and why (reason). Nothing outside this module writes `Claim.status`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from billing.models import ChargeLine, Coverage, Diagnosis, Encounter, Payer, Practice
from billing.services import encounter_mark_billed
from claims.adjudication import PriorAdjudication
from claims.models import (
    RESPONSIBILITY_BY_PRIORITY,
    TRANSITIONS,
    UNSUBMITTED,
    Claim,
    ClaimLine,
    ClaimStatus,
    ClaimStatusEvent,
    Frequency,
    X12Batch,
)
from claims.scrub import ERROR, WARNING, Finding, scrub_claim
from claims.scrub.base import CodeIndex
from claims.scrub.data import _DEFAULT, rule_data_for
from claims.selectors import claim_snapshots
from claims.snapshot import ClaimSnap
from claims.x12.writer_837p import Delimiters, Envelope, X12DataError, check_claim, write_837p
from rcm.db.arrays import id_in
from rcm.gc_pause import without_gc
from rcm.money import to_money

S = ClaimStatus
CHUNK = 1000
MAX_CLAIMS_PER_FILE = 5000  # the 837P guide's recommended ceiling of CLM segments per transaction


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


# --- status -----------------------------------------------------------------------------------------
class TransitionError(ValidationError):
    pass


def claim_transition(claim: Claim, to_status: str, *, reason: str = "", source: str = "", user: Any = None) -> Claim:
    """Move one claim to `to_status` if the current status allows it; record the step. Raises if refused."""
    current = claim.status
    if to_status not in TRANSITIONS.get(current, frozenset()):
        raise TransitionError(f"A {S(current).label.lower()} claim cannot become {S(to_status).label.lower()}.")
    now = timezone.now()
    with transaction.atomic():
        won = Claim.objects.filter(pk=claim.pk, status=current).update(status=to_status, status_changed_at=now,
                                                                        updated_at=now)
        if not won:
            raise TransitionError("The claim changed in the meantime; reload it and try again.")
        ClaimStatusEvent.objects.create(practice_id=claim.practice_id, claim=claim, from_status=current,
                                        to_status=to_status, reason=reason[:300], source=source[:40],
                                        user=_user_or_none(user))
    claim.status = to_status
    claim.status_changed_at = now
    return claim


def claims_transition_bulk(*, claim_ids: Iterable[int], to_status: str, reason: str = "", source: str = "",
                           user: Any = None, from_statuses: Iterable[str] | None = None) -> list[int]:
    """Move every listed claim whose status allows it; returns the ids that moved.

    One statement whatever mix of statuses the claims are in: the rows that may move are locked (in id order)
    with the status they have now, moved, and each move is recorded from that status."""
    ids = sorted(set(claim_ids))
    allowed = [s for s, targets in TRANSITIONS.items() if to_status in targets]
    if from_statuses is not None:
        allowed = [s for s in allowed if s in set(from_statuses)]
    if not ids or not allowed:
        return []
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "WITH old AS (SELECT id, status FROM claims_claim WHERE id = ANY(%s) AND status = ANY(%s) "
            "ORDER BY id FOR UPDATE) "
            "UPDATE claims_claim AS c SET status = %s, status_changed_at = %s, updated_at = %s FROM old "
            "WHERE c.id = old.id AND c.status = old.status RETURNING c.id, c.practice_id, old.status",
            [ids, [str(s) for s in allowed], to_status, now, now])
        moved: list[tuple[int, int, str]] = cur.fetchall()
        ClaimStatusEvent.objects.bulk_create([
            ClaimStatusEvent(practice_id=practice_id, claim_id=claim_id, from_status=from_status, to_status=to_status,
                             reason=reason[:300], source=source[:40], user=_user_or_none(user))
            for claim_id, practice_id, from_status in moved], batch_size=2000)
    return sorted(m[0] for m in moved)


# --- generation -------------------------------------------------------------------------------------
def _next_values(sequence: str, count: int) -> list[int]:
    with connection.cursor() as cur:
        cur.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
        return [row[0] for row in cur.fetchall()]


def _pcn(number: int) -> str:
    return f"C{number:09d}"


@dataclass
class _Built:
    claim: Claim
    lines: list[ClaimLine]


def _build(*, encounter: Encounter, coverage: Coverage, practice: Practice, diagnoses: Sequence[str],
           charges: Sequence[ChargeLine], pcn: str, user: Any = None) -> _Built:
    """A claim and its lines from an encounter's codes for one coverage (not saved)."""
    provider, location, payer = encounter.provider, encounter.location, coverage.payer
    patient_is_subscriber = coverage.relationship == "18"
    lines = [ClaimLine(practice_id=practice.pk, line_number=n, line_control_number=f"{pcn}-{n}", charge_line_id=c.pk,
                       code=c.code, modifiers=list(c.modifiers), units=c.units, diagnosis_pointers=list(c.diagnosis_pointers),
                       charge_amount=c.charge_amount, date_of_service=encounter.date_of_service,
                       place_of_service=location.pos_code)
             for n, c in enumerate(sorted(charges, key=lambda c: c.line_number), start=1)]
    total = sum((ln.charge_amount for ln in lines), Decimal("0.00"))
    claim = Claim(
        practice_id=practice.pk, encounter=encounter, patient_id=encounter.patient_id, coverage=coverage, payer=payer,
        responsibility=RESPONSIBILITY_BY_PRIORITY.get(coverage.priority, "P"), pcn=pcn, status=S.DRAFT,
        billing_npi=practice.npi, billing_tax_id=practice.tax_id, billing_taxonomy=practice.taxonomy,
        rendering_provider=provider, rendering_npi=provider.npi, rendering_taxonomy=provider.taxonomy,
        facility=location, place_of_service=location.pos_code,
        member_id=coverage.member_id, group_number=coverage.group_number, relationship=coverage.relationship,
        subscriber_first_name="" if patient_is_subscriber else coverage.subscriber_first_name,
        subscriber_last_name="" if patient_is_subscriber else coverage.subscriber_last_name,
        subscriber_date_of_birth=None if patient_is_subscriber else coverage.subscriber_date_of_birth,
        subscriber_sex="" if patient_is_subscriber else coverage.subscriber_sex,
        diagnosis_codes=list(diagnoses), prior_authorization=encounter.prior_authorization,
        referring_provider_npi=encounter.referring_provider_npi, referring_provider_name=encounter.referring_provider_name,
        date_of_service=encounter.date_of_service, total_charge=total, balance=total,
        filing_deadline=encounter.date_of_service + dt.timedelta(days=payer.timely_filing_days),
        created_by=_user_or_none(user),
    )
    return _Built(claim, lines)


def _save_built(built: list[_Built], *, reason: str, user: Any = None) -> list[Claim]:
    claims = Claim.objects.bulk_create([b.claim for b in built], batch_size=2000)
    lines = []
    for b, claim in zip(built, claims, strict=True):
        for ln in b.lines:
            ln.claim_id = claim.pk
            lines.append(ln)
    ClaimLine.objects.bulk_create(lines, batch_size=5000)
    ClaimStatusEvent.objects.bulk_create([
        ClaimStatusEvent(practice_id=c.practice_id, claim_id=c.pk, from_status="", to_status=S.DRAFT, reason=reason,
                         source="generate", user=_user_or_none(user)) for c in claims], batch_size=5000)
    return claims


def claim_generate(*, encounter: Encounter, coverage: Coverage, frequency: str = Frequency.ORIGINAL,
                   original_claim: Claim | None = None, prior_adjudication: PriorAdjudication | dict[str, Any] | None = None,
                   user: Any = None) -> Claim:
    """One claim for an encounter and one of its patient's coverages.

    - original (1): from a coded encounter, for a coverage active on the date of service; a primary claim
      marks the encounter billed;
    - replacement (7) / void (8): copies `original_claim` (the biller then edits the replacement) and carries
      the payer's claim number; the original becomes replaced / void;
    - secondary: pass the secondary coverage and `prior_adjudication` (the primary payer's 835 result for
      our primary claim) — the writer emits it in loops 2320/2430.
    """
    if encounter.practice_id != coverage.practice_id or coverage.patient_id != encounter.patient_id:
        raise ValidationError({"coverage": "This coverage does not belong to the encounter's patient."})
    if not coverage.is_active_on(encounter.date_of_service):
        raise ValidationError({"coverage": "The coverage was not active on the date of service."})
    if coverage.payer.kind == Payer.Kind.SELF_PAY:
        raise ValidationError({"coverage": "Self-pay is billed to the patient, not by an insurance claim."})
    adjudication = PriorAdjudication.model_validate(prior_adjudication) if isinstance(prior_adjudication, dict) \
        else prior_adjudication
    with transaction.atomic():
        encounter = Encounter.objects.select_for_update().select_related("provider", "location").get(pk=encounter.pk)
        practice = Practice.objects.get(pk=encounter.practice_id)
        pcn = _pcn(_next_values("claims_pcn_seq", 1)[0])
        if frequency in (Frequency.REPLACEMENT, Frequency.VOID):
            return _generate_correction(encounter=encounter, coverage=coverage, practice=practice, frequency=frequency,
                                        original=original_claim, pcn=pcn, user=user)
        if frequency != Frequency.ORIGINAL:
            raise ValidationError({"frequency": "Claim frequency must be 1, 7 or 8."})
        prior_claim = None
        if coverage.priority > 1:
            if adjudication is None:
                raise ValidationError({"prior_adjudication": "A secondary claim needs the prior payer's adjudication."})
            prior_claim = Claim.objects.filter(pk=adjudication.claim_id, encounter=encounter).first()
            if prior_claim is None:
                raise ValidationError({"prior_adjudication": "The adjudicated claim is not a claim of this encounter."})
        elif encounter.status != Encounter.Status.CODED:
            raise ValidationError({"encounter": f"Encounter {encounter.pk} is {encounter.get_status_display().lower()}, "
                                                f"not coded; only coded encounters are billed."})
        if Claim.objects.filter(encounter=encounter, coverage=coverage, frequency=Frequency.ORIGINAL).exists():
            raise ValidationError({"encounter": "This encounter already has a claim for this coverage."})
        diagnoses = list(Diagnosis.objects.filter(encounter=encounter).order_by("rank").values_list("code", flat=True))
        charges = list(ChargeLine.objects.filter(encounter=encounter))
        built = _build(encounter=encounter, coverage=coverage, practice=practice, diagnoses=diagnoses, charges=charges,
                       pcn=pcn, user=user)
        if prior_claim is not None and adjudication is not None:
            built.claim.prior_claim = prior_claim
            built.claim.prior_adjudication = _rekey_adjudication(adjudication, prior_claim, built.lines)
            built.claim.balance = max(Decimal("0.00"), built.claim.total_charge - adjudication.paid)
        if prior_claim is not None and adjudication is not None:
            # A secondary claim's filing limit runs from the primary payer's adjudication, not the visit.
            built.claim.filing_deadline = adjudication.adjudication_date + dt.timedelta(days=coverage.payer.timely_filing_days)
        reason = "generated from coded encounter" if prior_claim is None else f"secondary after claim {prior_claim.pcn}"
        claim = _save_built([built], reason=reason, user=user)[0]
        if coverage.priority == 1:
            encounter_mark_billed(encounter_ids=[encounter.pk])
        _sync_ledger([claim.pk], user=user)
    return claim


def _sync_ledger(claim_ids: list[int], *, user: Any = None) -> None:
    """Charges enter the payments ledger as soon as a claim bills them (and follow edits and voids of unsent claims)."""
    if not claim_ids:
        return
    from payments.services import ledger_sync_charges

    ledger_sync_charges(claim_ids=claim_ids, user=user)


def _rekey_adjudication(adjudication: PriorAdjudication, prior_claim: Claim, lines: list[ClaimLine]) -> dict[str, Any]:
    """Point each adjudicated line at this claim's own line (same charge line), keeping the prior number."""
    charge_of = dict(prior_claim.lines.values_list("line_control_number", "charge_line_id"))
    ours = {ln.charge_line_id: ln.line_control_number for ln in lines}
    data = json.loads(adjudication.model_dump_json())
    for item in data["lines"]:
        prior = item["prior_line_control_number"] or item["line_control_number"]
        mine = ours.get(charge_of.get(prior))
        if mine is None:
            raise ValidationError({"prior_adjudication": f"Line {prior} is not a line of claim {prior_claim.pcn}."})
        item["prior_line_control_number"], item["line_control_number"] = prior, mine
    return data


def _generate_correction(*, encounter: Encounter, coverage: Coverage, practice: Practice, frequency: str,
                         original: Claim | None, pcn: str, user: Any) -> Claim:
    if original is None or original.encounter_id != encounter.pk:
        raise ValidationError({"original_claim": "A replacement or void needs the original claim of this encounter."})
    original = Claim.objects.select_for_update().get(pk=original.pk)
    target = S.REPLACED if frequency == Frequency.REPLACEMENT else S.VOID
    if target not in TRANSITIONS.get(original.status, frozenset()):
        raise ValidationError({"original_claim": f"A {original.get_status_display().lower()} claim cannot be "
                                                 f"{'replaced' if target == S.REPLACED else 'voided'} by a corrected claim; "
                                                 f"edit it or void it directly."})
    lines = list(original.lines.all())
    claim = Claim(**{f.attname: getattr(original, f.attname) for f in Claim._meta.concrete_fields
                     if f.attname not in ("id", "pcn", "status", "status_changed_at", "created_at", "updated_at",
                                          "scrubbed_at", "scrub_findings", "scrub_rules", "scrub_errors",
                                          "scrub_warnings", "batch_id", "payer_claim_number", "frequency",
                                          "original_claim_id", "original_payer_claim_number", "created_by_id")})
    claim.pcn, claim.frequency, claim.original_claim, claim.status = pcn, frequency, original, S.DRAFT
    claim.original_payer_claim_number = original.payer_claim_number
    claim.coverage = coverage
    claim.created_by = _user_or_none(user)
    if frequency == Frequency.VOID:
        claim.balance = Decimal("0.00")
    new_lines = [ClaimLine(practice_id=practice.pk, line_number=ln.line_number, line_control_number=f"{pcn}-{ln.line_number}",
                           charge_line_id=ln.charge_line_id, code=ln.code, modifiers=list(ln.modifiers), units=ln.units,
                           diagnosis_pointers=list(ln.diagnosis_pointers), charge_amount=ln.charge_amount,
                           date_of_service=ln.date_of_service, place_of_service=ln.place_of_service) for ln in lines]
    word = "replacement" if frequency == Frequency.REPLACEMENT else "void"
    saved = _save_built([_Built(claim, new_lines)], reason=f"{word} of claim {original.pcn}", user=user)[0]
    claim_transition(original, target, reason=f"{word} claim {saved.pcn} created", source="correction", user=user)
    _sync_ledger([saved.pk], user=user)
    return saved


@dataclass
class GenerateResult:
    claims: int = 0
    self_pay: int = 0
    no_coverage: int = 0
    encounters: int = 0
    claim_ids: list[int] = field(default_factory=list)


@without_gc
def claims_generate_pending(*, practice_id: int | None = None, encounter_ids: Iterable[int] | None = None,
                            user: Any = None, chunk: int = 2000) -> GenerateResult:
    """Primary claims for every coded encounter not yet billed (bulk: a handful of queries per chunk).

    Encounters whose patient has no primary coverage active on the date of service, or whose coverage is
    self-pay, get no insurance claim: they stay coded, counted as `self_pay`, for patient statements later.
    """
    result = GenerateResult()
    qs = Encounter.objects.filter(status=Encounter.Status.CODED)
    if practice_id is not None:
        qs = qs.filter(practice_id=practice_id)
    if encounter_ids is not None:
        qs = qs.filter(pk__in=list(encounter_ids))
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(ids), chunk):
        _generate_chunk(ids[i:i + chunk], result, user)
    return result


def _generate_chunk(ids: list[int], result: GenerateResult, user: Any) -> None:
    with transaction.atomic():
        encounters = list(Encounter.objects.select_for_update(of=("self",)).filter(pk__in=ids, status=Encounter.Status.CODED)
                          .select_related("provider", "location").order_by("pk"))
        if not encounters:
            return
        result.encounters += len(encounters)
        patient_ids = {e.patient_id for e in encounters}
        coverages: dict[int, list[Coverage]] = defaultdict(list)
        for cov in Coverage.objects.filter(patient_id__in=patient_ids, priority=1).select_related("payer").order_by("-effective_from"):
            coverages[cov.patient_id].append(cov)
        taken = set(Claim.objects.filter(encounter_id__in=[e.pk for e in encounters], frequency="1",
                                         coverage__priority=1).values_list("encounter_id", flat=True))
        diagnoses: dict[int, list[str]] = defaultdict(list)
        for enc_id, code in Diagnosis.objects.filter(encounter_id__in=ids).order_by("encounter_id", "rank").values_list(
                "encounter_id", "code"):
            diagnoses[enc_id].append(code)
        charges: dict[int, list[ChargeLine]] = defaultdict(list)
        for line in ChargeLine.objects.filter(encounter_id__in=ids).only(
                "id", "encounter_id", "line_number", "code", "modifiers", "units", "diagnosis_pointers", "charge_amount"):
            charges[line.encounter_id].append(line)
        practices = {p.pk: p for p in Practice.objects.filter(pk__in={e.practice_id for e in encounters})}
        todo: list[tuple[Encounter, Coverage]] = []
        for enc in encounters:
            if enc.pk in taken:
                continue
            cov = next((c for c in coverages.get(enc.patient_id, ()) if c.is_active_on(enc.date_of_service)), None)
            if cov is None:
                result.no_coverage += 1
                result.self_pay += 1
            elif cov.payer.kind == Payer.Kind.SELF_PAY:
                result.self_pay += 1
            else:
                todo.append((enc, cov))
        if not todo:
            return
        pcns = _next_values("claims_pcn_seq", len(todo))
        built = [_build(encounter=enc, coverage=cov, practice=practices[enc.practice_id], diagnoses=diagnoses[enc.pk],
                        charges=charges[enc.pk], pcn=_pcn(n), user=user) for (enc, cov), n in zip(todo, pcns, strict=True)]
        claims = _save_built(built, reason="generated from coded encounter", user=user)
        encounter_mark_billed(encounter_ids=[enc.pk for enc, _ in todo])
        _sync_ledger([c.pk for c in claims], user=user)
        result.claims += len(claims)
        result.claim_ids += [c.pk for c in claims]


# --- scrubbing --------------------------------------------------------------------------------------
@dataclass
class ScrubSummary:
    scrubbed: int = 0
    clean: int = 0
    with_errors: int = 0
    with_warnings: int = 0
    changed: int = 0
    skipped: int = 0  # not scrubbable: already sent, or in an 837 batch
    errors_by_rule: Counter[str] = field(default_factory=Counter)
    warnings_by_rule: Counter[str] = field(default_factory=Counter)

    def add(self, other: ScrubSummary) -> None:
        for name in ("scrubbed", "clean", "with_errors", "with_warnings", "changed", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors_by_rule.update(other.errors_by_rule)
        self.warnings_by_rule.update(other.warnings_by_rule)

    def as_dict(self) -> dict[str, Any]:
        return {"scrubbed": self.scrubbed, "clean": self.clean, "with_errors": self.with_errors,
                "with_warnings": self.with_warnings, "changed": self.changed, "skipped": self.skipped,
                "errors_by_rule": dict(sorted(self.errors_by_rule.items())),
                "warnings_by_rule": dict(sorted(self.warnings_by_rule.items()))}


def _scrub_target(status: str, has_error: bool) -> str:
    if has_error:
        return S.SCRUBBED_ERRORS
    return S.QUEUED if status == S.QUEUED else S.CLEAN


@without_gc
def claims_scrub(*, claim_ids: Iterable[int], user: Any = None, today: dt.date | None = None,
                 code_index: CodeIndex | None = _DEFAULT) -> ScrubSummary:
    """Scrub unsubmitted claims (not in an 837 batch): store findings, move draft/clean/errors accordingly.

    Idempotent: a claim whose findings and status would not change is not touched, so scrubbing a batch
    twice writes nothing the second time (no update, no history step).
    """
    today = today or timezone.localdate()
    summary = ScrubSummary()
    ids = sorted(set(claim_ids))
    indexes: dict[tuple[str, dt.date], Any] = {}  # code-set editions by (system, date), shared by the chunks
    for i in range(0, len(ids), CHUNK):
        summary.add(_scrub_chunk(ids[i:i + CHUNK], user=user, today=today, code_index=code_index, indexes=indexes))
    return summary


def _scrub_chunk(ids: list[int], *, user: Any, today: dt.date, code_index: Any,
                 indexes: dict[tuple[str, dt.date], Any]) -> ScrubSummary:
    summary = ScrubSummary()
    with transaction.atomic():
        current = {pk: (status, findings) for pk, status, findings in Claim.objects.select_for_update()
                   .filter(pk__in=id_in(ids), status__in=UNSUBMITTED, batch__isnull=True)
                   .values_list("pk", "status", "scrub_findings")}
        summary.skipped = len(ids) - len(current)
        snaps = claim_snapshots(claim_ids=current)
        data = rule_data_for(snaps, today=today, code_index=code_index, indexes=indexes)
        updates: list[tuple[int, str, list[str], int, int, str, str]] = []
        for snap in snaps:
            assert snap.id is not None
            findings = scrub_claim(snap, data)
            errors = [f for f in findings if f.severity == ERROR]
            warnings = [f for f in findings if f.severity == WARNING]
            summary.scrubbed += 1
            summary.errors_by_rule.update({f.rule for f in errors})
            summary.warnings_by_rule.update({f.rule for f in warnings})
            summary.with_errors += bool(errors)
            summary.clean += not errors
            summary.with_warnings += bool(warnings)
            status, old = current[snap.id]
            as_dicts = [f.as_dict() for f in findings]
            target = _scrub_target(status, bool(errors))
            if as_dicts == old and target == status:
                continue
            summary.changed += 1
            rules = sorted({f.rule for f in findings})
            updates.append((snap.id, json.dumps(as_dicts), rules, len(errors), len(warnings), status, target))
        if updates:
            _persist_scrub(updates, user=user)
    return summary


def _persist_scrub(updates: list[tuple[int, str, list[str], int, int, str, str]], *, user: Any) -> None:
    """Findings and the status move in one UPDATE per chunk (rows are locked), plus one history row per move.

    Commits of this batch work are asynchronous: a crash can lose only the last moments of work, whole
    transactions at a time (findings, status and history together), and the job reruns idempotently;
    the job's own synchronous "done" commit flushes everything before it.
    """
    assert all(t == f or t in TRANSITIONS[f] for *_, f, t in updates)
    now = timezone.now()
    user_id = getattr(_user_or_none(user), "pk", None)
    # One statement per chunk: update the rows (only if still in the status we read under the lock) and
    # append a history row for each one whose status moved. The rows travel as arrays (one parameter per
    # column), rule codes joined by commas (they never contain one).
    sql = ("WITH moved AS (UPDATE claims_claim AS c SET scrub_findings = v.f::jsonb, "
           "scrub_rules = string_to_array(v.r, ',')::varchar(40)[], scrub_errors = v.e, scrub_warnings = v.w, "
           "scrubbed_at = %(now)s, updated_at = %(now)s, status = v.t, "
           "status_changed_at = CASE WHEN v.t <> v.s THEN %(now)s ELSE c.status_changed_at END "
           "FROM unnest(%(id)s::bigint[], %(f)s::text[], %(r)s::text[], %(e)s::integer[], %(w)s::integer[], "
           "%(s)s::text[], %(t)s::text[]) AS v(id, f, r, e, w, s, t) "
           "WHERE c.id = v.id AND c.status = v.s RETURNING c.id, c.practice_id, v.s, v.t), "
           "ev AS (INSERT INTO claims_claimstatusevent (practice_id, claim_id, from_status, to_status, reason, source, "
           "user_id, at) SELECT practice_id, id, s, t, CASE WHEN t = 'scrubbed_errors' THEN 'scrubbed: errors to fix' "
           "ELSE 'scrubbed: no errors' END, 'scrubber', %(user)s::integer, %(now)s FROM moved WHERE s <> t) "
           "SELECT count(*) FROM moved")
    columns = list(zip(*updates, strict=True))
    with connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit TO OFF")
        cur.execute(sql, {"now": now, "user": user_id, "id": list(columns[0]), "f": list(columns[1]),
                          "r": [",".join(rules) for rules in columns[2]], "e": list(columns[3]),
                          "w": list(columns[4]), "s": list(columns[5]), "t": list(columns[6])})
        (done,) = cur.fetchone()
    if done != len(updates):
        raise TransitionError("Claims changed while they were being scrubbed; run the scrub again.")


def claim_scrub(*, claim: Claim, user: Any = None, today: dt.date | None = None,
                code_index: CodeIndex | None = _DEFAULT) -> list[Finding]:
    """Scrub one claim in place; returns its findings (also stored on the claim)."""
    claims_scrub(claim_ids=[claim.pk], user=user, today=today, code_index=code_index)
    claim.refresh_from_db()
    return [Finding(**f) for f in claim.scrub_findings]


# --- edits ------------------------------------------------------------------------------------------
CLAIM_EDITABLE_FIELDS = ("member_id", "group_number", "relationship", "subscriber_first_name", "subscriber_last_name",
                         "subscriber_date_of_birth", "subscriber_sex", "prior_authorization", "referring_provider_npi",
                         "referring_provider_name", "onset_date", "place_of_service", "original_payer_claim_number",
                         "diagnosis_codes")
LINE_EDITABLE_FIELDS = ("code", "modifiers", "units", "diagnosis_pointers", "charge_amount", "place_of_service")


def claim_update(*, claim: Claim, data: dict[str, Any], lines: dict[int, dict[str, Any]] | None = None,
                 user: Any = None) -> Claim:
    """Edit an unsent (or rejected) claim; it goes back to draft until it is scrubbed again."""
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        if not claim.is_editable:
            raise ValidationError(f"A {claim.get_status_display().lower()} claim cannot be edited"
                                  f"{' (it is in an 837 batch)' if claim.batch_id else ''}; send a replacement instead.")
        changed: list[str] = []
        for name, value in data.items():
            if name not in CLAIM_EDITABLE_FIELDS:
                raise ValidationError({name: "This field cannot be edited on a claim."})
            if name == "diagnosis_codes":
                from rcm.validators import normalize_icd10
                value = [normalize_icd10(c) for c in value if c and c.strip()]
            if getattr(claim, name) != value:
                setattr(claim, name, value)
                changed.append(name)
        by_number = {ln.line_number: ln for ln in claim.lines.all()}
        dirty_lines = []
        for number, values in (lines or {}).items():
            line = by_number.get(int(number))
            if line is None:
                raise ValidationError({"lines": f"The claim has no line {number}."})
            for name, value in values.items():
                if name not in LINE_EDITABLE_FIELDS:
                    raise ValidationError({f"lines.{number}.{name}": "This field cannot be edited."})
                if name == "charge_amount":
                    value = to_money(value)
                if name in ("code",):
                    value = str(value).strip().upper()
                if name == "modifiers":
                    value = [m.strip().upper() for m in value if m and m.strip()]
                if getattr(line, name) != value:
                    setattr(line, name, value)
                    changed.append(f"line {number} {name.replace('_', ' ')}")
                    if line not in dirty_lines:
                        dirty_lines.append(line)
        if not changed:
            return claim
        for line in dirty_lines:
            line.full_clean(exclude=["claim"])
            line.save()
        claim.total_charge = sum((ln.charge_amount for ln in by_number.values()), Decimal("0.00"))
        claim.balance = claim.total_charge if claim.status in UNSUBMITTED or claim.status == S.REJECTED else claim.balance
        if claim.status == S.REJECTED:
            claim.batch = None  # the corrected claim goes out in a new file (the old one stays its history)
        claim.full_clean(exclude=["encounter", "patient", "coverage", "payer", "rendering_provider", "facility",
                                  "original_claim", "prior_claim", "batch", "created_by"])
        claim.save()
        if claim.status != S.DRAFT:
            claim_transition(claim, S.DRAFT, reason=f"edited: {', '.join(changed)}"[:300], source="user", user=user)
        else:
            ClaimStatusEvent.objects.create(practice_id=claim.practice_id, claim=claim, from_status=S.DRAFT,
                                            to_status=S.DRAFT, reason=f"edited: {', '.join(changed)}"[:300],
                                            source="user", user=_user_or_none(user))
        if dirty_lines:
            _sync_ledger([claim.pk], user=user)
    return claim


def claim_reopen(*, claim: Claim, user: Any = None, reason: str = "") -> Claim:
    """A rejected claim (999 / 277CA / TA1: the payer never adjudicated it) back to draft, out of its old file,
    so it is scrubbed and sent again in the next batch — the explicit resubmission the biller asks for."""
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != S.REJECTED:
            raise ValidationError(f"Only a rejected claim can be corrected and resubmitted this way; this one is "
                                  f"{locked.get_status_display().lower()}.")
        Claim.objects.filter(pk=claim.pk).update(batch=None)
        claim_transition(locked, S.DRAFT, reason=reason or "reopened to correct and resubmit", source="user", user=user)
    claim.refresh_from_db()
    return claim


def claims_queue_for_submission(*, claim_ids: Iterable[int], user: Any = None) -> list[int]:
    """Clean claims -> queued (ready for the next 837 export)."""
    return claims_transition_bulk(claim_ids=claim_ids, to_status=S.QUEUED, from_statuses=[S.CLEAN],
                                  reason="queued for submission", source="user", user=user)


# --- 837P export ------------------------------------------------------------------------------------
class ExportError(ValidationError):
    """The selection cannot be exported as asked; `problems` lists each claim and why. Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems)


def envelope_for(practice: Practice, *, control_number: int, created: dt.datetime | None = None) -> Envelope:
    """The interchange envelope: settings `CLAIMS_X12` (sender/receiver IDs, usage, delimiters) over defaults."""
    conf: dict[str, Any] = dict(getattr(settings, "CLAIMS_X12", {}))
    delims = conf.pop("delimiters", None)
    return Envelope(
        control_number=control_number,
        sender_id=conf.get("sender_id") or practice.tax_id,
        receiver_id=conf.get("receiver_id", "CLEARINGHOUSE"),
        receiver_name=conf.get("receiver_name", "CLEARINGHOUSE"),
        submitter_name=conf.get("submitter_name") or practice.name,
        submitter_id=conf.get("submitter_id") or practice.tax_id,
        submitter_contact=conf.get("submitter_contact", "BILLING OFFICE"),
        submitter_phone=conf.get("submitter_phone") or practice.phone,
        submitter_email=conf.get("submitter_email", ""),
        sender_qualifier=conf.get("sender_qualifier", "ZZ"),
        receiver_qualifier=conf.get("receiver_qualifier", "ZZ"),
        usage=conf.get("usage", "T"),
        created=created or timezone.localtime(),
        delimiters=Delimiters(**delims) if isinstance(delims, dict) else (delims or Delimiters()),
    )


@dataclass
class ExportResult:
    batches: list[X12Batch] = field(default_factory=list)
    claims: int = 0
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"files": len(self.batches), "claims": self.claims, "skipped": len(self.skipped),
                "batches": [{"id": b.pk, "filename": b.filename, "claims": b.claim_count, "payer": b.payer_id}
                            for b in self.batches],
                "skipped_reasons": self.skipped[:50]}


EXPORTABLE = (S.CLEAN, S.QUEUED)


@without_gc
def claims_export_837(*, claim_ids: Iterable[int] | None = None, practice_id: int | None = None,
                      payer_id: int | None = None, strict: bool = True, user: Any = None,
                      created: dt.datetime | None = None) -> ExportResult:
    """Write one 837P per payer (split at 5,000 claims) for clean/queued claims not yet in a batch.

    `strict`: any named claim that is not exportable aborts the whole export with every reason
    (`ExportError`) and nothing is written — no batch, no status change. Not strict: such claims are
    skipped and reported. Claims already in a batch are skipped either way (exporting twice writes no
    second file). Control numbers come from a PostgreSQL sequence: unique, never reused.
    """
    result = ExportResult()
    with transaction.atomic():
        qs = Claim.objects.select_for_update().filter(batch__isnull=True)
        if claim_ids is not None:
            wanted = sorted(set(claim_ids))
            qs = qs.filter(pk__in=id_in(wanted))
        else:
            wanted = None
            qs = qs.filter(status__in=EXPORTABLE)
        if practice_id is not None:
            qs = qs.filter(practice_id=practice_id)
        if payer_id is not None:
            qs = qs.filter(payer_id=payer_id)
        rows = list(qs.order_by("pk").values_list("pk", "status", "pcn", "scrub_errors", "practice_id"))
        problems: list[str] = []
        if wanted is not None:
            found = {r[0] for r in rows}
            in_batch = set(Claim.objects.filter(pk__in=[i for i in wanted if i not in found], batch__isnull=False)
                           .values_list("pk", flat=True))
            result.skipped += [f"Claim #{pk} is already in an 837 batch" for pk in sorted(in_batch)]
            problems += [f"Claim #{pk} does not exist" for pk in wanted if pk not in found and pk not in in_batch]
        ok_ids = []
        status_of: dict[int, str] = {}  # read under the row locks: the status each claim leaves
        practice_of: dict[int, int] = {}
        for pk, status, pcn, errors, practice_pk in rows:
            status_of[pk] = status
            practice_of[pk] = practice_pk
            if status not in EXPORTABLE or errors:
                label = S(status).label.lower()
                problems.append(f"Claim {pcn} is {label}" + (" with scrub errors" if errors else "")
                                + "; only clean claims are exported (scrub and fix it first)")
            else:
                ok_ids.append(pk)
        snaps = claim_snapshots(claim_ids=ok_ids)
        writable: list[ClaimSnap] = []
        for snap in snaps:
            issues = check_claim(snap)
            if issues:
                problems += issues
            else:
                writable.append(snap)
        if problems and strict:
            raise ExportError(problems)
        result.skipped += problems
        if not writable:
            return result
        by_payer: dict[int, list[ClaimSnap]] = defaultdict(list)
        for snap in writable:
            by_payer[snap.payer_pk].append(snap)
        groups = [(payer_pk, group[i:i + MAX_CLAIMS_PER_FILE]) for payer_pk, group in sorted(by_payer.items())
                  for i in range(0, len(group), MAX_CLAIMS_PER_FILE)]
        controls = _next_values("claims_x12_control_seq", len(groups))
        practices = {p.pk: p for p in Practice.objects.filter(pk__in={practice_of[s.id] for s in writable if s.id})}
        for (payer_pk, group), control in zip(groups, controls, strict=True):
            practice = practices[practice_of[group[0].id]]
            env = envelope_for(practice, control_number=control, created=created)
            try:
                text = write_837p(group, env, checked=True)
            except X12DataError as exc:
                if strict:
                    raise ExportError(exc.problems) from exc
                result.skipped += exc.problems
                continue
            batch = X12Batch.objects.create(
                practice=practice, payer_id=payer_pk, control_number=control, content=text, claim_count=len(group),
                total_charge=sum((s.total_charge for s in group), Decimal("0.00")), created_by=_user_or_none(user),
                filename=f"837P_{practice.pk}_{group[0].payer_id or payer_pk}_{control:09d}.x12")
            _attach_batch(batch, [(s.id, status_of[s.id]) for s in group if s.id is not None], user=user)
            result.batches.append(batch)
            result.claims += len(group)
    return result


def _attach_batch(batch: X12Batch, claims: list[tuple[int, str]], *, user: Any) -> None:
    """Put the claims in the batch and move clean ones to queued in one guarded statement; record each step.

    `claims` holds (id, status) as read under the export's row locks; the UPDATE still requires that status
    and no batch, so a claim that changed anyway fails the whole export instead of being moved blindly."""
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(
            "WITH moved AS (UPDATE claims_claim AS c SET batch_id = %(batch)s, status = 'queued', updated_at = %(now)s, "
            "status_changed_at = CASE WHEN v.old = 'queued' THEN c.status_changed_at ELSE %(now)s END "
            "FROM unnest(%(ids)s::bigint[], %(olds)s::text[]) AS v(id, old) WHERE c.id = v.id AND c.status = v.old "
            "AND c.batch_id IS NULL AND c.status IN ('clean', 'queued') RETURNING c.id, v.old), "
            "ev AS (INSERT INTO claims_claimstatusevent (practice_id, claim_id, from_status, to_status, reason, source, "
            "user_id, at) SELECT %(practice)s, id, old, 'queued', %(reason)s, 'export', %(user)s, %(now)s FROM moved) "
            "SELECT count(*) FROM moved",
            {"batch": batch.pk, "now": now, "ids": [pk for pk, _ in claims], "olds": [old for _, old in claims],
             "practice": batch.practice_id, "user": getattr(_user_or_none(user), "pk", None),
             "reason": f"in 837P file {batch.filename}"})
        (count,) = cur.fetchone()
    if count != len(claims):
        raise ExportError(["Some claims changed while the file was written; nothing was exported. Try again."])


def claims_mark_submitted(*, batch: X12Batch, reason: str = "", source: str = "clearinghouse", user: Any = None) -> list[int]:
    """The batch's queued claims -> submitted (the clearinghouse integration calls this after the upload).
    Starts each claim's follow-up clock (`last_response_at`)."""
    ids = list(batch.claims.values_list("pk", flat=True))
    moved = claims_transition_bulk(claim_ids=ids, to_status=S.SUBMITTED, from_statuses=[S.QUEUED],
                                   reason=reason or f"{batch.filename} sent", source=source, user=user)
    if moved:
        Claim.objects.filter(pk__in=moved).update(last_response_at=timezone.now())
    return moved


def claim_unqueue(*, claim: Claim, user: Any = None) -> Claim:
    if claim.batch_id:
        raise ValidationError("This claim is in an 837 file already; it can no longer be taken off the queue.")
    return claim_transition(claim, S.CLEAN, reason="taken off the submission queue", source="user", user=user)


def claim_void(*, claim: Claim, user: Any = None, reason: str = "") -> Claim:
    """Void an unsent claim directly; a sent one is voided by a frequency-8 claim (`claim_generate`)."""
    if claim.status not in UNSUBMITTED or claim.batch_id:
        raise ValidationError("A sent claim is voided by sending a void claim (frequency 8) to the payer.")
    with transaction.atomic():
        claim = claim_transition(claim, S.VOID, reason=reason or "voided before submission", source="user", user=user)
        _sync_ledger([claim.pk], user=user)
    return claim


def claims_needing_scrub(*, practice_id: int | None = None) -> list[int]:
    qs = Claim.objects.filter(status__in=UNSUBMITTED, batch__isnull=True)
    if practice_id is not None:
        qs = qs.filter(practice_id=practice_id)
    return list(qs.order_by("pk").values_list("pk", flat=True))


def claim_set_payer_claim_number(*, claim: Claim, number: str) -> Claim:
    """The payer's own number for the claim (from a 277CA or 835); needed to replace or void it later."""
    claims_set_payer_claim_numbers(numbers={claim.pk: number})
    claim.payer_claim_number = number.strip()[:50]
    return claim


def claims_set_payer_claim_numbers(*, numbers: dict[int, str]) -> int:
    """The bulk form: one UPDATE for many claims (a 277CA acknowledges thousands); blank numbers are skipped."""
    pairs = [(pk, n.strip()[:50]) for pk, n in numbers.items() if n and n.strip()]
    if not pairs:
        return 0
    with connection.cursor() as cur:
        cur.execute("UPDATE claims_claim c SET payer_claim_number = v.n, updated_at = now() "
                    "FROM unnest(%s::bigint[], %s::text[]) AS v(id, n) WHERE c.id = v.id "
                    "AND c.payer_claim_number IS DISTINCT FROM v.n",
                    [[p for p, _ in pairs], [n for _, n in pairs]])
        return cur.rowcount


__all__ = ["ExportError", "TransitionError", "claim_generate", "claim_reopen", "claim_scrub", "claim_transition",
           "claim_update", "claims_export_837", "claims_generate_pending", "claims_queue_for_submission", "claims_scrub",
           "claims_set_payer_claim_numbers", "claims_transition_bulk"]


# --- batch jobs -------------------------------------------------------------------------------------
JOB_KINDS = {"scrub": "claims.scrub", "export_837": "claims.export_837", "generate": "claims.generate"}


def claims_enqueue_batch(*, action: str, practice_id: int, claim_ids: Sequence[int] = (), user: Any = None) -> Any:
    """A scrub / export / generate job for a selection; the worker starts after this transaction commits."""
    from rcm.jobs import job_enqueue

    ids = sorted(set(claim_ids))
    if action != "generate" and not ids:
        raise ValidationError("Select at least one claim.")
    return job_enqueue(kind=JOB_KINDS[action], practice_id=practice_id, params={"claim_ids": ids}, total=len(ids),
                       user=user)
