"""Import HL7 v2 files and FHIR Bundles from files or folders, synchronously; last line is a JSON summary."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from billing.models import Practice
from interop.hl7 import reader as hl7
from interop.models import Channel, Format
from interop.services.fhir import fhir_bundle_receive
from interop.services.files import folder_files, sniff_format
from interop.services.messages import hl7_text_receive


class Command(BaseCommand):
    help = ("Import .hl7/.txt (HL7 v2, one or many messages a file) and .json (FHIR R4 Bundles) files or folders. "
            "HL7 messages go to the practice mapped to their MSH-4 unless --practice is given; FHIR needs --practice.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="+", help="files or folders (searched recursively)")
        parser.add_argument("--practice", type=int, help="practice id to import into")

    def handle(self, *args: Any, **opts: Any) -> None:
        practice_id = opts.get("practice")
        if practice_id is not None and not Practice.objects.filter(pk=practice_id).exists():
            raise CommandError(f"No practice {practice_id}.")
        paths: list[Path] = []
        for raw in opts["paths"]:
            path = Path(raw)
            if path.is_dir():
                paths += folder_files(path)
            elif path.is_file():
                paths.append(path)
            else:
                raise CommandError(f"{raw}: no such file or folder")
        acks: Counter[str] = Counter()
        for path in paths:
            content = path.read_bytes()
            if sniff_format(path.name, content) == Format.FHIR:
                if practice_id is None:
                    raise CommandError(f"{path}: FHIR files need --practice")
                result = fhir_bundle_receive(practice_id=practice_id, content=content, channel=Channel.FOLDER)
                code = result.message.ack_code if result.message else "AR"
                acks[code] += 1
                self.stdout.write(f"{path}: {code} {result.message.error if result.message else result.response}")
                continue
            try:
                pieces = hl7.split_file(hl7.decode(content))
            except hl7.Hl7Reject as exc:
                acks["AR"] += 1
                self.stdout.write(f"{path}: AR {exc}")
                continue
            for piece in pieces:
                received = hl7_text_receive(text=piece, channel=Channel.FOLDER, practice_id=practice_id)
                acks[received.ack_code] += 1
                if received.ack_code != "AA":
                    self.stdout.write(f"{path}: {received.ack_code} {received.ack.split(chr(13))[1]}")
        self.stdout.write(json.dumps({"files": len(paths), **{k: acks[k] for k in ("AA", "AE", "AR")}}))
