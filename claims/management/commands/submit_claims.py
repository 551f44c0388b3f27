"""`manage.py submit_claims [--practice ID]`: send every clean queued claim through the practice's clearinghouse."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.clearinghouse.models import ClearinghouseConnection
from claims.clearinghouse.services import claims_submit


class Command(BaseCommand):
    help = ("Put every clean queued claim into 837P files and send each once through the practice's adapter; "
            "last line: {\"batches\", \"claims_sent\", \"claims_skipped\"}.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--practice", type=int, default=None, help="only this practice (id)")

    def handle(self, *args: Any, **opts: Any) -> None:
        practices = sorted(set(ClearinghouseConnection.objects.filter(is_active=True).values_list(
            "practice_id", flat=True)))
        if opts["practice"] is not None:
            if opts["practice"] not in practices:
                raise CommandError(f"practice {opts['practice']} has no active clearinghouse connection")
            practices = [opts["practice"]]
        totals = {"batches": 0, "claims_sent": 0, "claims_skipped": 0}
        for practice_id in practices:
            try:
                result = claims_submit(practice_id=practice_id, send_now=True)
            except ValidationError as exc:
                self.stderr.write(f"practice {practice_id}: {'; '.join(exc.messages)}")
                continue
            for reason in result.skipped_reasons:
                self.stdout.write(f"practice {practice_id}: skipped: {reason}")
            for failure in result.failed:
                self.stdout.write(f"practice {practice_id}: {failure}")
            for key, value in result.as_dict().items():
                totals[key] += value
        self.stdout.write(json.dumps(totals))
