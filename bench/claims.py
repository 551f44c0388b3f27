"""Claims throughput: `python bench/claims.py [--claims N] [--queue-claims M] [--ncci-pairs P]`.

On a fresh database (`rcm_bench_claims`, or `--database NAME`): load the code sets, seed enough coded
encounters for N claims (`seed_demo`, without its demo claims), load a synthetic NCCI PTP table of P pairs
(about the size of CMS's practitioner file) in CMS's layout through the importer unless a real one is
already loaded, then time on this one process, exactly as a worker runs them:

- claim generation (`claims_generate_pending`),
- scrubbing N claims (`claims_scrub`: snapshot queries, rule data, the rules, persisting findings/status),
- 837P creation for the clean ones (`claims_export_837`: snapshots, writing, batch rows, statuses),

then grow the table to M claims (synthetic copies) and time the queue page's server time.
The last line is one JSON object with `claims`, `generate_per_s`, `scrub_per_s`, `x12_per_s`.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import math
import os
import pstats
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from _common import emit, fresh_database, signed_in_client


def synthetic_ptp(path: Path, pairs: int, seed: int = 11) -> int:
    """A PTP file in CMS's tab-delimited layout: our sample's rows plus random pairs over 14,000 codes."""
    from claims.ncci.files import SAMPLE_PTP

    rng = random.Random(seed)
    codes = [f"{n:05d}" for n in rng.sample(range(10000, 99999), 14000)]
    seen: set[tuple[str, str]] = set()
    with path.open("w") as out, SAMPLE_PTP.open() as sample:
        out.write(sample.read())
        for line in SAMPLE_PTP.read_text().splitlines():
            cells = line.split("\t")
            if len(cells) > 2 and cells[0].isdigit():
                seen.add((cells[0], cells[1]))
        while len(seen) < pairs:
            a, b = rng.choice(codes), rng.choice(codes)
            if a == b or (a, b) in seen:
                continue
            seen.add((a, b))
            deleted = "20191231" if rng.random() < 0.3 else "*"
            out.write(f"{a}\t{b}\t\t{rng.choice(('19960101', '20100101', '20160101'))}\t{deleted}\t{rng.choice('019')}\t"
                      "Standards of medical / surgical services\n")
    return len(seen)


@contextlib.contextmanager
def _profiled(profiler: cProfile.Profile | None) -> Iterator[None]:
    if profiler is None:
        yield
        return
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=10000)
    parser.add_argument("--queue-claims", type=int, default=100000)
    parser.add_argument("--ncci-pairs", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--queue-only", action="store_true", help="reuse the last run's database; time the queue only")
    parser.add_argument("--profile", action="store_true", help="print the costliest functions of scrub and 837P (cProfile)")
    parser.add_argument("--database", default="rcm_bench_claims", help="the database to (re)create on the server")
    args = parser.parse_args()
    if args.queue_only:
        fresh_database(args.database, keep=True)
        emit({"queue_only": True, **queue_time(args.queue_claims)})
        return
    os.environ["RCM_SEED_CLAIMS"] = "0"
    fresh_database(args.database)
    from django.core.management import call_command

    call_command("load_codesets", verbosity=0, stdout=io.StringIO())
    encounters = math.ceil(args.claims / 0.8 / 1.05)  # ~85% coded, ~5% self-pay; the second practice adds 5%
    started = time.perf_counter()
    call_command("seed_demo", encounters=encounters, seed=args.seed, skip_codesets=True, stdout=io.StringIO())
    print(f"seeded {encounters} encounters in {time.perf_counter() - started:.1f} s")

    from claims import services
    from claims.models import Claim, NcciPtpEdit
    from claims.ncci.files import load_sample, mue_load, ptp_load, read_mue, read_ptp

    figures: dict[str, object] = {}
    if NcciPtpEdit.objects.count() < 500_000:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "ptp_synthetic.txt"
            synthetic_ptp(path, args.ncci_pairs)
            started = time.perf_counter()
            ptp_load(read_ptp(path), replace=True)
            figures["ncci_load_s"] = round(time.perf_counter() - started, 1)
        from claims.ncci.files import SAMPLE_MUE

        mue_load(read_mue(SAMPLE_MUE))
    else:
        load_sample()
    figures["ncci_pairs"] = NcciPtpEdit.objects.count()
    print(f"NCCI PTP table: {figures['ncci_pairs']:,} pairs (loaded in {figures.get('ncci_load_s', 0)} s)")

    started = time.perf_counter()
    generated = services.claims_generate_pending()
    gen_s = time.perf_counter() - started
    print(f"generate: {generated.claims} claims in {gen_s:.2f} s = {generated.claims / gen_s:,.0f} claims/s "
          f"({generated.self_pay} self-pay encounters left for statements)")

    ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True)[: args.claims])
    n = len(ids)
    from coding.codesets import code_index

    for system in ("ICD10CM", "CPT", "HCPCS", "MODIFIER"):  # a worker's warm cache, as after its first batch
        code_index(system=system, on=Claim.objects.order_by("-date_of_service").first().date_of_service)
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    with _profiled(profiler):
        summary = services.claims_scrub(claim_ids=ids)
    scrub_s = time.perf_counter() - started
    print(f"scrub: {n} claims in {scrub_s:.2f} s = {n / scrub_s:,.0f} claims/s ({summary.clean} clean, "
          f"{summary.with_errors} with errors: {dict(summary.errors_by_rule)})")

    clean = list(Claim.objects.filter(pk__in=ids, status="clean").values_list("pk", flat=True))
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    with _profiled(profiler):
        exported = services.claims_export_837(claim_ids=clean, strict=False)
    x12_s = time.perf_counter() - started
    print(f"837P: {exported.claims} claims in {len(exported.batches)} files in {x12_s:.2f} s = "
          f"{exported.claims / x12_s:,.0f} claims/s")
    both = n / (scrub_s + x12_s * n / max(1, exported.claims))
    print(f"scrub + 837P: {both:,.0f} claims/s on one process (target 2,000)")

    queue_ms = queue_time(args.queue_claims)
    figures.update(claims=n, generated=generated.claims, generate_per_s=round(generated.claims / gen_s, 1),
                   scrub_per_s=round(n / scrub_s, 1), x12_per_s=round(exported.claims / x12_s, 1),
                   scrub_plus_x12_per_s=round(both, 1), x12_files=len(exported.batches),
                   queue_claims=queue_ms["claims"], queue_page_ms=queue_ms["median_ms"],
                   queue_page_ms_by_view=queue_ms["by_view"])
    emit(figures)


def queue_time(target: int) -> dict[str, object]:
    """Grow the claims table to `target` rows (copies of real ones) and time the queue page's server time."""
    from django.db import connection
    from django.urls import reverse

    from billing.models import Practice
    from claims.models import Claim

    practice = Practice.objects.order_by("pk").first()
    have = Claim.objects.filter(practice=practice).count()
    if have < target:
        copies = math.ceil((target - have) / max(1, have))
        for g in range(1, copies + 1):  # one copy of every real claim per statement, each a few seconds
            with connection.cursor() as cur:
                cur.execute(
                    "INSERT INTO claims_claim (practice_id, encounter_id, patient_id, coverage_id, payer_id, responsibility, "
                    "pcn, frequency, original_claim_id, original_payer_claim_number, payer_claim_number, status, "
                    "status_changed_at, billing_npi, billing_tax_id, billing_taxonomy, rendering_provider_id, rendering_npi, "
                    "rendering_taxonomy, facility_id, place_of_service, member_id, group_number, relationship, "
                    "subscriber_first_name, subscriber_last_name, subscriber_sex, diagnosis_codes, prior_authorization, "
                    "referring_provider_npi, referring_provider_name, date_of_service, total_charge, balance, "
                    "filing_deadline, scrub_findings, scrub_rules, scrub_errors, scrub_warnings, created_at, updated_at) "
                    "SELECT practice_id, encounter_id, patient_id, coverage_id, payer_id, responsibility, "
                    "'Q' || lpad((c.id * 100 + %(g)s)::text, 12, '0'), '7', c.id, 'SYNTH', '', "
                    "(ARRAY['draft','clean','scrubbed_errors','queued','submitted','accepted','rejected','denied'])"
                    "[1 + (c.id + %(g)s) %% 8], now(), billing_npi, billing_tax_id, billing_taxonomy, rendering_provider_id, "
                    "rendering_npi, rendering_taxonomy, facility_id, place_of_service, member_id, group_number, "
                    "relationship, subscriber_first_name, subscriber_last_name, subscriber_sex, diagnosis_codes, "
                    "prior_authorization, referring_provider_npi, referring_provider_name, "
                    "date_of_service - ((c.id * %(g)s) %% 200)::int, total_charge + (c.id + %(g)s) %% 97, "
                    "balance + (c.id + %(g)s) %% 97, filing_deadline - ((c.id * %(g)s) %% 200)::int, '[]'::jsonb, "
                    "CASE WHEN (c.id + %(g)s) %% 9 = 0 THEN ARRAY['EM_NEEDS_25']::varchar[] ELSE '{}'::varchar[] END, "
                    "CASE WHEN (c.id + %(g)s) %% 9 = 0 THEN 1 ELSE 0 END, 0, now(), now() "
                    "FROM claims_claim c WHERE c.practice_id = %(p)s AND c.frequency = '1' ORDER BY c.id LIMIT %(n)s",
                    {"g": g, "p": practice.pk, "n": target - Claim.objects.filter(practice=practice).count()})
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE claims_claim")
    from django.contrib.auth import get_user_model

    client = signed_in_client(get_user_model().objects.get(username="biller"))
    url = reverse("claims:queue")
    payer_id = Claim.objects.filter(practice=practice).values_list("payer_id", flat=True).first()
    views = {"default": {}, "page_20": {"page": "20"}, "errors": {"status": "scrubbed_errors"},
             "rule": {"rule": "EM_NEEDS_25"}, "payer": {"payer": str(payer_id)}, "amount": {"amount_min": "500"}}
    by_view: dict[str, float] = {}
    for name, params in views.items():
        client.get(url, params)
        times = []
        for _ in range(5):
            started = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        by_view[name] = round(statistics.median(times), 1)
    total = Claim.objects.filter(practice=practice).count()
    print(f"queue page at {total:,} claims: " + ", ".join(f"{k} {v} ms" for k, v in by_view.items()))
    return {"claims": total, "median_ms": round(statistics.median(by_view.values()), 1), "by_view": by_view}


if __name__ == "__main__":
    main()
