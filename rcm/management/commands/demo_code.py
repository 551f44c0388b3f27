"""Print the current one-time code of the demo logins' shared TOTP key (demo only: it knows no other key)."""

from __future__ import annotations

import base64
from typing import Any

from django.core.management.base import BaseCommand
from django_otp.oath import TOTP

from billing.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current TOTP code for the demo logins (coder, biller, manager, admin, sysadmin)"

    def handle(self, *args: Any, **opts: Any) -> None:
        totp = TOTP(base64.b32decode(DEMO_TOTP_SECRET))
        self.stdout.write(f"{totp.token():06d}  (valid for {30 - int(totp.time) % 30} s more)")
