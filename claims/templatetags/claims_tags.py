"""Small template helpers for the claims pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from claims.scrub import RULES

register = template.Library()

STATUS_BADGE = {"draft": "muted", "scrubbed_errors": "err", "clean": "ok", "queued": "", "submitted": "",
                "accepted": "ok", "rejected": "err", "paid": "ok", "partially_paid": "warn", "denied": "err",
                "closed": "muted", "void": "muted", "replaced": "muted"}


@register.filter
def rule_title(code: str) -> str:
    r = RULES.get(code)
    return r.title if r else code


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGE.get(status, "")


@register.filter
def days_until(day: dt.date | None, today: dt.date) -> int | None:
    return (day - today).days if day else None


@register.filter
def get(mapping: dict[str, Any] | None, key: str) -> Any:
    return (mapping or {}).get(key)


@register.filter
def quiet_days(claim: Any) -> int | None:
    """Days a sent claim has waited for the payer's answer (None unless submitted or accepted)."""
    from claims.clearinghouse.services import days_without_answer

    return days_without_answer(claim)


@register.simple_tag
def eligibility_for(coverage: Any, day: dt.date) -> Any:
    """The newest finished eligibility check of a coverage for a date of service (or None)."""
    from claims.eligibility.services import eligibility_latest

    return eligibility_latest(coverage_ids=[coverage.pk], on=day).get(coverage.pk) if coverage else None
