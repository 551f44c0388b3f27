"""`manage.py import_ncci [--ptp FILE …] [--mue FILE …] [--replace] [--sample]`: load CMS NCCI practitioner files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.ncci.files import NcciFileError, load_sample, mue_load, ptp_load, read_mue, read_ptp


class Command(BaseCommand):
    help = ("Import CMS's practitioner PTP edit files (.txt/.xlsx) and MUE file (.csv/.xlsx), downloaded from CMS "
            "under the CPT licence; --sample loads our own small sample in the same layouts.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ptp", nargs="+", type=Path, default=[], help="practitioner PTP files (f1..f4)")
        parser.add_argument("--mue", nargs="+", type=Path, default=[], help="practitioner MUE file")
        parser.add_argument("--replace", action="store_true", help="empty the table first (a new quarter)")
        parser.add_argument("--sample", action="store_true", help="load the shipped sample instead")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["sample"]:
            self.stdout.write(json.dumps(load_sample()))
            return
        if not opts["ptp"] and not opts["mue"]:
            raise CommandError("give --ptp and/or --mue files, or --sample")
        figures: dict[str, int] = {"ptp": 0, "mue": 0}
        try:
            for n, path in enumerate(opts["ptp"]):
                r = ptp_load(read_ptp(path), replace=opts["replace"] and n == 0)
                figures["ptp"] += r["read"]
                self.stdout.write(f"{path.name}: {r['read']} PTP edits read, {r['changed']} new or changed")
            for n, path in enumerate(opts["mue"]):
                r = mue_load(read_mue(path), replace=opts["replace"] and n == 0)
                figures["mue"] += r["read"]
                self.stdout.write(f"{path.name}: {r['read']} MUEs read, {r['changed']} new or changed")
        except (NcciFileError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(figures))
