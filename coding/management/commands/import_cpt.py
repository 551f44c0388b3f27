"""`manage.py import_cpt FILE --label L --effective-from D`: a licensed CPT descriptor file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coding.formats.cpt_file import CptFormatError
from coding.services.codesets import codeset_import_cpt


class Command(BaseCommand):
    help = "Import a licensed CPT file (code<TAB>descriptor per line). Only for practices holding an AMA licence."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--label", required=True, help="version label, e.g. 'CPT 2026 (licensed)'")
        parser.add_argument("--effective-from", type=dt.date.fromisoformat, required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["file"].exists():
            raise CommandError(f"{opts['file']} does not exist")
        try:
            result = codeset_import_cpt(path=opts["file"], label=opts["label"], effective_from=opts["effective_from"])
        except CptFormatError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(result))
