"""One command for a new user: migrate, load code sets, seed the demo practice once, print logins, serve."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from billing.demo import DEMO_PASSWORD, DEMO_SYSADMIN, DEMO_TOTP_SECRET, DEMO_USERS, demo_security_setup
from billing.models import Practice


class Command(BaseCommand):
    help = "Set up the database with demo data (first run only) and serve the app on http://127.0.0.1:8000"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--encounters", type=int, default=600)
        parser.add_argument("--no-serve", action="store_true", help="set up and exit")

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not Practice.objects.exists():
            self.stdout.write("Seeding the demo practice …")
            call_command("seed_demo", encounters=opts["encounters"], stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS(f"\nOpen http://{opts['addrport']}/ and sign in (password: {DEMO_PASSWORD}):"))
        demo_security_setup()
        for username, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {username:<8} → {role.label}")
        self.stdout.write(f"  {DEMO_SYSADMIN:<8} → Django admin only (no practice role)")
        self.stdout.write(f"Second step (every login): TOTP key {DEMO_TOTP_SECRET} in an authenticator app, "
                          "or run `manage.py demo_code` for the current code.")
        if not opts["no_serve"]:
            call_command("runserver", opts["addrport"], use_reloader=False)
