"""`manage.py evaluate_coding FILE.jsonl [--verbose]`: score the engine against gold codes.

The last line printed is one JSON object: n, icd_precision, icd_recall, icd_f1, icd_category_f1,
cpt_precision, cpt_recall, cpt_f1, modifier_accuracy, negated_coded, ms_per_note.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from pydantic import ValidationError

from coding.evaluation import evaluate, parse_lines


class Command(BaseCommand):
    help = "Score the coding engine on a JSON-lines file of notes with gold ICD-10-CM and CPT codes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--verbose", action="store_true", help="list every note's misses and extras")

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        try:
            notes = parse_lines(path.read_text().splitlines())
        except (ValueError, ValidationError) as exc:
            raise CommandError(f"{path}: not the expected JSON lines ({exc})") from exc
        if not notes:
            raise CommandError(f"{path} has no notes")
        figures, results = evaluate(notes)
        for r in results:
            if opts["verbose"] or not r.perfect:
                parts = [f"{r.id}:"]
                for label, items in (("ICD missed", r.icd_missed), ("ICD extra", r.icd_extra),
                                     ("CPT missed", r.cpt_missed), ("CPT extra", r.cpt_extra),
                                     ("modifiers", r.modifier_mismatch)):
                    if items:
                        parts.append(f"{label} {', '.join(items)};")
                if r.perfect:
                    parts.append("all correct;")
                parts.append(f"{r.ms:.0f} ms")
                self.stdout.write(" ".join(parts))
        self.stdout.write(f"{sum(r.perfect for r in results)} of {len(results)} notes fully correct")
        self.stdout.write(json.dumps(figures))
