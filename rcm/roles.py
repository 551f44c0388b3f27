"""Roles a practice member can hold, and what each may do.

Permissions are checked per practice: a user who is a biller in one practice and
a manager in another gets each role's rights only in its own practice.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    CODER = "coder", "Coder"
    BILLER = "biller", "Biller"
    MANAGER = "manager", "Practice manager"
    ADMIN = "admin", "Administrator"


class Perm(StrEnum):
    VIEW_PHI = "view_phi"  # read patients, encounters, notes
    CODE = "code"  # work the coding queue: diagnoses and charge lines
    BILL = "bill"  # claims, coverage, payers, denials, payment posting
    MANAGE = "manage"  # dashboards, audit trail, reports, period close
    ADMIN = "admin"  # practice settings, members, fee schedules, payer rules


GRANTS: dict[str, frozenset[Perm]] = {
    Role.CODER: frozenset({Perm.VIEW_PHI, Perm.CODE}),
    Role.BILLER: frozenset({Perm.VIEW_PHI, Perm.BILL}),
    Role.MANAGER: frozenset({Perm.VIEW_PHI, Perm.MANAGE}),
    Role.ADMIN: frozenset(Perm),
}

# Where each role lands after login.
LANDING: dict[str, str] = {
    Role.CODER: "coding:queue",
    Role.BILLER: "claims:queue",
    Role.MANAGER: "reports:dashboard",
    Role.ADMIN: "reports:dashboard",
}


def role_has(role: str | None, perm: Perm) -> bool:
    return role is not None and perm in GRANTS.get(role, frozenset())
