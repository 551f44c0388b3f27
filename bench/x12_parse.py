"""X12 parse time and memory by file size: `python bench/x12_parse.py [--sizes 1,5,10]` (MB).

For each size, an 835 of about that many megabytes (the payer simulator's claims repeated) is read with
`read_835`, and a 277CA / 271 / 999 of about that size with their readers (guide validation off, as the fuzz
tests run them). Prints per reader and size: bytes, seconds, peak Python allocations (tracemalloc, in a second run) in MB. Target:
10 MB under 2 s. The last line is one JSON object of all figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import tracemalloc
from decimal import Decimal as D
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rcm.settings")


def era_of(mb: float) -> str:
    from payments.x12 import simulate as sim
    from payments.x12.writer_835 import Envelope835, write_835

    day = dt.date(2025, 3, 3)
    one = []
    for i in range(200):
        lines = [sim.SimLine(f"C{i:09d}-1", "99213", D("150.00"), day, ("25",), 1),
                 sim.SimLine(f"C{i:09d}-2", "17000", D("140.00"), day, (), 1)]
        one.append(sim.remit_claim(f"C{i:09d}", [sim.paid_line(lines[0], allowed=D("90"), coinsurance=D("18")),
                                                 sim.denied_line(lines[1])]))
    sample = write_835([sim.remit_transaction(one, trace="T1")], Envelope835())
    per_claim = len(sample) / 200
    n = max(int(mb * 1024 * 1024 / per_claim), 1)
    claims = [c.model_copy(update={"pcn": f"C{i:09d}"}) for i, c in zip(range(n), _cycle(one), strict=False)]
    return write_835([sim.remit_transaction(claims, trace="T1")], Envelope835())


def _cycle(items: list) -> object:
    while True:
        yield from items


def repeated(sample: str, mb: float, body_from: str, body_to: str) -> str:
    """Grow a small interchange to ~mb by repeating its body segments (the readers do not count them)."""
    head, rest = sample.split(body_from, 1)
    body, tail = rest.rsplit(body_to, 1)
    body = body_from + body
    times = max(int(mb * 1024 * 1024 / len(body)), 1)
    return head + body * times + body_to + tail


def measure(fn: object, data: bytes) -> tuple[float, float]:
    """Seconds (untraced), then peak Python allocations in MB (a second, traced run: tracemalloc is slow)."""
    t = time.perf_counter()
    fn(data)  # type: ignore[operator]
    seconds = time.perf_counter() - t
    tracemalloc.start()
    fn(data)  # type: ignore[operator]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,5,10")
    args = parser.parse_args()
    import django

    django.setup()
    from _common import emit

    from claims.x12.reader_271 import read_271
    from claims.x12.reader_277 import read_277ca
    from claims.x12.reader_999 import read_999
    from payments.x12.reader_835 import read_835
    from tests.trust.x12_samples import SAMPLES

    figures: dict[str, object] = {}
    for mb in [float(s) for s in args.sizes.split(",")]:
        files = {
            "835": (era_of(mb), read_835),
            "277ca": (repeated(SAMPLES["277ca"](), mb, "~HL*4*", "~SE*"), lambda b: read_277ca(b, validate=False)),
            "271": (repeated(SAMPLES["271"](), mb, "~HL*3*", "~SE*"), read_271),
            "999": (repeated(SAMPLES["999"](), mb, "~AK2*", "~AK9*"), lambda b: read_999(b, validate=False)),
        }
        for name, (text, fn) in files.items():
            data = text.encode("latin-1")
            seconds, peak = measure(fn, data)
            key = f"{name}_{mb:g}mb"
            figures[key] = {"bytes": len(data), "s": round(seconds, 3), "peak_mb": round(peak, 1)}
            print(f"{name:6} {len(data) / 1024 / 1024:6.1f} MB  {seconds:6.3f} s  peak {peak:7.1f} MB", flush=True)
    emit(figures)


if __name__ == "__main__":
    main()
