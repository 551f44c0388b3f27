"""`manage.py poll_clearinghouse [--practice ID]`: fetch and process every answer waiting at the clearinghouses."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.clearinghouse.models import ClearinghouseConnection
from claims.clearinghouse.services import PollResult, clearinghouse_poll


class Command(BaseCommand):
    help = ("Fetch, store and process the answers waiting for each active connection (TA1, 999, 277CA, 277, 271, "
            "835); last line: {\"files\", \"accepted\", \"rejected\", \"status_updates\", \"remittances_posted\", "
            "\"errors\"}.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--practice", type=int, default=None, help="only this practice (id)")

    def handle(self, *args: Any, **opts: Any) -> None:
        conns = ClearinghouseConnection.objects.filter(is_active=True).order_by("pk")
        if opts["practice"] is not None:
            conns = conns.filter(practice_id=opts["practice"])
            if not conns.exists():
                raise CommandError(f"practice {opts['practice']} has no active clearinghouse connection")
        total = PollResult()
        for conn in conns:
            result = clearinghouse_poll(connection=conn)
            for problem in result.problems:
                self.stdout.write(f"{conn.name} (practice {conn.practice_id}): {problem}")
            total.add(result)
        self.stdout.write(json.dumps(total.as_dict()))
