"""Time `seed_demo` at a given size: `python bench/seed.py [--encounters N] [--seed S]`.

Creates a fresh database `rcm_bench_seed` on the configured server (embedded PostgreSQL,
or the server in DATABASE_URL), migrates it, loads code sets, then times the seed alone.
"""

from __future__ import annotations

import argparse
import io
import json
import time

from _common import emit, fresh_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--encounters", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    fresh_database("rcm_bench_seed")
    from django.core.management import call_command, get_commands

    if "load_codesets" in get_commands():
        call_command("load_codesets", verbosity=0)
    out = io.StringIO()
    started = time.perf_counter()
    call_command("seed_demo", encounters=args.encounters, seed=args.seed, skip_codesets=True, stdout=out)
    seconds = time.perf_counter() - started
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    from billing.models import ChargeLine, Diagnosis, Encounter

    print(f"seed_demo --encounters {args.encounters}: {seconds:.1f} s "
          f"({result['encounters'] / seconds:,.0f} encounters/s across both demo practices)")
    emit({"encounters": Encounter.objects.count(), "diagnoses": Diagnosis.objects.count(),
          "charge_lines": ChargeLine.objects.count(), "patients": result["patients"], "seconds": round(seconds, 2),
          "encounters_per_s": round(result["encounters"] / seconds, 1)})


if __name__ == "__main__":
    main()
