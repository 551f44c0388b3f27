"""ERA posting throughput: `python bench/era.py [--claims N]` (N defaults to 5,000).

On a fresh database `rcm_bench_era`: one practice, a payer with a contracted fee schedule, N coded encounters
with three service lines each, their claims generated, sent and acknowledged (accepted), and their charges on the ledger
(as the beat task leaves them). Then an 835 for all N claims (about 3N service lines) is written with the
payer simulator — paid lines with CO-45 and PR coinsurance/deductible, ~5% denied lines, ~3% payers that drop
a modifier (matched by code + date + charge), a few crossovers to a secondary payer (secondary claims
generated), two PLB segments — and imported exactly as `manage.py import_835` does: store, parse with oxedi,
balance checks, match, post ledger entries, denials, underpayments, claim statuses and balances.

The same file is then parsed by pyx12 alone (`x12n_document`, its normal validating parse) in this run.
The last line is one JSON object: `claims`, `lines`, `post_s`, `post_cpu_s` (this process's CPU during the
import: Python's share of post_s), `pyx12_parse_s`, `ratio` (post_s / pyx12_parse_s).

`--keep` builds the data once into a template database and posts on a fresh copy of it each run (seconds instead
of a rebuild), so old and new code can be timed alternately on the same data.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import logging
import pstats
import random
import time
from decimal import Decimal

from _common import emit, fresh_database

D = Decimal


def build(n: int, seed: int) -> tuple[int, str, int]:
    from billing.models import (
        ChargeLine,
        Coverage,
        Diagnosis,
        Encounter,
        FeeSchedule,
        FeeScheduleEntry,
        Location,
        Patient,
        Payer,
        Practice,
        Provider,
    )
    from claims import services as claim_services
    from claims.models import ClaimLine
    from payments.services.ledger import ledger_sync_charges
    from payments.x12 import simulate as sim
    from payments.x12.reader_835 import ProviderAdjustmentIn
    from payments.x12.writer_835 import Envelope835, write_835

    rng = random.Random(seed)
    practice = Practice.objects.create(name="Bench Dermatology", npi="1234567893", tax_id="231234567", taxonomy="207N00000X",
                                       address_line1="1 Main St", city="Harrisburg", state="PA", zip_code="17101",
                                       phone="7175550100")
    provider = Provider.objects.create(practice=practice, first_name="Elena", last_name="Marsh", npi="1245319599",
                                       taxonomy="207N00000X", specialty="dermatology")
    location = Location.objects.create(practice=practice, name="Main", pos_code="11", address_line1="2 Main St",
                                       city="Harrisburg", state="PA", zip_code="17101")
    payer = Payer.objects.create(practice=practice, name="Aetna", payer_id="60054", kind="commercial")
    medigap = Payer.objects.create(practice=practice, name="Medigap Plan F", payer_id="MGAP1", kind="commercial")
    start = dt.date(2024, 1, 1)
    codes = {"99213": D("150.00"), "99214": D("220.00"), "17000": D("140.00"), "17003": D("22.00"), "11102": D("160.00"),
             "11103": D("90.00"), "88305": D("125.00"), "17110": D("190.00")}
    schedule = FeeSchedule.objects.create(practice=practice, name="Aetna contract", kind="allowed", payer=payer,
                                          effective_from=start)
    FeeScheduleEntry.objects.bulk_create([FeeScheduleEntry(practice=practice, schedule=schedule, code=c,
                                                           amount=(a * D("0.6")).quantize(D("0.01")))
                                          for c, a in codes.items()])
    patients = Patient.objects.bulk_create([
        Patient(practice=practice, mrn=f"B{i:07d}", first_name="Pat", last_name=f"Doe{i}", date_of_birth=dt.date(1960, 1, 1),
                sex="F", address_line1="3 Oak Ave", city="Carlisle", state="PA", zip_code="17013")
        for i in range(max(1, n // 2))], batch_size=5000)
    Coverage.objects.bulk_create([Coverage(practice=practice, patient=p, payer=payer, priority=1, member_id=f"W{p.pk:09d}",
                                           effective_from=start) for p in patients], batch_size=5000)
    Coverage.objects.bulk_create([Coverage(practice=practice, patient=p, payer=medigap, priority=2, member_id=f"G{p.pk:09d}",
                                           effective_from=start) for p in patients[:: 50]], batch_size=5000)
    dos = dt.date(2025, 3, 3)
    encounters = Encounter.objects.bulk_create([
        Encounter(practice=practice, patient=patients[i % len(patients)], provider=provider, location=location,
                  date_of_service=dos - dt.timedelta(days=i % 60), specialty="dermatology", status="coded")
        for i in range(n)], batch_size=5000)
    Diagnosis.objects.bulk_create([Diagnosis(practice=practice, encounter=e, code="L57.0", rank=1) for e in encounters],
                                  batch_size=5000)
    names = list(codes)
    lines = []
    for e in encounters:
        for k, code in enumerate(rng.sample(names, 3), start=1):
            mods = ["25"] if code.startswith("992") else []
            lines.append(ChargeLine(practice=practice, encounter=e, line_number=k, code=code, modifiers=mods, units=1,
                                    diagnosis_pointers=[1], charge_amount=codes[code]))
    ChargeLine.objects.bulk_create(lines, batch_size=10000)
    generated = claim_services.claims_generate_pending(practice_id=practice.pk)
    ids = generated.claim_ids
    # Sent, then acknowledged by the payer (277CA), as claims are when their ERA arrives.
    for status in ("clean", "queued", "submitted", "accepted"):
        claim_services.claims_transition_bulk(claim_ids=ids, to_status=status, source="bench")
    ledger_sync_charges(practice_id=practice.pk)

    from claims.models import Claim

    claim_lines: dict[int, list] = {}
    for ln in ClaimLine.objects.filter(claim_id__in=ids).order_by("claim_id", "line_number"):
        claim_lines.setdefault(ln.claim_id, []).append(ln)
    remit_claims = []
    crossover_patients = {p.pk for p in patients[:: 50]}
    for claim in Claim.objects.filter(pk__in=ids).order_by("pk"):
        services = []
        for ln in claim_lines[claim.pk]:
            line = sim.SimLine(ln.line_control_number, ln.code, ln.charge_amount, ln.date_of_service, tuple(ln.modifiers))
            roll = rng.random()
            if roll < 0.05:
                services.append(sim.denied_line(line, reason=rng.choice(["50", "97", "16"])))
                continue
            allowed = (ln.charge_amount * D("0.6")).quantize(D("0.01"))
            if roll < 0.07:
                allowed -= D("5.00")  # an underpayment against the contract
            deductible = min(allowed, D("40.00")) if roll > 0.9 else D("0.00")
            coins = ((allowed - deductible) * D("0.2")).quantize(D("0.01"))
            svc = sim.paid_line(line, allowed=allowed, deductible=deductible, coinsurance=coins)
            if 0.07 <= roll < 0.10 and ln.modifiers:
                svc = svc.model_copy(update={"modifiers": [], "line_control_number": ""})
            services.append(svc)
        cross = ("MEDIGAP PLAN F", "MGAP1") if claim.patient_id in crossover_patients else None
        remit_claims.append(sim.remit_claim(claim.pcn, services, patient=("DOE", "PAT", claim.member_id), crossover=cross))
    plb = [ProviderAdjustmentIn(provider_id="1234567893", reason="L6", reference="INTEREST", amount=D("-12.34")),
           ProviderAdjustmentIn(provider_id="1234567893", reason="WO", reference="OVERPAY123", amount=D("45.00"))]
    plb2 = [ProviderAdjustmentIn(provider_id="1234567893", reason="FB", reference="FWD0001", amount=D("10.00"))]
    txn = sim.remit_transaction(remit_claims, trace="BENCH0001", payer_name="AETNA", payer_id="60054",
                                payment_date=dt.date(2025, 4, 15), plb=plb + plb2, payee_npi=practice.npi)
    text = write_835([txn], Envelope835(control_number=1))
    return practice.pk, text, sum(len(c.services) for c in remit_claims)


def pyx12_parse_seconds(text: str) -> float:
    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    started = time.perf_counter()
    pyx12.x12n_document.x12n_document(param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=io.StringIO(),
                                      fd_html=None)
    return time.perf_counter() - started


def from_template(n: int, seed: int) -> tuple[int, str, int]:
    """Build once into a template database (its 835 kept in a table there), then run on a fresh copy of it."""
    from django.db import connection

    template = f"rcm_bench_era_tpl_{n}_{seed}"
    fresh_database(template, keep=True)
    with connection._nodb_cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        exists = cur.fetchone() is not None
    saved = None
    if exists:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if not executor.migration_plan(executor.loader.graph.leaf_nodes()):  # else built before a migration: rebuild
            with contextlib.suppress(Exception), connection.cursor() as cur:
                cur.execute("SELECT practice_id, text, lines FROM bench_era_file")
                saved = cur.fetchone()
    if saved is None:
        fresh_database(template)
        started = time.perf_counter()
        saved = build(n, seed)
        print(f"built {n} claims, {saved[2]} service lines, an 835 of {len(saved[1]) / 1e6:.1f} MB "
              f"in {time.perf_counter() - started:.1f} s (template {template})")
        with connection.cursor() as cur:
            cur.execute("CREATE TABLE bench_era_file (practice_id bigint, text text, lines int)")
            cur.execute("INSERT INTO bench_era_file VALUES (%s, %s, %s)", list(saved))
            cur.execute("ANALYZE")
    connection.close()
    with connection._nodb_cursor() as cur:
        cur.execute('DROP DATABASE IF EXISTS "rcm_bench_era" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "rcm_bench_era" TEMPLATE "{template}"')
    connection.close()
    connection.settings_dict["NAME"] = "rcm_bench_era"
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_era_file")
    return int(saved[0]), str(saved[1]), int(saved[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="print the import's 30 costliest functions (cProfile)")
    parser.add_argument("--keep", action="store_true",
                        help="build the data once into a template database (rcm_bench_era_tpl_N_SEED, rebuilt when "
                             "a migration is missing from it) and post on a fresh copy of it each run")
    args = parser.parse_args()
    if args.keep:
        practice_id, text, lines = from_template(args.claims, args.seed)
    else:
        fresh_database("rcm_bench_era")
        started = time.perf_counter()
        practice_id, text, lines = build(args.claims, args.seed)
        print(f"built {args.claims} claims, {lines} service lines, an 835 of {len(text) / 1e6:.1f} MB "
              f"in {time.perf_counter() - started:.1f} s")

    from payments.services.era import era_import
    from rcm import jobs
    from rcm.models import Job

    # Workers generate the secondary claims after the commit: hold that job so the timing is the import's.
    send = jobs._send
    jobs._send = lambda job_id: None
    profiler = cProfile.Profile() if args.profile else None
    slow: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            slow.append((time.perf_counter() - t0, " ".join(str(sql).split())[:300]))

    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    from django.db import connection

    with connection.execute_wrapper(timed) if profiler else contextlib.nullcontext():
        result = era_import(practice_id=practice_id, content=text, filename="bench.835", source="command")
    post_s = time.perf_counter() - started
    post_cpu_s = time.process_time() - cpu_started
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        for seconds, sql in sorted(slow, reverse=True)[:15]:
            print(f"{seconds:7.3f} s  {sql}")
    jobs._send = send
    for job in Job.objects.filter(kind="payments.secondary_claims", status="queued"):
        t0 = time.perf_counter()
        done = jobs.job_execute(job.pk)
        print(f"secondary claims job (a worker, after the import): {done.result if done else None} "
              f"in {time.perf_counter() - t0:.2f} s")
    print(f"import (parse, balance, match, post, statuses): {post_s:.2f} s, {lines / post_s:,.0f} lines/s; "
          f"{result.as_dict()}, secondary claims {result.secondary_claims}")
    again = time.perf_counter()
    second = era_import(practice_id=practice_id, content=text, filename="bench-again.835", source="command")
    print(f"re-import of the same file: {time.perf_counter() - again:.2f} s, already_posted={second.already_posted}")
    pyx12_s = pyx12_parse_seconds(text)
    print(f"pyx12 parse alone: {pyx12_s:.2f} s")
    emit({"claims": args.claims, "lines": lines, "post_s": round(post_s, 3), "post_cpu_s": round(post_cpu_s, 3),
          "pyx12_parse_s": round(pyx12_s, 3), "ratio": round(post_s / pyx12_s, 3), "lines_per_s": round(lines / post_s),
          "claims_matched": result.claims_matched, "exceptions": result.exceptions})


if __name__ == "__main__":
    main()
