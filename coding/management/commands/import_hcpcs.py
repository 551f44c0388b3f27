"""`manage.py import_hcpcs FILE [--label L] [--effective-from D]`: a CMS quarterly HCPCS file (ANWEB .txt)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coding.formats.hcpcs_anweb import HcpcsFormatError
from coding.services.codesets import codeset_import_hcpcs

MONTHS = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}


class Command(BaseCommand):
    help = "Import the public CMS HCPCS Level II quarterly file (fixed-width ANWEB text)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--label", help="version label (default: from the file name, e.g. 2026 JAN)")
        parser.add_argument("--effective-from", type=dt.date.fromisoformat,
                            help="first date of service (default: from the file name, e.g. HCPC2026_JAN -> 2026-01-01)")

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        m = re.search(r"HCPC(\d{4})_([A-Z]{3})", path.name.upper())
        start = opts["effective_from"] or (dt.date(int(m.group(1)), MONTHS.get(m.group(2), 1), 1) if m else None)
        if start is None:
            raise CommandError("cannot tell the quarter from the file name; pass --effective-from")
        label = opts["label"] or (f"{m.group(1)} {m.group(2)}" if m else path.stem)
        try:
            results = codeset_import_hcpcs(path=path, label=label, effective_from=start)
        except HcpcsFormatError as exc:
            raise CommandError(str(exc)) from exc
        for r in results:
            self.stdout.write(str(r))
