"""`manage.py import_835 FILE… [--folder DIR] [--practice ID]`: post 835 ERAs; the last line is one JSON object."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from payments.services.era import ImportResult, era_import
from payments.services.inbox import files_in, practice_for_file


class Command(BaseCommand):
    help = "Import and post X12 835 remittances (each file once; the same payment in two files posts once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="835 files")
        parser.add_argument("--folder", action="append", default=[], help="post every 835 in this folder")
        parser.add_argument("--practice", type=int, default=None,
                            help="practice id (default: the payee NPI of each file, or the only practice)")

    def handle(self, *args: Any, **opts: Any) -> None:
        paths = [Path(p) for p in opts["files"]]
        for folder in opts["folder"]:
            paths += files_in(Path(folder))
        if not paths:
            raise CommandError("Name at least one 835 file or --folder.")
        total = ImportResult()
        for path in paths:
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
            content = path.read_bytes()
            practice_id = practice_for_file(content, opts["practice"])
            if practice_id is None:
                raise CommandError(f"{path}: cannot tell which practice it is for; pass --practice.")
            result = era_import(practice_id=practice_id, content=content, filename=path.name, source="command")
            total.add(result)
            self.stdout.write(f"{path.name}: {result.claims} claims, {result.claims_matched} posted, "
                              f"{result.exceptions} exceptions, {result.already_posted} already posted, "
                              f"paid ${result.paid:.2f}")
            for problem in result.problems[:20]:
                self.stdout.write(f"  {problem}")
        self.stdout.write(json.dumps(total.as_dict()))
