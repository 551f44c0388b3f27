"""Build the demo practices: `manage.py seed_demo [--encounters N] [--seed S] [--today YYYY-MM-DD]`.

`--lines N` builds a benchmark-size main practice of about N claim lines: a base of at most BULK_BASE encounters
over 13 months through the services (what `--encounters` builds), grown with set-based copies of itself
(`billing.demo_bulk`), then the EHR imports and the dashboard summaries. A million lines took 17 minutes on a
shared 2-CPU machine (2 of them the base, 12.5 the copies), against well over an hour through the services alone.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from billing.demo import (
    DEMO_PASSWORD,
    DEMO_SYSADMIN,
    DEMO_TOTP_SECRET,
    DEMO_USERS,
    SeedResult,
    demo_users,
    seed_practice,
    seed_steps,
)
from billing.demo_bulk import grow_practice
from billing.models import Practice
from rcm.apps import DOMAIN_APPS

MAIN = "Riverbend Dermatology & Family Medicine"
SECOND = "Lakeside Skin Clinic"
BULK_BASE = 15_000  # most encounters seeded through the services before copying (2-5 minutes)
BULK_WINDOW_DAYS = 400  # a benchmark practice has thirteen months of dates of service: the dashboard shows twelve
LINES_PER_ENCOUNTER = 1.3  # claim lines per seeded encounter (measured: 1.32), to size the base
GROW_BEFORE = "interop"  # EHR imports and the summaries come after the copies


class Command(BaseCommand):
    help = "Seed a realistic dermatology + primary-care demo practice (and a small second one for multi-practice users)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--encounters", type=int, default=600, help="encounters in the main practice (default 600)")
        parser.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same data")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="anchor date (default: today); dates of service fall in the 9 months before it")
        parser.add_argument("--skip-codesets", action="store_true", help="do not run load_codesets first")
        parser.add_argument("--lines", type=int, default=None,
                            help="benchmark size: about this many claim lines in the main practice (bulk copies)")
        parser.add_argument("--base-encounters", type=int, default=None,
                            help=f"with --lines: encounters seeded through the services (default: sized from "
                                 f"--lines, at most {BULK_BASE:,})")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["encounters"] < 1:
            raise CommandError("--encounters must be at least 1")
        if opts["lines"] is not None and opts["lines"] < 1:
            raise CommandError("--lines must be at least 1")
        today = opts["today"] or timezone.localdate()
        if not opts["skip_codesets"] and "load_codesets" in get_commands():
            call_command("load_codesets", verbosity=0)
        if Practice.objects.filter(name=MAIN).exists():
            self.stdout.write(f"{MAIN!r} already exists; nothing to do.")
            self.stdout.write(json.dumps({"encounters": 0, "seconds": 0.0, "already_seeded": True}))
            return
        users = demo_users()
        if opts["lines"] is not None:
            main, grown = self._bulk(lines=opts["lines"], base=opts["base_encounters"], seed=opts["seed"], today=today,
                                     users=users)
        else:
            main = seed_practice(name=MAIN, encounters=opts["encounters"], seed=opts["seed"], today=today, users=users)
            grown = None
        second = seed_practice(name=SECOND, encounters=max(20, (grown["base_encounters"] if grown else
                                                                 opts["encounters"]) // 20),
                               seed=opts["seed"] + 1000, today=today, mrn_prefix="L",
                               users={"admin": users["admin"], "manager": users["manager"]})
        if grown:
            main.extra["bulk"] = grown
        total = main.seconds + second.seconds
        self.stdout.write(f"Seeded {main.practice.name}: {main.encounters} encounters ({main.coded} coded), "
                          f"{main.patients} patients; {second.practice.name}: {second.encounters} encounters.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {username:<8} {role.label}")
        self.stdout.write(f"  {DEMO_SYSADMIN:<8} Django admin only (no practice role)")
        self.stdout.write(f"Second step: TOTP key {DEMO_TOTP_SECRET} in an authenticator app, or `manage.py demo_code`.")
        self.stdout.write(f"Seed time: {total:.1f} s")
        self.stdout.write(json.dumps({"encounters": main.encounters + second.encounters, "coded": main.coded + second.coded,
                                      "patients": main.patients + second.patients, "seconds": round(total, 2),
                                      **{k: v for k, v in main.extra.items() if isinstance(v, (int, float, str, dict))}}))

    def _bulk(self, *, lines: int, base: int | None, seed: int, today: dt.date,
              users: dict[str, Any]) -> tuple[SeedResult, dict[str, Any]]:
        """The base through the services (up to the claims and payments), copies of it, then the last steps."""
        from claims.models import ClaimLine

        started = time.perf_counter()
        wanted = math.ceil(lines / LINES_PER_ENCOUNTER)
        if base is None:  # equal parts: the base and its copies each hold about lines / (copies + 1)
            base = math.ceil(wanted / math.ceil(wanted / BULK_BASE))
        before = DOMAIN_APPS[:DOMAIN_APPS.index(GROW_BEFORE)]
        main = seed_practice(name=MAIN, encounters=base, seed=seed, today=today, users=users,
                             window_days=BULK_WINDOW_DAYS, steps=before)
        base_s = time.perf_counter() - started
        base_lines = ClaimLine.objects.filter(practice=main.practice).count()
        copies = max(0, round(lines / base_lines) - 1) if base_lines else 0
        self.stdout.write(f"Base: {base:,} encounters, {base_lines:,} claim lines in {base_s:.0f} s; "
                          f"{copies} copies to reach about {lines:,} claim lines.")
        grown = grow_practice(practice_id=main.practice.pk, copies=copies, log=self.stdout.write)
        after = time.perf_counter()
        seed_steps(main, seed=seed, today=today, apps=DOMAIN_APPS[len(before):])
        main.encounters, main.coded = main.encounters * (copies + 1), main.coded * (copies + 1)
        main.patients *= copies + 1
        main.seconds = time.perf_counter() - started
        return main, {"base_encounters": base, "base_lines": base_lines, "base_seconds": round(base_s, 1),
                      **grown.as_dict(), "after_seconds": round(time.perf_counter() - after, 1),
                      "claim_lines": ClaimLine.objects.filter(practice=main.practice).count()}
