"""Build the demo practices: `manage.py seed_demo [--encounters N] [--seed S] [--today YYYY-MM-DD]`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from billing.demo import DEMO_PASSWORD, DEMO_SYSADMIN, DEMO_TOTP_SECRET, DEMO_USERS, demo_users, seed_practice
from billing.models import Practice

MAIN = "Riverbend Dermatology & Family Medicine"
SECOND = "Lakeside Skin Clinic"


class Command(BaseCommand):
    help = "Seed a realistic dermatology + primary-care demo practice (and a small second one for multi-practice users)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--encounters", type=int, default=600, help="encounters in the main practice (default 600)")
        parser.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same data")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="anchor date (default: today); dates of service fall in the 9 months before it")
        parser.add_argument("--skip-codesets", action="store_true", help="do not run load_codesets first")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["encounters"] < 1:
            raise CommandError("--encounters must be at least 1")
        today = opts["today"] or timezone.localdate()
        if not opts["skip_codesets"] and "load_codesets" in get_commands():
            call_command("load_codesets", verbosity=0)
        if Practice.objects.filter(name=MAIN).exists():
            self.stdout.write(f"{MAIN!r} already exists; nothing to do.")
            self.stdout.write(json.dumps({"encounters": 0, "seconds": 0.0, "already_seeded": True}))
            return
        users = demo_users()
        main = seed_practice(name=MAIN, encounters=opts["encounters"], seed=opts["seed"], today=today, users=users)
        second = seed_practice(name=SECOND, encounters=max(20, opts["encounters"] // 20), seed=opts["seed"] + 1000,
                               today=today, mrn_prefix="L", users={"admin": users["admin"], "manager": users["manager"]})
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
