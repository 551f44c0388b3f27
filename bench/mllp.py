"""MLLP listener throughput: N HL7 v2 messages (ADT^A04, MDM^T02, DFT^P03, ADT^A08 per patient) pipelined down
C loopback connections to `manage.py mllp_listener`, each stored, applied and ACKed.

    .venv/bin/python bench/mllp.py --messages 1000 --connections 4
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import os
import subprocess
import sys
import time

from _common import ROOT, emit, fresh_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    fresh_database("rcm_bench_mllp")
    from django.core.management import call_command
    from django.db import connection

    call_command("load_codesets", verbosity=0)
    from interop.models import InboundMessage
    from tests import factories as f
    from tests.integration.stack import database_url_for_tests, free_port
    from tests.interop.mllp_client import msa, send_all
    from tests.interop.test_mllp_listener import _patient_messages

    practice = f.PracticeFactory(name="Bench")
    from billing.models import FeeSchedule, FeeScheduleEntry
    from interop.models import Hl7Sender
    from tests.interop import samples

    f.ProviderFactory(practice=practice, npi=samples.NPI)
    location = f.LocationFactory(practice=practice, name="Main Office")
    f.PayerFactory(practice=practice, name="Aetna", payer_id="60054")
    schedule = FeeSchedule.objects.create(practice=practice, name="fees", kind="charge", effective_from=dt.date(2020, 1, 1))
    for code in ("99213", "17000", "17003"):
        FeeScheduleEntry.objects.create(practice=practice, schedule=schedule, code=code, amount="100.00")
    Hl7Sender.objects.create(practice=practice, sending_facility=samples.FACILITY, default_location=location)
    dos = dt.date.today() - dt.timedelta(days=5)
    patients = args.messages // 4
    streams = [[m for i in range(k, patients, args.connections) for m in _patient_messages(i, dos)]
               for k in range(args.connections)]
    url = database_url_for_tests()
    connection.close()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "rcm.settings"}
    proc = subprocess.Popen([sys.executable, "manage.py", "mllp_listener", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        while "ready on" not in proc.stdout.readline():
            pass
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(args.connections) as pool:
            results = list(pool.map(lambda s: send_all(port, [m for _, m in s], timeout=900), streams))
        seconds = time.monotonic() - started
    finally:
        proc.terminate()
        proc.wait(30)
    acked = sum(1 for acks in results for a in acks if msa(a)[0] == "AA")
    sent = sum(len(s) for s in streams)
    stored = InboundMessage.objects.filter(practice=practice, status="processed").count()
    emit({"messages": sent, "connections": args.connections, "acked_aa": acked, "stored_processed": stored,
          "seconds": round(seconds, 2), "messages_per_second": round(sent / seconds, 1),
          "ms_per_message_per_connection": round(1000 * seconds * args.connections / sent, 1)})


if __name__ == "__main__":
    main()
