"""`manage.py sync_charges [--practice ID] [--self-pay]`: post charges the ledger is missing (idempotent)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from payments.services.ledger import ledger_sync_charges


class Command(BaseCommand):
    help = "Post the ledger charges of every claim (and, with --self-pay, of self-pay encounters) not yet posted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--practice", type=int, default=None)
        parser.add_argument("--self-pay", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        result = ledger_sync_charges(practice_id=opts["practice"], self_pay=opts["self_pay"])
        self.stdout.write(json.dumps(result.as_dict()))
