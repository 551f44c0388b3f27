"""Coding: code-set load time, lookups per second, and engine time per note.

`python bench/coding.py [--notes N] [--seed S]` creates a fresh database `rcm_bench_coding`, times
`load_codesets` (first load and the idempotent second one), `code_lookup` and `code_index` on the
ICD-10-CM set, then runs the suggestion engine over N notes from the demo-note generator (a mix of
dermatology and primary care) and reports the time per note (mean, p50, p95) and the F1 against the
generator's gold codes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from collections import Counter

from _common import emit, fresh_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    fresh_database("rcm_bench_coding")
    from django.core.management import call_command

    from billing.demo_notes import generate_visit
    from coding.codesets import code_index, code_lookup, codesets_cache_clear
    from coding.engine import suggest
    from coding.evaluation import Tally

    started = time.perf_counter()
    call_command("load_codesets", verbosity=0)
    first_load = time.perf_counter() - started
    started = time.perf_counter()
    call_command("load_codesets", verbosity=0)
    second_load = time.perf_counter() - started

    day = dt.date.today()
    codesets_cache_clear()
    started = time.perf_counter()
    index = code_index(system="ICD10CM", on=day)
    index_build = time.perf_counter() - started
    sample = random.Random(args.seed).sample(sorted(index), 20000)
    started = time.perf_counter()
    for code in sample:
        code_lookup(system="ICD10CM", code=code, on=day)
    lookups_per_s = len(sample) / (time.perf_counter() - started)

    rng = random.Random(args.seed)
    suggest("warm-up", on=day)
    times, icd, cpt = [], Tally(), Tally()
    for _ in range(args.notes):
        specialty = "dermatology" if rng.random() < 0.6 else "primary_care"
        age, sex = rng.randint(5, 90), rng.choice("FM")
        visit = generate_visit(rng, specialty=specialty, age=age, sex=sex, new_patient=rng.random() < 0.3)
        t = time.perf_counter()
        out = suggest(visit.text, age=age, sex=sex, new_patient=visit.new_patient, on=day)
        times.append((time.perf_counter() - t) * 1000)
        icd.add(Counter({d.code for d in out.diagnoses}), Counter(set(visit.icd10)))
        cpt.add(Counter((p.code, p.units) for p in out.procedures), Counter((p.code, p.units) for p in visit.procedures))
    times.sort()
    print(f"load_codesets: {first_load:.1f} s first, {second_load:.2f} s again; ICD index {index_build:.2f} s, "
          f"{lookups_per_s:,.0f} lookups/s; engine {statistics.mean(times):.1f} ms/note over {args.notes} notes")
    emit({"notes": args.notes, "icd_codes": len(index), "load_codesets_s": round(first_load, 2),
          "load_codesets_again_s": round(second_load, 3), "icd_index_build_s": round(index_build, 2),
          "lookups_per_s": round(lookups_per_s), "ms_per_note_mean": round(statistics.mean(times), 1),
          "ms_per_note_p50": round(times[len(times) // 2], 1), "ms_per_note_p95": round(times[int(len(times) * 0.95)], 1),
          "icd_f1": round(icd.f1, 4), "cpt_f1": round(cpt.f1, 4)})


if __name__ == "__main__":
    main()
