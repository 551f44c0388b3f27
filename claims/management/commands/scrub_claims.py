"""`manage.py scrub_claims [--practice ID]`: scrub every unsubmitted claim through the batch job handler."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.tasks import SCRUB
from rcm.jobs import job_execute
from rcm.models import Job


class Command(BaseCommand):
    help = "Scrub every unsubmitted claim (the same job the queue's bulk action runs); last line: JSON counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--practice", type=int, default=None, help="only this practice (id)")

    def handle(self, *args: Any, **opts: Any) -> None:
        # The same handler a worker runs, executed here so the command can print its result.
        job = Job.objects.create(kind=SCRUB, practice_id=opts["practice"], params={"all_unsubmitted": True})
        done = job_execute(job.pk)
        if done is None or done.status != Job.Status.DONE:
            raise CommandError(f"scrub failed: {done.error if done else 'job not run'}")
        r = done.result
        rules: dict[str, int] = {}
        for key in ("errors_by_rule", "warnings_by_rule"):
            for rule, n in r[key].items():
                rules[rule] = rules.get(rule, 0) + n
        self.stdout.write(f"Scrubbed {r['scrubbed']} claims: {r['clean']} clean, {r['with_errors']} with errors, "
                          f"{r['with_warnings']} with warnings ({r['changed']} changed).")
        self.stdout.write(json.dumps({"scrubbed": r["scrubbed"], "clean": r["clean"], "with_errors": r["with_errors"],
                                      "with_warnings": r["with_warnings"], "rules": dict(sorted(rules.items()))}))
