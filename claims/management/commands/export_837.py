"""`manage.py export_837 --out DIR [--payer ID] [--claims ID …]`: write 837P files, one per payer batch."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from billing.models import Payer
from claims.services import ExportError, claims_export_837


class Command(BaseCommand):
    help = ("Write 837P files (by default for every clean claim not yet in a batch); last line: "
            "{\"files\": F, \"claims\": N}. Named claims that are not exportable stop the export with every reason.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="folder for the files")
        parser.add_argument("--payer", default=None, help="clearinghouse payer ID (or payer record id)")
        parser.add_argument("--claims", nargs="+", type=int, default=None, help="claim ids")
        parser.add_argument("--practice", type=int, default=None, help="only this practice (id)")

    def handle(self, *args: Any, **opts: Any) -> None:
        out: Path = opts["out"]
        out.mkdir(parents=True, exist_ok=True)
        if not os.access(out, os.W_OK):
            raise CommandError(f"{out} is not writable")
        payer_ids: list[int] | None = None
        if opts["payer"]:
            key = opts["payer"]
            qs = Payer.objects.filter(Q(payer_id=key) | (Q(pk=int(key)) if key.isdigit() else Q(pk__in=[])))
            if opts["practice"]:
                qs = qs.filter(practice_id=opts["practice"])
            payer_ids = list(qs.values_list("pk", flat=True))
            if not payer_ids:
                raise CommandError(f"no payer with ID {key}")
        results = []
        try:
            for payer in payer_ids or [None]:
                results.append(claims_export_837(claim_ids=opts["claims"], payer_id=payer, practice_id=opts["practice"],
                                                 strict=opts["claims"] is not None))
        except ExportError as exc:
            raise CommandError("Nothing was exported:\n  " + "\n  ".join(exc.problems)) from exc
        files = claims = 0
        for result in results:
            for batch in result.batches:
                # Write beside the target, then rename: a reader never sees half a file.
                fd, tmp = tempfile.mkstemp(dir=out, prefix=".tmp-", suffix=".x12")
                with os.fdopen(fd, "w", encoding="ascii", newline="") as fh:
                    fh.write(batch.content)
                os.replace(tmp, out / batch.filename)
                self.stdout.write(f"{out / batch.filename}: {batch.claim_count} claims")
                files += 1
            claims += result.claims
            for reason in result.skipped:
                self.stdout.write(f"skipped: {reason}")
        self.stdout.write(json.dumps({"files": files, "claims": claims}))
