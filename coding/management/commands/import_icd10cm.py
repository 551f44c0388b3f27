"""`manage.py import_icd10cm FILE --fiscal-year N`: a CMS ICD-10-CM order file for another fiscal year."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coding.formats.icd10cm_order import OrderFormatError
from coding.services.codesets import codeset_import_icd10cm_order


class Command(BaseCommand):
    help = "Import icd10cm_order_<year>.txt as the code set of fiscal year N (Oct 1 of N-1 to Sep 30 of N)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--fiscal-year", type=int, required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["file"].exists():
            raise CommandError(f"{opts['file']} does not exist")
        try:
            result = codeset_import_icd10cm_order(path=opts["file"], fiscal_year=opts["fiscal_year"])
        except OrderFormatError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(result))
