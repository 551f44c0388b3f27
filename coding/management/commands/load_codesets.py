"""`manage.py load_codesets`: load every code set that ships with the project (idempotent, seconds)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand

from coding.services.codesets import codesets_load_shipped


class Command(BaseCommand):
    help = "Load ICD-10-CM (simple-icd-10-cm), our CPT labels, the shipped HCPCS subset and modifiers."

    def handle(self, *args: Any, **opts: Any) -> None:
        started = time.perf_counter()
        results = codesets_load_shipped()
        for r in results:
            self.stdout.write(str(r))
        seconds = round(time.perf_counter() - started, 2)
        self.stdout.write(json.dumps({"codes": sum(r.codes for r in results),
                                      "loaded": sum(0 if r.skipped else r.codes for r in results), "seconds": seconds}))
