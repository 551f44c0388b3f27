"""`manage.py generate_claims [--practice ID]`: primary claims for every coded encounter not yet billed."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from claims.services import claims_generate_pending


class Command(BaseCommand):
    help = "Create claims for every coded encounter not yet billed; last line: {\"claims\": N}."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--practice", type=int, default=None, help="only this practice (id)")

    def handle(self, *args: Any, **opts: Any) -> None:
        result = claims_generate_pending(practice_id=opts["practice"])
        self.stdout.write(f"{result.encounters} coded encounters: {result.claims} claims created, {result.self_pay} "
                          f"self-pay (no active insurance on the date of service; left coded for patient statements).")
        self.stdout.write(json.dumps({"claims": result.claims}))
