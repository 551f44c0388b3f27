"""Dashboard speed: `python bench/dashboard.py [--lines N] [--keep] [--database NAME]`.

On a fresh database (`rcm_bench_dashboard` unless --database): `seed_demo --lines N` (N defaults to 1,000,000):
a base practice seeded through the services and grown with set-based copies to about N claim lines
(`billing.demo_bulk`; the seed's wall time is printed and reported as `seed_s`), build the summaries
(`summaries_refresh`, timed),
then time the practice manager's dashboard page (server time through Django's test client, the median of
five warm requests, default filters: the last twelve months) and count its queries. `--keep` reuses the
database as it is (no drop, no seed) — to re-time a large seed. The last line is one JSON object with
`lines` (claim lines of the measured practice), `page_ms`, `queries` (plus service lines, encounters and claims,
the seed and refresh times and the summary sizes).
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import time

from _common import emit, fresh_database, signed_in_client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database", default="rcm_bench_dashboard")
    parser.add_argument("--keep", action="store_true", help="reuse the database as it is (no drop, no seed)")
    args = parser.parse_args()
    fresh_database(args.database, keep=args.keep)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing.models import ChargeLine, Encounter, Practice
    from claims.models import Claim, ClaimLine
    from reports.services import summaries_refresh

    seed_s, bulk = None, {}
    if not args.keep:
        started = time.perf_counter()
        out = io.StringIO()
        call_command("seed_demo", lines=args.lines, seed=args.seed, stdout=out)
        seed_s = time.perf_counter() - started
        bulk = json.loads(out.getvalue().strip().splitlines()[-1]).get("bulk", {})
        print(f"seeded in {seed_s:.1f} s: base {bulk.get('base_encounters')} encounters in {bulk.get('base_seconds')} s, "
              f"{bulk.get('copies')} copies in {bulk.get('seconds')} s")
    practice = Practice.objects.order_by("pk").first()
    started = time.perf_counter()
    refresh = summaries_refresh(practice_id=practice.pk)
    refresh_s = time.perf_counter() - started
    lines = ClaimLine.objects.filter(practice=practice).count()
    service_lines = ChargeLine.objects.filter(practice=practice).count()
    encounters = Encounter.objects.filter(practice=practice).count()
    claims = Claim.objects.filter(practice=practice).count()
    user = get_user_model().objects.get(username="manager")
    client = signed_in_client(user)
    url = f"/reports/?practice={practice.pk}"
    client.get(url)  # warm: templates, code, caches
    times, queries, size = [], 0, 0
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            t = time.perf_counter()
            resp = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        assert resp.status_code == 200, resp.status_code
        queries, size = len(captured), len(resp.content)
    page_ms = statistics.median(times)
    print(f"{lines:,} claim lines ({service_lines:,} service lines, {claims:,} claims, {encounters:,} encounters) "
          f"in the practice; summaries {sum(refresh.rows.values()):,} rows built in "
          f"{refresh_s:.2f} s; dashboard {page_ms:.0f} ms (median of 5), {queries} queries, {size:,} bytes")
    emit({"lines": lines, "page_ms": round(page_ms, 1), "queries": queries, "page_bytes": size,
          "service_lines": service_lines, "claims": claims, "encounters": encounters,
          "seed_s": round(seed_s, 1) if seed_s is not None else None, "grow_s": bulk.get("seconds"),
          "refresh_s": round(refresh_s, 2), "summary_rows": refresh.rows})


if __name__ == "__main__":
    main()
