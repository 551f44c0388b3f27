"""The sandbox clearinghouse built into the app, for the demo and the tests: it answers like a real one.

It receives an 837 (or a 276 / 270), keeps it, and — when next polled, as a real clearinghouse works its
queue — answers:

- TA1 (rejected interchange) when the envelope is unusable: unreadable, wrong receiver, duplicate ISA13;
- 999 from pyx12's validation of the file (pyx12 writes the 999 with IK3/IK4 on the failing segment);
- 277CA per claim of every accepted transaction: accepted into adjudication (A2:20 with a payer claim
  number), or rejected (A7 / A3 with the status code, entity and words) by rules on the claim;
- 835 remittances for accepted claims (`payments.x12.writer_835`), from rules on the claim and a
  deterministic roll per claim and seed: paid in full, paid with patient responsibility (deductible,
  coinsurance, copay), denied (CARC/RARC by category), partially paid; some claims are never answered
  ("silent") so the status follow-up has work; replacements reverse the original's adjudication;
- 277 answers to 276 inquiries from what it knows about each claim; 271 answers to 270s (realtime too).

Options (`ClearinghouseConnection.options`): seed, reject_rate, silent_rate, denial_rate, partial_rate,
patient_share_rate, unenrolled_npis, auth_required_codes, timely_filing_days, remit_delay_seconds,
inactive_member_prefixes, receiver_id, pause_file (tests: hold a send after the file is stored).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.clearinghouse.base import (
    ClearinghouseAdapter,
    InboundRef,
    Journal,
    Outbound,
    PermanentError,
    Receipt,
)
from claims.x12.reader_837p import ClaimIn, read_837p_claims
from claims.x12.segments import Interchange, X12SyntaxError, parse_interchange

D = Decimal
CENT = D("0.01")
ZERO = D("0.00")
DEFAULTS: dict[str, Any] = {
    "seed": 2026,
    "reject_rate": 0.04,
    "silent_rate": 0.05,
    "denial_rate": 0.10,
    "partial_rate": 0.06,
    "patient_share_rate": 0.6,
    "unenrolled_npis": [],
    "auth_required_codes": ["17311", "17312", "17313", "17314", "17315"],
    "timely_filing_days": 365,
    "remit_delay_seconds": 0,
    "inactive_member_prefixes": ["XX"],
    "receiver_id": "",
    "pause_file": "",
}
CLEARINGHOUSE_ID = "SANDBOXCH"
UNMAPPED = ("HR", "HS")  # 276 and 270: functional groups pyx12 has no implementation guide map for
# Rejections a payer's front end gives (category, status, entity, words); chosen by a roll per claim.
RANDOM_REJECTIONS = [
    ("A7", "164", "IL", "Member ID not found for this payer"),
    ("A7", "562", "82", "Rendering provider NPI not on file with the payer"),
    ("A3", "21", "", "Missing or invalid information in the claim"),
    ("A7", "187", "", "Date of service is not valid for the member's coverage"),
]
# Denials by category (group, CARC, RARCs), one line or the whole claim.
RANDOM_DENIALS = [
    ("CO", "50", ["N115"]),  # medical necessity
    ("CO", "16", ["M76"]),  # missing information
    ("CO", "97", ["M15"]),  # bundled
    ("CO", "4", ["N657"]),  # modifier
    ("CO", "27", []),  # coverage terminated
    ("CO", "197", ["M62"]),  # no authorization
    ("CO", "11", []),  # diagnosis inconsistent with procedure
]


def sandbox_options(connection: Any) -> dict[str, Any]:
    return {**DEFAULTS, **(connection.options or {})}


def _roll(seed: Any, *parts: object) -> random.Random:
    return random.Random(hashlib.sha256(":".join(map(str, (seed, *parts))).encode()).hexdigest())


def _payer_claim_number(seed: Any, payer_id: str, pcn: str) -> str:
    digest = int(hashlib.sha256(f"{seed}:{pcn}".encode()).hexdigest()[:12], 16)
    return f"{(payer_id or 'P')[:5]}{digest % 10**10:010d}"


def _isa_ids(text: str) -> tuple[str, str]:
    """(sender ID, control number) from the fixed-width ISA, without reading the rest."""
    head = text.lstrip()[:106]
    parts = head.split(head[3]) if len(head) > 3 else []
    return (parts[6].strip(), parts[13].strip()) if len(parts) > 13 else ("", "")


def _next_control() -> int:
    from django.db import connection as db

    with db.cursor() as cur:
        cur.execute("SELECT nextval('claims_x12_control_seq')")
        return int(cur.fetchone()[0]) % 999_999_999 or 1


class SandboxAdapter(ClearinghouseAdapter):
    supports_realtime = True

    # --- transport ---------------------------------------------------------------------------------
    def send(self, outbound: Outbound, journal: Journal) -> Receipt:
        from claims.clearinghouse.models import SandboxFile

        journal("uploading")
        try:
            with transaction.atomic():
                row = SandboxFile.objects.create(
                    practice_id=self.connection.practice_id, connection=self.connection,
                    direction=SandboxFile.Direction.RECEIVED, name=outbound.filename,
                    content=outbound.content.decode("latin-1"), idempotency_key=outbound.key,
                    available_at=timezone.now())
        except IntegrityError:
            row = SandboxFile.objects.get(connection=self.connection, direction="in", idempotency_key=outbound.key)
            return Receipt(remote_ref=f"sandbox:{row.pk}", detail="already received under this key")
        self._pause()
        journal("received")
        return Receipt(remote_ref=f"sandbox:{row.pk}", detail=f"received {len(outbound.content)} bytes")

    def _pause(self) -> None:
        """Tests: hold the sending worker (after the sandbox stored the file) while the pause file exists."""
        path = sandbox_options(self.connection).get("pause_file") or os.environ.get("RCM_SANDBOX_PAUSE_FILE", "")
        deadline = time.monotonic() + 120
        while path and os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.05)

    def confirm(self, outbound: Outbound, step: str) -> bool | None:
        from claims.clearinghouse.models import SandboxFile

        return SandboxFile.objects.filter(connection=self.connection, direction="in", idempotency_key=outbound.key).exists()

    def list_inbound(self) -> list[InboundRef]:
        from claims.clearinghouse.models import SandboxFile

        sandbox_work(self.connection)
        rows = SandboxFile.objects.filter(connection=self.connection, direction="out", fetched_at__isnull=True,
                                          available_at__lte=timezone.now()).order_by("id").values_list("pk", "name")
        return [InboundRef(ref=str(pk), name=name) for pk, name in rows]

    def fetch(self, ref: InboundRef) -> bytes:
        from claims.clearinghouse.models import SandboxFile

        return SandboxFile.objects.get(pk=int(ref.ref), connection=self.connection).content.encode("latin-1")

    def done(self, ref: InboundRef) -> None:
        from claims.clearinghouse.models import SandboxFile

        SandboxFile.objects.filter(pk=int(ref.ref), connection=self.connection, fetched_at__isnull=True).update(
            fetched_at=timezone.now())

    def realtime(self, x12: str) -> str:
        ix = parse_interchange(x12)
        engine = _Engine(self.connection)
        if ix.functional_id == "HS":
            return engine.answer_270(ix)
        if ix.functional_id == "HR":
            return engine.answer_276(ix)
        raise PermanentError("The sandbox answers 270 and 276 in real time only.")


def sandbox_work(connection: Any) -> int:
    """Answer every received file not yet answered (each in its own transaction). Returns how many."""
    from claims.clearinghouse.models import SandboxFile

    done = 0
    for pk in SandboxFile.objects.filter(connection=connection, direction="in", fetched_at__isnull=True).order_by(
            "id").values_list("pk", flat=True):
        with transaction.atomic():
            row = SandboxFile.objects.select_for_update(skip_locked=True).filter(pk=pk, fetched_at__isnull=True).first()
            if row is None:
                continue
            _Engine(connection).answer(row)
            row.fetched_at = timezone.now()
            row.save(update_fields=["fetched_at"])
            done += 1
    return done


@dataclass
class _Verdict:
    accepted: bool
    category: str = "A2"
    status: str = "20"
    entity: str = "PR"
    text: str = ""


class _Engine:
    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.opts = sandbox_options(connection)
        self.seed = self.opts["seed"]
        self.now = timezone.localtime()

    # --- files ---------------------------------------------------------------------------------------
    def _out(self, name: str, content: str, *, delay: float = 0) -> None:
        from claims.clearinghouse.models import SandboxFile

        SandboxFile.objects.create(practice_id=self.connection.practice_id, connection=self.connection,
                                   direction=SandboxFile.Direction.OUTBOX, name=name, content=content,
                                   available_at=self.now + dt.timedelta(seconds=delay))

    def answer(self, row: Any) -> None:
        from claims.x12.writer_999 import write_ta1

        try:
            ix = parse_interchange(row.content)
        except X12SyntaxError:
            control = _next_control()
            self._out(f"TA1_{control:09d}.x12", write_ta1(answered_control="0", ack_code="R", note_code="022",
                                                          sender_id=CLEARINGHOUSE_ID, receiver_id="UNKNOWN",
                                                          control_number=control, created=self.now))
            return
        our_id = self.opts.get("receiver_id") or ""
        note = ""
        if our_id and ix.receiver_id != our_id:
            note = "008"
        elif self._seen_control(ix, row):
            note = "025"
        if note:
            control = _next_control()
            self._out(f"TA1_{control:09d}.x12", write_ta1(answered_control=ix.control_number, ack_code="R",
                                                          note_code=note, sender_id=CLEARINGHOUSE_ID,
                                                          receiver_id=ix.sender_id, control_number=control,
                                                          created=self.now))
            return
        accepted_st = self._999(ix, row.content)
        if ix.functional_id == "HC":
            self._claims(ix, accepted_st)
        elif ix.functional_id == "HR" and accepted_st:
            control = _next_control()
            self._out(f"277_{control:09d}.x12", self.answer_276(ix))
        elif ix.functional_id == "HS" and accepted_st:
            control = _next_control()
            self._out(f"271_{control:09d}.x12", self.answer_270(ix))

    def _seen_control(self, ix: Interchange, row: Any) -> bool:
        from claims.clearinghouse.models import SandboxFile

        texts = SandboxFile.objects.filter(connection=self.connection, direction="in", fetched_at__isnull=False
                                           ).exclude(pk=row.pk).values_list("content", flat=True)
        return any(_isa_ids(t[:120]) == (ix.sender_id, ix.control_number) for t in texts.iterator())

    def _999(self, ix: Interchange, text: str) -> set[str]:
        """pyx12 validates the file and writes the 999; returns the ST02s it accepted."""
        import io

        import pyx12.params
        import pyx12.x12n_document

        from claims.x12.reader_999 import read_999_segments

        fd = io.StringIO()
        control = _next_control()
        if ix.functional_id in UNMAPPED:
            # pyx12 ships no map for 276 (X212) or 270 (X279A1): check the transaction sets' structure ourselves.
            ack = self._structural_999(ix, control)
            self._out(f"999_{control:09d}.x12", ack)
            parsed = read_999_segments(parse_interchange(ack))
            return {t.control_number for g in parsed.groups for t in g.transactions if t.accepted}
        try:
            pyx12.x12n_document.x12n_document(param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=fd,
                                              fd_html=None, fd_json=None)
        except Exception:  # pyx12 gives up on files it cannot walk at all
            fd = io.StringIO()
        ack = fd.getvalue()
        if not ack.strip():
            from claims.x12.writer_999 import GroupVerdict, TransactionVerdict, write_999

            st = ix.first("ST")
            ack = write_999([GroupVerdict(group_control=ix.group_control, functional_id=ix.functional_id or "HC",
                                          version=ix.version, transactions=[TransactionVerdict(
                                              control_number=st.get(2) if st else "0", status="R", codes=("5",),
                                              transaction_type=ix.transaction_type or "837", version=ix.version)])],
                            sender_id=CLEARINGHOUSE_ID, receiver_id=ix.sender_id, control_number=control,
                            created=self.now)
        else:
            ack = self._restamp(ack, control, ix)
        self._out(f"999_{control:09d}.x12", ack)
        parsed = read_999_segments(parse_interchange(ack))
        return {t.control_number for g in parsed.groups for t in g.transactions if t.accepted}

    def _structural_999(self, ix: Interchange, control: int) -> str:
        """A 999 for transaction sets pyx12 cannot walk: each ST accepted when its SE count and control match."""
        from claims.x12.writer_999 import GroupVerdict, TransactionVerdict, write_999

        verdicts: list[TransactionVerdict] = []
        start: Any = None
        for seg in ix.segments:
            if seg.id == "ST":
                start = seg
            elif seg.id == "SE" and start is not None:
                count_ok = seg.get(1).strip() == str(seg.position - start.position + 1)
                control_ok = seg.get(2).strip() == start.get(2).strip()
                codes: tuple[str, ...] = () if count_ok and control_ok else (("4",) if not count_ok else ("3",))
                verdicts.append(TransactionVerdict(control_number=start.get(2), status="R" if codes else "A", codes=codes,
                                                   transaction_type=start.get(1), version=ix.version))
                start = None
        return write_999([GroupVerdict(group_control=ix.group_control, functional_id=ix.functional_id,
                                       version=ix.version, transactions=verdicts)],
                         sender_id=CLEARINGHOUSE_ID, receiver_id=ix.sender_id, control_number=control, created=self.now)

    def _restamp(self, ack: str, control: int, ix: Interchange) -> str:
        """pyx12's 999 with our control numbers, our clearinghouse ID and no line breaks."""
        segs = [s.strip() for s in ack.split("~") if s.strip()]
        out = []
        for s in segs:
            p = s.split("*")
            if p[0] == "ISA":
                p[6], p[8], p[13] = f"{CLEARINGHOUSE_ID:<15}", f"{ix.sender_id[:15]:<15}", f"{control:09d}"
                p[9], p[10] = self.now.strftime("%y%m%d"), self.now.strftime("%H%M")
            elif p[0] == "GS":
                p[2], p[3], p[6] = CLEARINGHOUSE_ID, ix.sender_id, str(control)
            elif p[0] == "GE":
                p[2] = str(control)
            elif p[0] == "IEA":
                p[2] = f"{control:09d}"
            out.append("*".join(p))
        return "~".join(out) + "~"

    # --- 837 -> 277CA and 835 ------------------------------------------------------------------------
    def _claims(self, ix: Interchange, accepted_st: set[str]) -> None:
        from claims.clearinghouse.models import SandboxClaim
        from claims.x12.writer_277 import ClaimOut, ReportOut, StatusOut, write_277ca

        claims = [c for c in read_837p_claims(ix) if c.transaction_control in accepted_st]
        if not claims:
            return
        by_payer: dict[tuple[str, str], list[ClaimIn]] = {}
        for c in claims:
            by_payer.setdefault((c.payer_id, c.payer_name), []).append(c)
        for (payer_id, payer_name), group in by_payer.items():
            outs: list[ClaimOut] = []
            to_pay: list[tuple[ClaimIn, Any]] = []
            for c in group:
                verdict = self._front_end(c)
                icn = _payer_claim_number(self.seed, payer_id, c.pcn) if verdict.accepted else ""
                status = StatusOut(verdict.category, verdict.status, verdict.entity,
                                   "WQ" if verdict.accepted else "U", verdict.text)
                line_statuses: tuple[Any, ...] = ()
                outs.append(ClaimOut(pcn=c.pcn, charge=c.charge, service_from=c.service_date or self.now.date(),
                                     service_to=c.service_date or self.now.date(), patient_last=c.patient_last,
                                     patient_first=c.patient_first, member_id=c.member_id, status=status,
                                     payer_claim_number=icn, clearinghouse_trace=f"{CLEARINGHOUSE_ID}{c.pcn}",
                                     line_statuses=line_statuses))
                signature = hashlib.sha256(f"{c.member_id}|{c.service_date}|{sorted(ln.code for ln in c.lines)}".encode()
                                           ).hexdigest()
                sc = SandboxClaim.objects.create(
                    practice_id=self.connection.practice_id, connection=self.connection, pcn=c.pcn,
                    frequency=c.frequency, original_reference=c.original_reference, member_id=c.member_id,
                    patient_last=c.patient_last, patient_first=c.patient_first, service_date=c.service_date,
                    charge=c.charge, signature=signature, payer_id=payer_id, payer_name=payer_name,
                    payer_claim_number=icn, state="accepted" if verdict.accepted else "rejected",
                    received_at=timezone.now())
                if verdict.accepted:
                    to_pay.append((c, sc))
            control = _next_control()
            report = ReportOut(payer_name=payer_name, payer_id=payer_id, receiver_name=group[0].billing_name or "PROVIDER",
                               receiver_id=ix.sender_id, billing_name=group[0].billing_name or "PROVIDER",
                               billing_npi=group[0].billing_npi or "1234567893", claims=outs, trace=f"{control:09d}")
            self._out(f"277CA_{control:09d}.x12", write_277ca(report, sender_id=CLEARINGHOUSE_ID, receiver_id=ix.sender_id,
                                                               control_number=control, created=self.now))
            self._remit(to_pay, payer_id, payer_name, ix)

    def _front_end(self, c: ClaimIn) -> _Verdict:
        o = self.opts
        member = c.member_id.strip()
        if not member or not member.replace("-", "").isalnum() or len(member) < 3:
            return _Verdict(False, "A7", "164", "IL", "Member ID missing or not in the payer's format")
        if c.rendering_npi in set(o.get("unenrolled_npis") or []):
            return _Verdict(False, "A7", "562", "82", "Rendering provider NPI is not enrolled with this payer")
        if c.frequency in ("7", "8") and not c.original_reference:
            return _Verdict(False, "A7", "21", "", "Corrected claim without the payer's original claim number")
        if c.service_date and c.service_date > self.now.date():
            return _Verdict(False, "A7", "187", "", "Date of service is in the future")
        roll = _roll(self.seed, c.pcn, "front").random()
        if c.frequency == "1" and roll < float(o["reject_rate"]):
            cat, status, entity, text = _roll(self.seed, c.pcn, "which").choice(RANDOM_REJECTIONS)
            return _Verdict(False, cat, status, entity, text)
        return _Verdict(True)

    def _remit(self, items: list[tuple[ClaimIn, Any]], payer_id: str, payer_name: str, ix: Interchange) -> None:
        from claims.clearinghouse.models import SandboxClaim
        from payments.x12 import simulate as sim
        from payments.x12.writer_835 import Envelope835, write_835

        if not items:
            return
        remit_claims = []
        for c, sc in items:
            roll = _roll(self.seed, c.pcn, "silent").random()
            if c.frequency == "1" and roll < float(self.opts["silent_rate"]):
                SandboxClaim.objects.filter(pk=sc.pk).update(state="pending")
                continue
            if c.frequency in ("7", "8"):
                original = SandboxClaim.objects.filter(connection=self.connection, payer_claim_number=c.original_reference,
                                                       state="adjudicated").exclude(adjudication={}).first()
                if original is not None:
                    from payments.x12.reader_835 import RemitClaimIn

                    remit_claims.append(sim.reversal_of(RemitClaimIn.model_validate(original.adjudication)))
                    SandboxClaim.objects.filter(pk=original.pk).update(state="reversed")
                if c.frequency == "8":
                    SandboxClaim.objects.filter(pk=sc.pk).update(state="adjudicated")
                    continue
            clp = self._adjudicate(c, sc, payer_id)
            remit_claims.append(clp)
            SandboxClaim.objects.filter(pk=sc.pk).update(state="adjudicated", adjudication=clp.model_dump(mode="json"))
        if not remit_claims:
            return
        control = _next_control()
        pay_day = self.now.date()
        txn = sim.remit_transaction(remit_claims, trace=f"{(payer_id or 'P')[:5]}{control:09d}",
                                    payer_name=(payer_name or "PAYER").upper(), payer_id=payer_id, payment_date=pay_day,
                                    control_number=f"{control % 10000:04d}", payee_npi=items[0][0].billing_npi,
                                    payee_name=(items[0][0].billing_name or "PRACTICE").upper())
        text = write_835([txn], Envelope835(sender_id=(payer_id or "PAYER")[:15], receiver_id=ix.sender_id[:15],
                                            control_number=control, created=self.now.replace(tzinfo=None)))
        self._out(f"835_{control:09d}.x12", text, delay=float(self.opts["remit_delay_seconds"]))

    def _allowed(self, payer_id: str, line: Any, day: dt.date) -> Decimal:
        from billing.models import Payer
        from payments.services.era import FeeBook

        payer = Payer.objects.filter(practice_id=self.connection.practice_id, payer_id=payer_id).first()
        unit = None
        if payer is not None:
            unit = FeeBook(self.connection.practice_id, {payer.pk}).allowed(payer.pk, line.code, line.modifiers, day)
        if unit is None:
            return (line.charge * D("0.62")).quantize(CENT)
        return min(line.charge, (unit * line.units).quantize(CENT))

    def _adjudicate(self, c: ClaimIn, sc: Any, payer_id: str) -> Any:
        from claims.clearinghouse.models import SandboxClaim
        from payments.x12 import simulate as sim

        o = self.opts
        day = c.service_date or self.now.date()
        lines = [sim.SimLine(ln.line_control_number, ln.code, ln.charge, ln.service_date or day, tuple(ln.modifiers),
                             ln.units) for ln in c.lines]
        whole: tuple[str, str, list[str]] | None = None
        per_line: dict[int, tuple[str, str, list[str]]] = {}
        codes = [ln.code for ln in c.lines]
        if c.service_date and (self.now.date() - c.service_date).days > int(o["timely_filing_days"]):
            whole = ("CO", "29", [])
        elif any(member_prefix and c.member_id.upper().startswith(member_prefix)
                 for member_prefix in o["inactive_member_prefixes"]):
            whole = ("CO", "27", ["N30"])
        elif c.frequency == "1" and SandboxClaim.objects.filter(connection=self.connection, signature=sc.signature,
                                                                state__in=["adjudicated", "accepted", "pending"]
                                                                ).exclude(pk=sc.pk).exclude(pcn=c.pcn).exists():
            whole = ("CO", "18", ["N111"])
        else:
            for i, ln in enumerate(c.lines):
                if ln.code in set(o["auth_required_codes"]) and not c.prior_authorization:
                    per_line[i] = ("CO", "197", ["M62"])
                if ln.code.startswith("992") and "25" not in ln.modifiers and len(codes) > 1 and any(
                        not k.startswith("992") for k in codes):
                    per_line[i] = ("CO", "97", ["M15"])
        roll = _roll(self.seed, c.pcn, "adjudicate").random()
        if whole is None and not per_line and c.frequency == "1":
            if roll < float(o["denial_rate"]):
                whole = _roll(self.seed, c.pcn, "denial").choice(RANDOM_DENIALS)
            elif roll < float(o["denial_rate"]) + float(o["partial_rate"]) and len(lines) > 1:
                per_line[len(lines) - 1] = _roll(self.seed, c.pcn, "partial").choice(RANDOM_DENIALS)
        share_roll = _roll(self.seed, c.pcn, "share")
        with_share = share_roll.random() < float(o["patient_share_rate"])
        services = []
        for i, line in enumerate(lines):
            reason = whole or per_line.get(i)
            if reason is not None:
                services.append(sim.denied_line(line, group=reason[0], reason=reason[1], remarks=reason[2]))
                continue
            allowed = self._allowed(c.payer_id, c.lines[i], line.date)
            deductible = coins = copay = ZERO
            if with_share:
                pick = share_roll.random()
                if pick < 0.3:
                    deductible = min(allowed, D("50.00"))
                elif pick < 0.6 and line.code.startswith("992"):
                    copay = min(allowed, D("25.00"))
                else:
                    coins = (allowed * D("0.20")).quantize(CENT)
            services.append(sim.paid_line(line, allowed=allowed, deductible=deductible, coinsurance=coins, copay=copay,
                                          remarks=["N130"] if deductible else []))
        return sim.remit_claim(c.pcn, services, patient=(c.patient_last, c.patient_first, c.member_id),
                               payer_claim_number=sc.payer_claim_number, statement_date=day)

    # --- 276 -> 277 and 270 -> 271 -------------------------------------------------------------------
    def answer_276(self, ix: Interchange) -> str:
        from claims.clearinghouse.models import SandboxClaim
        from claims.x12.writer_277 import ClaimOut, ReportOut, StatusOut, write_277

        payer = ix.first("NM1")
        outs = []
        trace = pcn = icn = ""
        member = ("", "", "")
        charge = ZERO
        dos: dt.date | None = None

        def flush() -> None:
            if not trace:
                return
            known = SandboxClaim.objects.filter(connection=self.connection, pcn=pcn).order_by("-received_at").first()
            if known is None:
                status = StatusOut("A4", "35", "PR", text="Claim not found")
            elif known.state == "rejected":
                status = StatusOut("A3", "21", "PR", text="Claim was rejected; submit a corrected claim")
            elif known.state in ("accepted", "pending"):
                status = StatusOut("P1", "20", "PR", text="In process")
            else:
                paid = D(str((known.adjudication or {}).get("paid", "0")))
                status = StatusOut("F1" if paid > 0 else "F2", "65" if paid > 0 else "1", "PR", paid=paid,
                                   finalized=self.now.date())
            outs.append(ClaimOut(pcn=trace, charge=charge, service_from=dos or self.now.date(),
                                 service_to=dos or self.now.date(), patient_last=member[0], patient_first=member[1],
                                 member_id=member[2], status=status,
                                 payer_claim_number=(known.payer_claim_number if known else icn), patient_account=pcn))

        for seg in ix.segments:
            if seg.id == "NM1" and seg.get(1) == "IL":
                member = (seg.get(3), seg.get(4), seg.get(9))
            elif seg.id == "TRN":
                flush()
                trace, pcn, icn, charge, dos = seg.get(2), "", "", ZERO, None
            elif seg.id == "REF" and seg.get(1) == "EJ":
                pcn = seg.get(2)
            elif seg.id == "REF" and seg.get(1) == "1K":
                icn = seg.get(2)
            elif seg.id == "AMT" and seg.get(1) == "T3":
                charge = D(seg.get(2) or "0")
            elif seg.id == "DTP" and seg.get(1) == "472":
                try:
                    dos = dt.datetime.strptime(seg.get(3)[:8], "%Y%m%d").date()
                except ValueError:
                    dos = None
        flush()
        provider = next((s for s in ix.segments if s.id == "NM1" and s.get(1) == "1P"), None)
        report = ReportOut(payer_name=payer.get(3) if payer else "PAYER", payer_id=payer.get(9) if payer else "",
                           receiver_name="PROVIDER", receiver_id=ix.sender_id,
                           billing_name=provider.get(3) if provider else "PROVIDER",
                           billing_npi=provider.get(9) if provider else "1234567893", claims=outs)
        return write_277(report, sender_id=CLEARINGHOUSE_ID, receiver_id=ix.sender_id, control_number=_next_control(),
                         created=self.now)

    def answer_270(self, ix: Interchange) -> str:
        from claims.x12.writer_271 import MemberAnswer, write_271

        payer = ix.first("NM1")
        provider = next((s for s in ix.segments if s.id == "NM1" and s.get(1) == "1P"), None)
        answers = []
        current: dict[str, Any] = {}

        def flush() -> None:
            if not current.get("trace"):
                return
            member = str(current.get("member", ""))
            rng = _roll(self.seed, member, "eligibility")
            prefixes = [p for p in self.opts["inactive_member_prefixes"] if p]
            if not member or len(member) < 3:
                answers.append(MemberAnswer(current["trace"], member, current.get("last", ""), current.get("first", ""),
                                            current.get("birth"), current.get("sex", ""), None, reject_code="72"))
                return
            if any(member.upper().startswith(p) for p in prefixes):
                answers.append(MemberAnswer(current["trace"], member, current.get("last", ""), current.get("first", ""),
                                            current.get("birth"), current.get("sex", ""), False,
                                            plan_name=f"{payer.get(3) if payer else 'PLAN'} PLAN",
                                            plan_begin=dt.date(self.now.year - 1, 1, 1),
                                            plan_end=dt.date(self.now.year - 1, 12, 31)))
                return
            deductible = D(rng.choice(["500", "1000", "1500", "2500"]))
            met = (deductible * D(str(rng.choice([0, 0.25, 0.5, 1])))).quantize(CENT)
            oop = D(rng.choice(["3000", "5000", "7500"]))
            answers.append(MemberAnswer(
                current["trace"], member, current.get("last", ""), current.get("first", ""), current.get("birth"),
                current.get("sex", ""), True, plan_name=f"{payer.get(3) if payer else 'PLAN'} PPO",
                group_number=f"G{rng.randint(10000, 99999)}", plan_begin=dt.date(self.now.year, 1, 1),
                copay=D(rng.choice(["20", "30", "40"])), coinsurance=D(rng.choice(["0.1", "0.2", "0.3"])),
                deductible=deductible, deductible_remaining=deductible - met, out_of_pocket=oop,
                out_of_pocket_remaining=oop - met))

        for seg in ix.segments:
            if seg.id == "HL" and seg.get(3) == "22":
                current = {}
            elif seg.id == "TRN":
                current["trace"] = seg.get(2)
            elif seg.id == "NM1" and seg.get(1) == "IL":
                current.update(member=seg.get(9), last=seg.get(3), first=seg.get(4))
            elif seg.id == "NM1" and seg.get(1) == "03":
                current.update(last=seg.get(3), first=seg.get(4))
            elif seg.id == "DMG":
                try:
                    current["birth"] = dt.datetime.strptime(seg.get(2), "%Y%m%d").date()
                except ValueError:
                    current["birth"] = None
                current["sex"] = seg.get(3)
            elif seg.id == "EQ":
                flush()
                current["trace"] = ""
        return write_271(answers, payer_name=payer.get(3) if payer else "PAYER", payer_id=payer.get(9) if payer else "",
                         provider_name=provider.get(3) if provider else "PROVIDER",
                         provider_npi=provider.get(9) if provider else "1234567893", sender_id=CLEARINGHOUSE_ID,
                         receiver_id=ix.sender_id, control_number=_next_control(), created=self.now)
